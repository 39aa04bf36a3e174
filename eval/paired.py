"""``python -m eval.paired BASE.json NEW.json``: two ``qa eval`` reports compared question by question
(``qa/paired.py``)."""

from __future__ import annotations

from qa.paired import Paired, compare_reports, paired

__all__ = ["Paired", "compare_reports", "main", "paired"]


def main(argv: list[str] | None = None) -> int:
    """``python -m eval.paired BASE.json NEW.json``: compare two ``qa eval`` reports question by question."""
    import argparse
    import json
    import sys
    from pathlib import Path

    ap = argparse.ArgumentParser(prog="python -m eval.paired", description=main.__doc__)
    ap.add_argument("base", type=Path)
    ap.add_argument("new", type=Path)
    args = ap.parse_args(argv)
    try:
        reports = [json.loads(p.read_text("utf-8")) for p in (args.base, args.new)]
        result = compare_reports(*reports)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for what, cmp in result.items():
        print(f"{what}: {cmp}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Questions asked of a corpus they are not about: every one should abstain.

    python -m eval.unanswerable --gold ../shared/data/newsqa-dev/gold.jsonl --out WORK/asked-of-bundled.jsonl

Writes the questions with their answers removed (kind ``unanswerable``), for ``qa eval`` over another corpus
(the bundled one by default). The output stays in a work folder: NewsQA is for internal evaluation only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qa.evaluation import GoldError, load_gold
from qa.files import write_jsonl


def unanswerable(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions with their answers removed, to be asked of a corpus they are not about."""
    return [{"id": i["id"], "question": i["question"], "answers": [], "kind": "unanswerable"} for i in items]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    try:
        items = load_gold(args.gold)
    except GoldError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = unanswerable(items)
    write_jsonl(args.out, rows)
    print(f"{len(rows)} questions -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Gates a noise margin below the shipped figures: ``python -m eval.floors REPORT.json THRESHOLDS.json
[--write]``.

Each gate of THRESHOLDS (its metric names and directions) is set from the ``qa eval`` report of the shipped
answerer: a ``min`` to the lower end of that figure's 95% bootstrap interval, a ``max`` to the upper end
(``qa.evaluation.floors``). On the small gold sets a gate at the shipped figure itself blocks or passes a change
on one question; the floors hold only against a loss larger than the set can measure, and the question-by-
question comparison with the committed baseline (``qa eval --baseline``) catches a significant one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.evaluation import floors
from qa.files import write_atomic


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.floors", description=__doc__.split("\n\n")[0])
    ap.add_argument("report", type=Path, help="a qa eval report (JSON) of the shipped answerer")
    ap.add_argument("thresholds", type=Path, help="the gates to set (their metrics and directions are kept)")
    ap.add_argument("--write", action="store_true", help="write the floors into THRESHOLDS")
    args = ap.parse_args(argv)
    try:
        rows = json.loads(args.report.read_text("utf-8"))["rows"]
        gates = json.loads(args.thresholds.read_text("utf-8"))
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    new = floors(rows, gates)
    for name, bound in new.items():
        print(f"{name}: {gates[name]} -> {bound}")
    if args.write:
        text = "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in new.items()) + "\n}\n"
        write_atomic(args.thresholds, text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

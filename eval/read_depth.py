"""How many retrieved passages the reader should read: accuracy against latency, plotted.

    python -m eval.read_depth --gold GOLD --index INDEX [--depths 1,2,3,4,6,8] [--name newsqa]

Writes ``docs/reports/read-depth-NAME.{json,md,png}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.answerer import Answerer, AnswererSettings
from qa.config import cache_dir
from qa.evaluation import evaluate, load_gold
from qa.index import Index


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--depths", default="1,2,3,4,6,8")
    ap.add_argument("--name", default="newsqa")
    ap.add_argument(
        "--out", type=Path, default=cache_dir() / "reports", help="committed reports: docs/reports"
    )
    args = ap.parse_args(argv)
    items = load_gold(args.gold)
    index = Index.load(args.index)
    rows = []
    model = None
    for n in (int(x) for x in args.depths.split(",")):
        answerer = Answerer(index, AnswererSettings(read_passages=n), span_model=model)
        model = answerer.span_model
        m, _ = evaluate(answerer, items)
        rows.append(
            {"passages": n}
            | {
                k: m[k]
                for k in (
                    "answer_accuracy",
                    "passage_hit@1",
                    "abstention_accuracy",
                    "false_abstentions",
                    "latency_ms_p50",
                    "latency_ms_p95",
                )
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.out / f"read-depth-{args.name}"
    base.with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = [
        f"# Passages read against accuracy and latency ({args.name}, {len(items)} questions)",
        "",
        "| passages | answer accuracy | hit@1 | false abstentions | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['passages']} | {r['answer_accuracy']} | {r['passage_hit@1']} | {r['false_abstentions']} | "
        f"{r['latency_ms_p50']} | {r['latency_ms_p95']} |"
        for r in rows
    ]
    base.with_suffix(".md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([r["latency_ms_p50"] for r in rows], [r["answer_accuracy"] for r in rows], marker="o")
    for r in rows:
        ax.annotate(
            str(r["passages"]),
            (r["latency_ms_p50"], r["answer_accuracy"]),
            textcoords="offset points",
            xytext=(4, -10),
        )
    ax.set_xlabel("warm latency p50 (ms, 2 cores)")
    ax.set_ylabel("answer accuracy")
    ax.set_title(f"passages read ({args.name})")
    fig.tight_layout()
    fig.savefig(base.with_suffix(".png"), dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())

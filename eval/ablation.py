"""Ablations: the answerer with and without each piece kept on top of the trained reader.

    python -m eval.ablation --set bundled=eval/gold.jsonl:index \\
        --set newsqa=../shared/data/newsqa-dev/gold.jsonl:~/.cache/qa-news/newsqa/index [--out eval/reports]

Each set is ``name=GOLD:INDEX`` (an index already built). Variants:
- ``model``: the shipped answerer (trained reader, per-article agreement, the unknown-name rule, figure cuts);
- ``-unknown_names``: without abstaining on names the corpus never mentions;
- ``-proximity``: the reader's spans ranked by its margin alone, not also by closeness to the question's words;
- ``+retrieval_prior``: spans gain logits for their passage's retrieval rank, with the threshold tuned with it
  (the model card's, from ``eval/tune_pipeline.py``; measured, off: one question under two gates);
- ``+figures_only``: a quantity question keeps only the spans that hold a figure (measured, off: SQuAD loses);
- ``-figure_cut``: without cutting a span to the figure the question asks for (the span as read);
- ``-whole_ranges``: cutting also a span that states a range ("12 to 18 months") to its first figure;
- ``fusion_k=10``: rank fusion with k = 10 instead of 60, as ``eval/tune_fusion.py`` chooses on the held-out
  tuning set (measured, off: the bundled gold set loses three questions and its one conflict found);
- ``fusion_k=10+retrieval_prior``: both;
- ``support_bonus=0.04``: with a bonus per supporting article (0.04) instead of none.

The rule reader the model replaced, and the hybrid of both, were removed on 2026-12-04 after their last
measurement (``eval/reports/ablation.md`` of 2026-12-03 keeps their rows).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from qa.answerer import Answerer, AnswererSettings
from qa.evaluation import evaluate, load_gold
from qa.index import Index
from qa.proximity import Proximity
from qa.retriever import FusionSettings

VARIANTS: dict[str, AnswererSettings] = {
    "model": AnswererSettings(),
    "-unknown_names": AnswererSettings(unknown_names=False),
    "-figure_cut": AnswererSettings(figure_cut=False),
    "-whole_ranges": AnswererSettings(whole_ranges=False),
    "-proximity": AnswererSettings(proximity=Proximity(0.0)),
    "+figures_only": AnswererSettings(figures_only=True),
    "+retrieval_prior": AnswererSettings(retrieval_prior=None),
    "support_bonus=0.04": AnswererSettings(support_bonus=0.04),
    "fusion_k=10": AnswererSettings(fusion=FusionSettings(k=10)),
    "fusion_k=10+retrieval_prior": AnswererSettings(fusion=FusionSettings(k=10), retrieval_prior=None),
    "read_passages=12": AnswererSettings(read_passages=12),
}
METRICS = (
    "answer_accuracy",
    "numeric_accuracy",
    "text_f1",
    "passage_hit@1",
    "abstention_accuracy",
    "false_abstentions",
    "citation_recall",
    "conflict_detection",
    "latency_ms_p50",
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", required=True, help="name=GOLD:INDEX")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--out", type=Path, default=Path("eval/reports"))
    ap.add_argument("--name", default="ablation", help="report file name, without extension")
    args = ap.parse_args(argv)
    table: dict[str, dict[str, dict]] = {}
    for spec in args.set:
        name, _, paths = spec.partition("=")
        gold, _, index_dir = paths.partition(":")
        items = load_gold(Path(gold).expanduser())
        index = Index.load(Path(index_dir).expanduser())
        for variant in args.variants.split(","):
            t = time.time()
            metrics, _ = evaluate(Answerer(index, VARIANTS[variant]), items)
            table.setdefault(name, {})[variant] = {k: metrics.get(k) for k in METRICS}
            print(
                f"{name} {variant}: {json.dumps(table[name][variant])} ({time.time() - t:.0f} s)", flush=True
            )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(table, indent=1) + "\n")
    command = "python -m eval.ablation " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [f"# Ablations (`{command}`)", ""]
    for name, rows in table.items():
        lines += [
            f"## {name}",
            "",
            "| variant | " + " | ".join(METRICS) + " |",
            "|---" * (len(METRICS) + 1) + "|",
        ]
        for variant, m in rows.items():
            lines.append(
                f"| {variant} | " + " | ".join("" if m[k] is None else str(m[k]) for k in METRICS) + " |"
            )
        lines.append("")
    (args.out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ablations: the answerer with and without each piece kept on top of the trained reader.

    python -m eval.ablation --set bundled=eval/gold.jsonl:index \\
        --set newsqa=../shared/data/newsqa-dev/gold.jsonl:~/.cache/qa-news/newsqa/index [--out docs/reports]

Each set is ``name=GOLD:INDEX`` (an index already built). Variants:
- ``model``: the shipped answerer (trained reader, per-article agreement, the unknown-name rule, figure cuts);
- ``-unknown_names``: without abstaining on names the corpus never mentions;
- ``-bound_conflicts``: every confident other figure is a conflict, not only one its sentence binds to the
  question's names;
- ``-proximity``: the reader's spans ranked by its margin alone, not also by closeness to the question's words;
- ``+retrieval_prior``: spans gain logits for their passage's retrieval rank, with the threshold tuned with it
  (the model card's, from ``eval/tune_pipeline.py``; measured, off: one question under two gates);
- ``+figures_only``: a quantity question keeps only the spans that hold a figure (measured, off: SQuAD loses);
- ``-figure_preference``: without the softer form, a quantity question's spans without a figure losing 0.05;
- ``-every_mention``: citing only the articles whose best span states the answer;
- ``+retrieval_prior+figures_only``: both (measured, off: the prior's two gate misses stay, SQuAD reads worse);
- ``-figure_cut``: without cutting a span to the figure the question asks for (the span as read);
- ``-whole_ranges``: cutting also a span that states a range ("12 to 18 months") to its first figure;
- ``fusion_k=60``: rank fusion with the usual k = 60 instead of the 10 that ``eval/tune_fusion.py`` chose on the
  held-out tuning set (shipped 2026-12-07: held-out +35/-19, no loss on any other set);
- ``support_bonus=0.04``: with a bonus per supporting article (0.04) instead of none;
- ``-new_facts``: a follow-up that replaces part of the earlier turn may be answered with the earlier answer;
- ``-length_batches``: the reader reads all windows in one batch padded to the longest, not in two by length;
- ``reader=DIR``: the shipped answerer reading with another reader model folder (an export whose ``model.json``
  ``eval.tune_reader --write`` has tuned), to compare a retrained reader with the shipped one on every set.

Every variant after the first is also compared with the first question by question (``eval/paired.py``: the
difference with its 95% paired-bootstrap interval, questions gained and lost, McNemar's exact p), so a gate a
question or two away can be told from a real change.

The rule reader the model replaced, and the hybrid of both, were removed on 2026-12-04 after their last
measurement (``docs/reports/ablation.md`` of 2026-12-03 keeps their rows).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict
from pathlib import Path

from qa.answerer import Answerer, AnswererSettings
from qa.config import cache_dir
from qa.evaluation import evaluate, load_gold
from qa.files import write_atomic
from qa.index import Index
from qa.paired import Paired, compare_reports
from qa.proximity import Proximity
from qa.retriever import FusionSettings
from qa.span_reader import SpanReader

VARIANTS: dict[str, AnswererSettings] = {
    "model": AnswererSettings(),
    "-unknown_names": AnswererSettings(unknown_names=False),
    "-figure_cut": AnswererSettings(figure_cut=False),
    "-whole_ranges": AnswererSettings(whole_ranges=False),
    "-bound_conflicts": AnswererSettings(bound_conflicts=False),
    "-proximity": AnswererSettings(proximity=Proximity(0.0)),
    "+figures_only": AnswererSettings(figures_only=True),
    "-figure_preference": AnswererSettings(figure_preference=0.0),
    "-every_mention": AnswererSettings(every_mention=False),
    "+retrieval_prior": AnswererSettings(retrieval_prior=None),
    "+retrieval_prior+figures_only": AnswererSettings(retrieval_prior=None, figures_only=True),
    "support_bonus=0.04": AnswererSettings(support_bonus=0.04),
    "fusion_k=60": AnswererSettings(fusion=FusionSettings(k=60)),
    "read_passages=12": AnswererSettings(read_passages=12),
    "-new_facts": AnswererSettings(new_facts=False),
}
# Variants of the shipped reader itself, with the shipped settings.
READERS: dict[str, dict] = {"-length_batches": {"by_length": False}}


def check_variant(variant: str) -> None:
    """A one-line error for a variant that names no settings change and no reader model folder."""
    if variant.startswith("reader="):
        folder = Path(variant.removeprefix("reader=")).expanduser()
        if not (folder / "model.json").is_file():
            raise SystemExit(f"error: {folder} holds no reader model (no model.json)")
    elif variant not in VARIANTS and variant not in READERS:
        raise SystemExit(
            f"error: unknown variant {variant!r} (choose from {', '.join([*VARIANTS, *READERS])} or reader=DIR)"
        )


def slug(variant: str) -> str:
    """A file-name form of a variant: ``reader=/x/runs/a/export`` → ``reader-a-export``."""
    if variant.startswith("reader="):
        variant = "reader-" + "-".join(Path(variant.removeprefix("reader=")).parts[-2:])
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", variant).strip("-")


def answerer_for(variant: str, index: Index) -> Answerer:
    """The answerer a variant names: a settings change, or ``reader=DIR`` for another reader model."""
    check_variant(variant)
    if variant.startswith("reader="):
        folder = Path(variant.removeprefix("reader=")).expanduser()
        return Answerer(index, AnswererSettings(), span_model=SpanReader(folder))
    if variant in READERS:
        return Answerer(index, AnswererSettings(), span_model=SpanReader(**READERS[variant]))
    return Answerer(index, VARIANTS[variant])


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
    ap.add_argument(
        "--out", type=Path, default=cache_dir() / "reports", help="committed reports: docs/reports"
    )
    ap.add_argument("--name", default="ablation", help="report file name, without extension")
    ap.add_argument(
        "--keep-rows",
        action="store_true",
        help="also write each set's per-question rows for each variant (OUT/NAME-rows/SET.VARIANT.json), "
        "so a later run can be compared with `python -m eval.paired` without rerunning this one",
    )
    args = ap.parse_args(argv)
    first, *others = args.variants.split(",")
    for variant in (first, *others):
        check_variant(variant)  # before any index loads
    table: dict[str, dict[str, dict]] = {}
    versus: dict[str, dict[str, dict[str, Paired]]] = {}
    for spec in args.set:
        name, _, paths = spec.partition("=")
        gold, _, index_dir = paths.partition(":")
        items = load_gold(Path(gold).expanduser())
        index = Index.load(Path(index_dir).expanduser())
        base: list[dict] = []
        for variant in [first, *others]:
            t = time.time()
            metrics, rows = evaluate(answerer_for(variant, index), items)
            table.setdefault(name, {})[variant] = {k: metrics.get(k) for k in METRICS}
            if args.keep_rows:
                keep = args.out / f"{args.name}-rows" / f"{name}.{slug(variant)}.json"
                keep.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(keep, (json.dumps({"rows": rows}) + "\n").encode())
            print(
                f"{name} {variant}: {json.dumps(table[name][variant])} ({time.time() - t:.0f} s)", flush=True
            )
            if variant == first:
                base = rows
                continue
            versus.setdefault(name, {})[variant] = compare_reports({"rows": base}, {"rows": rows})
            for what, cmp in versus[name][variant].items():
                print(f"  {what} against {first}: {cmp}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    paired_json = {
        n: {v: {w: asdict(c) for w, c in cmp.items()} for v, cmp in vs.items()} for n, vs in versus.items()
    }
    (args.out / f"{args.name}.json").write_text(
        json.dumps(table | ({"paired": paired_json} if versus else {}), indent=1) + "\n"
    )
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
        if versus.get(name):
            lines += [
                f"Against `{first}`, question by question (95% paired-bootstrap interval of the difference, "
                "questions gained / lost, McNemar's exact p):",
                "",
                "| variant | answers | abstentions |",
                "|---|---|---|",
            ]
            for variant, cmp in versus[name].items():
                lines.append(f"| {variant} | {cmp.get('answers', '')} | {cmp.get('abstentions', '')} |")
            lines.append("")
    (args.out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

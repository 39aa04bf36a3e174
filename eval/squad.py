"""SQuAD v1.1 dev as one corpus: the assistant beside the naive baseline, in the same run.

    python -m eval.squad                 # fixed sample: every digit-answer question + others to 3,000
    python -m eval.squad --all           # all 10,570 questions
    python -m eval.squad --slice 300     # CI: a small fixed slice of that sample

The 2,067 paragraphs are indexed as one corpus (one article per paragraph, the Wikipedia title as its
title). Metrics: passage hit@1/@3 (the passage is from the question's paragraph and contains a gold
answer), answer EM/F1 (SQuAD normalisation, best over the gold answers), overall and for the numeric
subset (a gold answer has a digit). The naive baseline: sentence chunks embedded with the same
all-MiniLM-L6-v2 weights, the top sentence is the answer, or its first number for numeric questions.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer_metrics import exact_match, f1_score, normalize_answer
from qa.config import cache_dir
from qa.evaluation import _percentile
from qa.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "squad-dev-v1.1.json"
SAMPLE = 3000
SEED = 13


def load_squad(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(articles as jsonl records, questions with their paragraph id and gold answers)."""
    data = json.loads(path.read_text("utf-8"))["data"]
    articles, questions = [], []
    for a in data:
        title = a["title"].replace("_", " ")
        for i, p in enumerate(a["paragraphs"]):
            pid = f"{a['title']}#{i}"
            articles.append({"id": pid, "title": title, "text": p["context"]})
            for q in p["qas"]:
                golds = [x["text"] for x in q["answers"]]
                questions.append(
                    {
                        "id": q["id"],
                        "question": q["question"],
                        "doc_id": pid,
                        "answers": golds,
                        "numeric": any(re.search(r"\d", g) for g in golds),
                    }
                )
    return articles, questions


def sample_questions(questions: list[dict[str, Any]], size: int = SAMPLE) -> list[dict[str, Any]]:
    """Every numeric question, plus a seeded sample of the rest up to ``size``; in corpus order."""
    numeric = [q for q in questions if q["numeric"]]
    rest = [q for q in questions if not q["numeric"]]
    extra = random.Random(SEED).sample(rest, max(0, min(len(rest), size - len(numeric))))
    keep = {q["id"] for q in numeric + extra}
    return [q for q in questions if q["id"] in keep]


def gold_records(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions in the project's gold format (their paragraph as the source), for ``qa eval``,
    ``eval.ablation`` and ``eval.ceiling`` over the corpus this runner writes."""
    return [
        {
            "id": q["id"],
            "question": q["question"],
            "answers": q["answers"],
            "sources": [q["doc_id"]],
            "kind": "numeric" if q["numeric"] else "span",
        }
        for q in questions
    ]


def ci_slice(questions: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """A fixed, spread-out slice: every k-th question of the sample."""
    step = max(1, len(questions) // n)
    return questions[::step][:n]


def contains(text: str, golds: list[str]) -> bool:
    t = normalize_answer(text)
    return any(normalize_answer(g) and normalize_answer(g) in t for g in golds)


def _scores(prediction: str, golds: list[str]) -> tuple[float, float]:
    if not prediction:
        return 0.0, 0.0
    return (
        float(any(exact_match(prediction, g) for g in golds)),
        max(f1_score(prediction, g) for g in golds),
    )


# -- the assistant ---------------------------------------------------------------------------------
def run_assistant(
    index_dir: Path, questions: list[dict[str, Any]], settings: Any = None
) -> list[dict[str, Any]]:
    """The answerer (``settings``: an ``AnswererSettings``, the shipped ones by default) over ``questions``."""
    from qa.answerer import Answerer, AnswererSettings
    from qa.index import Index

    answerer = Answerer(Index.load(index_dir), settings or AnswererSettings())
    answerer.ask(questions[0]["question"])  # load once: latency is per question
    rows = []
    for q in questions:
        t = time.perf_counter()
        r = answerer.ask(q["question"])
        ms = (time.perf_counter() - t) * 1000
        pred = r.answer.text if r.answer and not r.abstained else ""
        em, f1 = _scores(pred, q["answers"])
        hits = [p.chunk.doc_id == q["doc_id"] and contains(p.chunk.text, q["answers"]) for p in r.passages]
        rows.append(
            {
                "id": q["id"],
                "numeric": q["numeric"],
                "predicted": pred,
                "abstained": r.abstained,
                "em": em,
                "f1": f1,
                "hit1": bool(hits[:1] and hits[0]),
                "hit3": any(hits[:3]),
                "ms": ms,
            }
        )
    return rows


# -- the naive baseline ----------------------------------------------------------------------------
def run_naive(articles: list[dict[str, Any]], questions: list[dict[str, Any]], encoder: Any) -> list[dict]:
    import faiss

    from qa.numbers import find_numbers
    from qa.text import split_sentences

    sents: list[tuple[str, str]] = []
    for a in articles:
        sents += [(a["id"], a["text"][s:e]) for s, e in split_sentences(a["text"])]
    vecs = encoder.encode([s for _, s in sents]).astype(np.float32)
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    qvecs = encoder.encode([q["question"] for q in questions]).astype(np.float32)
    _, top = flat.search(qvecs, 3)
    rows = []
    for q, ids in zip(questions, top, strict=True):
        sent = sents[ids[0]][1]
        pred = sent
        if q["numeric"]:
            nums = find_numbers(sent)
            pred = nums[0].text if nums else ""
        em, f1 = _scores(pred, q["answers"])
        hits = [sents[i][0] == q["doc_id"] and contains(sents[i][1], q["answers"]) for i in ids]
        rows.append(
            {"id": q["id"], "numeric": q["numeric"], "em": em, "f1": f1, "hit1": hits[0], "hit3": any(hits)}
        )
    return rows


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def mean(key: str, sub: list[dict[str, Any]]) -> float | None:
        return round(sum(float(r[key]) for r in sub) / len(sub), 4) if sub else None

    num = [r for r in rows if r["numeric"]]
    m = {
        "questions": len(rows),
        "numeric_questions": len(num),
        "passage_hit@1": mean("hit1", rows),
        "passage_hit@3": mean("hit3", rows),
        "em": mean("em", rows),
        "f1": mean("f1", rows),
        "numeric_em": mean("em", num),
        "numeric_f1": mean("f1", num),
    }
    if rows and "ms" in rows[0]:
        ms = [r["ms"] for r in rows]
        m["abstained"] = mean("abstained", rows)
        m["latency_ms_p50"] = round(_percentile(ms, 0.5), 2)
        m["latency_ms_p95"] = round(_percentile(ms, 0.95), 2)
    return m


# The rule reader the trained reader replaced, on the same 3,000-question sample: its last report (2026-11-21,
# docs/reports/squad.md of that day); the rule reader was removed on 2026-12-04.
RULES_LAST = {
    "passage_hit@1": 0.771,
    "passage_hit@3": 0.915,
    "em": 0.426,
    "f1": 0.493,
    "numeric_em": 0.530,
    "numeric_f1": 0.588,
}


def write_reports(report: dict[str, Any], out: Path, name: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    a, n = report["assistant"], report["naive"]
    rules = report.get("rules_last")
    lines = [
        f"# SQuAD v1.1 dev as one corpus ({report['questions']} questions, {report['paragraphs']} paragraphs)",
        "",
        f"Run {report['date']} on {report['machine']}; command: `{report['command']}`.",
        "",
        "| metric | assistant | naive baseline |"
        + (" rule reader (last report, 2026-11-21) |" if rules else ""),
        "|---|---|---|" + ("---|" if rules else ""),
    ]
    for k in ("passage_hit@1", "passage_hit@3", "em", "f1", "numeric_em", "numeric_f1"):
        lines.append(f"| {k} | {a[k]} | {n[k]} |" + (f" {rules[k]} |" if rules else ""))
    lines += [
        "",
        f"Numeric subset: {a['numeric_questions']} questions. Assistant abstained on {a['abstained']} of "
        f"questions; latency p50 {a['latency_ms_p50']} ms, p95 {a['latency_ms_p95']} ms.",
        "Passages: the assistant's are up to 80 words, the baseline's are single sentences.",
    ]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    import platform

    from eval.ablation import VARIANTS
    from qa.answerer import AnswererSettings
    from qa.index import BuildSettings
    from qa.index_build import build_index
    from qa.retriever import FusionSettings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--all", action="store_true", help="ask all questions, not the fixed sample")
    ap.add_argument("--slice", type=int, default=0, help="ask only N questions of the sample (CI)")
    ap.add_argument("--encoder", default="onnx-int8")
    ap.add_argument(
        "--no-ner", dest="ner", action="store_false", help="index without named entities (the ablation)"
    )
    ap.add_argument("--fusion-k", type=int, default=None, help="rank fusion's k (default: the retriever's)")
    ap.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        help="an eval.ablation variant (instead of --fusion-k)",
    )
    ap.add_argument("--work", type=Path, default=cache_dir() / "squad", help="corpus and index go here")
    ap.add_argument(
        "--out", type=Path, default=cache_dir() / "reports", help="committed reports: docs/reports"
    )
    ap.add_argument("--name", default=None, help="report name (default squad or squad-slice)")
    ap.add_argument(
        "--write-gold",
        type=Path,
        default=None,
        help="write the questions in the project's gold format here, and the corpus, and stop",
    )
    ap.add_argument("--min-hit1", type=float, default=None, help="fail below this passage hit@1")
    ap.add_argument("--min-numeric-em", type=float, default=None, help="fail below this numeric EM")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"error: SQuAD file not found: {args.data}", file=sys.stderr)
        return 2

    articles, questions = load_squad(args.data)
    if not args.all:
        questions = sample_questions(questions)
    if args.slice:
        questions = ci_slice(questions, args.slice)

    corpus = args.work / "corpus" / "squad.jsonl"
    corpus.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(a) + "\n" for a in articles)
    if not corpus.exists() or corpus.read_text("utf-8") != payload:
        corpus.write_text(payload, "utf-8")
    if args.write_gold:
        args.write_gold.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(g) + "\n" for g in gold_records(questions))
        write_atomic(args.write_gold, lines.encode("utf-8"))
        print(f"{len(questions)} questions -> {args.write_gold}; corpus {corpus}")
        return 0
    t = time.perf_counter()
    where = args.work / f"index-{args.encoder}{'' if args.ner else '-noner'}"
    index = build_index(corpus, where, BuildSettings(encoder=args.encoder, ner=args.ner))
    build_s = time.perf_counter() - t

    if args.variant:
        settings = VARIANTS[args.variant]
    else:
        fusion = FusionSettings() if args.fusion_k is None else FusionSettings(k=args.fusion_k)
        settings = AnswererSettings(fusion=fusion)
    assistant = summarize(run_assistant(index.path, questions, settings))
    naive = summarize(run_naive(articles, questions, index.encoder))
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.python_version()}",
        "command": "python -m eval.squad " + " ".join(argv if argv is not None else sys.argv[1:]),
        "encoder": args.encoder,
        "ner": args.ner,
        "fusion_k": args.fusion_k,
        "variant": args.variant,
        "paragraphs": len(articles),
        "passages": index.manifest["counts"]["chunks"],
        "questions": len(questions),
        "index_seconds": round(build_s, 1),
        "assistant": assistant,
        "naive": naive,
        # The rule reader's figures were measured on the default sample only.
        "rules_last": RULES_LAST if not (args.slice or args.all) else None,
    }
    name = args.name or ("squad-slice" if args.slice else "squad")
    write_reports(report, args.out, name)
    print(json.dumps({"assistant": assistant, "naive": naive}, indent=1))
    failed = []
    if args.min_hit1 is not None and (assistant["passage_hit@1"] or 0) < args.min_hit1:
        failed.append(f"passage_hit@1 {assistant['passage_hit@1']} < {args.min_hit1}")
    if args.min_numeric_em is not None and (assistant["numeric_em"] or 0) < args.min_numeric_em:
        failed.append(f"numeric_em {assistant['numeric_em']} < {args.min_numeric_em}")
    for f in failed:
        print(f"threshold failed: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

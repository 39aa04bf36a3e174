"""The span reader alone on SQuAD v1.1 dev, each question with its gold paragraph (no retrieval, no abstention).

    python -m eval.squad_reader                   # all 10,570 questions, the shipped int8 model
    python -m eval.squad_reader --fp32 --model-dir runs/reader/export   # the fp32 export, for the int8 cost

EM/F1 with the official normalisation, best over the gold answers, beside published anchors.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

from eval.squad import DATA, load_squad
from qa.answer_metrics import exact_match, f1_score
from qa.config import cache_dir
from qa.evaluation import _percentile

# Published dev-set figures of full-size readers, for scale (not run here).
ANCHORS = {"DistilBERT (Sanh et al. 2019)": (77.7, 85.8), "DrQA (Chen et al. 2017)": (69.5, 78.8)}


def run(model_dir: Path | None, fp32: bool, limit: int, seed: int = 13) -> dict:
    from qa.span_reader import SpanReader

    articles, questions = load_squad(DATA)
    text = {a["id"]: a["text"] for a in articles}
    if limit:
        questions = sorted(random.Random(seed).sample(questions, limit), key=lambda q: q["id"])
    reader = SpanReader(model_dir, quantized=not fp32)
    reader.warm()
    em = f1 = 0.0
    num_em = num_n = 0
    ms = []
    for q in questions:
        t = time.perf_counter()
        hits = reader.read(q["question"], [text[q["doc_id"]]], top=1)[0]
        ms.append((time.perf_counter() - t) * 1000)
        pred = text[q["doc_id"]][hits[0].start : hits[0].end] if hits else ""
        e = max(float(exact_match(pred, g)) for g in q["answers"])
        em += e
        f1 += max(f1_score(pred, g) for g in q["answers"])
        if q["numeric"]:
            num_em += e
            num_n += 1
    n = len(questions)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.python_version()}",
        "model": reader.name,
        "questions": n,
        "em": round(em / n, 4),
        "f1": round(f1 / n, 4),
        "numeric_em": round(num_em / max(num_n, 1), 4),
        "latency_ms_p50": round(_percentile(ms, 0.5), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=None, help="default: the packaged model")
    ap.add_argument("--fp32", action="store_true", help="read with reader.onnx instead of the int8 model")
    ap.add_argument("--limit", type=int, default=0, help="a seeded sample of N questions (0: all)")
    ap.add_argument(
        "--out", type=Path, default=cache_dir() / "reports", help="committed reports: docs/reports"
    )
    ap.add_argument("--name", default=None)
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"error: SQuAD file not found: {DATA}", file=sys.stderr)
        return 2
    report = run(args.model_dir, args.fp32, args.limit)
    report["command"] = "python -m eval.squad_reader " + " ".join(argv if argv is not None else sys.argv[1:])
    name = args.name or f"squad-reader-{'fp32' if args.fp32 else 'int8'}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    lines = [
        f"# The span reader on SQuAD v1.1 dev with the gold paragraph ({report['questions']} questions)",
        "",
        f"Run {report['date']} on {report['machine']}, model {report['model']}; command: `{report['command']}`.",
        "",
        "| reader | EM | F1 |",
        "|---|---|---|",
        f"| this reader ({report['model']}) | {100 * report['em']:.1f} | {100 * report['f1']:.1f} |",
    ]
    lines += [f"| {k} (published) | {e} | {f} |" for k, (e, f) in ANCHORS.items()]
    lines += ["", f"Numeric-answer EM {report['numeric_em']}; latency p50 {report['latency_ms_p50']} ms."]
    (args.out / f"{name}.md").write_text("\n".join(lines) + "\n", "utf-8")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Choose the reader's abstention threshold on held-out training articles (never on the test sets).

    python -m eval.tune_reader --model-dir runs/reader/export [--write]

The held-out part of ``qa-train.json.gz`` (split by article, as in training) is read as the answerer reads a
corpus: each question with its own paragraph among the best BM25 paragraphs of other articles (answerable),
and the same question with its own article's paragraphs left out (unanswerable). The threshold on the best
span's confidence is the highest that keeps 95% of the right answers (the policy of the rule reader's threshold);
``--write`` records it in the model's ``model.json`` as ``abstain_confidence``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from qa.evaluation import f1_score
from qa.reading import confidence
from qa.training import DEFAULT_DATA, TrainSettings, _bm25_index, load_examples


def main(argv: list[str] | None = None) -> int:
    import bm25s
    import Stemmer

    from qa.span_reader import SpanReader

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--questions", type=int, default=600)
    ap.add_argument(
        "--passages", type=int, default=8, help="passages read per question, as the answerer does"
    )
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    st = TrainSettings(bm25_negatives=0.0, same_article_negatives=0.0)
    _, dev, paragraphs = load_examples(args.data, st)
    dev = [e for e in dev if e["answer"] is not None]
    dev = random.Random(7).sample(dev, min(args.questions, len(dev)))
    stemmer = Stemmer.Stemmer("english")
    index = _bm25_index(paragraphs, stemmer)
    queries = bm25s.tokenize(
        [e["question"] for e in dev], stopwords="en", stemmer=stemmer, show_progress=False
    )
    ids, _ = index.retrieve(queries, k=args.passages + 20, show_progress=False, n_threads=1)
    reader = SpanReader(args.model_dir)
    pos, neg = [], []  # (confidence, correct)
    for e, row in zip(dev, ids, strict=True):
        own = e["context"]
        others = [
            paragraphs[int(i)]
            for i in row
            if paragraphs[int(i)] != own and e["answers"][0] not in paragraphs[int(i)]
        ]
        others = others[: args.passages - 1]
        texts = [own, *others]
        hits = reader.read(e["question"], texts, top=1)
        best = max((h[0] for h in hits if h), key=lambda h: h.margin)
        pred = texts[best.passage][best.start : best.end]
        pos.append((confidence(best.margin), max(f1_score(pred, g) for g in e["answers"]) >= 0.5))
        neg_hits = [h[0] for h in hits[1:] if h]
        neg.append(confidence(max(h.margin for h in neg_hits)) if neg_hits else 0.0)
    grid = np.linspace(0.01, 0.99, 99)
    rows = []
    for t in grid:
        answered = float(np.mean([ok and c >= t for c, ok in pos]))
        abstained = float(np.mean([c < t for c in neg]))
        rows.append((round(float(t), 2), answered, abstained, (answered + abstained) / 2))
    # The policy the rule reader's threshold followed: abstain as much as possible while losing at most 5% of
    # the right answers (an equal-prior objective gave up half of them on these hard BM25 distractors).
    most = max(r[1] for r in rows)
    best_t = max((r for r in rows if r[1] >= 0.95 * most), key=lambda r: r[0])
    for r in rows[::5]:
        print(f"threshold {r[0]:.2f}: answered right {r[1]:.3f}, abstained {r[2]:.3f}")
    print(
        json.dumps(
            {
                "threshold": best_t[0],
                "answered_right": best_t[1],
                "abstained": best_t[2],
                "accuracy_no_threshold": float(np.mean([ok for _, ok in pos])),
            },
            indent=1,
        )
    )
    if args.write:
        path = (args.model_dir or reader.model_dir) / "model.json"
        card = json.loads(path.read_text())
        card["abstain_confidence"] = best_t[0]
        card["abstain_tuning"] = {
            "questions": len(dev),
            "passages": args.passages,
            "answered_right": best_t[1],
            "abstained": best_t[2],
            "command": "python -m eval.tune_reader " + " ".join(argv if argv is not None else sys.argv[1:]),
        }
        path.write_text(json.dumps(card, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

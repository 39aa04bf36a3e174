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

from qa.answer_metrics import f1_score
from qa.files import write_atomic
from qa.proximity import PassageTerms, question_weights
from qa.reading import confidence
from qa.text import idf_table
from qa.training.data import bm25_top, load_examples
from qa.training.settings import DEFAULT_DATA, TrainSettings

GRID = np.linspace(0.01, 0.99, 99)  # abstention thresholds tried
POLICY = 0.95  # share of the right answers the threshold keeps
WEIGHTS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)  # logits for a span with all the question's words beside it
REACHES = (2.0, 4.0, 8.0, 16.0)  # words


def policy_threshold(answered: list[tuple[float, float]]) -> float:
    """Of (threshold, share answered right) pairs, the highest threshold that keeps ``POLICY`` of the most right
    answers any threshold keeps: the policy the rule reader's threshold followed, abstain as much as possible while
    losing at most 5% of the right answers (an equal-prior objective gave up half of them on hard distractors)."""
    most = max(a for _, a in answered)
    return max(t for t, a in answered if a >= POLICY * most)


def main(argv: list[str] | None = None) -> int:
    from qa.span_reader import SpanReader

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--questions", type=int, default=600)
    ap.add_argument(
        "--passages", type=int, default=8, help="passages read per question, as the answerer does"
    )
    ap.add_argument("--spans", type=int, default=5, help="spans kept per passage, as the answerer does")
    ap.add_argument(
        "--no-proximity", dest="proximity", action="store_false", help="rerank by the reader's margin alone"
    )
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    st = TrainSettings(bm25_negatives=0.0, same_article_negatives=0.0)
    _, dev, paragraphs, _ = load_examples(args.data, st)
    dev = [e for e in dev if e["answer"] is not None]
    dev = random.Random(7).sample(dev, min(args.questions, len(dev)))
    ids = bm25_top(paragraphs, [e["question"] for e in dev], args.passages + 20)
    reader = SpanReader(args.model_dir)
    idf, unseen = idf_table(paragraphs)
    # Per question: each read span's margin, whether it is right, its closeness to the question's words at every
    # reach, and whether it comes from the question's own paragraph (the rest stand in for an unanswerable read).
    rows_q = []
    for e, row in zip(dev, ids, strict=True):
        own = e["context"]
        others = [
            paragraphs[int(i)]
            for i in row
            if paragraphs[int(i)] != own and e["answers"][0] not in paragraphs[int(i)]
        ]
        texts = [own, *others[: args.passages - 1]]
        weights = question_weights(e["question"], idf, unseen)
        spans = []
        for text, hits in zip(texts, reader.read(e["question"], texts, top=args.spans), strict=True):
            near = PassageTerms(text)
            for h in hits:
                pred = text[h.start : h.end]
                right = max(f1_score(pred, g) for g in e["answers"]) >= 0.5
                close = [near.closeness(weights, h.start, h.end, r) for r in REACHES]
                spans.append((h.margin, right, close, h.passage == 0))
        rows_q.append(spans)

    def best(spans: list, weight: float, r: int, own: bool = True) -> tuple[float, bool] | None:
        pool = [(m + weight * c[r], ok) for m, ok, c, is_own in spans if own or not is_own]
        return max(pool, key=lambda x: x[0]) if pool else None

    # The weight and reach: the most right answers at the top (no threshold), on these held-out articles.
    table = []
    for weight in WEIGHTS:
        for r, reach in enumerate(REACHES):
            right = round(
                float(np.mean([b is not None and b[1] for b in (best(s, weight, r) for s in rows_q)])), 4
            )
            table.append((right, -weight, weight, reach, r))
            if weight == 0:
                break  # the reach does not matter without weight
    table.sort(reverse=True)
    for right, _, weight, reach, _ in sorted(table, key=lambda t: (t[2], t[3])):
        print(f"proximity weight {weight:g}, reach {reach:g}: right at the top {right:.3f}")
    _, _, weight, reach, r = table[0] if args.proximity else next(t for t in table if t[2] == 0)
    pos, neg = [], []  # (confidence, correct)
    for spans in rows_q:
        b = best(spans, weight, r)
        pos.append((confidence(b[0]), b[1]) if b else (0.0, False))
        nb = best(spans, weight, r, own=False)
        neg.append(confidence(nb[0]) if nb else 0.0)
    rows = []
    for t in GRID:
        answered = float(np.mean([ok and c >= t for c, ok in pos]))
        abstained = float(np.mean([c < t for c in neg]))
        rows.append((round(float(t), 2), answered, abstained, (answered + abstained) / 2))
    chosen = policy_threshold([(r[0], r[1]) for r in rows])
    best_t = next(r for r in rows if r[0] == chosen)
    for r in rows[::5]:
        print(f"threshold {r[0]:.2f}: answered right {r[1]:.3f}, abstained {r[2]:.3f}")
    print(
        json.dumps(
            {
                "threshold": best_t[0],
                "answered_right": best_t[1],
                "abstained": best_t[2],
                "accuracy_no_threshold": float(np.mean([ok for _, ok in pos])),
                "proximity": {"weight": weight, "reach": reach},
            },
            indent=1,
        )
    )
    if args.write:
        path = (args.model_dir or reader.model_dir) / "model.json"
        card = json.loads(path.read_text())
        card["abstain_confidence"] = best_t[0]
        card["proximity"] = {"weight": weight, "reach": reach, "spans_per_passage": args.spans}
        card["abstain_tuning"] = {
            "questions": len(dev),
            "passages": args.passages,
            "answered_right": round(best_t[1], 4),
            "abstained": round(best_t[2], 4),
            "right_at_top_without_proximity": next(t[0] for t in table if t[2] == 0),
            "right_at_top_with_proximity": table[0][0],
            "command": "python -m eval.tune_reader " + " ".join(argv if argv is not None else sys.argv[1:]),
        }
        write_atomic(path, (json.dumps(card, indent=2) + "\n").encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())

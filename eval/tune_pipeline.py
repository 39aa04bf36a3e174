"""Choose the retrieval prior and the abstention threshold on the held-out tuning set, through the real pipeline.

    python -m eval.heldout --out ~/.cache/qa-news/heldout      # then index corpus.jsonl and distractors.jsonl
    python -m eval.tune_pipeline [--heldout ~/.cache/qa-news/heldout] [--write]

The reader reads each passage apart, so how well a passage matched the question is lost; the prior gives a
span ``weight / (rank + 1)`` logits for its passage's rank in the retriever's order. Each held-out question is
answered by the shipped pipeline (retrieval, reader, proximity) over the held-out corpus (answerable) and over
the distractors alone (its paragraph absent: unanswerable). The weight is the one with the most right answers
at the top (as the proximity weight is chosen); the threshold then keeps 95% of the right answers and abstains
as much as possible (the policy of ``eval/tune_reader.py``). ``--write`` records both in the model card's
``retrieval_prior`` block, which the answerer reads with ``AnswererSettings(retrieval_prior=None)``.
The gold sets, newsqa-dev and SQuAD dev are never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from eval.tune_reader import GRID, policy_threshold
from qa.answerer import Answerer, AnswererSettings
from qa.config import cache_dir
from qa.evaluation import answer_matches, load_gold
from qa.index import Index
from qa.reading import confidence, margin_of
from qa.span_reader import MODEL_DIR, NO_PRIOR

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)  # logits for a span in the top-ranked passage


def _spans(answerer: Answerer, item: dict) -> tuple[list[tuple[int, float, bool]], bool]:
    """Each span read as (passage rank, margin with proximity, right) and whether the question names
    something the corpus never mentions (it abstains whatever the threshold)."""
    q, _, _, passages, found = answerer.read(item["question"], item["history"])
    rank = {p.chunk.id: r for r, p in enumerate(passages)}
    out = []
    for c in found:
        right = any(answer_matches(c.text, c.value, c.unit, g) for g in item["answers"])
        out.append((rank[c.chunk_id], margin_of(c.score), right))
    return out, bool(q.unknown_names)


def _best(spans: list[tuple[int, float, bool]], weight: float) -> tuple[float, bool] | None:
    if not spans:
        return None
    r, m, ok = max(spans, key=lambda s: s[1] + weight / (s[0] + 1))
    return confidence(m + weight / (r + 1)), ok


def choose(
    answerable: list[tuple[list, bool]], unanswerable: list[tuple[list, bool]]
) -> tuple[list[dict], dict]:
    """Every weight's figures at its policy threshold, and the chosen row."""
    table = []
    for w in WEIGHTS:
        pos = [(_best(s, w), unknown) for s, unknown in answerable]
        neg = [(_best(s, w), unknown) for s, unknown in unanswerable]

        def right(t: float, pos: list = pos) -> float:
            return float(np.mean([b is not None and b[1] and b[0] >= t and not u for b, u in pos]))

        def abstained(t: float, neg: list = neg) -> float:
            return float(np.mean([b is None or b[0] < t or u for b, u in neg]))

        top = float(np.mean([b is not None and b[1] for b, _ in pos]))
        t = policy_threshold([(round(float(x), 2), right(float(x))) for x in GRID])
        table.append(
            {
                "weight": w,
                "right_at_top": round(top, 4),
                "threshold": round(t, 2),
                "answered_right": round(right(t), 4),
                "abstained": round(abstained(t), 4),
            }
        )
    chosen = max(table, key=lambda row: (row["right_at_top"], -row["weight"]))
    return table, chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heldout", type=Path, default=cache_dir() / "heldout")
    ap.add_argument("--write", action="store_true", help="record the choice in the reader's model.json")
    args = ap.parse_args(argv)
    base = AnswererSettings(retrieval_prior=NO_PRIOR)
    runs = []
    for gold, index in (("gold.jsonl", "index"), ("gold-unanswerable.jsonl", "index-distractors")):
        path = args.heldout / gold
        if not path.exists() or not (args.heldout / index).exists():
            print(f"error: {path} or its index is missing (see the usage above)", file=sys.stderr)
            return 2
        answerer = Answerer(Index.load(args.heldout / index), base)
        runs.append([_spans(answerer, item) for item in load_gold(path)])
        print(f"read {len(runs[-1])} questions of {gold}", flush=True)
    table, chosen = choose(runs[0], runs[1])
    print("| prior weight | right at top | threshold | answered right | abstained (unanswerable) |")
    print("|---|---|---|---|---|")
    for row in table:
        print(
            f"| {row['weight']:g} | {row['right_at_top']:.3f} | {row['threshold']:.2f} | "
            f"{row['answered_right']:.3f} | {row['abstained']:.3f} |"
        )
    print(json.dumps({"chosen": chosen}))
    if args.write:
        path = MODEL_DIR / "model.json"
        card = json.loads(path.read_text("utf-8"))
        card["retrieval_prior"] = {
            "weight": chosen["weight"],
            "abstain_confidence": chosen["threshold"],
            "questions": len(runs[0]),
            "table": table,
            "command": "python -m eval.tune_pipeline " + " ".join(argv if argv is not None else sys.argv[1:]),
        }
        path.write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A tuning set in the gold format from the reader's held-out training articles (never a test set).

    python -m eval.heldout --out ~/.cache/qa-news/heldout
    qa index --corpus ~/.cache/qa-news/heldout/corpus.jsonl --index ~/.cache/qa-news/heldout/index
    qa index --corpus ~/.cache/qa-news/heldout/distractors.jsonl --index ~/.cache/qa-news/heldout/index-distractors

The held-out part of ``qa-train.json.gz`` (split by article exactly as training splits it) becomes a corpus,
one article per paragraph, with paragraphs of training articles mixed in as distractors, and a gold file of its
questions (``kind`` numeric when an answer holds a digit). The same questions asked of the distractors alone
(``distractors.jsonl``, ``gold-unanswerable.jsonl``) have no answer there: they measure abstention. Settings of
the whole pipeline (passage ranking, read depth, abstention) are chosen on it; the gold sets, newsqa-dev and
SQuAD dev stay for reporting.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from eval.unanswerable import unanswerable
from qa.files import write_jsonl
from qa.training import DEFAULT_DATA, TrainSettings, load_examples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--distractors", type=int, default=1500, help="training paragraphs mixed into the corpus")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    train, dev, paragraphs, _ = load_examples(
        args.data, TrainSettings(bm25_negatives=0.0, same_article_negatives=0.0)
    )
    dev = [e for e in dev if e["answer"] is not None]
    held = {e["paragraph"] for e in dev}
    pool = sorted({e["paragraph"] for e in train} - held)
    extra = set(random.Random(args.seed).sample(pool, min(args.distractors, len(pool))))

    def articles(ids: set[int]) -> list[dict]:
        return [{"id": f"p{i}", "text": paragraphs[i]} for i in sorted(ids)]

    gold = [
        {
            "id": e["id"],
            "question": e["question"],
            "answers": e["answers"],
            "sources": [f"p{e['paragraph']}"],
            "kind": "numeric" if any(re.search(r"\d", a) for a in e["answers"]) else "span",
        }
        for e in dev
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "corpus.jsonl", articles(held | extra))
    write_jsonl(args.out / "gold.jsonl", gold)
    write_jsonl(args.out / "distractors.jsonl", articles(extra))
    write_jsonl(args.out / "gold-unanswerable.jsonl", unanswerable(gold))
    print(f"{len(gold)} questions, {len(held | extra)} paragraphs ({len(held)} held out) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A tuning set in the gold format from the reader's held-out training articles (never a test set).

    python -m eval.heldout --out ~/.cache/qa-news/heldout
    qa index --corpus ~/.cache/qa-news/heldout/corpus.jsonl --index ~/.cache/qa-news/heldout/index
    qa index --corpus ~/.cache/qa-news/heldout/distractors.jsonl --index ~/.cache/qa-news/heldout/index-distractors

The held-out part of ``qa-train.json.gz`` (split by article exactly as training splits it) becomes a corpus,
one article per paragraph (or, with ``--by-article``, each source article whole, its paragraphs in order, as
rank fusion is tuned: ``eval/tune_fusion.py``), with training articles mixed in as distractors, and a gold file of its
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
from collections import Counter, defaultdict
from pathlib import Path

from eval.unanswerable import unanswerable
from qa.files import write_jsonl
from qa.training.data import load_examples
from qa.training.settings import DEFAULT_DATA, TrainSettings


def _order(doc: str) -> tuple[str, int]:
    return doc[0], int(doc[1:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--distractors", type=int, default=1500, help="training paragraphs mixed into the corpus")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--by-article",
        action="store_true",
        help="one document per source article (its paragraphs in order), as news stories are, not per paragraph",
    )
    args = ap.parse_args(argv)
    train, dev, paragraphs, owner = load_examples(
        args.data, TrainSettings(bm25_negatives=0.0, same_article_negatives=0.0)
    )
    dev = [e for e in dev if e["answer"] is not None]
    # A document: a paragraph, or with --by-article every paragraph of its article (an "article" that gathers
    # thousands of posts stays one document per post, as training splits it).
    size = Counter(owner)
    doc_of = [f"a{a}" if args.by_article and size[a] <= 100 else f"p{i}" for i, a in enumerate(owner)]
    members: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(doc_of):
        members[d].append(i)
    held = {doc_of[e["paragraph"]] for e in dev}
    pool = sorted({doc_of[e["paragraph"]] for e in train} - held, key=_order)
    rng = random.Random(args.seed)
    if not args.by_article:
        extra = set(rng.sample(pool, min(args.distractors, len(pool))))
    else:  # whole articles until they hold --distractors paragraphs
        rng.shuffle(pool)
        extra, count = set(), 0
        for d in pool:
            if count >= args.distractors:
                break
            extra.add(d)
            count += len(members[d])

    def articles(ids: set[str]) -> list[dict]:
        return [
            {"id": d, "text": "\n\n".join(paragraphs[i] for i in members[d])} for d in sorted(ids, key=_order)
        ]

    gold = [
        {
            "id": e["id"],
            "question": e["question"],
            "answers": e["answers"],
            "sources": [doc_of[e["paragraph"]]],
            "kind": "numeric" if any(re.search(r"\d", a) for a in e["answers"]) else "span",
        }
        for e in dev
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "corpus.jsonl", articles(held | extra))
    write_jsonl(args.out / "gold.jsonl", gold)
    write_jsonl(args.out / "distractors.jsonl", articles(extra))
    write_jsonl(args.out / "gold-unanswerable.jsonl", unanswerable(gold))
    n = sum(len(members[d]) for d in held | extra)
    print(
        f"{len(gold)} questions, {len(held | extra)} documents of {n} paragraphs ({len(held)} held out) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much of what is lost is retrieval's: every answerable question answered again with its gold articles'
passages only (oracle retrieval), beside the shipped pipeline.

    python -m eval.ceiling --gold ../shared/data/newsqa-dev/gold.jsonl --index ~/.cache/qa-news/newsqa/index

The oracle keeps the retriever's order among the gold articles' passages and appends any it did not rank, so
the reader reads the same number of passages (``read_passages``) from the right articles. Each pipeline is also
run without abstention (threshold 0), which gives the answers the reader ranks first. A diagnostic: it
chooses nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.answerer import Answerer, AnswererSettings
from qa.evaluation import load_gold, score_item, summarize
from qa.index import Index
from qa.models import Chunk, Passage
from qa.retriever import Retriever

KEYS = ("answer_accuracy", "numeric_accuracy", "text_f1", "passage_hit@1", "false_abstentions")


def oracle_order(ranked: Sequence[Passage], gold: Sequence[Chunk], top_k: int) -> list[Passage]:
    """The gold chunks in the retriever's order, then those it did not rank in article order."""
    ids = {c.id for c in gold}
    kept = [p for p in ranked if p.chunk.id in ids]
    seen = {p.chunk.id for p in kept}
    kept += [Passage(c, 0.0) for c in gold if c.id not in seen]
    return kept[:top_k]


class GoldRetriever:
    """Wraps the retriever; ``sources`` (set per question) names the articles it may return."""

    def __init__(self, inner: Retriever, chunks: Sequence[Chunk]) -> None:
        self.inner = inner
        self.by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            self.by_doc.setdefault(c.doc_id, []).append(c)
        self.sources: Sequence[str] = ()

    def search(self, query: str, top_k: int = 10, query_vec: np.ndarray | None = None) -> list[Passage]:
        gold = [c for d in self.sources for c in self.by_doc.get(d, [])]
        ranked = self.inner.search(query, top_k=max(top_k, 200), query_vec=query_vec)
        return oracle_order(ranked, gold, top_k) if gold else ranked[:top_k]


def run(index: Index, items: list[dict[str, Any]], oracle: bool, abstain: bool) -> dict[str, Any]:
    settings = AnswererSettings() if abstain else replace(AnswererSettings(), abstain_confidence=0.0)
    answerer = Answerer(index, settings)
    gold_retriever = GoldRetriever(answerer.retriever, index.chunks)
    if oracle:
        answerer.retriever = gold_retriever  # type: ignore[assignment]
    rows = []
    for it in items:
        gold_retriever.sources = it["sources"]
        result = answerer.ask(it["question"], it.get("history") or [], it["id"])
        rows.append(score_item(it, result.to_json()))
    metrics = summarize(rows, [0.0], 0)
    return {k: metrics.get(k) for k in KEYS}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=None, help="write ceiling-NAME.{json,md} here")
    ap.add_argument("--name", default="newsqa")
    args = ap.parse_args(argv)
    index = Index.load(args.index.expanduser())
    items = [it for it in load_gold(args.gold.expanduser()) if it["answers"] and it["sources"]]
    if not items:
        print(f"error: no answerable question with sources in {args.gold}", file=sys.stderr)
        return 2
    rows = []
    for oracle in (False, True):
        for abstain in (True, False):
            row = {"retrieval": "gold articles" if oracle else "shipped", "abstention": abstain}
            row |= run(index, items, oracle, abstain)
            rows.append(row)
            print(json.dumps(row), flush=True)
    lines = [
        f"# Oracle retrieval on {args.gold} ({len(items)} answerable questions; `python -m eval.ceiling`)",
        "",
        "| retrieval | abstention | " + " | ".join(KEYS) + " |",
        "|---|---|" + "---|" * len(KEYS),
    ]
    for r in rows:
        cells = [f"{r[k]:.3f}" if isinstance(r[k], float) else "" for k in KEYS]
        lines.append(
            f"| {r['retrieval']} | {'on' if r['abstention'] else 'off'} | " + " | ".join(cells) + " |"
        )
    print("\n".join(lines))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"ceiling-{args.name}.json").write_text(json.dumps(rows, indent=1) + "\n")
        (args.out / f"ceiling-{args.name}.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

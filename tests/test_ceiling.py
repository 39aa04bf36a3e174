"""The oracle retrieval of eval.ceiling: the gold articles' passages only, in the retriever's order."""

from __future__ import annotations

from eval.ceiling import oracle_order
from qa.models import Chunk, Passage


def _chunk(cid: int, doc: str) -> Chunk:
    return Chunk(id=cid, doc_id=doc, start=0, end=1, text="x", sentences=((0, 1),))


def test_gold_passages_keep_the_retrievers_order_and_unranked_ones_follow() -> None:
    a0, a1, a2, b0 = _chunk(0, "a"), _chunk(1, "a"), _chunk(2, "a"), _chunk(3, "b")
    ranked = [Passage(b0, 1.0), Passage(a2, 0.9), Passage(a0, 0.5)]
    got = oracle_order(ranked, [a0, a1, a2], top_k=8)
    assert [p.chunk.id for p in got] == [2, 0, 1]
    assert [p.score for p in got] == [0.9, 0.5, 0.0]
    assert [p.chunk.id for p in oracle_order(ranked, [a0, a1, a2], top_k=2)] == [2, 0]

"""Hybrid passage retrieval: dense (``Index.vector_store``) and BM25 (``Index.lexical``), fused by weighted
reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index import Index
from qa.models import Passage
from qa.text import terms


@dataclass(frozen=True)
class FusionSettings:
    # Chosen on the held-out tuning set (eval/tune_fusion.py: the answer among the passages read more often than
    # at the usual 60); with the all-data reader it shipped by the paired rule (docs/evaluation.md, 2026-12-07).
    k: int = 10
    dense_weight: float = 1.0
    sparse_weight: float = 1.0
    depth: int = 100  # how many hits each retriever contributes


class Retriever:
    def __init__(self, index: Index, settings: FusionSettings | None = None) -> None:
        self.index = index
        self.settings = settings or FusionSettings()

    def dense(self, query_vec: np.ndarray, depth: int) -> list[tuple[int, float]]:
        scores, ids = self.index.vector_store.search(query_vec, depth)
        return [(int(i), float(s)) for i, s in zip(ids, scores, strict=True) if i >= 0]

    def sparse(self, query: str, depth: int) -> list[tuple[int, float]]:
        return self.index.lexical.search(terms(query), depth)

    def search(self, query: str, top_k: int = 10, query_vec: np.ndarray | None = None) -> list[Passage]:
        s = self.settings
        if query_vec is None:
            query_vec = self.index.encoder.encode([query])[0]
        fused: dict[int, float] = {}
        for weight, hits in (
            (s.dense_weight, self.dense(query_vec, s.depth)),
            (s.sparse_weight, self.sparse(query, s.depth)),
        ):
            for rank, (cid, _) in enumerate(hits):
                fused[cid] = fused.get(cid, 0.0) + weight / (s.k + rank + 1)
        best = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]
        chunks = self.index.chunks
        top = best[0][1] if best and best[0][1] > 0 else 1.0  # a retriever weighted 0 adds nothing
        # Scores scaled so the best passage is 1.0: comparable across questions.
        return [Passage(chunks[cid], score / top) for cid, score in best]

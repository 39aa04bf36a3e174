"""Where an index's lexical (BM25) search runs: bm25s in this process (the default), or Milvus's BM25 function
in the collection that holds the vectors (``qa index --vectors milvus --lexical milvus``), so an archive's
lexical index is served, sharded and persisted by the same engine as its vectors (docs/archives.md).

Both index the same analysed terms (``qa.text.terms``: stemmed, numbers whole), so a question matches the same
words either way; their scores differ in constants, and fusion (``qa/retriever.py``) uses ranks only.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import numpy as np

BM25S = "bm25s"
MILVUS = "milvus"
KINDS = (BM25S, MILVUS)
TERMS_FIELD, SPARSE_FIELD = "terms", "sparse"
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults, given to Milvus too
_NOT_WORD = re.compile(r"\W", re.UNICODE)


class LexicalStore(Protocol):
    def search(self, query_terms: list[str], depth: int) -> list[tuple[int, float]]:
        """(passage id, score), best first, for a question's analysed terms."""
        ...


class Bm25sStore:
    def __init__(self, bm25: Any) -> None:
        self.bm25 = bm25

    def search(self, query_terms: list[str], depth: int) -> list[tuple[int, float]]:
        toks = [t for t in query_terms if t in self.bm25.vocab_dict]
        if not toks:
            return []
        scores = self.bm25.get_scores(toks)
        k = min(depth, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def milvus_text(terms: list[str]) -> str:
    """Analysed terms as Milvus's standard tokenizer will split them back: one word per term ("2.5" -> "2_5")."""
    return " ".join(_NOT_WORD.sub("_", t) for t in terms)


class MilvusLexicalStore:
    """BM25 over the ``terms`` field of a Milvus collection (a sparse inverted index made by Milvus)."""

    def __init__(self, client: Any, collection: str) -> None:
        self.client, self.collection = client, collection

    def search(self, query_terms: list[str], depth: int) -> list[tuple[int, float]]:
        if not query_terms:
            return []
        hits = self.client.search(
            self.collection,
            data=[milvus_text(query_terms)],
            anns_field=SPARSE_FIELD,
            limit=depth,
            search_params={"metric_type": "BM25"},
            output_fields=["id"],
        )[0]
        # Best first as returned; milvus-lite reports BM25 as a negative distance, a server as a score.
        return [(int(h["id"]), abs(float(h["distance"]))) for h in hits if h["distance"]]

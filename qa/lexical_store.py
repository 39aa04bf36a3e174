"""Where an index's lexical (BM25) search runs: in this process (the default: bm25s builds the index, a query
reads the arrays it saved), or Milvus's BM25 function
in the collection that holds the vectors (``qa index --vectors milvus --lexical milvus``), so an archive's
lexical index is served, sharded and persisted by the same engine as its vectors (docs/archives.md).

Both index the same analysed terms (``qa.text.terms``: stemmed, numbers whole), so a question matches the same
words either way; their scores differ in constants, and fusion (``qa/retriever.py``) uses ranks only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
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
        return _best(self.bm25.get_scores(toks), depth)


# bm25s methods whose saved index is complete without a non-occurrence array: a passage's score for a query is
# the sum of its terms' precomputed scores (bm25l and bm25+ add a per-term constant for passages without the term).
EAGER_METHODS = ("lucene", "robertson", "atire")


@dataclass(frozen=True)
class Bm25sArrays:
    """A bm25s index read from the files bm25s saved (``BM25.save``): its vocabulary and the precomputed
    term-by-passage scores as CSC arrays. Scoring a query is bm25s's own eager sum (``get_scores``) in a few
    numpy calls; reading the files directly spares a query process the bm25s import, which pulls in scipy
    (0.28 s of a cold ``qa ask``, docs/benchmarks.md). Equality with bm25s is a test."""

    vocab: dict[str, int]
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    num_docs: int

    FILES = (
        "params.index.json",
        "vocab.index.json",
        "data.csc.index.npy",
        "indices.csc.index.npy",
        "indptr.csc.index.npy",
    )

    @classmethod
    def open(cls, folder: Path) -> Bm25sArrays | None:
        """The arrays of the bm25s index in ``folder``, or None where they do not score it completely (another
        method, or files under other names): bm25s itself reads that one."""
        if not all((folder / name).is_file() for name in cls.FILES):
            return None
        params = json.loads((folder / "params.index.json").read_text("utf-8"))
        if params.get("method") not in EAGER_METHODS:
            return None
        return cls(
            vocab=json.loads((folder / "vocab.index.json").read_text("utf-8")),
            data=np.load(folder / "data.csc.index.npy"),
            indices=np.load(folder / "indices.csc.index.npy"),
            indptr=np.load(folder / "indptr.csc.index.npy"),
            num_docs=int(params["num_docs"]),
        )

    def search(self, query_terms: list[str], depth: int) -> list[tuple[int, float]]:
        ids = [self.vocab[t] for t in query_terms if t in self.vocab]
        if not ids:
            return []
        scores = np.zeros(self.num_docs, dtype=self.data.dtype)
        for t in ids:  # a repeated term counts again, as in bm25s
            part = slice(self.indptr[t], self.indptr[t + 1])
            np.add.at(scores, self.indices[part], self.data[part])
        return _best(scores, depth)


def _best(scores: np.ndarray, depth: int) -> list[tuple[int, float]]:
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

"""Where an index's passage vectors are kept and searched: a FAISS file beside the index (the default), or a
Milvus collection, in milvus-lite (an embedded Milvus in a local file of the index's generation) or on a Milvus
server (``milvus://HOST:PORT``). Both are searched by inner product and return the same passage ids; the
manifest's ``vector_store`` says which (none: FAISS). pymilvus is an optional extra (``.[scale]``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

FAISS = "faiss"
MILVUS = "milvus"
_BATCH = 2000


class VectorStoreError(ValueError):
    pass


class VectorStore(Protocol):
    @property
    def ntotal(self) -> int: ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), best first, for one query vector."""
        ...

    def vectors(self) -> np.ndarray:
        """Every vector, in id order (an update reuses those of unchanged articles)."""
        ...


class FaissStore:
    def __init__(self, index: Any) -> None:
        self.index = index

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), min(k, self.ntotal))
        return scores[0], ids[0]

    def vectors(self) -> np.ndarray:
        return self.index.reconstruct_n(0, self.index.ntotal)


@dataclass(frozen=True)
class MilvusTarget:
    """Where a generation's vectors go: a milvus-lite file in the index folder, or a server's collection."""

    uri: str  # a file name in the index folder (milvus-lite), or http://HOST:PORT
    collection: str

    @property
    def lite(self) -> bool:
        return not self.uri.startswith(("http://", "https://"))

    def resolve(self, index_dir: Path) -> str:
        return str(index_dir / self.uri) if self.lite else self.uri

    def to_json(self) -> dict[str, str]:
        return {"kind": MILVUS, "uri": self.uri, "collection": self.collection}


def target_for(spec: str, generation: str) -> MilvusTarget | None:
    """``faiss`` -> None; ``milvus`` -> a milvus-lite file of this generation; ``milvus://HOST:PORT`` -> a
    collection of this generation on that server."""
    if spec == FAISS:
        return None
    if spec == MILVUS:
        return MilvusTarget(f"vectors.{generation}.milvus.db", "passages")
    if spec.startswith("milvus://") and len(spec) > len("milvus://"):
        return MilvusTarget("http://" + spec[len("milvus://") :].rstrip("/"), f"qa_passages_{generation}")
    raise VectorStoreError(
        f"unknown vector store {spec!r}: use faiss, milvus (milvus-lite) or milvus://HOST:PORT"
    )


def _client(uri: str) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise VectorStoreError(
            "this index keeps its vectors in Milvus, which needs the optional extra: pip install -e '.[scale]'"
        ) from None
    # milvus-lite's embedded gRPC server logs a traceback for each call it does not implement (pymilvus asks for
    # AllocTimestamp when inserting into a collection with a BM25 function, then carries on without it).
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    return MilvusClient(uri)


def write_milvus(
    vectors: np.ndarray, target: MilvusTarget, index_dir: Path, terms: list[list[str]] | None = None
) -> None:
    """A new collection with ``vectors`` (ids 0..n-1), flushed and loaded for search. With ``terms`` (each
    passage's analysed terms), it also holds them under Milvus's BM25 function (``qa/lexical_store.py``)."""
    client = _client(target.resolve(index_dir))
    if client.has_collection(target.collection):
        client.drop_collection(target.collection)
    if terms is None:
        client.create_collection(
            target.collection, dimension=int(vectors.shape[1]), metric_type="IP", consistency_level="Strong"
        )
    else:
        _create_hybrid(client, target.collection, int(vectors.shape[1]))
    for b in range(0, len(vectors), _BATCH):
        rows: list[dict[str, Any]] = [
            {"id": b + i, "vector": v.tolist()} for i, v in enumerate(vectors[b : b + _BATCH])
        ]
        if terms is not None:
            from qa.lexical_store import TERMS_FIELD, milvus_text

            for row in rows:
                row[TERMS_FIELD] = milvus_text(terms[row["id"]])
        client.insert(target.collection, rows)
    client.flush(target.collection)
    client.load_collection(target.collection)
    client.close()


def _create_hybrid(client: Any, name: str, dim: int) -> None:
    """Dense vectors plus a BM25 sparse field that Milvus fills from the ``terms`` text on insert."""
    from pymilvus import DataType, Function, FunctionType

    from qa.lexical_store import BM25_B, BM25_K1, SPARSE_FIELD, TERMS_FIELD

    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field(
        TERMS_FIELD, DataType.VARCHAR, max_length=65535, enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )  # fmt: skip
    schema.add_field(SPARSE_FIELD, DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=[TERMS_FIELD],
            output_field_names=[SPARSE_FIELD],
        )
    )
    params = client.prepare_index_params()
    params.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
    params.add_index(
        SPARSE_FIELD, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
        params={"bm25_k1": BM25_K1, "bm25_b": BM25_B},
    )  # fmt: skip
    client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")


def drop_milvus(target: MilvusTarget, index_dir: Path) -> None:
    """An old generation's collection on a server (a milvus-lite file goes with its generation's files)."""
    if target.lite:
        return
    client = _client(target.resolve(index_dir))
    if client.has_collection(target.collection):
        client.drop_collection(target.collection)
    client.close()


class MilvusStore:
    def __init__(self, target: MilvusTarget, index_dir: Path) -> None:
        self.target = target
        self.client = _client(target.resolve(index_dir))
        if not self.client.has_collection(target.collection):
            raise VectorStoreError(f"Milvus has no collection {target.collection!r} at {target.uri}")
        self.client.load_collection(target.collection)
        # A generation's collection never changes: counted once, not on every search.
        self._ntotal = int(self.client.get_collection_stats(target.collection)["row_count"])

    @property
    def ntotal(self) -> int:
        return self._ntotal

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        hits = self.client.search(
            self.target.collection,
            data=[np.asarray(query, dtype=np.float32).tolist()],
            limit=min(k, self.ntotal),
            search_params={"metric_type": "IP"},
        )[0]
        scores = np.array([h["distance"] for h in hits], dtype=np.float32)
        ids = np.array([h["id"] for h in hits], dtype=np.int64)
        return scores, ids

    def vectors(self) -> np.ndarray:
        n = self.ntotal
        out: list[np.ndarray] = []
        for b in range(0, n, _BATCH):
            rows = self.client.query(
                self.target.collection,
                filter=f"id >= {b} and id < {b + _BATCH}",
                output_fields=["vector"],
            )
            rows.sort(key=lambda r: r["id"])
            out.append(np.array([r["vector"] for r in rows], dtype=np.float32))
        return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


def milvus_target_of(manifest: dict[str, Any]) -> MilvusTarget | None:
    vs = manifest.get("vector_store")
    if not vs or vs.get("kind") != MILVUS:
        return None
    return MilvusTarget(vs["uri"], vs["collection"])

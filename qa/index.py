"""The on-disk index: FAISS vectors, BM25, the chunk store and ``manifest.json`` side by side.

Every build writes a new generation of files (``vectors.<gen>.faiss``, ``store.<gen>.json``,
``bm25.<gen>/``) and commits it by atomically replacing ``manifest.json``; a build killed at any point
leaves the previous manifest and its files untouched. The manifest lists each file's sha256, checked at
load. Nothing is pickled: FAISS's own format, JSON, and numpy arrays loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.chunking import ChunkSettings
from qa.corpus import corpus_files
from qa.encoders import Encoder, encoder_for
from qa.files import file_sha256
from qa.models import Article, Chunk, Entity, Span
from qa.text import idf_table

if TYPE_CHECKING:
    from qa.lexical_store import LexicalStore
    from qa.vector_store import VectorStore

FORMAT_VERSION = 3  # 2: sentence vectors; 3: none (only the rule reader read them)
MANIFEST = "manifest.json"
HNSW_MIN_VECTORS = 50_000  # below this exact search is fast enough; see eval/bench.py
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80
# recall@10 0.99 against exact search on 55k Reuters passages (128 gave 0.979); docs/reports/bench.md
HNSW_EF_SEARCH = 256


class IndexError_(Exception):
    """The index is missing, damaged, stale or built differently; the message says what to run."""


@dataclass(frozen=True)
class BuildSettings:
    encoder: str = "onnx-int8"  # within 1 point of fp32 on the gold set and SQuAD, 1.7x faster (docs/reports)
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    ner: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"encoder": self.encoder, "chunking": self.chunking.to_json(), "ner": self.ner}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BuildSettings:
        """The settings an index was built with (its manifest's ``settings``)."""
        return cls(encoder=raw["encoder"], chunking=ChunkSettings(**raw["chunking"]), ner=raw["ner"])


def source_stats(corpus: Path) -> list[list[Any]]:
    """Cheap staleness key: (path, size, mtime_ns) of each corpus file."""
    out = []
    for f in corpus_files(corpus):
        try:
            st = f.stat()
        except OSError:
            continue
        out.append([str(f), st.st_size, st.st_mtime_ns])
    return out


def chunk_to_json(c: Chunk, doc: int) -> list[Any]:
    return [
        doc,
        c.start,
        c.end,
        [list(s) for s in c.sentences],
        [[s.start, s.end, s.value, s.unit, s.qualifier] for s in c.spans],
        [[e.start, e.end, e.label] for e in c.entities],
    ]


def chunk_from_json(i: int, row: list[Any], articles: list[Article]) -> Chunk:
    doc, start, end, sents, spans, ents = row
    text = articles[doc].text
    return Chunk(
        id=i,
        doc_id=articles[doc].id,
        start=start,
        end=end,
        text=text[start:end],
        sentences=tuple((a, b) for a, b in sents),
        spans=tuple(Span(text[a:b], a, b, v, u, q) for a, b, v, u, q in spans),
        entities=tuple(Entity(text[a:b], a, b, lab) for a, b, lab in ents),
    )


class Index:
    """A loaded index. Cheap to construct; the vectors, BM25 and the store load on first use."""

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = path
        self.manifest = manifest

    # -- loading -------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, verify: bool = True) -> Index:
        path = Path(path)
        mpath = path / MANIFEST
        if not mpath.exists():
            raise IndexError_(f"no index in {path} (run: qa index --index {path})")
        try:
            manifest = json.loads(mpath.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise IndexError_(
                f"unreadable manifest {mpath} ({e}); rebuild with: qa index --index {path}"
            ) from e
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            raise IndexError_(
                f"index in {path} has format {manifest.get('format') if isinstance(manifest, dict) else '?'}, "
                f"this qa reads {FORMAT_VERSION}; rebuild with: qa index --index {path}"
            )
        index = cls(path, manifest)
        index.check_runtime()
        if verify:
            index.verify()
        return index

    def check_runtime(self) -> None:
        """Refuse an index this program cannot search correctly: another model, dimension or settings."""
        from qa.encoders import MODEL_NAME, EncoderError

        m, fix = self.manifest, f"rebuild with: qa index --index {self.path}"
        want = f"sentence-transformers/{MODEL_NAME}"
        if m.get("model") != want:
            raise IndexError_(
                f"index in {self.path} was built with model {m.get('model')!r}, not {want!r}; {fix}"
            )
        try:
            settings = m["settings"]
            encoder = encoder_for(settings["encoder"])
            ChunkSettings(**settings["chunking"])
        except (KeyError, TypeError, EncoderError) as e:
            raise IndexError_(f"index in {self.path} has settings this qa cannot use ({e}); {fix}") from None
        if m.get("dimension") != encoder.dim:
            raise IndexError_(
                f"index in {self.path} has {m.get('dimension')}-dimensional vectors, its encoder "
                f"{settings['encoder']!r} makes {encoder.dim}; {fix}"
            )

    def verify(self) -> None:
        for name, meta in self.manifest["files"].items():
            f = self.path / name
            if not f.exists():
                raise IndexError_(f"index file missing: {f}; rebuild with: qa index --index {self.path}")
            if f.stat().st_size != meta["size"] or file_sha256(f) != meta["sha256"]:
                raise IndexError_(
                    f"index file damaged (checksum mismatch): {f}; rebuild with: qa index --index {self.path}"
                )

    def check_compatible(self, settings: BuildSettings) -> None:
        """Refuse an index built with another encoder, dimension or chunking, saying what differs."""
        built = self.manifest["settings"]
        want = settings.to_json()
        diffs = [
            f"{k}: index has {built.get(k)!r}, asked for {want[k]!r}" for k in want if built.get(k) != want[k]
        ]
        if diffs:
            raise IndexError_(
                f"index in {self.path} was built differently ({'; '.join(diffs)}); "
                f"rebuild with: qa index --index {self.path}"
            )

    @cached_property
    def _store(self) -> dict[str, Any]:
        return json.loads((self.path / self.manifest["store"]).read_text("utf-8"))

    @cached_property
    def articles(self) -> list[Article]:
        return [Article(**a) for a in self._store["articles"]]

    @cached_property
    def article_by_id(self) -> dict[str, Article]:
        return {a.id: a for a in self.articles}

    @cached_property
    def chunks(self) -> list[Chunk]:
        arts = self.articles
        return [chunk_from_json(i, row, arts) for i, row in enumerate(self._store["chunks"])]

    @cached_property
    def faiss(self):  # type: ignore[no-untyped-def]
        import faiss

        from qa.config import threads

        faiss.omp_set_num_threads(threads())
        index = faiss.read_index(str(self.path / self.manifest["vectors"]))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = max(index.hnsw.efSearch, HNSW_EF_SEARCH)
        if index.d != self.manifest["dimension"]:
            raise IndexError_(
                f"{self.manifest['vectors']} holds {index.d}-dimensional vectors, the manifest says "
                f"{self.manifest['dimension']}; rebuild with: qa index --index {self.path}"
            )
        return index

    @cached_property
    def bm25(self):  # type: ignore[no-untyped-def]
        import bm25s

        return bm25s.BM25.load(str(self.path / self.manifest["bm25"]), load_corpus=False, mmap=False)

    @cached_property
    def lexical(self) -> LexicalStore:
        """Where BM25 runs: bm25s files beside the index, or the Milvus collection that holds the vectors."""
        from qa.lexical_store import MILVUS, Bm25sArrays, Bm25sStore, MilvusLexicalStore
        from qa.vector_store import MilvusStore

        if (self.manifest.get("lexical") or {}).get("kind") != MILVUS:
            return Bm25sArrays.open(self.path / self.manifest["bm25"]) or Bm25sStore(self.bm25)
        store = self.vector_store
        if not isinstance(store, MilvusStore):
            raise IndexError_(f"index in {self.path} names Milvus BM25 without Milvus vectors; rebuild it")
        return MilvusLexicalStore(store.client, store.target.collection)

    @cached_property
    def encoder(self) -> Encoder:
        return encoder_for(self.manifest["settings"]["encoder"])

    @cached_property
    def _idf_table(self) -> tuple[dict[str, float], float]:
        return idf_table([c.text for c in self.chunks])

    @property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency over chunks, for weighting question terms."""
        return self._idf_table[0]

    def default_idf(self) -> float:
        """The idf of a term no chunk holds."""
        return self._idf_table[1]

    @cached_property
    def vector_store(self) -> VectorStore:
        """The passage vectors' store: FAISS beside the index, or the Milvus collection the manifest names."""
        from qa.vector_store import FaissStore, MilvusStore, VectorStoreError, milvus_target_of

        target = milvus_target_of(self.manifest)
        if target is None:
            return FaissStore(self.faiss)
        try:
            return MilvusStore(target, self.path)
        except VectorStoreError as e:
            raise IndexError_(f"{e}; or rebuild with: qa index --index {self.path} --vectors faiss") from None

    def vectors(self) -> np.ndarray:
        return self.vector_store.vectors()

    def is_stale(self) -> str | None:
        """Why the index no longer matches its corpus folder, or None."""
        corpus = Path(self.manifest["corpus"]["path"])
        if not corpus.exists():
            return None  # nothing to compare with; the index is all we have
        now = source_stats(corpus)
        if now != self.manifest["corpus"]["sources"]:
            return f"the corpus in {corpus} changed since the index was built"
        built, current = self.manifest.get("encoder"), self.encoder.name
        if built != current:
            return f"the index was embedded by {built}, questions now by {current}"
        return None

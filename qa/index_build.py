"""Building an index: chunk, tag, embed and write a new generation of files, then commit it by replacing
``manifest.json`` (see ``qa/index.py`` for the format and loading). A build killed at any point leaves the previous
index untouched; passages whose article did not change are reused rather than embedded again."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.build_stages import EMBED_BATCH, BuildStages, LocalStages, Progress
from qa.corpus import article_fingerprint, corpus_fingerprint, load_corpus
from qa.encoders import Encoder, encoder_for
from qa.files import file_sha256
from qa.index import (
    FORMAT_VERSION,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    HNSW_MIN_VECTORS,
    MANIFEST,
    BuildSettings,
    Index,
    IndexError_,
    chunk_to_json,
    source_stats,
)
from qa.lexical_store import BM25S
from qa.lexical_store import KINDS as LEXICAL_KINDS
from qa.lexical_store import MILVUS as LEXICAL_MILVUS
from qa.models import Article, Chunk, Entity
from qa.text import terms
from qa.vector_store import (
    FAISS,
    VectorStoreError,
    drop_milvus,
    milvus_target_of,
    target_for,
    write_milvus,
)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def embed_text(article: Article, chunk: Chunk) -> str:
    """What the encoder sees: the article's title as context, then the passage."""
    if article.title and not chunk.text.startswith(article.title):
        return f"{article.title}. {chunk.text}"
    return chunk.text


def _lock(path: Path):  # type: ignore[no-untyped-def]
    from filelock import FileLock

    path.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path / ".lock"), timeout=0)


def build_index(
    corpus: str | Path,
    path: str | Path,
    settings: BuildSettings | None = None,
    warn: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    encoder: Encoder | None = None,
    vectors: str | None = None,
    stages: BuildStages | None = None,
    lexical: str | None = None,
) -> Index:
    """Build (or update) the index for ``corpus`` in ``path``; unchanged articles keep their vectors.
    ``vectors``: where the vectors go (``qa/vector_store.py``: faiss, milvus, milvus://HOST:PORT); None keeps
    the current index's choice, FAISS for a new one. ``stages``: where tagging, chunking and embedding run
    (``qa/build_stages.py``; None: in this process, ``qa/ray_build.py``: on a Ray cluster). ``lexical``: where
    BM25 runs (``qa/lexical_store.py``: bm25s, or milvus beside Milvus vectors); None keeps the index's choice."""
    from filelock import Timeout

    settings = settings or BuildSettings()
    corpus, path = Path(corpus).resolve(), Path(path)
    if vectors is not None:
        try:
            target_for(vectors, "check")
        except VectorStoreError as e:
            raise IndexError_(str(e)) from None
    lock = _lock(path)
    try:
        lock.acquire()
    except Timeout:
        raise IndexError_(
            f"another 'qa index' is writing {path}; wait for it to finish and try again"
        ) from None
    try:
        return _build_locked(corpus, path, settings, warn, progress, encoder, vectors, stages, lexical)
    finally:
        lock.release()


@dataclass(frozen=True)
class Reusable:
    """What an unchanged article keeps from the current index: its passage vectors and entities."""

    vectors: np.ndarray
    entities: tuple[Entity, ...]


def _reusable(path: Path, settings: BuildSettings, encoder_name: str) -> dict[str, Reusable]:
    """Per-article fingerprint -> what the current index computed for it, if built with the same settings and
    the same encoder (its name changes with its export recipe)."""
    try:
        old = Index.load(path, verify=True)
    except IndexError_:
        return {}
    if old.manifest["settings"] != settings.to_json() or old.manifest.get("encoder") != encoder_name:
        return {}
    vecs = old.vectors()
    by_doc: dict[str, list[int]] = {}
    for c in old.chunks:
        by_doc.setdefault(c.doc_id, []).append(c.id)
    prints = old.manifest.get("article_fingerprints", {})
    chunks = old.chunks
    return {
        prints[d]: Reusable(
            vecs[ids],
            # Overlapping passages repeat the entities of the sentence they share.
            tuple(dict.fromkeys(e for i in ids for e in chunks[i].entities)),
        )
        for d, ids in by_doc.items()
        if d in prints
    }


def _build_locked(
    corpus: Path,
    path: Path,
    settings: BuildSettings,
    warn: Callable[[str], None] | None,
    progress: Progress | None,
    encoder: Encoder | None,
    vectors_to: str | None = None,
    stages: BuildStages | None = None,
    lexical_to: str | None = None,
) -> Index:
    import bm25s
    import faiss

    from qa.config import threads

    t0 = time.perf_counter()
    sources = source_stats(corpus)
    report = load_corpus(corpus, warn)
    articles = report.articles
    encoder = encoder or encoder_for(settings.encoder)

    # Where the vectors and BM25 go: an update keeps the index's choices. Checked before anything is embedded.
    gen = f"{int(time.time() * 1000):x}{os.getpid():x}"
    previous = _previous_manifest(path)
    if vectors_to is None:
        vectors_to = ((previous or {}).get("vector_store") or {}).get("spec", FAISS)
    target = target_for(vectors_to, gen)
    if lexical_to is None:  # kept, unless the vectors leave Milvus
        kept = ((previous or {}).get("lexical") or {}).get("kind", BM25S)
        lexical_to = kept if target is not None else BM25S
    if lexical_to not in LEXICAL_KINDS:
        raise IndexError_(f"unknown lexical store {lexical_to!r}: use {' or '.join(LEXICAL_KINDS)}")
    if lexical_to == LEXICAL_MILVUS and target is None:
        raise IndexError_(
            "--lexical milvus keeps BM25 in the Milvus collection of the vectors: add --vectors milvus"
        )

    # Unchanged articles keep their entities and vectors; only the rest go through NER and the encoder.
    reuse = _reusable(path, settings, encoder.name)
    prints = [article_fingerprint(a) for a in articles]
    known = {a.id: reuse[p].entities for a, p in zip(articles, prints, strict=True) if p in reuse}
    stages = stages or LocalStages(encoder, settings.chunking, settings.ner)

    chunks: list[Chunk] = []
    doc_of: list[int] = []
    for d, passages in enumerate(stages.prepare(articles, known, progress)):
        for c in passages:
            chunks.append(replace(c, id=len(chunks)))
            doc_of.append(d)
    if not chunks:
        raise IndexError_(f"no text to index in {corpus}")

    vectors = np.zeros((len(chunks), encoder.dim), dtype=np.float32)
    todo: list[int] = []
    by_doc: dict[int, list[int]] = {}
    for i, d in enumerate(doc_of):
        by_doc.setdefault(d, []).append(i)
    for d, ids in by_doc.items():
        old = reuse.get(prints[d])
        if old is not None and len(old.vectors) == len(ids):
            vectors[ids] = old.vectors
        else:
            todo.extend(ids)
    cuts = [todo[b : b + EMBED_BATCH] for b in range(0, len(todo), EMBED_BATCH)]
    texts = [[embed_text(articles[doc_of[i]], chunks[i]) for i in ids] for ids in cuts]
    for ids, vecs in zip(cuts, stages.embed(texts, progress), strict=True):
        vectors[ids] = vecs
    lexical_terms = [terms(embed_text(articles[d], c)) for c, d in zip(chunks, doc_of, strict=True)]

    path.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}
    vec_name: str | None = None
    if target is None:
        faiss.omp_set_num_threads(threads())
        if len(chunks) >= HNSW_MIN_VECTORS:
            findex = faiss.IndexHNSWFlat(encoder.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            findex.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            findex.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            findex = faiss.IndexFlatIP(encoder.dim)
        findex.add(vectors)
        store_kind = type(findex).__name__
        vec_name = f"vectors.{gen}.faiss"
        faiss.write_index(findex, str(path / vec_name))
    else:
        try:
            write_milvus(vectors, target, path, lexical_terms if lexical_to == LEXICAL_MILVUS else None)
        except VectorStoreError as e:
            raise IndexError_(str(e)) from None
        store_kind = "Milvus (milvus-lite)" if target.lite else f"Milvus at {target.uri}"
    store_name = f"store.{gen}.json"
    store = {
        "articles": [asdict(a) for a in articles],
        "chunks": [chunk_to_json(c, d) for c, d in zip(chunks, doc_of, strict=True)],
    }
    _write_file(path / store_name, json.dumps(store, ensure_ascii=False).encode("utf-8"))
    bm25_name: str | None = None
    if lexical_to == BM25S:
        bm25_name = f"bm25.{gen}"
        retriever = bm25s.BM25()
        retriever.index([t or [""] for t in lexical_terms], show_progress=False)
        retriever.save(str(path / bm25_name), show_progress=False)
    for name in [n for n in (vec_name, store_name) if n] + [
        f"{bm25_name}/{f.name}" for f in (sorted((path / bm25_name).iterdir()) if bm25_name else [])
    ]:
        f = path / name
        if f.is_file():
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
            files[name] = {"size": f.stat().st_size, "sha256": file_sha256(f)}

    manifest = {
        "format": FORMAT_VERSION,
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "encoder": encoder.name,
        "dimension": encoder.dim,
        "settings": settings.to_json(),
        "faiss_index": store_kind,
        "vectors": vec_name,
        "vector_store": (target.to_json() if target else {"kind": FAISS}) | {"spec": vectors_to},
        "store": store_name,
        "bm25": bm25_name,
        "lexical": {"kind": lexical_to},
        "files": files,
        "corpus": {"path": str(corpus), "fingerprint": corpus_fingerprint(articles), "sources": sources},
        "article_fingerprints": {a.id: p for a, p in zip(articles, prints, strict=True)},
        "counts": {
            "articles": len(articles),
            "chunks": len(chunks),
            "embedded": len(todo),
            "reused": len(chunks) - len(todo),
            "skipped_files": len(report.warnings),
        },
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - t0, 3),
    }
    _fsync_dir(path)
    tmp = path / f"{MANIFEST}.{gen}.tmp"
    _write_file(tmp, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
    os.replace(tmp, path / MANIFEST)  # the commit point
    _fsync_dir(path)
    _remove_other_generations(path, gen)
    old_target = milvus_target_of(previous) if previous else None
    if old_target is not None and old_target != target:
        with contextlib.suppress(VectorStoreError):
            drop_milvus(old_target, path)  # the old generation's collection on a server
    return Index(path, manifest)


def _previous_manifest(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _remove_other_generations(path: Path, keep: str) -> None:
    for f in path.iterdir():
        parts = f.name.split(".")
        if (
            len(parts) >= 2
            and parts[0] in ("vectors", "sentences", "store", "bm25", "manifest")  # sentences: format 2
            and keep not in f.name
        ):
            if f.name == MANIFEST:
                continue
            if f.is_dir():
                shutil.rmtree(f, ignore_errors=True)
            else:
                f.unlink(missing_ok=True)

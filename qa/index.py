"""The on-disk index: FAISS vectors, BM25, the chunk store and ``manifest.json`` side by side.

Every build writes a new generation of files (``vectors.<gen>.faiss``, ``store.<gen>.json``,
``bm25.<gen>/``) and commits it by atomically replacing ``manifest.json``; a build killed at any point
leaves the previous manifest and its files untouched. The manifest lists each file's sha256, checked at
load. Nothing is pickled: FAISS's own format, JSON, and numpy arrays loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from qa.chunking import ChunkSettings, chunk_article
from qa.corpus import article_fingerprint, corpus_files, corpus_fingerprint, load_corpus
from qa.encoders import Encoder, encoder_for
from qa.files import file_sha256
from qa.models import Article, Chunk, Entity, Span
from qa.text import idf_table, terms

FORMAT_VERSION = 2  # 2: sentence vectors
MANIFEST = "manifest.json"
HNSW_MIN_VECTORS = 50_000  # below this exact search is fast enough; see eval/bench.py
HNSW_M, HNSW_EF_CONSTRUCTION = 32, 80
# recall@10 0.99 against exact search on 55k Reuters passages (128 gave 0.979); eval/reports/bench.md
HNSW_EF_SEARCH = 256


class IndexError_(Exception):
    """The index is missing, damaged, stale or built differently; the message says what to run."""


@dataclass(frozen=True)
class BuildSettings:
    encoder: str = "onnx-int8"  # within 1 point of fp32 on the gold set and SQuAD, 1.7x faster (eval/reports)
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    ner: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"encoder": self.encoder, "chunking": self.chunking.to_json(), "ner": self.ner}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BuildSettings:
        """The settings an index was built with (its manifest's ``settings``)."""
        return cls(encoder=raw["encoder"], chunking=ChunkSettings(**raw["chunking"]), ner=raw["ner"])


Progress = Callable[[str, int, int], None]


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


def embed_text(article: Article, chunk: Chunk) -> str:
    """What the encoder sees: the article's title as context, then the passage."""
    if article.title and not chunk.text.startswith(article.title):
        return f"{article.title}. {chunk.text}"
    return chunk.text


def _chunk_to_json(c: Chunk, doc: int) -> list[Any]:
    return [
        doc,
        c.start,
        c.end,
        [list(s) for s in c.sentences],
        [[s.start, s.end, s.value, s.unit, s.qualifier] for s in c.spans],
        [[e.start, e.end, e.label] for e in c.entities],
    ]


def _chunk_from_json(i: int, row: list[Any], articles: list[Article]) -> Chunk:
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
    """A loaded index. Cheap to construct; FAISS, BM25 and the store load on first use."""

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
        return [_chunk_from_json(i, row, arts) for i, row in enumerate(self._store["chunks"])]

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
    def sentence_vectors(self) -> np.ndarray:
        """One float16 row per (passage, sentence), memory-mapped; rows of chunk i: sentence_rows[i:i+2]."""
        return np.load(self.path / self.manifest["sentence_vectors"], mmap_mode="r", allow_pickle=False)

    @cached_property
    def sentence_rows(self) -> np.ndarray:
        return np.cumsum([0] + [len(c.sentences) for c in self.chunks])

    def sentence_vector(self, chunk_id: int, sentence: tuple[int, int]) -> np.ndarray:
        """The stored vector of one sentence of a chunk (by its offsets)."""
        chunk = self.chunks[chunk_id]
        row = self.sentence_rows[chunk_id] + chunk.sentences.index(sentence)
        return np.asarray(self.sentence_vectors[row], np.float32)

    def sentence_similarities(self, chunk: Chunk, qvec: np.ndarray) -> np.ndarray:
        rows = self.sentence_rows
        return np.asarray(self.sentence_vectors[rows[chunk.id] : rows[chunk.id + 1]], np.float32) @ qvec

    @cached_property
    def bm25(self):  # type: ignore[no-untyped-def]
        import bm25s

        return bm25s.BM25.load(str(self.path / self.manifest["bm25"]), load_corpus=False, mmap=False)

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

    def vectors(self) -> np.ndarray:
        index = self.faiss
        return index.reconstruct_n(0, index.ntotal)

    def is_stale(self) -> str | None:
        """Why the index no longer matches its corpus folder, or None."""
        corpus = Path(self.manifest["corpus"]["path"])
        if not corpus.exists():
            return None  # nothing to compare with; the index is all we have
        now = source_stats(corpus)
        if now != self.manifest["corpus"]["sources"]:
            return f"the corpus in {corpus} changed since the index was built"
        return None


# -- building ------------------------------------------------------------------------------------------
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
) -> Index:
    """Build (or update) the index for ``corpus`` in ``path``; unchanged articles keep their vectors."""
    from filelock import Timeout

    settings = settings or BuildSettings()
    corpus, path = Path(corpus).resolve(), Path(path)
    lock = _lock(path)
    try:
        lock.acquire()
    except Timeout:
        raise IndexError_(
            f"another 'qa index' is writing {path}; wait for it to finish and try again"
        ) from None
    try:
        return _build_locked(corpus, path, settings, warn, progress, encoder)
    finally:
        lock.release()


@dataclass(frozen=True)
class Reusable:
    """What an unchanged article keeps from the current index: its passage and sentence vectors, entities."""

    vectors: np.ndarray
    sentences: np.ndarray
    entities: tuple[Entity, ...]


def _reusable(path: Path, settings: BuildSettings) -> dict[str, Reusable]:
    """Per-article fingerprint -> what the current index computed for it, if built with the same settings."""
    try:
        old = Index.load(path, verify=True)
    except IndexError_:
        return {}
    if old.manifest["settings"] != settings.to_json():
        return {}
    vecs = old.vectors()
    sents = old.sentence_vectors
    rows = old.sentence_rows
    by_doc: dict[str, list[int]] = {}
    for c in old.chunks:
        by_doc.setdefault(c.doc_id, []).append(c.id)
    prints = old.manifest.get("article_fingerprints", {})
    chunks = old.chunks
    return {
        prints[d]: Reusable(
            vecs[ids],
            np.asarray(sents[rows[ids[0]] : rows[ids[-1] + 1]], dtype=np.float32),
            # Overlapping passages repeat the entities of the sentence they share.
            tuple(dict.fromkeys(e for i in ids for e in chunks[i].entities)),
        )
        for d, ids in by_doc.items()
        if d in prints
    }


def embed(
    encoder: Encoder, texts: list[str], spans: list[list[tuple[int, int]]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Passage vectors and one vector per sentence span. The ONNX encoder pools each sentence's tokens from
    the passage's forward pass (no second pass); other encoders, and sentences cut off by truncation, are
    encoded alone."""
    if hasattr(encoder, "encode_spans"):
        vecs, parts = encoder.encode_spans(texts, spans)
    else:
        vecs, parts = encoder.encode(texts), [np.zeros((len(s), encoder.dim), np.float32) for s in spans]
    missing = [(i, k) for i, p in enumerate(parts) for k in range(len(p)) if not p[k].any()]
    if missing:
        alone = encoder.encode([texts[i][slice(*spans[i][k])] for i, k in missing])
        for (i, k), v in zip(missing, alone, strict=True):
            parts[i][k] = v
    return vecs, parts


def _build_locked(
    corpus: Path,
    path: Path,
    settings: BuildSettings,
    warn: Callable[[str], None] | None,
    progress: Progress | None,
    encoder: Encoder | None,
) -> Index:
    import bm25s
    import faiss

    from qa.config import threads

    t0 = time.perf_counter()
    sources = source_stats(corpus)
    report = load_corpus(corpus, warn)
    articles = report.articles
    encoder = encoder or encoder_for(settings.encoder)

    # Unchanged articles keep their entities and vectors; only the rest go through NER and the encoder.
    reuse = _reusable(path, settings)
    prints = [article_fingerprint(a) for a in articles]
    entities: dict[str, list[Entity]] = {
        a.id: list(reuse[p].entities) for a, p in zip(articles, prints, strict=True) if p in reuse
    }
    fresh = [a for a, p in zip(articles, prints, strict=True) if p not in reuse]
    if settings.ner and fresh:
        from qa.entities import find_entities

        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            if progress:
                progress("entities", done[0], len(fresh))

        entities.update(find_entities(fresh, tick))

    chunks: list[Chunk] = []
    doc_of: list[int] = []
    for d, article in enumerate(articles):
        for c in chunk_article(article, settings.chunking, first_id=len(chunks)):
            ents = tuple(e for e in entities.get(article.id, ()) if e.start >= c.start and e.end <= c.end)
            chunks.append(Chunk(c.id, c.doc_id, c.start, c.end, c.text, c.sentences, c.spans, ents))
            doc_of.append(d)
    if not chunks:
        raise IndexError_(f"no text to index in {corpus}")

    vectors = np.zeros((len(chunks), encoder.dim), dtype=np.float32)
    sentence_rows = np.cumsum([0] + [len(c.sentences) for c in chunks])
    sentence_vecs = np.zeros((int(sentence_rows[-1]), encoder.dim), dtype=np.float32)
    todo: list[int] = []
    by_doc: dict[int, list[int]] = {}
    for i, d in enumerate(doc_of):
        by_doc.setdefault(d, []).append(i)
    for d, ids in by_doc.items():
        old = reuse.get(prints[d])
        lo, hi = sentence_rows[ids[0]], sentence_rows[ids[-1] + 1]
        if old is not None and len(old.vectors) == len(ids) and len(old.sentences) == hi - lo:
            vectors[ids] = old.vectors
            sentence_vecs[lo:hi] = old.sentences
        else:
            todo.extend(ids)
    batch = 256
    for b in range(0, len(todo), batch):
        ids = todo[b : b + batch]
        texts, spans = [], []
        for i in ids:
            text = embed_text(articles[doc_of[i]], chunks[i])
            shift = len(text) - len(chunks[i].text) - chunks[i].start  # article offset -> embed-text offset
            texts.append(text)
            spans.append([(a + shift, e + shift) for a, e in chunks[i].sentences])
        vecs, parts = embed(encoder, texts, spans)
        vectors[ids] = vecs
        for i, p in zip(ids, parts, strict=True):
            sentence_vecs[sentence_rows[i] : sentence_rows[i + 1]] = p
        if progress:
            progress("embedding", min(b + batch, len(todo)), len(todo))

    faiss.omp_set_num_threads(threads())
    if len(chunks) >= HNSW_MIN_VECTORS:
        findex = faiss.IndexHNSWFlat(encoder.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        findex.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        findex.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        findex = faiss.IndexFlatIP(encoder.dim)
    findex.add(vectors)

    gen = f"{int(time.time() * 1000):x}{os.getpid():x}"
    path.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}

    vec_name = f"vectors.{gen}.faiss"
    faiss.write_index(findex, str(path / vec_name))
    sent_name = f"sentences.{gen}.npy"
    buf = io.BytesIO()
    np.save(buf, sentence_vecs.astype(np.float16), allow_pickle=False)
    _write_file(path / sent_name, buf.getvalue())
    store_name = f"store.{gen}.json"
    store = {
        "articles": [asdict(a) for a in articles],
        "chunks": [_chunk_to_json(c, d) for c, d in zip(chunks, doc_of, strict=True)],
    }
    _write_file(path / store_name, json.dumps(store, ensure_ascii=False).encode("utf-8"))
    bm25_name = f"bm25.{gen}"
    retriever = bm25s.BM25()
    retriever.index(
        [terms(embed_text(articles[d], c)) or [""] for c, d in zip(chunks, doc_of, strict=True)],
        show_progress=False,
    )
    retriever.save(str(path / bm25_name), show_progress=False)
    for name in [vec_name, sent_name, store_name] + [
        f"{bm25_name}/{f.name}" for f in sorted((path / bm25_name).iterdir())
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
        "faiss_index": type(findex).__name__,
        "vectors": vec_name,
        "sentence_vectors": sent_name,
        "store": store_name,
        "bm25": bm25_name,
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
    return Index(path, manifest)


def _remove_other_generations(path: Path, keep: str) -> None:
    for f in path.iterdir():
        parts = f.name.split(".")
        if (
            len(parts) >= 2
            and parts[0] in ("vectors", "sentences", "store", "bm25", "manifest")
            and keep not in f.name
        ):
            if f.name == MANIFEST:
                continue
            if f.is_dir():
                shutil.rmtree(f, ignore_errors=True)
            else:
                f.unlink(missing_ok=True)

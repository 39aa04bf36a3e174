"""The build's costly stages on a Ray cluster (``qa index --ray [ADDRESS]``).

The articles become a Ray Dataset; entity tagging and chunking run as ``map_batches`` stages on the workers,
then the passages to embed go back out in the build's fixed batches (``EMBED_BATCH``, corpus order) to an
embedding stage, each worker loading its model once. The driver (``qa/index_build.py``) numbers the passages
and writes and commits the generation exactly as a local build does, so ``qa ask`` cannot tell them apart.

Chunk records come back to the driver between chunking and embedding: the int8 encoder quantizes activations
per batch, so the batches must be cut in corpus order to give the same vectors as a local build. A worker that
dies is restarted and its batch retried (Ray Data's default for actor stages); a stage that still fails raises ``RayBuildError`` before anything
is committed, so the old index keeps answering. Ray is the optional ``.[scale]`` extra, imported only here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from qa.build_stages import Progress, chunk_with_entities
from qa.chunking import ChunkSettings
from qa.index import IndexError_, chunk_from_json, chunk_to_json
from qa.models import Article, Chunk, Entity

LOCAL = "local"  # --ray local: start Ray on this machine for the build
_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "QA_CACHE_DIR", "XDG_CACHE_HOME")


class RayBuildError(IndexError_):
    """A one-line reason the Ray build stopped; nothing was committed."""


def _entities_json(entities: Sequence[Entity]) -> str:
    return json.dumps([[e.start, e.end, e.label] for e in entities])


def _entities_of(article: Article, raw: str) -> list[Entity]:
    return [Entity(article.text[a:b], a, b, label) for a, b, label in json.loads(raw)]


def _article(raw: str) -> Article:
    return Article(**json.loads(raw))


class Tagger:
    """A worker's spaCy pipeline, loaded once; fills in the entities of articles that have none yet."""

    def __init__(self) -> None:
        from qa.entities import _nlp

        _nlp()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from qa.entities import find_entities

        articles = [_article(s) for s in batch["article"]]
        found = find_entities([a for a, e in zip(articles, batch["entities"], strict=True) if not e])
        batch["entities"] = np.array(
            [e or _entities_json(found[a.id]) for a, e in zip(articles, batch["entities"], strict=True)],
            dtype=object,
        )
        return batch


def chunk_rows(batch: dict[str, np.ndarray], chunking: ChunkSettings) -> dict[str, np.ndarray]:
    """Each article's passages, as ``chunk_to_json`` rows (offsets only: the text stays with the driver)."""
    out = []
    for raw, ents in zip(batch["article"], batch["entities"], strict=True):
        article = _article(raw)
        passages = chunk_with_entities(article, chunking, _entities_of(article, ents) if ents else [])
        out.append(json.dumps([chunk_to_json(c, 0) for c in passages]))
    return {"i": batch["i"], "chunks": np.array(out, dtype=object)}


class Embedder:
    """A worker's encoder, loaded once, using as many threads as the worker has CPUs. ``ENCODER`` and
    ``THREADS`` are set on a subclass (``_embedder``): a restarted actor needs no constructor arguments."""

    ENCODER = "onnx-int8"
    THREADS = 1

    def __init__(self) -> None:
        from qa.encoders import encoder_for

        os.environ["QA_THREADS"] = str(self.THREADS)
        self.encoder = encoder_for(self.ENCODER)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vecs = [self.encoder.encode(json.loads(t)).astype(np.float32).tobytes() for t in batch["texts"]]
        return {"b": batch["b"], "vectors": np.array(vecs, dtype=object)}


class RayStages:
    """``BuildStages`` on a Ray cluster. ``address``: ``local`` (start Ray here), ``auto`` (the cluster this
    machine belongs to) or a cluster's address (``HOST:PORT``, ``ray://HOST:10001``). ``workers``: actors per
    stage (default: one per CPU in the cluster), each with ``cpus_per_worker``. Cheap to construct: Ray is
    started or joined on first use and left as found when ``close`` is called."""

    def __init__(
        self,
        address: str,
        encoder: str,
        chunking: ChunkSettings,
        ner: bool,
        workers: int | None = None,
        cpus_per_worker: int = 1,
    ) -> None:
        self.address, self.encoder, self.chunking, self.ner = address, encoder, chunking, ner
        self.workers, self.cpus = workers, cpus_per_worker
        self._started = False

    def _ray(self) -> Any:
        quiet = not logging.getLogger().isEnabledFor(logging.INFO)  # the CLI's quiet mode: only our own lines
        if quiet:
            os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray's C++ log lines on the driver
        try:
            import ray
        except ImportError:
            raise RayBuildError("--ray needs the optional extra: pip install -e '.[scale]'") from None
        if quiet:
            _quiet_loggers("ray")
        if not ray.is_initialized():
            env = {k: os.environ[k] for k in _ENV if k in os.environ}
            kwargs: dict[str, Any] = {
                "runtime_env": {"env_vars": env},
                "log_to_driver": False,
                "logging_level": logging.ERROR if quiet else logging.INFO,
                "include_dashboard": False,
            }
            try:
                with _native_stderr_silenced(quiet):
                    if self.address == LOCAL:
                        ray.init(num_cpus=self.workers * self.cpus if self.workers else None, **kwargs)
                    else:
                        ray.init(address=self.address, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise RayBuildError(
                    f"cannot reach the Ray cluster at {self.address!r}: {_short(e)}"
                ) from None
            self._started = True
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.execution_options.preserve_order = True
        ctx.print_on_execution_start = False
        if quiet:
            _quiet_loggers("ray")
        return ray

    def _pool(self, ray: Any) -> int:
        if self.workers:
            return self.workers
        return max(1, int(ray.cluster_resources().get("CPU", 1)) // self.cpus)

    def _actors(self, ray: Any, workers: int, blocks: int) -> dict[str, Any]:
        return {
            "compute": ray.data.ActorPoolStrategy(size=max(1, min(workers, blocks))),
            "num_cpus": self.cpus,
        }

    def prepare(
        self, articles: Sequence[Article], known: dict[str, tuple[Entity, ...]], progress: Progress | None
    ) -> list[list[Chunk]]:
        if not articles:
            return []
        ray = self._ray()
        workers = self._pool(ray)
        rows = [
            {
                "i": i,
                "article": json.dumps(asdict(a)),
                "entities": _entities_json(known[a.id]) if a.id in known else ("" if self.ner else "[]"),
            }
            for i, a in enumerate(articles)
        ]
        ds = ray.data.from_items(rows, override_num_blocks=min(len(rows), workers * 8))
        if self.ner and any(not r["entities"] for r in rows):
            ds = ds.map_batches(Tagger, batch_size=32, **self._actors(ray, workers, ds.num_blocks()))
        ds = ds.map_batches(
            chunk_rows, fn_kwargs={"chunking": self.chunking}, batch_size=64, num_cpus=self.cpus
        )
        out: list[list[Chunk] | None] = [None] * len(articles)
        try:
            for n, row in enumerate(ds.iter_rows(), 1):
                article = articles[int(row["i"])]
                out[int(row["i"])] = [chunk_from_json(0, c, [article]) for c in json.loads(row["chunks"])]
                if progress:
                    progress("tagging and chunking (ray)", n, len(articles))
        except Exception as e:  # a stage that failed after its retries
            raise RayBuildError(f"the Ray build failed while tagging and chunking: {_short(e)}") from None
        if any(o is None for o in out):
            raise RayBuildError("the Ray build lost articles between stages")
        return [o for o in out if o is not None]

    def embed(self, batches: Sequence[Sequence[str]], progress: Progress | None) -> Iterator[np.ndarray]:
        if not batches:
            return
        ray = self._ray()
        workers = self._pool(ray)
        ds = ray.data.from_items(
            [{"b": b, "texts": json.dumps(list(t))} for b, t in enumerate(batches)],
            override_num_blocks=len(batches),
        )
        embedder = type("Embedder", (Embedder,), {"ENCODER": self.encoder, "THREADS": self.cpus})
        ds = ds.map_batches(embedder, batch_size=1, **self._actors(ray, workers, len(batches)))
        total, done, ready, nxt = sum(len(b) for b in batches), 0, {}, 0
        try:
            for row in ds.iter_rows():
                b = int(row["b"])
                ready[b] = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(batches[b]), -1)
                done += len(batches[b])
                if progress:
                    progress("embedding (ray)", done, total)
                while nxt in ready:
                    yield ready.pop(nxt)
                    nxt += 1
        except Exception as e:
            raise RayBuildError(f"the Ray build failed while embedding: {_short(e)}") from None
        if nxt != len(batches):
            raise RayBuildError(f"the Ray build returned {nxt} of {len(batches)} embedding batches")

    def close(self) -> None:
        if self._started:
            import ray

            ray.shutdown()
            self._started = False


def _quiet_loggers(prefix: str) -> None:
    """Ray's Python loggers (made as its modules load) at ERROR: only our own lines in the CLI's quiet mode."""
    for name in [n for n in logging.root.manager.loggerDict if n.startswith(prefix)]:
        logging.getLogger(name).setLevel(logging.ERROR)


@contextlib.contextmanager
def _native_stderr_silenced(on: bool) -> Iterator[None]:
    """Ray's C++ core logs to file descriptor 2 while it starts or connects (retries, log-level notes); in
    quiet mode those lines are dropped and a failure is reported as one line by the caller."""
    if not on:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _short(e: BaseException) -> str:
    lines = [ln for ln in str(e).splitlines() if ln.strip()]
    return (lines[-1] if lines else type(e).__name__)[:300]

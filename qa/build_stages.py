"""The costly stages of an index build, behind one interface so they can run here or on a Ray cluster
(``qa/ray_build.py``): tag entities and chunk each article, then embed passages in fixed batches.

The driver (``qa/index_build.py``) decides what is reused, numbers the passages and writes the generation; the
stages only compute. Both implementations call the same per-article and per-batch functions below, so a Ray
build writes the same index as a local one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from qa.chunking import ChunkSettings, chunk_article
from qa.encoders import Encoder
from qa.models import Article, Chunk, Entity

# Passages embedded per call. The int8 encoder quantizes activations per batch, so a passage's vector depends
# on which passages share its batch: every build cuts the same batches, in corpus order.
EMBED_BATCH = 256

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class BuildStages(Protocol):
    def prepare(
        self, articles: Sequence[Article], known: dict[str, tuple[Entity, ...]], progress: Progress | None
    ) -> list[list[Chunk]]:
        """Each article's passages with their entities (ids from 0 within the article). Articles missing
        from ``known`` are tagged first when the build finds entities."""
        ...

    def embed(self, batches: Sequence[Sequence[str]], progress: Progress | None) -> Iterator[np.ndarray]:
        """One array of vectors per batch of texts, in order."""
        ...


def chunk_with_entities(article: Article, chunking: ChunkSettings, entities: Sequence[Entity]) -> list[Chunk]:
    """An article's passages, each holding the entities that lie wholly inside it."""
    return [
        replace(c, entities=tuple(e for e in entities if e.start >= c.start and e.end <= c.end))
        for c in chunk_article(article, chunking)
    ]


class LocalStages:
    """Everything in this process (the default)."""

    def __init__(self, encoder: Encoder, chunking: ChunkSettings, ner: bool) -> None:
        self.encoder, self.chunking, self.ner = encoder, chunking, ner

    def prepare(
        self, articles: Sequence[Article], known: dict[str, tuple[Entity, ...]], progress: Progress | None
    ) -> list[list[Chunk]]:
        entities: dict[str, Sequence[Entity]] = dict(known)
        fresh = [a for a in articles if a.id not in known]
        if self.ner and fresh:
            from qa.entities import find_entities

            done = [0]

            def tick(n: int) -> None:
                done[0] += n
                if progress:
                    progress("entities", done[0], len(fresh))

            entities.update(find_entities(fresh, tick))
        return [chunk_with_entities(a, self.chunking, entities.get(a.id, ())) for a in articles]

    def embed(self, batches: Sequence[Sequence[str]], progress: Progress | None) -> Iterator[np.ndarray]:
        total, done = sum(len(b) for b in batches), 0
        for texts in batches:
            yield self.encoder.encode(list(texts))
            done += len(texts)
            if progress:
                progress("embedding", done, total)

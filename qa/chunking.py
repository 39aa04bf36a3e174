"""Sentence-aware passages with exact offsets: ``article.text[chunk.start:chunk.end] == chunk.text``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from qa.models import Article, Chunk
from qa.numbers import find_numbers
from qa.text import split_sentences


@dataclass(frozen=True)
class ChunkSettings:
    max_words: int = 80
    overlap_sentences: int = 1

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def _words(text: str) -> int:
    return len(text.split())


def chunk_article(article: Article, settings: ChunkSettings, first_id: int = 0) -> list[Chunk]:
    """Greedy sentence packing up to ``max_words``; consecutive chunks share ``overlap_sentences``."""
    text = article.text
    sentences = split_sentences(text, article.body_start)
    if not sentences:
        return []
    groups: list[list[tuple[int, int]]] = []
    i = 0
    while i < len(sentences):
        group = [sentences[i]]
        words = _words(text[sentences[i][0] : sentences[i][1]])
        j = i + 1
        while j < len(sentences):
            w = _words(text[sentences[j][0] : sentences[j][1]])
            if words + w > settings.max_words:
                break
            group.append(sentences[j])
            words += w
            j += 1
        groups.append(group)
        if j >= len(sentences):
            break
        # Step forward, keeping up to ``overlap`` sentences, but always advancing by at least one.
        i = max(i + 1, j - settings.overlap_sentences)
    chunks = []
    for n, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        body = text[start:end]
        spans = tuple(replace(s, start=s.start + start, end=s.end + start) for s in find_numbers(body))
        chunks.append(
            Chunk(
                id=first_id + n,
                doc_id=article.id,
                start=start,
                end=end,
                text=body,
                sentences=tuple(group),
                spans=spans,
            )
        )
    return chunks

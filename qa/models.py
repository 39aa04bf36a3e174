"""Domain objects. Every offset is a character offset into ``Article.text``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    # Where the body starts: after a metadata prefix such as " date 2017-10-24 ". Offsets stay absolute.
    body_start: int = 0


@dataclass(frozen=True)
class Span:
    """A numeric expression: "5,600" -> 5600.0, "30 percent" -> 30.0 percent, "June 2014" -> date."""

    text: str
    start: int
    end: int
    value: float | None
    unit: str | None = None
    # A hedge in front of the number ("at least", "nearly"); not part of ``text``.
    qualifier: str | None = None


@dataclass(frozen=True)
class Entity:
    text: str
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Chunk:
    id: int
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]
    spans: tuple[Span, ...] = ()
    entities: tuple[Entity, ...] = ()


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Candidate:
    """A span the reader proposes as the answer, with the sentence that states it."""

    text: str
    start: int
    end: int
    value: float | None  # a figure's value (qa/numbers.py), else None
    unit: str | None
    doc_id: str
    chunk_id: int
    sentence: tuple[int, int]
    score: float  # the reader's confidence
    kind: str  # number | entity
    hedge: str | None = None  # "more than", "about": the figure is a bound or an estimate
    upper: float | None = None  # a range's upper end ("12 to 18 months": value 12, upper 18)


@dataclass(frozen=True)
class Answer:
    text: str
    value: float | None
    unit: str | None
    doc_id: str
    start: int
    end: int
    score: float
    upper: float | None = None  # a range's upper end ("12 to 18 months": value 12, upper 18)


@dataclass(frozen=True)
class Citation:
    doc_id: str
    title: str | None
    date: str | None
    start: int
    end: int
    quote: str
    # Where the answer stands inside the quoted sentence (article offsets), if it does.
    answer_start: int | None = None
    answer_end: int | None = None


@dataclass(frozen=True)
class Conflict:
    value: float | None
    text: str
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Result:
    question: str
    abstained: bool
    answer: Answer | None
    passages: tuple[Passage, ...]
    citations: tuple[Citation, ...]
    conflicts: tuple[Conflict, ...]
    id: str | None = None
    resolved_question: str | None = None
    answer_type: str | None = None
    confidence: float = 0.0
    support: int = 0
    articles: int = 0
    titles: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # doc_id -> a name a person can read

    def to_json(self) -> dict[str, Any]:
        """The stable answer contract of ``qa ask --json`` and the web API."""
        meta = self.titles

        def passage(p: Passage) -> dict[str, Any]:
            title, date = meta.get(p.chunk.doc_id, (None, None))
            return {
                "doc_id": p.chunk.doc_id,
                "label": self.labels.get(p.chunk.doc_id, p.chunk.doc_id),
                "title": title,
                "date": date,
                "text": p.chunk.text,
                "start": p.chunk.start,
                "end": p.chunk.end,
                "score": round(float(p.score), 4),
                "spans": [
                    {k: v for k, v in asdict(s).items() if k != "qualifier"} | {"qualifier": s.qualifier}
                    for s in p.chunk.spans
                ],
            }

        answer = None
        if self.answer is not None:
            answer = asdict(self.answer)
            answer["score"] = round(float(answer["score"]), 4)
        return {
            "id": self.id,
            "question": self.question,
            "resolved_question": self.resolved_question,
            "answer_type": self.answer_type,
            "abstained": self.abstained,
            "message": "not found in these articles" if self.abstained else None,
            "answer": answer,
            "confidence": round(float(self.confidence), 4),
            "support": {"articles": self.support, "of": self.articles},
            "passages": [passage(p) for p in self.passages],
            "citations": [asdict(c) | {"label": self.labels.get(c.doc_id, c.doc_id)} for c in self.citations],
            "conflicts": [
                asdict(c)
                | dict(zip(("title", "date"), meta.get(c.doc_id, (None, None)), strict=True))
                | {"label": self.labels.get(c.doc_id, c.doc_id)}
                for c in self.conflicts
            ],
        }

"""The span reader's answers in the retrieved passages, as candidates in article offsets.

A span that holds a figure is cut to the figure the question asks for and keeps its value, unit and hedge from
the index's numeric spans ("5,600 foreign fighters" -> "5,600", 5600; "at least" kept as the hedge).
"""

from __future__ import annotations

import math
import re
from typing import Protocol

from qa.models import Candidate, Chunk, Passage, Span
from qa.numbers import find_numbers
from qa.proximity import NO_PROXIMITY, PassageTerms, Proximity
from qa.question import Question
from qa.span_reader import RetrievalPrior, SpanHit


class SpanModel(Protocol):
    name: str
    abstain_confidence: float
    proximity: Proximity
    retrieval_prior: RetrievalPrior

    def read(self, question: str, texts: list[str], top: int = 3) -> list[list[SpanHit]]: ...


# Logits per unit of confidence: a span 4 logits above "no answer" scores 0.73, 8 above 0.88. Without it the
# squashed margins crowd against 1 and the abstention threshold ran off the top of its grid.
TEMPERATURE = 4.0


def confidence(margin: float) -> float:
    """The reader's margin of a span over "no answer", as a probability-like score in (0, 1)."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, margin / TEMPERATURE))))


def margin_of(score: float) -> float:
    """The margin a ``confidence`` score was squashed from (its inverse, within the clipping)."""
    p = min(max(score, 1e-12), 1 - 1e-12)
    return TEMPERATURE * math.log(p / (1 - p))


# Answer types that only a figure answers (dates and years may be words: "Tuesday", "last week").
QUANTITY_TYPES = frozenset({"count", "money", "percent", "number"})


def _fits(span: Span, answer_type: str | None) -> bool:
    if answer_type in ("year", "date"):
        return span.unit in ("date", "year") or (span.value is not None and 1000 <= span.value <= 2100)
    if answer_type == "percent":
        return span.unit in ("percent", "fraction")
    if answer_type == "money":
        return span.unit not in (None, "date", "year", "percent", "fraction")
    return True


def figure_in(chunk: Chunk, start: int, end: int, answer_type: str | None) -> Span | None:
    """The numeric span of the chunk that a reader span [start, end) states, the kind asked for first."""
    inside = [s for s in chunk.spans if s.start < end and s.end > start]
    if not inside:
        return None
    return next((s for s in inside if _fits(s, answer_type)), inside[0])


# What joins the two ends of a range: "12 to 18", "30-60", "4 or 5".
_RANGE_JOIN = re.compile(r"\s*(?:to|or|-|–|—)\s*", re.IGNORECASE)


def is_range(text: str, unit: str | None) -> bool:
    """Whether ``text`` states a range: exactly two figures of the kind of one with ``unit`` (times apart from
    quantities) joined as one expression. Cut to its first figure it would misstate the article; a list ("3,417
    from Russia; 760 of the 3,244") or a conversion ("120 m (390 ft)", the same quantity twice) would not."""
    timed = unit in ("date", "year")
    same = [s for s in find_numbers(text) if (s.unit in ("date", "year")) == timed]
    return len(same) == 2 and _RANGE_JOIN.fullmatch(text[same[0].end : same[1].start]) is not None


_LEADING_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _scale(text: str, value: float) -> float:
    """What a figure's written digits are multiplied by in its value: 1e6 for "18 million", 1 for "$4,500"."""
    digits = _LEADING_FIGURE.search(text)
    written = float(digits.group(0).replace(",", "")) if digits else 0.0
    scale = value / written if written else 1.0
    return scale if scale > 1 and float(scale).is_integer() else 1.0


def range_of(text: str, unit: str | None) -> tuple[float, float, str | None] | None:
    """The two ends and the unit of the range ``text`` states (``is_range``), low first: "12 to 18 million" ->
    (12e6, 18e6), "30–60%" -> (30, 60, percent), "1759-60" -> (1759, 1760). None when it is no range, or when
    its second figure is not above its first (a score, "49–15")."""
    if not is_range(text, unit):
        return None
    timed = unit in ("date", "year")
    low, high = [s for s in find_numbers(text) if (s.unit in ("date", "year")) == timed]
    if low.value is None or high.value is None:
        return None
    a, b = low.value, high.value
    if _scale(low.text, a) == 1 and (scale := _scale(high.text, b)) > 1:
        a *= scale  # the scale word is said once: "12 to 18 million", "$3 to $4 billion"
    if len(high.text) == 2 and high.text.isdigit() and 1000 <= a < 10000 and b < 100:
        b = a - a % 100 + b  # "1759-60": the century is said once
    if b <= a:
        return None
    return a, b, high.unit or low.unit


def _sentence(chunk: Chunk, start: int) -> tuple[int, int]:
    for a, b in chunk.sentences:
        if a <= start < b:
            return a, b
    return chunk.start, chunk.end


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Without the spaces and punctuation at its edges; a bracket closed (or opened) inside the span stays."""
    while a < b and (text[a].isspace() or text[a] in ",;:" or (text[a] == "(" and ")" not in text[a:b])):
        a += 1
    while b > a and (
        text[b - 1].isspace() or text[b - 1] in ",;:." or (text[b - 1] == ")" and "(" not in text[a : b - 1])
    ):
        b -= 1
    return a, b


def candidates(
    model: SpanModel,
    question: str,
    q: Question | None,
    passages: list[Passage],
    top: int = 2,
    figure_cut: bool = True,
    proximity: Proximity = NO_PROXIMITY,
    weights: dict[str, float] | None = None,
    figures_only: bool = False,
    retrieval: float = 0.0,
    whole_ranges: bool = True,
    figure_preference: float = 0.0,
) -> list[Candidate]:
    """Each passage's ``top`` spans (one batched model call), best first overall. With a proximity weight,
    a span's margin gains that many logits times its closeness to the question's terms (``weights``); with a
    ``retrieval`` weight, ``retrieval / (rank + 1)`` logits for the rank of its passage in ``passages`` (the
    retriever's order: the reader alone reads each passage apart and ignores how well it matched). With
    ``figures_only``, a question asking for a quantity (how many, how much, what share) keeps only spans
    holding a figure; with ``figure_preference``, its spans without a figure ("hundreds", "a few") lose that much
    confidence, so that a figure scoring about as well is the answer. With ``figure_cut``, a span holding a figure
    is cut to it, unless (``whole_ranges``) it states a range (``is_range``): then the span is the answer as read,
    with the value of the figure asked for."""
    if not passages:
        return []
    hits = model.read(question, [p.chunk.text for p in passages], top=top)
    near = proximity.weight > 0 and bool(weights)
    numeric = q is not None and q.numeric
    answer_type = q.answer_type if q is not None else None
    quantity = figures_only and answer_type in QUANTITY_TYPES
    out: list[Candidate] = []
    for rank, (p, spans) in enumerate(zip(passages, hits, strict=True)):
        chunk = p.chunk
        words = PassageTerms(chunk.text) if near and spans else None
        for h in spans:
            a, b = _trim(chunk.text, h.start, h.end)
            if a >= b:
                continue
            start, end = chunk.start + a, chunk.start + b
            figure = figure_in(chunk, start, end, answer_type)
            if figure is None and quantity:
                continue
            value = unit = hedge = upper = None
            kind = "entity"
            # A figure is the answer when the question asks for one, or when the span is that figure.
            if figure is not None and (numeric or (figure.start <= start and figure.end >= end)):
                value, unit, hedge, kind = figure.value, figure.unit, figure.qualifier, "number"
                if whole_ranges and is_range(chunk.text[a:b], figure.unit):
                    if ends := range_of(chunk.text[a:b], figure.unit):
                        value, upper, unit = ends[0], ends[1], ends[2] or unit
                elif figure_cut:
                    start, end = figure.start, figure.end
            margin = h.margin + retrieval / (rank + 1)
            if words is not None and weights:
                margin += proximity.weight * words.closeness(weights, h.start, h.end, proximity.reach)
            score = confidence(margin)
            if figure is None and figure_preference and answer_type in QUANTITY_TYPES:
                score = max(0.0, score - figure_preference)
            out.append(
                Candidate(
                    text=chunk.text[start - chunk.start : end - chunk.start],
                    start=start,
                    end=end,
                    value=value,
                    unit=unit,
                    doc_id=chunk.doc_id,
                    chunk_id=chunk.id,
                    sentence=_sentence(chunk, start),
                    score=score,
                    kind=kind,
                    hedge=hedge,
                    upper=upper,
                )
            )
    out.sort(key=lambda c: -c.score)
    return out

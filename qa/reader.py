"""The extractive reader: typed answer candidates in the top passages, scored by their context.

A candidate's context score is how much of the question (idf-weighted terms) stands in its sentence,
discounted by token distance and by other figures in between ("2,962 from Tunisia and 1,910 from
France": France binds to 1,910). Names the question is about must stand in the sentence.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from qa.index import Index
from qa.models import Chunk, Passage
from qa.question import ENTITY_LABELS, Question
from qa.text import term_offsets, terms

_PART_OF = re.compile(
    r"^\s+(?:out\s+)?of\s+(?:the\s+|some\s+|around\s+|about\s+|an\s+estimated\s+|roughly\s+)*$"
)
_NUMERIC_UNITS = {
    "count": {None},
    "number": {None, "percent", "fraction"},
    "percent": {"percent", "fraction", "percentage points"},
    "money": {"USD", "GBP", "EUR", "JPY", "CHF", "DEM", None},
    "year": {"year", "date"},
    "date": {"year", "date"},
}


@dataclass(frozen=True)
class Candidate:
    text: str
    start: int
    end: int
    value: float | None
    unit: str | None
    doc_id: str
    chunk_id: int
    sentence: tuple[int, int]
    score: float
    context: float
    kind: str  # number | entity | sentence


@dataclass(frozen=True)
class ReaderSettings:
    w_context: float = 0.6
    w_focus: float = 0.15
    w_retrieval: float = 0.15
    w_names: float = 0.1
    distance_scale: float = 4.0
    blocked: float = 0.35
    previous_sentence: float = 0.3
    whole_penalty: float = 0.9
    top_passages: int = 8


class Reader:
    def __init__(self, index: Index, settings: ReaderSettings | None = None) -> None:
        self.index = index
        self.settings = settings or ReaderSettings()

    def read(self, q: Question, passages: list[Passage]) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[tuple[int, int, str]] = set()
        for passage in passages[: self.settings.top_passages]:
            for cand in self._passage(q, passage):
                key = (cand.start, cand.end, cand.doc_id)
                if key not in seen:  # overlapping chunks repeat sentences
                    seen.add(key)
                    out.append(cand)
        out.sort(key=lambda c: -c.score)
        return out

    # ----------------------------------------------------------------------------------------------
    def _items(self, q: Question, chunk: Chunk) -> list[tuple[int, int, str, float | None, str | None, str]]:
        """(start, end, text, value, unit, kind) of every candidate of the question's type."""
        items = []
        if q.numeric:
            units = _NUMERIC_UNITS[q.answer_type]
            for s in chunk.spans:
                if s.unit in units and not any(s.value == v for v in q.values):
                    items.append((s.start, s.end, s.text, s.value, s.unit, "number"))
            if q.answer_type == "date":
                for e in chunk.entities:
                    if e.label == "DATE" and not any(a <= e.start < b for a, b, *_ in items):
                        items.append((e.start, e.end, e.text, None, "date", "entity"))
        else:
            labels = ENTITY_LABELS.get(q.answer_type, ENTITY_LABELS["entity"])
            for e in chunk.entities:
                if e.label in labels and not (set(terms(e.text)) & set(q.weights)):
                    items.append((e.start, e.end, e.text, None, None, "entity"))
        return items

    def _passage(self, q: Question, passage: Passage) -> list[Candidate]:
        s = self.settings
        chunk = passage.chunk
        text = self.index.article_by_id[chunk.doc_id].text
        items = self._items(q, chunk)
        total = sum(q.weights.values()) or 1.0
        out = []
        for si, (a, b) in enumerate(chunk.sentences):
            in_sentence = [it for it in items if a <= it[0] and it[1] <= b]
            toks = [(t, x + a, y + a) for t, x, y in term_offsets(text[a:b])]
            prev_terms: set[str] = set()
            if si > 0:
                pa, pb = chunk.sentences[si - 1]
                prev_terms = set(terms(text[pa:pb]))
            if not in_sentence:
                if q.answer_type == "other" and toks:
                    overlap = sum(q.weights.get(t, 0) for t in {t for t, _, _ in toks}) / total
                    score = 0.5 * overlap + s.w_retrieval * passage.score
                    out.append(
                        Candidate(
                            text[a:b],
                            a,
                            b,
                            None,
                            None,
                            chunk.doc_id,
                            chunk.id,
                            (a, b),
                            score,
                            overlap,
                            "sentence",
                        )
                    )
                continue
            starts = [x for _, x, _ in toks]
            positions = sorted(bisect.bisect_left(starts, it[0]) for it in in_sentence)
            for it in in_sentence:
                out.append(
                    self._score(q, passage, text, toks, positions, prev_terms, it, in_sentence, total, (a, b))
                )
        return out

    def _score(self, q, passage, text, toks, positions, prev_terms, item, siblings, total, sentence):  # type: ignore[no-untyped-def]
        s = self.settings
        start, end, ctext, value, unit, kind = item
        starts = [x for _, x, _ in toks]
        lo = bisect.bisect_left(starts, start)
        hi = max(lo, bisect.bisect_left(starts, end) - 1)
        # "400 of the 3,417 fighters": the part (400) reads its context through the whole (3,417).
        partner = None
        for other in siblings:
            if other is not item and _PART_OF.match(text[end : other[0]] + " ") and other[0] > end:
                partner = bisect.bisect_left(starts, other[0])
                break
        is_whole = any(
            other is not item and other[1] <= start and _PART_OF.match(text[other[1] : start] + " ")
            for other in siblings
        )
        reach_hi = partner if partner is not None else hi
        blockers = [p for p in positions if p < lo or p > reach_hi]

        def contribution(pos: int) -> float:
            if lo <= pos <= reach_hi:
                return 1.0
            d = lo - pos if pos < lo else pos - reach_hi
            between = any((pos < p < lo) if pos < lo else (reach_hi < p < pos) for p in blockers)
            f = 1.0 / (1.0 + d / s.distance_scale)
            return f * (s.blocked if between else 1.0)

        best: dict[str, float] = {}
        for i, (t, x, _y) in enumerate(toks):
            if not t or t not in q.weights or (start <= x < end):
                continue
            c = contribution(i)
            if c > best.get(t, 0.0):
                best[t] = c
        for t in prev_terms:
            if t in q.weights and best.get(t, 0.0) < s.previous_sentence:
                best[t] = s.previous_sentence
        context = sum(q.weights[t] * c for t, c in best.items()) / total

        focus = 0.0
        if q.focus:
            after = [t for t, _, _ in toks[reach_hi + 1 : reach_hi + 5] if t]
            near = {t for t, _, _ in toks[max(0, lo - 4) : reach_hi + 5] if t}
            hits = sum(1.0 if f in after else 0.5 if f in near else 0.0 for f in q.focus)
            focus = hits / len(q.focus)
        names = 1.0
        if q.names:
            names = sum(best.get(n, 0.0) for n in q.names) / len(q.names)
        score = s.w_context * context + s.w_focus * focus + s.w_retrieval * passage.score + s.w_names * names
        if q.names and names < 0.2:
            score *= 0.3  # the sentence is not about the place or person asked about
        if is_whole:
            score *= s.whole_penalty
        return Candidate(
            ctext,
            start,
            end,
            value,
            unit,
            passage.chunk.doc_id,
            passage.chunk.id,
            sentence,
            score,
            context,
            kind,
        )

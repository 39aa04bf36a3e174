"""Answer candidates: the spans of a passage that could answer a question of its type.

Figures of the asked unit (a count, a sum in any currency, a percentage, a year or date), names of the asked
kind from the index's NER, and, for questions of no figure type, a figure stated as the value of a question
term ("a duty of about 7 million") or a name's appositive ("the Soufan Center, a non-profit ... group").
"""

from __future__ import annotations

import re

from qa.models import Chunk
from qa.numbers import CURRENCIES, MONTHS
from qa.question import ENTITY_LABELS, Question
from qa.text import terms

# (start, end, text, value, unit, kind): kind is "number" or "entity".
Item = tuple[int, int, str, float | None, str | None, str]

# A figure's unit words then an opening bracket: what stands between "142 pounds" and "(64 kg)".
_CONVERSION = re.compile(r"\s*(?:[a-z°][\w/.²³-]*\s*){1,2}\(\s*(?:about\s+|approx(?:imately|\.)?\s+|c\.\s*)?")
# ... and its own unit words up to the closing bracket: "(64 kg)", "(2,700,000 sq mi)".
_WORD_AFTER = re.compile(r"\s*([^\W\d_°][\w/.²³°]*(?:\s+[\w/.²³°]+)?)\s*[)/;,]")
_ATTRIBUTE_BEFORE = re.compile(
    r"\b([^\W\d_]+)\s+(?:of|is|was|were|are|at|reached|totall?ed|stood\s+at|:)\s+"
    r"(?:(?:about|around|approximately|nearly|almost|some|over|more\s+than|less\s+than|roughly|just|only"
    r"|an\s+estimated|up\s+to)\s+)*$",
    re.I,
)
_DATED = re.compile(
    rf"\d|\b(?:{'|'.join(MONTHS)}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
    r"|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth)\b",
    re.I,
)
_ASKS_KIND = re.compile(r"\bwhat (?:kind|type|sort) of\b", re.I)
_APPOSITIVE = re.compile(
    r"([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*),\s+(?:a|an)\s+([^,.;:()]{2,60}?)(?=\s*[,.;]|\s+(?:that|which|who)\b)"
)
_HOW_MUCH = re.compile(r"\bhow much\b", re.I)
_NUMERIC_UNITS = {
    "count": {None},
    "number": {None, "percent", "fraction"},
    "percent": {"percent", "fraction", "percentage points"},
    "money": {*CURRENCIES, None},
    "year": {"year", "date"},
    "date": {"year", "date"},
}


def candidates(q: Question, chunk: Chunk, text: str) -> list[Item]:
    """(start, end, text, value, unit, kind) of every candidate of the question's type in ``chunk``."""
    items = []
    if q.numeric:
        units = _NUMERIC_UNITS[q.answer_type]
        if q.answer_type == "count" and _HOW_MUCH.search(q.text):
            units = units | CURRENCIES  # "How much in debentures is it offering?": a sum, or an amount
        qterms = set(terms(q.text))
        for prev, s in zip([None, *chunk.spans], chunk.spans, strict=False):
            if any(s.value == v for v in q.values):
                continue
            # "142 pounds (64 kg)": the figure in brackets restates the one before it in another unit;
            # it is the answer only when the question asks in that unit.
            unit = _WORD_AFTER.match(text, s.end)
            if (
                prev is not None
                and unit
                and _CONVERSION.fullmatch(text, prev.end, s.start)
                and not set(terms(unit.group(1))) & qterms
            ):
                continue
            if q.answer_type == "money" and s.unit is None and not stated_as_attribute(q, text, s.start):
                continue  # a sum with no currency only as "a budget of 4 million": "5,600 fighters" is none
            if s.unit in units:
                items.append((s.start, s.end, s.text, s.value, s.unit, "number"))
            elif "year" in units and s.unit is None and re.fullmatch(r"\d{3,4}", s.text):
                # The parser calls only 1800-2100 years; asked for a year, "1221" or "999" is one too.
                items.append((s.start, s.end, s.text, s.value, "year", "number"))
        if q.answer_type == "date":
            for e in chunk.entities:
                # "today", "centuries", "the following day" date nothing; a date names a time.
                if (
                    e.label == "DATE"
                    and _DATED.search(e.text)
                    and not any(a <= e.start < b for a, b, *_ in items)
                ):
                    items.append((e.start, e.end, e.text, None, "date", "entity"))
    else:
        labels = ENTITY_LABELS.get(q.answer_type, ENTITY_LABELS["entity"])
        for e in chunk.entities:
            if e.label in labels and not (set(terms(e.text)) & set(q.weights)):
                items.append((e.start, e.end, e.text, None, None, "entity"))
        if q.answer_type == "other" and _ASKS_KIND.search(q.text):
            # "What kind of organization is the Soufan Center?": "the Soufan Center, a non-profit ... group,"
            asked = {t for phrase in q.phrases for t in phrase}
            for m in _APPOSITIVE.finditer(text, chunk.start, chunk.end):
                if set(terms(m.group(1))) & asked:
                    items.append((m.start(2), m.end(2), m.group(2), None, None, "entity"))
        if q.answer_type == "other":
            # "What is the turbine's theoretical efficiency?": "an efficiency of about 63%" states the
            # value of the attribute asked about; the figure answers, not the whole sentence.
            for s in chunk.spans:
                if (
                    stated_as_attribute(q, text, s.start)
                    and s.value not in q.values
                    and not any(it[0] <= s.start < it[1] for it in items)
                ):
                    items.append((s.start, s.end, s.text, s.value, s.unit, "number"))
    return items


def stated_as_attribute(q: Question, text: str, start: int) -> bool:
    """The figure at ``start`` is stated as the value of a question term: "a budget of about 4 million"."""
    m = _ATTRIBUTE_BEFORE.search(text, max(0, start - 60), start)
    if not m:
        return False
    word = set(terms(m.group(1)))
    return bool(word & set(q.weights)) and not word & set(q.names)

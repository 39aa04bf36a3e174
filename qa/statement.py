"""The sentence that states the answer, as a person reads it first: the answer marked inside it, the
sentence cut to the clauses around the answer when it is long, and the numbers of the sources that state it.

Built from the answer JSON (``Result.to_json()``), so the terminal, the web chat and the Markdown download
lead with the same words. Nothing is written here: every word shown is the article's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_WORDS = 40  # a sentence longer than this is cut to the clauses around the answer
MIN_WORDS = 14  # ... but keeps at least this many words, so that it still says what the figure counts
ELLIPSIS = "…"
# Where a sentence can be cut: after a comma, semicolon, colon or parenthesis, or around a dash.
_CLAUSE_END = re.compile(r"[,;:)]\s+|\s+[—–-]\s+|\s+\(")


@dataclass(frozen=True)
class Statement:
    """``before + answer + after`` is the (possibly cut) sentence, whitespace folded."""

    before: str
    answer: str
    after: str
    sources: tuple[int, ...]  # 1-based numbers of the citations that state the answer
    cut: bool = False

    @property
    def text(self) -> str:
        return self.before + self.answer + self.after


def _fold(text: str) -> str:
    return " ".join(text.split())


def _words(text: str) -> int:
    return len(text.split())


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """The sentence's clauses as (start, end) offsets that cover it without gaps."""
    bounds, pos = [], 0
    for m in _CLAUSE_END.finditer(sentence):
        bounds.append((pos, m.end()))
        pos = m.end()
    bounds.append((pos, len(sentence)))
    return [(a, b) for a, b in bounds if b > a]


def trim(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The part of ``sentence`` to show around the answer at ``start..end``: all of it when short, else the
    clause that holds the answer widened one neighbouring clause at a time (the one before first: it names
    what is counted) until it has MIN_WORDS words, never past MAX_WORDS unless one clause is that long."""
    if _words(sentence) <= MAX_WORDS:
        return 0, len(sentence)
    parts = _clauses(sentence)
    first = next(i for i, (a, b) in enumerate(parts) if a <= start < b or (a <= start and b >= end))
    last = next((i for i, (a, b) in enumerate(parts) if a < end <= b), first)
    lo, hi = first, max(first, last)

    def words(i: int, j: int) -> int:
        return _words(sentence[parts[i][0] : parts[j][1]])

    while words(lo, hi) < MIN_WORDS:
        grew = False
        for i, j in ((lo - 1, hi), (lo, hi + 1)):
            if i >= 0 and j < len(parts) and words(i, j) <= MAX_WORDS:
                lo, hi, grew = i, j, True
                break
        if not grew:
            break
    return parts[lo][0], parts[hi][1]


def statement(result: Mapping[str, Any]) -> Statement | None:
    """The lead sentence of an answered result, or None when it has no answer or no cited sentence
    holds the answer span."""
    answer = result.get("answer")
    if result.get("abstained") or not answer:
        return None
    citations = result.get("citations") or []
    lead = next(
        (
            c
            for c in citations
            if c["doc_id"] == answer["doc_id"]
            and c.get("answer_start") is not None
            and c["start"] <= c["answer_start"] < c["answer_end"] <= c["end"]
        ),
        None,
    )
    if lead is None:
        return None
    quote: str = lead["quote"]
    # The answer's own extent ("at least 5,600") where the sentence holds it, else the cited figure.
    a, b = lead["answer_start"], lead["answer_end"]
    if lead["start"] <= answer["start"] < answer["end"] <= lead["end"]:
        a, b = answer["start"], answer["end"]
    a, b = a - lead["start"], b - lead["start"]
    s, e = trim(quote, a, b)
    before, after = quote[s:a], quote[b:e]
    before_text = _fold(before) + (" " if before[-1:].isspace() else "")
    after_text = (" " if after[:1].isspace() else "") + _fold(after)
    if s > 0:
        before_text = ELLIPSIS + before_text
    if e < len(quote):
        after_text = after_text.rstrip(" ,;:(—–-") + " " + ELLIPSIS
    # Every citation is an article that states the answer (qa/agreement.py groups them).
    sources = tuple(range(1, len(citations) + 1))
    return Statement(before_text, _fold(quote[a:b]), after_text, sources, cut=(s, e) != (0, len(quote)))


def source_marks(numbers: tuple[int, ...]) -> str:
    """ "[1][2][3]" for the sources numbered inline."""
    return "".join(f"[{n}]" for n in numbers)

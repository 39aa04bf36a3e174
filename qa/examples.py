"""Example questions for the web chat, drawn from the open corpus itself.

A sentence whose subject is a count ("1,300 Tajik nationals are fighting alongside Islamic State", "the
report says at least 5,600 foreign fighters have returned home") becomes "How many Tajik nationals are
fighting alongside Islamic State?": the clause after the figure, as the article words it. A question is kept
only when the answerer, asked it, answers with that figure, so every example shown works on this corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from qa.models import Chunk
from qa.numbers import HEDGES

MAX_EXAMPLES = 6
MIN_WORDS, MAX_WORDS = 3, 14  # the clause after the figure
# What may stand before a count that is the subject: nothing, or a verb of saying.
_LEAD = re.compile(
    r"(?:^|\b(?:says?|said|claims?|claimed|estimates?|estimated|reports?|reported|believes?|found|"
    r"shows?|showed|that)\s+)$",
    re.IGNORECASE,
)
_HEDGE = re.compile(rf"(?:{'|'.join(re.escape(h) for h in HEDGES)})\s+$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:.!?()\"“”]|\s[—–-]\s|\s(?:according|which|who|while|but|after)\s")


@dataclass(frozen=True)
class Example:
    question: str
    doc_id: str
    value: float


def candidates(chunks: Iterable[Chunk]) -> list[Example]:
    """Every "How many ...?" a sentence supports, in corpus order, one sentence once."""
    out: list[Example] = []
    seen: set[tuple[str, int]] = set()
    for chunk in chunks:
        for s, e in chunk.sentences:
            if (chunk.doc_id, s) in seen:
                continue
            seen.add((chunk.doc_id, s))
            sentence = chunk.text[s - chunk.start : e - chunk.start]
            for span in chunk.spans:
                if not (s <= span.start < e) or span.unit is not None or span.value is None or span.value < 2:
                    continue
                before = " ".join(sentence[: span.start - s].split())
                before = _HEDGE.sub("", before + " ").rstrip() if before else before
                if not _LEAD.search(before + (" " if before else "")):
                    continue
                rest = " ".join(sentence[span.end - s :].split())
                rest = _CLAUSE_END.split(" " + rest + " ", maxsplit=1)[0].strip()
                words = rest.split()
                if not (MIN_WORDS <= len(words) <= MAX_WORDS) or words[0].lower() in (
                    "of",
                    "to",
                    "and",
                    "or",
                ):
                    continue
                if not words[0][:1].isalpha():
                    continue
                out.append(Example(f"How many {rest}?", chunk.doc_id, span.value))
    return out


def example_questions(
    chunks: Iterable[Chunk],
    answers: Callable[[str], float | None],
    limit: int = MAX_EXAMPLES,
    tries: int = 24,
) -> tuple[str, ...]:
    """Up to ``limit`` questions, one an article first, each answered (``answers``: the question -> the
    value answered, or None) with the figure it was drawn from. At most ``tries`` questions are asked."""
    pool = candidates(chunks)
    by_article: dict[str, list[Example]] = {}
    for ex in pool:
        by_article.setdefault(ex.doc_id, []).append(ex)
    order: list[Example] = []  # round robin over articles: one from each before a second from any
    while any(by_article.values()):
        for doc in list(by_article):
            if by_article[doc]:
                order.append(by_article[doc].pop(0))
    shown: list[str] = []
    for ex in order[:tries]:
        if len(shown) >= limit:
            break
        if ex.question.lower() in (q.lower() for q in shown):
            continue
        if answers(ex.question) == ex.value:
            shown.append(ex.question)
    return tuple(shown)

"""Follow-up questions: resolve "And from France?" against the earlier turns."""

from __future__ import annotations

import re

from qa.question import is_elliptical

_LEAD = re.compile(r"^\s*(?:and|but|also|so|what about|how about|what of|same for)\b[\s,]*", re.I)


def resolve(question: str, history: list[str] | tuple[str, ...]) -> tuple[str, list[str]]:
    """(text to retrieve with, earlier resolved turns that the question leans on).

    A self-contained question stands alone. An elliptical one is read together with the previous
    turn, itself resolved the same way, so chains of follow-ups keep their subject.
    """
    if not history:
        return question, []
    prev, _ = resolve(history[-1], history[:-1])
    if not is_elliptical(question):
        return question, []
    fragment = _LEAD.sub("", question).strip()
    return f"{fragment} {prev}".strip(), [prev]


_PREP = re.compile(r"^(from|in|for|of|to|at|about|among|by|with|on)\s+", re.I)


def restate(question: str, history: list[str] | tuple[str, ...]) -> str:
    """The follow-up as a question that stands alone, for the reader: "And from France?" after "How many
    fighters have returned home from Tunisia?" -> "How many fighters have returned home from France?"."""
    _, context = resolve(question, history)
    if not context:
        return question
    prev = restate(history[-1], history[:-1]).strip().rstrip("?").strip()
    fragment = _LEAD.sub("", question).strip().rstrip("?").strip()
    if re.match(r"(?:how|what|which|who|whom|whose|when|where|why)\b", fragment, re.I):
        return f"{prev}: {question}"  # "How many of them came back?": the earlier turn says who "them" are
    prep = _PREP.match(fragment)
    if prep:
        # The earlier turn's phrase with the same preposition is the one the new turn replaces.
        named = re.compile(rf"\b{prep.group(1)}\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
        if named.search(prev):
            return named.sub(lambda _: fragment, prev, count=1) + "?"
    return f"{prev} {fragment}?"

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

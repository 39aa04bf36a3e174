"""Whether a figure in a sentence is bound to the names a question asks about: the sentence names each of
them, and of the sentence's figures this one stands nearest to a mention of them ("800 of the 2,926 from
Tunisia; and 271 of the 1,910 from France": for Tunisia 2,926, not 1,910)."""

from __future__ import annotations

import re

from qa.numbers import find_numbers
from qa.text import terms

_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# What separates the members of a list: a figure and a name on two sides of one belong to different members.
_SEPARATOR = re.compile(r";|,(?!\d)|\band\b|\bwhile\b|\bwhereas\b|\bbut\b")


def mentions(sentence: str, names: tuple[str, ...], aliases: dict[str, set[str]]) -> list[int] | None:
    """Character offsets of the sentence's words that are the question's names (or their aliases); None
    when one name is missing from the sentence."""
    found: dict[str, list[int]] = {n: [] for n in names}
    for m in _WORD.finditer(sentence):
        stem = terms(m.group(0))
        if not stem:
            continue
        for n in names:
            if stem[0] == n or stem[0] in aliases.get(n, ()):
                found[n].append(m.start())
    if any(not at for at in found.values()):
        return None
    return sorted(p for at in found.values() for p in at)


def bound(
    sentence: str, start: int, end: int, names: tuple[str, ...], aliases: dict[str, set[str]] | None = None
) -> bool:
    """Whether the figure at ``sentence[start:end]`` is the one the sentence gives for ``names`` (stemmed
    terms). A question that names nothing binds every figure."""
    if not names:
        return True
    at = mentions(sentence, names, aliases or {})
    if at is None:
        return False
    figures = [(s.start, s.end) for s in find_numbers(sentence)] or [(start, end)]

    def gap(a: int, b: int, p: int) -> int:
        """Characters between a figure and a mention, and a list member's length more for each separator."""
        if a <= p < b:
            return 0
        lo, hi = (b, p) if p >= b else (p, a)
        return hi - lo + 10_000 * len(_SEPARATOR.findall(sentence, lo, hi))

    near = min(at, key=lambda p: gap(start, end, p))
    mine = gap(start, end, near)
    return all(gap(a, b, near) >= mine for a, b in figures if not (a < end and start < b))

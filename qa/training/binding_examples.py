"""Binding examples: questions about one member of a newswire list of (name, figure) pairs.

A sentence such as "Exports to France rose 12 pct, to Germany 8 pct and to Italy 5 pct" lists members, each
with one figure and one capitalised name. For every member the question is the list's first member restated
for it, the figure asked for in place ("Exports to Germany rose how many pct?"), and the answer is that
member's own figure. The first member's words match the question best, so only the name tells the reader
which figure is meant: what it must learn to get "How many fighters came from Saudi Arabia?" right when
Russia's figure stands first. Built from Reuters-21578 articles that no gold set reads (the Reuters gold
corpus's articles and distractors are left out); the bundled corpus and the test sets are never read.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from qa.numbers import find_numbers
from qa.text import split_sentences

log = logging.getLogger(__name__)

# What separates the members of a list ("12 pct, to Germany 8 pct and to Italy 5 pct").
_SEPARATOR = re.compile(r";|,(?!\d)|\s(?:and|while|whereas|but|against|compared with)\s")
# A capitalised name: one to three capitalised words ("Saudi Arabia", "U.S.", "EC").
_NAME = re.compile(r"\b(?:[A-Z][A-Za-z.&'-]*[A-Za-z.])(?:\s+[A-Z][A-Za-z.&'-]*[A-Za-z.]){0,2}")
# Capitalised words that are not names of what a list compares.
_NOT_NAMES = {
    "The",
    "A",
    "An",
    "It",
    "In",
    "On",
    "At",
    "For",
    "Of",
    "And",
    "But",
    "This",
    "That",
    "He",
    "She",
}
_CALENDAR = re.compile(
    r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Spring|Summer|Autumn|Winter)"
)
# A list's later members are short ("to Germany 8 pct", "Zaire 1,736"): longer segments are other clauses.
_MEMBER_WORDS = 6
_MAX_CONTEXT = 1200


@dataclass(frozen=True)
class Member:
    """One member of a list: its segment, its name and its figure, as offsets into the sentence."""

    start: int
    end: int
    name: tuple[int, int]
    figure: tuple[int, int]


def _names(text: str, a: int, b: int) -> list[tuple[int, int]]:
    out = []
    for m in _NAME.finditer(text, a, b):
        if m.group(0) in _NOT_NAMES or _CALENDAR.match(m.group(0)) or m.start() == 0:
            continue  # a sentence's first word is capitalised whatever it is; a month is not what is compared
        out.append((m.start(), m.end()))
    return out


def members(sentence: str) -> list[Member]:
    """The sentence's list members, or [] when it holds no list of two or more (each segment between
    separators with exactly one figure, not a date, and exactly one name, the names all different; the
    members after the first short and adjacent, their figures of the first one's unit or of none)."""
    cuts = [0, *(m.end() for m in _SEPARATOR.finditer(sentence)), len(sentence)]
    figures = [s for s in find_numbers(sentence) if s.unit != "date"]
    found: list[Member] = []
    units = []
    for a, b in pairwise(cuts):
        figs = [f for f in figures if a <= f.start and f.end <= b]
        names = [n for n in _names(sentence, a, b) if not any(f.start < n[1] and n[0] < f.end for f in figs)]
        # A figure glued to a word ("Baa-2", "syrup-55") or opening a range ("between 7,000 and 8,000") is
        # not a member's figure.
        ok = (
            len(figs) == 1
            and len(names) == 1
            and sentence[figs[0].start - 1 : figs[0].start] not in ("-", "/")
            and not re.search(r"\bbetween\s*$", sentence[a : figs[0].start])
        )
        if found and (not ok or len(sentence[a:b].split()) > _MEMBER_WORDS or found[-1].end != a):
            break  # the list has ended
        if ok:
            found.append(Member(a, b, names[0], (figs[0].start, figs[0].end)))
            units.append(figs[0].unit)
    texts = {sentence[m.name[0] : m.name[1]] for m in found}
    if len(found) < 2 or len(texts) < len(found) or any(u not in (None, units[0]) for u in units[1:]):
        return []
    return found


def question_for(sentence: str, first: Member, target: Member) -> str:
    """The first member's clause (from the sentence's start) restated for ``target``: its name put in, its
    figure asked for in place."""
    clause = sentence[: first.end].rstrip(" ,;")
    clause = re.sub(r"\s+(?:and|while|whereas|but)$", "", clause)
    (ns, ne), (fs, fe) = first.name, first.figure
    name = sentence[target.name[0] : target.name[1]]
    parts = sorted([(ns, ne, name), (fs, fe, "how many")])
    out, at = [], 0
    for s, e, put in parts:
        out.append(clause[at:s])
        out.append(put)
        at = e
    out.append(clause[at:])
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    return text[0].upper() + text[1:] + "?"


def examples_from_article(article: dict) -> Iterator[dict]:
    """Binding examples of one article, one per list member (its text, up to ``_MAX_CONTEXT`` characters,
    is the context)."""
    text = re.sub(r"\s+", " ", article.get("text") or "").strip()[:_MAX_CONTEXT]
    for a, b in split_sentences(text):
        sentence = text[a:b]
        listed = members(sentence)
        if not listed:
            continue
        for i, target in enumerate(listed):
            fs, fe = target.figure
            answer = sentence[fs:fe]
            start = a + fs
            assert text[start : start + len(answer)] == answer
            yield {
                "id": f"{article['id']}/{a}/{i}",
                "question": question_for(sentence, listed[0], target),
                "context": text,
                "answer": {"answer_start": start, "text": answer},
                "answers": [answer],
            }


def read_articles(path: Path) -> list[dict]:
    """A Reuters-style JSONL(.gz) file's articles as ``{"id", "text"}``, read by the corpus loader (a bad line is
    skipped with a warning naming it)."""
    from qa.corpus import load_corpus

    return [{"id": a.id, "text": a.text} for a in load_corpus(path, warn=log.warning).articles]


def reuters_gold_articles(rows: list[dict]) -> set[str]:
    """Of ``rows``, the articles of the Reuters gold corpus (its questions' sources and its distractors), never
    trained on. Chosen by ``eval.reuters_corpus``; training runs from the repository's root."""
    from eval.reuters_corpus import GOLD, gold_sources, select

    return {r["id"] for r in select(rows, gold_sources(GOLD))}


def binding_examples(articles: Iterable[dict], seed: int) -> list[dict]:
    """All the binding examples of ``articles``, in a seeded order."""
    made = [ex for art in articles for ex in examples_from_article(art)]
    random.Random(seed).shuffle(made)
    return made

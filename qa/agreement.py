"""Group what different articles say for the same fact: support, citations and disagreements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qa.models import Candidate
from qa.numbers import LOWER_BOUNDS, UPPER_BOUNDS, percent_value
from qa.text import STOPWORDS, terms


@dataclass(frozen=True)
class Group:
    key: tuple[object, ...]
    candidates: tuple[Candidate, ...]  # best first

    @property
    def best(self) -> Candidate:
        return self.candidates[0]


@dataclass(frozen=True)
class AgreementSettings:
    support_bonus: float = 0.04  # per extra article stating the same value
    cite_ratio: float = 0.55  # a candidate counts as support if it scores this close to the best
    conflict_ratio: float = 0.8  # another value this close to the best, from another article: a conflict
    max_conflicts: int = 3
    # Two reports of one figure differ by a typo or an update, not by an order of magnitude: values
    # further apart than this are taken to be different facts.
    max_spread: float = 2.0
    estimate_tolerance: float = 0.05  # "about 3,000" allows 2,962, not 2,500


def candidate_key(c: Candidate, year: bool = False) -> tuple[object, ...]:
    """What makes two candidates the same answer; asked for a ``year``, "June 2014" is 2014."""
    if year and c.unit == "date" and c.value is not None:
        return ("n", "year", round(c.value, 6), None)
    if c.value is not None and c.unit != "date":
        unit = "percent" if c.unit in ("percent", "fraction") else c.unit
        value = percent_value(c.value, c.unit) if unit == "percent" else c.value
        upper = c.upper
        if upper is not None and unit == "percent":
            upper = percent_value(upper, c.unit)
        # A range is its two ends: "12 to 18 months" is not the "12 months" another article states.
        return ("n", unit, round(value, 6), None if upper is None else round(upper, 6))
    return ("t", tuple(terms(c.text, keep_stopwords=True)))


def same_answer(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Keys of one answer: equal, or two names one of which contains the other ("non-profit" and
    "a non-profit security analysis group" both say what the Soufan Center is)."""
    if a == b:
        return True
    if a[0] != "t" or b[0] != "t":
        return False
    sa = {t for t in a[1] if t not in STOPWORDS}  # type: ignore[union-attr]
    sb = {t for t in b[1] if t not in STOPWORDS}  # type: ignore[union-attr]
    return bool(sa and sb) and (sa <= sb or sb <= sa)


def group(candidates: list[Candidate], settings: AgreementSettings, year: bool = False) -> list[Group]:
    groups: dict[tuple[object, ...], list[Candidate]] = {}
    for c in candidates:
        groups.setdefault(candidate_key(c, year), []).append(c)
    out = [Group(k, tuple(sorted(v, key=lambda c: -c.score))) for k, v in groups.items()]

    def strength(g: Group) -> float:
        best = g.best.score
        supporters = {c.doc_id for c in g.candidates if c.score >= settings.cite_ratio * best}
        return best * (1 + settings.support_bonus * (len(supporters) - 1))

    out.sort(key=lambda g: -strength(g))
    # Support says which fact the question is about, not which figure of one sentence states it: between two
    # values of the same sentence ("271 of the 1,910 from France") the reader's binding decides.
    while len(out) > 1:
        lead = out[0].best
        better = [
            g
            for g in out[1:]
            if (g.best.doc_id, g.best.sentence) == (lead.doc_id, lead.sentence) and g.best.score > lead.score
        ]
        if not better:
            break
        first = max(better, key=lambda g: g.best.score)
        out.remove(first)
        out.insert(0, first)
    return out


def _best_per_article(spans: Iterable[Candidate], floor: float) -> list[Candidate]:
    """The first (best) of ``spans`` from each article, among those scoring at least ``floor``."""
    per_doc: dict[str, Candidate] = {}
    for c in spans:
        if c.score >= floor and c.doc_id not in per_doc:
            per_doc[c.doc_id] = c
    return list(per_doc.values())


def supporting(g: Group, settings: AgreementSettings) -> list[Candidate]:
    """The best candidate of each article that states the group's value with a fitting context."""
    return _best_per_article(g.candidates, settings.cite_ratio * g.best.score)


def stating(
    g: Group, spans: list[Candidate], settings: AgreementSettings, year: bool = False
) -> list[Candidate]:
    """Like ``supporting``, over all the reader's ``spans`` (best first) rather than each article's best one: an
    article whose best span says something else ("thousands") but that also states the group's answer, scoring
    within ``cite_ratio`` of it, supports it too."""
    same = (c for c in spans if same_answer(candidate_key(c, year), g.key))
    return _best_per_article(same, settings.cite_ratio * g.best.score)


def consistent(hedged: Candidate, exact: Candidate, settings: AgreementSettings) -> bool:
    """Whether a bound, an estimate or a range ("more than 3,000", "about 3,000", "2,900 to 3,000") allows the
    other figure."""
    h, a, b = hedged.hedge, hedged.value, exact.value
    if a is None or b is None:
        return False
    if hedged.upper is not None:
        return a <= b <= hedged.upper  # "12 to 18 months" allows "15 months"
    if h is None:
        return False
    if h in LOWER_BOUNDS:
        return b >= a
    if h in UPPER_BOUNDS:
        return b <= a
    return abs(a - b) <= settings.estimate_tolerance * max(abs(a), abs(b))


def conflicts(
    groups: list[Group], settings: AgreementSettings, cited: set[str] | None = None
) -> list[Candidate]:
    """Other values for the same fact, from articles that do not state the chosen one (``cited``)."""
    if len(groups) < 2:
        return []
    top = groups[0]
    if top.key[0] != "n":
        return []
    top_docs = {c.doc_id for c in supporting(top, settings)} | (cited or set())
    out = []
    for g in groups[1:]:
        b = g.best
        if g.key[0] != "n" or g.key[1] != top.key[1]:
            continue
        if b.score < settings.conflict_ratio * top.best.score or b.doc_id in top_docs:
            continue
        lo, hi = sorted((abs(float(g.key[2])), abs(float(top.key[2]))))  # type: ignore[arg-type]
        if lo == 0 or hi / lo > settings.max_spread:
            continue
        if consistent(b, top.best, settings) or consistent(top.best, b, settings):
            continue  # "more than 3,000" does not contradict "3,244"
        out.append(b)
        if len(out) >= settings.max_conflicts:
            break
    return out

"""Question analysis: expected answer type, weighted terms, and its names: the corpus forms they stand for
(acronyms, misspellings, linked places) and those the corpus never mentions."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.text import terms

NAME_LABELS = frozenset({"GPE", "LOC", "PERSON", "NORP", "FAC"})
NUMERIC_TYPES = frozenset({"count", "percent", "money", "year", "date", "number"})
ENTITY_LABELS = {
    "person": {"PERSON", "ORG"},
    "place": {"GPE", "LOC", "FAC"},
    "org": {"ORG"},
    "group": {"NORP", "ORG"},
    "date": {"DATE"},
    "entity": {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"},
}

# Whose attribute is asked for: "what was the ...", "what was Warsaw's ...", "what is its ...".
_DET = r"(?:(?:the|an?|its|their|his|her) )?(?:[\w.&-]+[’']s? )?"
_TYPE_RULES: list[tuple[str, str]] = [
    (
        r"\bwhat (?:percentage|percent|proportion|share|fraction|portion)\b|\bhow much of\b|\bwhat per cent\b"
        r"|\bwhat (?:is|was) the (?:percentage|proportion|share)\b|\bpercentage\b",
        "percent",
    ),
    (
        r"\bhow (?:much|many) (?:money|dollars|euros|pounds)\b|\bhow much (?:did|does|do|will|would|was|is|were)\b.*"
        r"\b(?:cost|pay|paid|spend|spent|worth|raise|raised|earn|earned|price|fund|sell|sold|buy|bought|offer"
        r"|offered|bid|contribute|invest|invested|borrow|borrowed|lend|lent|owe|charge|charged|fetch|donate)\b",
        "money",
    ),
    (
        r"\bwhat (?:\w+ )?(?:profits?|revenues?|income|earnings|losses|dividends?|prices?|costs?|budget|salary)\b",
        "money",
    ),
    (
        rf"\bwhat (?:is|was|were|are) {_DET}(?:\w+ ){{0,2}}(?:costs?|prices?|fees?|budgets?|salary|salaries|revenues?"
        r"|worth|income|profits?|sales|wages?|earnings|turnover|gdp)\b",
        "money",
    ),
    (
        r"\b(?:what|which|in what|in which) (?:year|season)\b"
        r"|\bwhat (?:is|was) the (?:\w+ )?year\b",  # "what was the first year that ..."
        "year",
    ),
    (
        r"\bwhen\b|\b(?:what|which) (?:date|day|month|time|decade|century|era|period)\b|\bon what day\b"
        r"|\bhow long ago\b",
        "date",
    ),
    (
        r"\bhow many\b|\bnumber of\b|\bhow much\b|\bhow large\b|\bhow big\b|\bwhat amount of\b"
        rf"|\bwhat (?:is|was|were|are) {_DET}(?:\w+ ){{0,2}}(?:total|size|population|number|attendance|enrollment|enrolment)\b"
        r"|\bhow (?:long|old|far|tall|high|heavy|deep|wide)\b",
        "count",
    ),
    (
        # "What was the average ...", "at what age": a figure of any unit.
        r"\bwhat (?:is|was|were|are) (?:[\w’'.-]+ ){1,3}(?:rate|ratio|average|score|rating|efficiency"
        r"|ranking|age|temperature|distance|height|length|weight|speed|capacity|area|margin|record|density)\b"
        r"|\b(?:what|which) (?:age|temperature|speed|magnitude|gauge|voltage|frequency|altitude|depth|resolution)\b"
        r"|\bhow (?:cold|hot|warm|fast)\b",
        "number",
    ),
    (
        r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich (?:person|man|woman|official|author|researcher|leader)\b",
        "person",
    ),
    (
        r"\bwhere\b|\b(?:which|what)(?: \w+)? (?:country|countries|city|cities|nation|region|place|town|capital|continent)\b"
        r"|\b(?:which|what) states?\b",  # not "which articles state that ..."
        "place",
    ),
    (
        r"\b(?:which|what) (?:organization|organisation|group|think[- ]tank|company|firm|agency|body|network"
        r"|institute|party|newspaper|bank|team|militant group)\b",
        "org",
    ),
    (r"\b(?:which|what) (?:nationality|nationalities|ethnic|religion)\b", "group"),
]

_ELLIPSIS_START = re.compile(
    r"^\s*(?:and|but|also|what about|how about|what of|and what about|same for)\b", re.I
)
_ANAPHORA = re.compile(
    r"\b(?:them|they|those|these|it|its|their|there|he|she|him|his|her|that figure|that number)\b", re.I
)
_WH = re.compile(r"\b(?:how|what|which|who|whom|whose|when|where|why)\b", re.I)
_PLACE_AFTER = re.compile(r"\b(?:from|in|to|at)\s+((?:[A-Z][\w’'-]*\s*)+)")
_CAPITALIZED = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of\s+)?[A-Z][\w’'-]*)*")


@dataclass(frozen=True)
class Question:
    text: str
    answer_type: str
    weights: dict[str, float]  # stemmed term -> weight (idf x turn weight)
    # Stemmed terms of the names asked about ("tunisia", "franc"); a follow-up's names replace the last turn's.
    names: tuple[str, ...]
    unknown_names: tuple[str, ...] = ()  # capitalized question words the corpus never mentions
    # Corpus names an acronym in the question stands for ("EU"), or a misspelt name means ("Karistadt").
    expansions: tuple[str, ...] = ()
    # Corpus place names a people or place in the question is linked to ("british" -> united, kingdom).
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def numeric(self) -> bool:
        return self.answer_type in NUMERIC_TYPES


class Gazetteer:
    """The corpus's own entity names (from the index's NER), to type and recognise names in questions."""

    def __init__(self, entities: list[tuple[str, str]]) -> None:
        labels: dict[tuple[str, ...], Counter[str]] = {}
        for text, label in entities:
            key = tuple(terms(text))
            if key:
                labels.setdefault(key, Counter())[label] += 1
        self.labels = {k: c.most_common(1)[0][0] for k, c in labels.items()}
        # "European Union" -> "eu": the initials of multi-word names, for acronyms the corpus never spells.
        self.acronyms: dict[str, str] = {}
        for text, _ in entities:
            words = re.findall(r"[A-Z][\w’'-]*", text)
            if len(words) >= 2 and any(len(w) > 1 for w in words):  # "U.S." is an acronym, not a name
                self.acronyms.setdefault("".join(w[0] for w in words).lower(), text)
        # Names the corpus writes both as initials and in full, each form's terms to the other's: ("us",) <->
        # ("unit", "state"). News mixes the two within a story.
        self.both_forms: dict[tuple[str, ...], tuple[str, ...]] = {}
        for acronym, text in self.acronyms.items():
            full = tuple(terms(text))
            if (acronym,) in self.labels and len(full) >= 2:
                self.both_forms.setdefault(full, (acronym,))
                self.both_forms.setdefault((acronym,), full)
        self.max_len = max((len(k) for k in self.labels), default=1)
        self.terms = {t for k in self.labels for t in k}
        # A written form of each name term, to put a corrected spelling into the search query.
        self.surfaces: dict[str, str] = {}
        for text, _ in entities:
            for word in re.findall(r"[^\W\d_]+", text):
                found = terms(word)
                if found:
                    self.surfaces.setdefault(found[0], word)
        self._spellings = sorted(t for t in self.terms if len(t) >= 5 and t.isalpha())

    def correct(self, term: str) -> str | None:
        """The one corpus name ``term`` misspells by a letter ("Karistadt" -> "karlstadt"), if there is one.
        Typos keep the first letter; "Gambia" is not "Zambia"."""
        if len(term) < 5 or not term.isalpha():
            return None
        found = process.extract(term, self._spellings, scorer=OSA.distance, score_cutoff=1, limit=3)
        close = [t for t, _, _ in found if t[0] == term[0] and t != term]
        return close[0] if len(close) == 1 else None

    def find(self, question_terms: list[str]) -> list[tuple[tuple[str, ...], str]]:
        """Longest corpus entity names found in the term list, with their label."""
        out = []
        i = 0
        while i < len(question_terms):
            for n in range(min(self.max_len, len(question_terms) - i), 0, -1):
                key = tuple(question_terms[i : i + n])
                if key in self.labels:
                    out.append((key, self.labels[key]))
                    i += n
                    break
            else:
                i += 1
        return out


def answer_type(text: str) -> str:
    """The type named by the earliest wh-phrase ("Which country ... number of" asks for a place)."""
    low = text.lower()
    found = []
    for order, (pattern, kind) in enumerate(_TYPE_RULES):
        m = re.search(pattern, low)
        if m:
            found.append((m.start(), order, kind))
    return min(found)[2] if found else "other"


def is_elliptical(text: str) -> bool:
    """A follow-up that leans on earlier turns: "And from France?", "What about women?", "How many of them..."."""
    content = [t for t in terms(text)]
    if _ELLIPSIS_START.search(text):
        return True
    if _ANAPHORA.search(text) and len(content) <= 5:
        return True
    return not _WH.search(text) and len(content) <= 3


class Vocabulary:
    """The corpus's terms, to map a question's word forms onto the corpus's ("Russians" -> "russia")."""

    def __init__(self, known: set[str] | dict[str, float]) -> None:
        self.known = known
        self.by_prefix: dict[str, list[str]] = {}
        for t in known:
            if len(t) >= 5 and t.isalpha():
                self.by_prefix.setdefault(t[:4], []).append(t)

    def variants(self, term: str) -> list[str]:
        """Corpus terms sharing all but at most one letter of the shorter form's start."""
        if len(term) < 5 or not term.isalpha():
            return []
        out = []
        for c in self.by_prefix.get(term[:4], ()):
            if c == term:
                continue
            n = next(
                (i for i, (x, y) in enumerate(zip(c, term, strict=False)) if x != y), min(len(c), len(term))
            )
            if n >= max(5, min(len(c), len(term)) - 1):
                out.append(c)
        return out


def _capitalized_terms(text: str) -> set[str]:
    """Terms of capitalised words that do not open the question."""
    return {t for m in _CAPITALIZED.finditer(text) if m.start() > 0 for t in terms(m.group(0))}


def _names(text: str, gazetteer: Gazetteer | None) -> list[str]:
    """Terms of capitalised corpus names of places, people and peoples in ``text`` ("Tunisia", "British")."""
    if gazetteer is None:
        return []
    capital = _capitalized_terms(text)
    found = [
        t for key, label in gazetteer.find(terms(text)) if label in NAME_LABELS for t in key if t in capital
    ]
    # "from Oakridge", "in Millbrook": a place by its preposition, whatever label NER gave it.
    for m in _PLACE_AFTER.finditer(text):
        found.extend(t for t in terms(m.group(1)) if t in gazetteer.terms and t not in found)
    return found


def analyze(
    text: str,
    idf: dict[str, float],
    default_idf: float,
    gazetteer: Gazetteer | None = None,
    context: list[str] | None = None,
    vocabulary: Vocabulary | None = None,
    link: Callable[[str, bool], tuple[str, ...]] | None = None,
) -> Question:
    """Analyse ``text``; ``context`` holds earlier (already resolved) turns for follow-ups, newest last.
    ``link`` maps a name to the corpus place names it means (qa.linking)."""
    kind = answer_type(text)
    weights: dict[str, float] = {}
    own = terms(text)
    for t in own:
        weights[t] = max(weights.get(t, 0.0), idf.get(t, default_idf))
    names: list[str] = []
    unknown: list[str] = []
    expansions: list[str] = []
    aliases: dict[str, tuple[str, ...]] = {}
    names.extend(_names(text, gazetteer))
    if link is not None and gazetteer is not None:
        # A people the corpus names is also its country: "British" -> "the United Kingdom".
        for key, label in gazetteer.find(terms(text)):
            if label == "NORP":
                places = link(
                    gazetteer.surfaces.get(key[0], key[0]) if len(key) == 1 else " ".join(key), False
                )
                for t in key:
                    aliases[t] = tuple(u for p in places for u in terms(p))
    if gazetteer is not None:
        # A place or people written both ways in the corpus is either: "the US" asked, "the United States" written.
        for key, label in gazetteer.find(terms(text)):
            other = gazetteer.both_forms.get(key) if label in NAME_LABELS else None
            if other is None:
                continue
            if len(key) > 1:  # the full name asked: any of its terms may stand as the initials
                for t in key:
                    aliases[t] = (*aliases.get(t, ()), *other)
            elif re.search(rf"\b{re.escape(key[0].upper())}\b", text):  # "US", not the pronoun "us"
                aliases[key[0]] = (*aliases.get(key[0], ()), *other)
                expansions.append(gazetteer.acronyms[key[0]])
    if vocabulary is not None:
        capital = _capitalized_terms(text)
        for t in list(weights):
            for v in vocabulary.variants(t):
                weights.setdefault(v, 0.9 * weights[t])
                # "Tunisians", a form the corpus never uses, names the corpus's "Tunisia". A form it does use
                # is its own name: "California" is not "Californio", nor "France" "Franconia".
                is_name = gazetteer is not None and gazetteer.labels.get((v,)) in NAME_LABELS
                if t not in idf and (t in names or (t in capital and is_name)) and v not in names:
                    names.append(v)
                    if gazetteer is not None:  # search with the corpus's own form too
                        expansions.append(gazetteer.surfaces.get(v, v))
    # Capitalised words the corpus never mentions ("Brazil") cannot be answered from it.
    for m in _CAPITALIZED.finditer(text):
        if m.start() == 0 or text[: m.start()].rstrip().endswith((".", "?", "!", ":")):
            continue
        for t in terms(m.group(0)):
            # Only a corpus name vouches for a form it lacks ("Tunisians" -> Tunisia; not "Riverton" -> river).
            known = (
                gazetteer is not None
                and vocabulary is not None
                and any(v in gazetteer.terms for v in vocabulary.variants(t))
            )
            written_upper = re.search(rf"\b{re.escape(t.upper())}\b", m.group(0)) is not None
            full = gazetteer.acronyms.get(t) if gazetteer is not None and written_upper else None
            if t not in idf and full:
                expansions.append(full)
                for u in terms(full):
                    weights.setdefault(u, weights.get(t, default_idf))
                    if gazetteer is not None and gazetteer.labels.get(tuple(terms(full))) in NAME_LABELS:
                        names.append(u)
            elif t not in idf and not t.isdigit() and not known:
                fix = gazetteer.correct(t) if gazetteer is not None else None
                places = link(m.group(0), True) if link is not None and fix is None else ()
                if places:  # "French" asked, only "France" written
                    expansions.append(places[0])
                    for u in terms(places[0]):
                        weights[u] = max(weights.get(u, 0.0), idf.get(u, default_idf))
                        if u not in names:
                            names.append(u)
                    aliases[t] = tuple(u for p in places for u in terms(p))
                    continue
                if fix is None:
                    unknown.append(t)
                    continue
                weights[fix] = max(weights.get(fix, 0.0), idf.get(fix, default_idf))
                expansions.append(gazetteer.surfaces.get(fix, fix))  # type: ignore[union-attr]
                if gazetteer.labels.get((fix,)) in NAME_LABELS and fix not in names:  # type: ignore[union-attr]
                    names.append(fix)

    if context:
        prev = context[-1]
        prev_type = answer_type(prev)
        if kind == "other" or not _WH.search(text):
            kind = prev_type
        prev_terms = terms(prev)
        prev_names = _names(prev, gazetteer)
        new_names = set(names)
        for t in prev_terms:
            # A name in the new turn replaces the earlier turn's name ("And from France?").
            if new_names and t in prev_names:
                continue
            if t not in weights:
                weights[t] = 0.6 * idf.get(t, default_idf)
        if not new_names:
            names.extend(prev_names)
    return Question(
        aliases=tuple((k, v) for k, v in aliases.items() if v),
        text=text,
        answer_type=kind,
        weights=weights,
        names=tuple(dict.fromkeys(names)),
        unknown_names=tuple(dict.fromkeys(unknown)),
        expansions=tuple(dict.fromkeys(expansions)),
    )

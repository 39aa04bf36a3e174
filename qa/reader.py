"""The extractive reader: typed answer candidates in the top passages, scored by their context.

A candidate's context score is how much of the question (idf-weighted terms) stands in its sentence,
discounted by token distance and by other figures in between ("2,962 from Tunisia and 1,910 from
France": France binds to 1,910). Names the question is about must stand in the sentence, and a figure whose
clause states another verb than the question's ("have fought" for "have returned") is not its answer.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from qa.candidates import candidates
from qa.index import Index
from qa.models import Passage
from qa.predicates import Predicate, predicate
from qa.question import Question
from qa.text import STOPWORDS, stem, term_offsets, terms

_PART_OF = re.compile(
    r"^\s+(?:out\s+)?of\s+(?:the\s+|some\s+|around\s+|about\s+|an\s+estimated\s+|roughly\s+)*$"
)
# Where a counted noun phrase ends and the clause's predicate begins: "129 fighters who left the US |are
# now back", "850 British jihadists |have travelled", "3,417 fighters from Russia|; 760 of ...".
_PREDICATE = re.compile(
    r"\b(?:are|is|was|were|have|has|had|will|would|remain|remains|now|include|includes)\b|[;:–—()]|,\s", re.I
)
_PREP_NEXT = re.compile(r"\s+(from|in|to|at|for)\b", re.I)
_PAREN = re.compile(r"\([^()]*\)")
_NEW_CLAUSE = re.compile(r";|,\s*(?:[A-Z]|(?:while|whereas|but|although|though)\b)")
_FROM_BEFORE = re.compile(r"\bfrom\s+$", re.I)
_TO_AFTER = re.compile(r"[^.;]{0,40}?\bto\s+(?:about\s+|around\s+|some\s+|nearly\s+)?$", re.I)
_PREP_BEFORE = re.compile(r"\b(?:to|from|in|at|into)\s+(?:the\s+)?$", re.I)
_CONJUNCT = re.compile(r"[,;]|\b(?:and|or|but|while|whereas)\b", re.I)
_PRONOUN = re.compile(r"\b(?:he|she|it|they|his|her|its|their|him|them)\b", re.I)
_PRONOUN_START = re.compile(r"^\W*(?:it|they|this|these|those|he|she|its|their)\b", re.I)
_CLAUSE_STOP = re.compile(rf"[()]|{_NEW_CLAUSE.pattern}")
_OTHER_LABELS = frozenset({"GPE", "LOC", "NORP"})


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
    # Terms right after a figure: what it counts ("3,417 fighters from Russia" -> fighter, russia).
    counts: frozenset[str] = frozenset()
    hedge: str | None = None  # "more than", "about": the figure is a bound or an estimate


@dataclass(frozen=True)
class ReaderSettings:
    w_context: float = 0.35
    w_semantic: float = 0.3
    w_focus: float = 0.1
    w_phrase: float = 0.25  # 0.1 -> 0.25: +1.4 pt numeric EM on a 441-question SQuAD slice, gold unchanged
    w_retrieval: float = 0.1
    w_names: float = 0.05
    distance_scale: float = 4.0
    blocked: float = 0.35
    previous_sentence: float = 0.3
    part_alone: float = 0.92
    unnamed: float = 0.3  # a sentence that does not name the place or person asked about
    other_named: float = 0.2  # ... but names another place or people: it is about that one
    left_distance: float = 1.5  # words before a figure bind to it less than words after it
    bracketed: float = 2.0
    elided: float = 0.8  # focus credit for a noun an earlier, parallel figure carries
    clause_right: float = 4.0  # a word after "; " or ", Capital" opens another clause
    # A figure whose own verb is another than the question's ("have fought" for "have returned"), unless the
    # encoder calls the two verbs alike ("killed"/"slaughtered" 0.58, "returned"/"fought" 0.31).
    other_predicate: float = 0.1
    predicates_alike: float = 0.45
    noun_phrase: int = 4  # tokens after a figure that say what it counts
    top_passages: int = 8


def _own_predicate(text: str, end: int, sentence_end: int) -> Predicate | None:
    """The verb the clause states of the figure ending at ``end``: "1,500 Uzbek nationals have fought" ->
    "fought". Figures listed before a shared verb share it ("427 mammals, 428 amphibians, and 378 reptiles
    have been classified"); a bracket, ";" or a new clause (", while", ", But") ends it."""
    stop = _CLAUSE_STOP.search(text, end, sentence_end)
    return predicate(text, end, stop.start() if stop else sentence_end)


def _bigrams(text: str) -> set[tuple[str, str]]:
    toks = [(t, t in STOPWORDS) for t in (w.lower() for w in re.findall(r"[\w’']+", text))]
    stems = [(stem(t) if not stop else t, stop) for t, stop in toks]
    return {(a, b) for (a, sa), (b, sb) in itertools.pairwise(stems) if not (sa and sb)}


class Reader:
    def __init__(self, index: Index, settings: ReaderSettings | None = None) -> None:
        self.index = index
        self.settings = settings or ReaderSettings()
        self._vectors: dict[str, np.ndarray] = {}  # verb phrases, normalised

    def read(
        self,
        q: Question,
        passages: list[Passage],
        qvec: np.ndarray | None = None,
    ) -> list[Candidate]:
        top = passages[: self.settings.top_passages]
        sims: dict[tuple[str, int, int], float] = {}
        if qvec is not None:  # sentence vectors were computed at index time
            for p in top:
                c = p.chunk
                sims.update(
                    zip(
                        ((c.doc_id, a, b) for a, b in c.sentences),
                        self.index.sentence_similarities(c, qvec).tolist(),
                        strict=True,
                    )
                )
        qgrams = _bigrams(q.text)
        asked = predicate(q.text)
        found: list[tuple[Candidate, Predicate | None]] = []
        seen: set[tuple[int, int, str]] = set()
        for passage in top:
            for cand, own in self._passage(q, passage, sims, qgrams, asked):
                key = (cand.start, cand.end, cand.doc_id)
                if key not in seen:  # overlapping chunks repeat sentences
                    seen.add(key)
                    found.append((cand, own))
        out = self._check_predicates(asked, found)
        out.sort(key=lambda c: -c.score)
        return out

    def support(
        self, q: Question, passages: list[Passage], keep: Callable[[Candidate], bool]
    ) -> list[Candidate]:
        """Candidates that ``keep`` accepts in passages beyond the ones read closely (no embeddings):
        more articles that state the chosen answer."""
        qgrams = _bigrams(q.text)
        return [
            c
            for p in passages[self.settings.top_passages :]
            for c, _ in self._passage(q, p, {}, qgrams, None)
            if keep(c)
        ]

    # ----------------------------------------------------------------------------------------------
    def _passage(  # type: ignore[type-arg]
        self, q: Question, passage: Passage, sims: dict, qgrams: set, asked: Predicate | None
    ) -> list[tuple[Candidate, Predicate | None]]:
        """The passage's candidates, each with its own verb phrase when that must be checked against the
        question's (``asked``): another verb, not in the sentence."""
        s = self.settings
        chunk = passage.chunk
        article = self.index.article_by_id[chunk.doc_id]
        text = article.text
        title_terms = set(terms(article.title or ""))
        items = candidates(q, chunk, text)
        hedges = {sp.start: sp.qualifier for sp in chunk.spans}
        total = sum(q.weights.values()) or 1.0
        # The most specific name asked about must stand in the sentence (or, after "It"/"They", the one before).
        key_name = max(q.names, key=lambda n: q.weights.get(n, 0.0)) if q.names else None
        # Its word forms count too ("Russian" asked, "Russia" written): names sharing its first five letters.
        key_forms = {n for n in q.names if n[:5] == key_name[:5]} if key_name else set()
        for name, alias in q.aliases:
            if name in key_forms:
                key_forms |= set(alias)  # "British" asked, "the United Kingdom" written
        for phrase in q.phrases:
            if key_name in phrase:
                # Any name of the phrase, or its head noun, refers to it: "Osweiler threw ...",
                # "the stadium opened ..." for "Brock Osweiler", "Levi's Stadium".
                key_forms |= {t for t in phrase if t in q.names} | {phrase[-1]}
        sentence_terms = [set(terms(text[a:b])) for a, b in chunk.sentences]
        out: list[tuple[Candidate, Predicate | None]] = []
        for si, (a, b) in enumerate(chunk.sentences):
            in_sentence = [it for it in items if a <= it[0] and it[1] <= b]
            if not in_sentence and q.answer_type != "other":
                continue
            sem = sims.get((chunk.doc_id, a, b), 0.0)
            phrase = len(qgrams & _bigrams(text[a:b])) / len(qgrams) if qgrams else 0.0
            if not in_sentence:
                if b > a:
                    overlap = sum(q.weights.get(t, 0) for t in sentence_terms[si]) / total
                    score = self._combine(overlap, sem, phrase, passage.score)
                    sentence = Candidate(
                        text[a:b],
                        a,
                        b,
                        None,
                        None,
                        chunk.doc_id,
                        chunk.id,
                        (a, b),
                        score * 0.8,
                        overlap,
                        "sentence",
                    )
                    out.append((sentence, None))
                continue
            toks = [(t, x + a, y + a) for t, x, y in term_offsets(text[a:b])]
            prev_terms = sentence_terms[si - 1] if si > 0 else set()
            present = {t for t, _, _ in toks if t}
            if _PRONOUN_START.match(text[a:b]):
                present |= prev_terms
            elif key_name and not (key_forms & present):
                if key_forms & title_terms:
                    present |= key_forms
                elif _PRONOUN.search(text, a, b) and any(
                    key_forms & earlier for earlier in sentence_terms[:si]
                ):
                    present |= key_forms  # "On 19 October 1512, he was awarded ...": named earlier
            unnamed = 1.0
            if key_name and not (key_forms & present):
                # The sentence is not about the place or person asked about; naming another makes it about that.
                others = any(
                    e.label in _OTHER_LABELS
                    and a <= e.start < b
                    and not set(terms(e.text)) & q.weights.keys()
                    for e in chunk.entities
                )
                unnamed = s.other_named if others else s.unnamed
            starts = [x for _, x, _ in toks]
            positions = sorted(bisect.bisect_left(starts, it[0]) for it in in_sentence)
            for it in in_sentence:
                ctx = self._context(q, text, toks, starts, positions, prev_terms, it, in_sentence, total)
                context, focus, names, alone, whole, counts = ctx
                score = self._combine(context, sem, phrase, passage.score, focus, names)
                score *= unnamed
                own = None
                if asked and stem(asked.verb) not in sentence_terms[si]:
                    own = _own_predicate(text, it[1], b)
                    if own and stem(own.verb) == stem(asked.verb):
                        own = None
                if q.part_of:
                    # "How many of them came back?" asks for a part: "400 of the 3,417", not the 3,417.
                    score *= s.part_alone if whole else 1.0
                elif alone:
                    score *= s.part_alone
                cand = Candidate(
                    it[2],
                    it[0],
                    it[1],
                    it[3],
                    it[4],
                    chunk.doc_id,
                    chunk.id,
                    (a, b),
                    score,
                    context,
                    it[5],
                    counts,
                    hedges.get(it[0]),
                )
                out.append((cand, own))
        return out

    def _check_predicates(
        self, asked: Predicate | None, found: list[tuple[Candidate, Predicate | None]]
    ) -> list[Candidate]:
        """Cut the score of each candidate whose own verb phrase is not alike the question's: "1,500 ...
        have fought" does not say how many returned. The phrases are embedded in one batch."""
        if asked is None or not any(own for _, own in found):
            return [c for c, _ in found]
        phrases = {asked.head, asked.phrase} | {t for _, own in found if own for t in (own.head, own.phrase)}
        # This question's vectors, taken from the shared cache into a mapping of its own: the web chat reads
        # with one Reader in several threads, and another thread may clear the cache meanwhile.
        vectors = {t: v for t in phrases if (v := self._vectors.get(t)) is not None}
        missing = sorted(phrases - vectors.keys())
        if missing:
            v = self.index.encoder.encode(missing)
            v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            vectors.update(zip(missing, v, strict=True))
            if len(self._vectors) > 10_000:
                self._vectors.clear()
            self._vectors.update(zip(missing, v, strict=True))
        out = []
        for c, own in found:
            if own is not None and not self._alike(vectors, asked, own):
                c = replace(c, score=c.score * self.settings.other_predicate)
            out.append(c)
        return out

    def _alike(self, vectors: dict[str, np.ndarray], a: Predicate, b: Predicate) -> bool:
        """The encoder calls two predicates alike, by their verbs with a particle or with their complements."""
        v, least = vectors, self.settings.predicates_alike
        return float(v[a.head] @ v[b.head]) >= least or float(v[a.phrase] @ v[b.phrase]) >= least

    def _combine(
        self,
        context: float,
        sem: float,
        phrase: float,
        retrieval: float,
        focus: float = 0.0,
        names: float = 0.0,
    ) -> float:
        s = self.settings
        return (
            s.w_context * context
            + s.w_semantic * sem
            + s.w_focus * focus
            + s.w_phrase * phrase
            + s.w_retrieval * retrieval
            + s.w_names * names
        )

    def _context(self, q, text, toks, starts, positions, prev_terms, item, siblings, total):  # type: ignore[no-untyped-def]
        """(context, focus, names, part_without_qualifier, is_a_whole, counted terms) for one candidate."""
        s = self.settings
        start, end = item[0], item[1]
        lo = bisect.bisect_left(starts, start)
        hi = max(lo, bisect.bisect_left(starts, end) - 1)
        # "400 of the 3,417 fighters from Russia": the part (400) reads the whole's noun phrase; what the
        # sentence says outside that phrase ("returned") qualifies the part, not the whole.
        partner = None
        for other in siblings:
            if other is not item and other[0] > end and _PART_OF.match(text[end : other[0]] + " "):
                partner = bisect.bisect_left(starts, other[0])
                break
        part_lo = None
        for other in siblings:
            if other is not item and other[1] <= start and _PART_OF.match(text[other[1] : start] + " "):
                part_lo = bisect.bisect_left(starts, other[0])
        reach_hi = partner if partner is not None else hi
        # The whole owns its noun phrase, up to where the predicate starts; the rest is about the part.
        np_end = len(toks)
        whole_start = starts[partner] if partner is not None else (start if part_lo is not None else None)
        if whole_start is not None:
            whole_end = next((o[1] for o in siblings if o[0] == whole_start), end)
            m = _PREDICATE.search(text, whole_end, toks[-1][2] if toks else whole_end)
            np_end = bisect.bisect_left(starts, m.start()) if m else len(toks)
        # "profits rose from 156 in 1985 to 204 last year": the figure after "from" does not stand between
        # "profits" and 204.
        change_from = {
            bisect.bisect_left(starts, o[0])
            for o in siblings
            if o[1] <= start
            and _FROM_BEFORE.search(text, max(0, o[0] - 6), o[0])
            and _TO_AFTER.match(text[o[1] : start])
        }
        blockers = [p for p in positions if (p < lo and p not in change_from) or p > reach_hi]

        # A figure in brackets ("500 from Kyrgyzstan (44 have returned home)") is further from the words
        # outside them than the figure the brackets follow.
        inside = next(
            (
                (m.start(), m.end())
                for m in _PAREN.finditer(text, toks[0][1] if toks else 0, end + 80)
                if m.start() < start < m.end()
            ),
            None,
        )

        def contribution(pos: int, name: bool) -> float:
            if lo <= pos <= reach_hi:
                return 1.0
            if part_lo is not None and (pos < part_lo or pos >= np_end):
                return 0.0
            a, b = (toks[pos][1], start) if pos < lo else (end, toks[pos][1])
            clause = ";" in text[a:b]
            after_prep = name and _PREP_BEFORE.search(text, 0, toks[pos][1]) is not None

            def left(fig: int) -> float:
                # After a preposition a name attaches to what came before it; a figure in the next conjunct
                # ("800 have returned to Tunisia and 760 to ...") is further away still.
                if after_prep and _CONJUNCT.search(text, toks[pos][2], toks[fig][1]):
                    return s.left_distance * 2.0
                return s.left_distance

            def right(fig: int) -> float:
                # A name opening the next clause is its subject ("217 mln, Alcasa earned 487"), not the
                # previous figure's.
                if not after_prep and _NEW_CLAUSE.search(text, toks[fig][2], toks[pos][1] + 1):
                    return s.clause_right
                return 1.0

            d = (lo - pos) * left(lo) if pos < lo else (pos - reach_hi) * right(reach_hi)
            if inside is not None and not inside[0] <= toks[pos][1] < inside[1]:
                d *= s.bracketed
            if name:
                # A name belongs to the figure nearest to it ("1,240 from Oakridge and 310 from ..."),
                # ties to the figure it follows.
                blocked = any(
                    (dp := (p - pos) * left(p) if pos < p else (pos - p) * right(p)) < d
                    or (dp == d and p < pos)
                    for p in blockers
                )
            else:
                # Other words (a verb's subject may stand far before it) only lose a figure in between.
                blocked = any((pos < p < lo) if pos < lo else (reach_hi < p < pos) for p in blockers)
            f = 1.0 / (1.0 + d / s.distance_scale)
            return f * (s.blocked if blocked or clause else 1.0)

        elided: set[str] = set()
        prep = _PREP_NEXT.match(text, toks[reach_hi][2]) if toks else None
        if prep:
            # "3,417 fighters from Russia; 760 of the 3,244 from Saudi Arabia": the later figure's noun is
            # the earlier one's, left out before the same preposition.
            for p in positions:
                if p >= lo:
                    break
                words = []
                for t, x, _y in toks[p + 1 : p + 1 + s.noun_phrase]:
                    if text[x : x + len(prep.group(1))].lower() == prep.group(1).lower():
                        elided.update(words)
                        break
                    if t and not t.isdigit():
                        words.append(t)

        best: dict[str, float] = {}
        outside = 0.0
        for i, (t, x, _y) in enumerate(toks):
            if not t or t not in q.weights or (start <= x < end):
                continue
            c = contribution(i, t in q.names)
            if partner is not None and (i < lo or i >= np_end) and t not in q.focus and t not in elided:
                outside = max(outside, c)
            if c > best.get(t, 0.0):
                best[t] = c
        names = 1.0
        if q.names:
            nw = {n: q.weights.get(n, 1.0) for n in q.names}
            names = sum(w * best.get(n, 0.0) for n, w in nw.items()) / sum(nw.values())
        if part_lo is None:
            for t in prev_terms:
                if t in q.weights and best.get(t, 0.0) < s.previous_sentence:
                    best[t] = s.previous_sentence
                    if partner is not None and t not in q.focus:
                        outside = max(outside, s.previous_sentence)
        for t in elided:
            if t in q.weights and best.get(t, 0.0) < s.elided:
                best[t] = s.elided
        context = sum(q.weights[t] * c for t, c in best.items()) / total

        focus = 0.0
        nxt = min([p for p in positions if p > reach_hi] + [len(toks)])
        after = []
        for i in range(reach_hi + 1, min(nxt, reach_hi + 1 + s.noun_phrase)):
            t, x, _y = toks[i]
            if _NEW_CLAUSE.search(text, toks[i - 1][2], x + 1):
                break  # "217 mln, Eastbrook earned ...": what follows is another clause's subject
            if t:
                after.append(t)
        if q.focus:
            near = {t for t, _, _ in toks[max(0, lo - 4) : reach_hi + 5] if t}
            for cf in change_from:  # "profits rose from 156 ... to 204": 204 is the profits too
                near |= {t for t, _, _ in toks[max(0, cf - 4) : cf] if t}
            hits = sum(
                1.0 if f in after else s.elided if f in elided else 0.5 if f in near else 0.0 for f in q.focus
            )
            focus = hits / len(q.focus)
        alone = partner is not None and outside == 0.0
        return context, focus, names, alone, part_lo is not None, frozenset(after) | elided

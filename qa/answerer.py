"""The question-answering pipeline: resolve -> analyse -> retrieve -> read -> agree -> answer."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property

from qa.agreement import AgreementSettings, Group, conflicts, group, stating, supporting
from qa.binding import bound
from qa.conversation import asks_another_fact, repeats, resolve, restate
from qa.index import Index
from qa.labels import label
from qa.linking import PLACE_LABELS, PlaceLinker
from qa.models import Answer, Candidate, Citation, Conflict, Passage, Result
from qa.numbers import LOWER_BOUNDS, UPPER_BOUNDS
from qa.proximity import Proximity, question_weights
from qa.question import Gazetteer, Question, Vocabulary, analyze
from qa.reading import SpanModel, candidates, is_range, range_of
from qa.retriever import FusionSettings, Retriever
from qa.span_reader import NO_PRIOR, RetrievalPrior, SpanReader
from qa.text import terms

MAX_QUESTION_CHARS = 2000

# "How high/long/far/big ...": the unit is part of the answer ("135 feet"); "how many" counts are not.
_MEASURE_Q = re.compile(
    r"\bhow (?:high|tall|long|far|big|large|heavy|deep|wide|fast|old|much)\b|\bwhat (?:is|was) the (?:\w+ )?(?:height|length|distance|weight|depth|width|speed|area)\b",
    re.I,
)
_UNIT_AFTER = re.compile(
    r"\s?(?:(?:square|cubic)\s+)?(?:feet|foot|ft|inch(?:es)?|yards?|miles?|mi|metres?|meters?|m|km|kilomet(?:re|er)s?"
    r"|centimet(?:re|er)s?|cm|millimet(?:re|er)s?|mm|acres?|hectares?|ha|tons?|tonnes?|pounds?|lbs?|kg|kilograms?"
    r"|grams?|g|ounces?|oz|gallons?|lit(?:re|er)s?|barrels?|mph|km/h|knots?|degrees?(?:\s+(?:Celsius|Fahrenheit|C|F))?"
    r"|°[CF]?|years?|months?|weeks?|days?|hours?|minutes?|seconds?|(?:years?\s+)?old)\b",
    re.I,
)
_YEAR_WORD = re.compile(r"(?:the\s+)?year\s+(?=\d)", re.I)
_ERA_AFTER = re.compile(
    r"\s*(?:(?:yr|years?)\s+)?(?:ago|BP|BCE?|B\.C\.(?:E\.)?|AD|A\.D\.|CE|C\.E\.)(?![\w.])"
)
_BORN = re.compile(r"\bborn\b|\bbirth\b", re.I)
_DIED = re.compile(r"\bdied?\b|\bdeath\b", re.I)
_BOUNDS = sorted((w.replace(" ", r"\s+") for w in LOWER_BOUNDS | UPPER_BOUNDS), key=len, reverse=True)
_BOUND_BEFORE = re.compile(rf"\b(?:{'|'.join(_BOUNDS)})\s+$", re.I)
_RANGE_BEFORE = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?\s?(?:[–-]|\s+to\s+)$")
_RANGE_AFTER = re.compile(r"[–-]\d{1,4}\b(?![.,]\d)")  # "1759-60", "49–15"


def answer_bounds(q: Question, text: str, c: Candidate) -> tuple[int, int, float | None, str | None]:
    """The answer's exact extent, value and unit for this question: a year asked for is the year of a
    date ("7 January 1943" -> "1943"); a measure keeps its unit word ("135" -> "135 feet")."""
    if q.answer_type == "year" and c.unit == "date":
        m = re.search(r"\b\d{4}\b", text[c.start : c.end])
        if m:
            return c.start + m.start(), c.start + m.end(), float(m.group(0)), "year"
    start = c.start
    if q.answer_type in ("year", "date") and (lead := _YEAR_WORD.match(text, c.start, c.end)):
        start = lead.end()  # "the year 1313" -> "1313"
    if c.kind == "number" and (bound := _BOUND_BEFORE.search(text, max(0, c.start - 16), start)):
        start = bound.start()  # "over 2,000": a bound is part of the figure, an approximation is not
    first = _RANGE_BEFORE.search(text, max(0, c.start - 24), c.start) if c.kind == "number" else None
    if first and not re.search(r"\bfrom\s+$", text[max(0, first.start() - 6) : first.start()], re.I):
        # The end of a range is read with its start: "30–60%", "12 to 15 million" (not "from 10 to 12").
        start = first.start()
    rng = _RANGE_AFTER.match(text, c.end)
    if rng and c.unit in (None, "year", "date"):  # one expression: "1759-60", "49–15", "1338–39"
        # A life's span "(1919–1980)": born asks for its start, died for its end.
        if _BORN.search(q.text):
            return start, c.end, c.value, c.unit
        if _DIED.search(q.text) and re.fullmatch(r"[–-]\d{4}", rng.group(0)):
            return rng.start() + 1, rng.end(), float(rng.group(0)[1:]), c.unit
        return start, rng.end(), c.value, c.unit
    era = _ERA_AFTER.match(text, c.end)
    if era and q.answer_type in ("year", "date"):  # "7500 yr ago", "800 CE", "430 BC"
        return start, era.end(), c.value, c.unit
    if q.answer_type in ("count", "number") and c.unit is None and _MEASURE_Q.search(q.text):
        m = _UNIT_AFTER.match(text, c.end)
        if m:
            return c.start, m.end(), c.value, c.unit
    return start, c.end, c.value, c.unit


class QuestionError(ValueError):
    """The question itself is unusable (empty, only punctuation)."""


@dataclass(frozen=True)
class AnswererSettings:
    fusion: FusionSettings = field(default_factory=FusionSettings)
    agreement: AgreementSettings = field(default_factory=AgreementSettings)
    passages: int = 5  # passages shown with an answer
    read_passages: int = 8  # how many retrieved passages the span reader reads (two batched calls, by length)
    spans_per_passage: int = 5  # as the proximity weight was tuned (eval/tune_reader.py --spans)
    # Abstain when the best span's confidence (its margin over "no answer", squashed) is below this;
    # None: the threshold chosen for the model on held-out training articles (its model.json).
    abstain_confidence: float | None = None
    # Rerank the reader's spans by closeness to the question's words; None: the model card's choice.
    proximity: Proximity | None = None
    # Logits a span gains for its passage's retrieval rank (weight / (rank + 1)), with the threshold chosen with
    # it; None: the model card's (eval/tune_pipeline.py). Off: better on held-out articles, SQuAD dev and newsqa,
    # but one question under two gates (newsqa figures, bundled citation recall); see the model card.
    retrieval_prior: RetrievalPrior | None = NO_PRIOR
    # Abstain when the question names something the corpus never mentions (a rule kept by ablation).
    unknown_names: bool = True
    # Cut a span that holds a figure to the figure asked for ("5,600 foreign fighters" -> "5,600").
    figure_cut: bool = True
    # ... but a span stating a range stays whole: "12 to 18 months" cut to "12" misstates the article.
    whole_ranges: bool = True
    # A question asking for a quantity keeps only the reader's spans that hold a figure. Off: it helped the gold
    # sets and newsqa by a question or two but cost SQuAD dev (open corpus) 0.3 points (see the model card).
    figures_only: bool = False
    # ... or, softer, a quantity question's spans without a figure ("Hundreds") lose this much confidence: the
    # largest of 0.03 / 0.05 / 0.1 that cost nothing on the held-out tuning set (0.1: +1/-2); SQuAD 3,000 +3/-0.
    figure_preference: float = 0.05
    # Over the reader's spans, the answer is the most confident one; how many articles state it only orders
    # answers this close. A bonus per supporting article let a figure repeated everywhere outrank the one the
    # question asks about (bundled gold 0.37 -> see docs/reports/ablation.md).
    support_bonus: float = 0.0
    # Another article's figure is a conflict only when its sentence binds it to the names the question asks
    # about (qa/binding.py): "2,926 from Tunisia" disagrees with "2,962 from Tunisia", France's 1,910 does not.
    bound_conflicts: bool = True
    # Cite every article with a span stating the answer close enough (``agreement.stating``), not only those
    # whose best span it is: citation recall up on every set (newsqa-dev 0.679 -> 0.696), precision about even.
    every_mention: bool = True
    # A follow-up that replaces part of the earlier turn ("And in Indiana?") asks for another fact: the earlier
    # turn's answer, wherever it is stated, is not its answer (qa/conversation.py ``asks_another_fact``).
    new_facts: bool = True


def _turns(history: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The earlier turns as the answerer reads them: cleaned, those without words left out."""
    return tuple(clean_question(h) for h in history if h and re.search(r"\w", h))


def clean_question(text: str) -> str:
    """Strip control characters and collapse space; refuse what has no words or figures."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", " ", text)
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)  # lone surrogates (undecodable bytes) cannot be printed
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
    if not re.search(r"\w", text):
        raise QuestionError("the question is empty")
    return text


class Answerer:
    """Cheap to construct; the index's parts and the encoder load on the first question."""

    def __init__(
        self, index: Index, settings: AnswererSettings | None = None, span_model: SpanModel | None = None
    ) -> None:
        self.index = index
        self.settings = settings or AnswererSettings()
        self.retriever = Retriever(index, self.settings.fusion)
        self.span_model: SpanModel = span_model or SpanReader()
        # (earlier turns..., question) -> its answer, so a conversation's follow-up need not ask it again
        self._answers: OrderedDict[tuple[str, ...], Answer | None] = OrderedDict()

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer([(e.text, e.label) for c in self.index.chunks for e in c.entities])

    @cached_property
    def linker(self) -> PlaceLinker:
        places = [e.text for c in self.index.chunks for e in c.entities if e.label in PLACE_LABELS]
        return PlaceLinker(self.index.encoder, places)

    @property
    def prior(self) -> RetrievalPrior:
        p = self.settings.retrieval_prior
        return self.span_model.retrieval_prior if p is None else p

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.index.idf)

    @cached_property
    def labels(self) -> dict[str, str]:
        return {a.id: label(a) for a in self.index.articles}

    @cached_property
    def titles(self) -> dict[str, tuple[str | None, str | None]]:
        return {a.id: (a.title, a.date) for a in self.index.articles}

    def name_kind(self, name: str) -> str | None:
        """The corpus's entity label for a name ("Turkmenistan" -> GPE), for restating follow-ups."""
        return self.gazetteer.labels.get(tuple(terms(name)))

    def prepare(self) -> None:
        """Load what every question needs side by side: the store, vectors, BM25, the encoder and the reader.

        Their loading is mostly imports, file reads and ONNX session builds in native code, which two cores
        overlap: a cold `qa ask` took a median 1.62 s against 1.95 s loading each on first use (2026-12-03).
        The first error is raised here, as it would be on first use.
        """
        index = self.index
        parts: list[Callable[[], object]] = [
            lambda: index.idf,
            lambda: index.vector_store,
            lambda: index.lexical,
            lambda: index.encoder.encode(["warm up"]),
            lambda: self.span_model.read("warm up", ["The reader is ready."]),
        ]
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            for job in [pool.submit(part) for part in parts]:
                job.result()

    def warm(self) -> None:
        """Load everything a question needs (index parts, encoder, the place names to link), for servers."""
        self.prepare()  # the reader has run once in it
        self.ask("warm up")
        self.linker.warm()

    def analyze(self, question: str, history: list[str] | tuple[str, ...] = ()) -> tuple[Question, str]:
        question = clean_question(question)
        query, context = resolve(question, _turns(history))
        q = analyze(
            question,
            self.index.idf,
            self.index.default_idf(),
            self.gazetteer,
            context,
            self.vocabulary,
            self.linker.link,
        )
        if context:
            # Retrieve with the new turn plus the earlier one, minus names the new turn replaces.
            dropped = {t for t in terms(context[-1]) if t not in q.weights}
            words = [w for w in context[-1].split() if not (set(terms(w)) & dropped)]
            query = f"{question} {' '.join(words)}"
        if q.expansions:
            query = f"{query} ({'; '.join(q.expansions)})"
        return q, query

    def ask(self, question: str, history: list[str] | tuple[str, ...] = (), qid: str | None = None) -> Result:
        q, query, read_as, passages, found = self.read(question, history)
        result = self.conclude(q, query, read_as, passages, found, qid)
        turns = (*_turns(history), clean_question(question))
        self._answers[turns] = result.answer
        while len(self._answers) > 256:  # recent conversations' turns, not everything ever asked
            try:
                self._answers.popitem(last=False)
            except KeyError:  # another web-chat thread emptied it first
                break
        return result

    def earlier_answer(self, question: str, history: list[str] | tuple[str, ...]) -> Answer | None:
        """What the previous turn was answered, when ``question`` asks another fact than it (asked again only when
        this answerer has not answered it already, as `qa ask --history` needs)."""
        turns = _turns(history)
        if not asks_another_fact(clean_question(question), turns):
            return None
        if turns not in self._answers:
            self.ask(turns[-1], turns[:-1])
        return self._answers.get(turns)

    def _retrieve(
        self, question: str, history: list[str] | tuple[str, ...]
    ) -> tuple[Question, str, list[Passage]]:
        """The question analysed, its search query, and the passages retrieved for it."""
        q, query = self.analyze(question, history)
        qvec = self.index.encoder.encode([query])[0]
        return q, query, self.retriever.search(query, top_k=self.settings.read_passages, query_vec=qvec)

    def read(
        self, question: str, history: list[str] | tuple[str, ...] = ()
    ) -> tuple[Question, str, str, list[Passage], list[Candidate]]:
        """The question analysed, its search query, what the reader reads, the passages retrieved and the
        reader's spans over them, best first."""
        st = self.settings
        # What the earlier turn was answered comes with the conversation, before this turn is read.
        earlier = self.earlier_answer(question, history) if st.new_facts else None
        q, query, passages = self._retrieve(question, history)
        # The reader reads the follow-up restated as a whole question, with the corpus's forms of its names.
        read_as = restate(q.text, _turns(history), self.name_kind)
        if q.expansions:
            read_as = f"{read_as} ({'; '.join(q.expansions)})"
        near = st.proximity if st.proximity is not None else self.span_model.proximity
        weights = (
            question_weights(read_as, self.index.idf, self.index.default_idf()) if near.weight > 0 else None
        )
        found = candidates(
            self.span_model,
            read_as,
            q,
            passages[: st.read_passages],
            st.spans_per_passage,
            st.figure_cut,
            near,
            weights,
            st.figures_only,
            self.prior.weight,
            st.whole_ranges,
            st.figure_preference,
        )
        if earlier is not None:
            found = [c for c in found if not repeats(c, earlier)]
        return q, query, read_as, passages, found

    def conclude(
        self,
        q: Question,
        query: str,
        read_as: str,
        passages: list[Passage],
        found: list[Candidate],
        qid: str | None,
    ) -> Result:
        """The answer from what ``read`` returned (public so that replays can vary this stage alone): each
        article's best span is its answer; articles that agree are cited together, articles that confidently
        give another figure are conflicts; too little confidence abstains."""
        st = self.settings
        # The reader's scores rerank the passages shown: the best span's passage first.
        best_of: dict[int, float] = {}
        for c in found:
            best_of.setdefault(c.chunk_id, c.score)
        order = sorted(range(len(passages)), key=lambda i: (-best_of.get(passages[i].chunk.id, -1.0), i))
        shown = tuple(Passage(passages[i].chunk, best_of.get(passages[i].chunk.id, 0.0)) for i in order)
        base = dict(
            id=qid,
            question=q.text,
            resolved_question=read_as if read_as != q.text else None,
            answer_type=q.answer_type,
            articles=len(self.index.articles),
            titles=self.titles,
            labels=self.labels,
        )
        per_doc: dict[str, Candidate] = {}
        for c in found:  # best first
            per_doc.setdefault(c.doc_id, c)
        agree = replace(st.agreement, support_bonus=st.support_bonus)
        year = q.answer_type == "year"
        groups = group(list(per_doc.values()), agree, year=year)
        unknown = st.unknown_names and bool(q.unknown_names)
        floor = st.abstain_confidence
        if floor is None:
            tuned = self.prior.abstain_confidence  # a prior raises scores: its threshold was chosen with it
            floor = tuned if tuned is not None else self.span_model.abstain_confidence
        if not groups or unknown or groups[0].best.score < floor:
            return self._abstained(groups, shown[: st.passages], base)
        top = groups[0]
        best = top.best
        support = (
            stating(top, found, st.agreement, year) if st.every_mention else supporting(top, st.agreement)
        )
        cited = {c.doc_id for c in support}
        citations = tuple(self._citation(c) for c in support)
        clash = self._conflicts(groups, cited, q)
        article = self.index.article_by_id[best.doc_id].text
        cut = best.kind == "number" and st.figure_cut
        if cut and not (st.whole_ranges and is_range(best.text, best.unit)):
            a, b, value, unit = answer_bounds(q, article, best)
        else:
            a, b, value, unit = best.start, best.end, best.value, best.unit
        upper = best.upper
        if best.kind == "number" and upper is None and (ends := range_of(article[a:b], unit)):
            value, upper, unit = ends[0], ends[1], ends[2] or unit  # read with its start: "30–60%"
        answer = Answer(article[a:b], value, unit, best.doc_id, a, b, best.score, upper)
        lead = [p for p in shown if p.chunk.id == best.chunk_id]
        shown = tuple(lead + [p for p in shown if p.chunk.id != best.chunk_id])
        return Result(
            abstained=False,
            answer=answer,
            passages=shown[: st.passages],
            citations=citations,
            conflicts=clash,
            confidence=best.score,
            support=len(citations),
            **base,
        )  # type: ignore[arg-type]

    def _citation(self, c: Candidate) -> Citation:
        """The sentence that states ``c``, with the answer's place in it."""
        title, date = self.titles[c.doc_id]
        a, b = c.sentence
        quote = self.index.article_by_id[c.doc_id].text[a:b]
        return Citation(c.doc_id, title, date, a, b, quote, c.start, c.end)

    def _conflicts(self, groups: list[Group], cited: set[str], q: Question) -> tuple[Conflict, ...]:
        aliases: dict[str, set[str]] = {}
        for name, linked in q.aliases:
            aliases.setdefault(name, set()).update(linked)
        found = conflicts(groups, self.settings.agreement, cited)
        if self.settings.bound_conflicts:
            texts = self.index.article_by_id
            found = [
                c
                for c in found
                if bound(
                    texts[c.doc_id].text[c.sentence[0] : c.sentence[1]],
                    c.start - c.sentence[0],
                    c.end - c.sentence[0],
                    q.names,
                    aliases,
                )
            ]
        return tuple(
            Conflict(value=c.value, text=c.text, doc_id=c.doc_id, start=c.start, end=c.end) for c in found
        )

    @staticmethod
    def _abstained(groups: list[Group], shown: tuple[Passage, ...], base: dict) -> Result:
        """ "Not found in these articles", with the nearest passages and the best (too low) confidence."""
        confidence = groups[0].best.score if groups else 0.0
        return Result(
            abstained=True,
            answer=None,
            passages=shown,
            citations=(),
            conflicts=(),
            confidence=confidence,
            **base,
        )

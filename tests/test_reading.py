"""The pipeline over the span reader's spans (a scripted reader, fake encoder): numbers, agreement, conflicts,
citations, abstention, reranking and follow-ups. Nothing here is the bundled story."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.answerer import Answerer, AnswererSettings
from qa.conversation import asks_another_fact, repeats, restate
from qa.index import Index
from qa.models import Answer, Candidate
from qa.reading import confidence, is_range, margin_of, range_of
from tests.fakes import ScriptedSpans

from .conftest import index_over

ARTICLES = {
    "a1": "Flood relief reaches the valley\n\nOfficials said at least 1,240 families from Oakridge were moved to "
    "shelters on Monday. The regional council approved a budget of $4 million for repairs.",
    "a2": "Aid agencies counted 1,204 families from Oakridge in the shelters, according to a report on Tuesday.",
    "a3": "Engineers said the river rose 30 percent above its usual level. Schools will reopen in May.",
    "a4": "The shelters in Oakridge housed 1,240 families on Monday night, the mayor, Dana Holt, said.",
}


def _index_fixture(articles: dict[str, str], name: str):  # type: ignore[no-untyped-def]
    """A module-scoped fixture: the index over ``articles``."""

    @pytest.fixture(scope="module")
    def built(tmp_path_factory: pytest.TempPathFactory) -> Index:
        return index_over(tmp_path_factory.mktemp(name), articles)

    return built


index = _index_fixture(ARTICLES, "reading")


def _ask(index: Index, phrases: dict[str, float], question: str, history: list[str] | None = None):  # type: ignore[no-untyped-def]
    model = ScriptedSpans(phrases)
    return Answerer(index, span_model=model).ask(question, history or []), model


def _quotes(index: Index, r) -> None:  # type: ignore[no-untyped-def]
    js = r.to_json()
    for c in js["citations"]:
        assert index.article_by_id[c["doc_id"]].text[c["start"] : c["end"]] == c["quote"]
    for c in js["conflicts"]:
        assert index.article_by_id[c["doc_id"]].text[c["start"] : c["end"]] == c["text"]
    if js["answer"]:
        a = js["answer"]
        assert index.article_by_id[a["doc_id"]].text[a["start"] : a["end"]] == a["text"]


def test_a_figure_span_is_cut_to_the_figure_with_its_value_and_hedge(index: Index) -> None:
    r, _ = _ask(index, {"1,240 families from Oakridge": 4.0}, "How many families were moved to shelters?")
    assert not r.abstained and r.answer is not None
    assert r.answer.value == 1240
    assert r.answer.text == "at least 1,240" or r.answer.text == "1,240"
    _quotes(index, r)


RANGES = {
    "r1": "Repairs to the bridge\n\nThe council said repairs will take 12 to 18 months from May 2025. "
    "The levy costs each household 66 pence ($1.32) a week. Some 3,000 homes pay it since May 2025. "
    "The works drew 120 crews from Leeds; 40 of the 310 from York.",
}


range_index = _index_fixture(RANGES, "ranges")


@pytest.mark.parametrize(
    ("span", "question", "text", "value", "upper"),
    [
        ("12 to 18 months", "How long will repairs take?", "12 to 18 months", 12, 18),
        # A conversion states one quantity twice: its first figure says it all.
        ("66 pence ($1.32)", "How much does the levy cost?", "66 pence", 0.66, None),
        # A date beside a count is not a range: the count asked for is cut out.
        ("3,000 homes pay it since May 2025", "How many homes pay the levy?", "3,000", 3000, None),
        # A list is not one expression: the figure asked for is cut out.
        ("120 crews from Leeds; 40 of the 310", "How many crews came from Leeds?", "120", 120, None),
    ],
)
def test_a_span_stating_a_range_stays_whole_with_both_ends(
    range_index: Index, span: str, question: str, text: str, value: float, upper: float | None
) -> None:
    r, _ = _ask(range_index, {span: 4.0}, question)
    assert r.answer is not None and r.answer.text == text
    assert r.answer.value == pytest.approx(value)
    assert r.answer.upper == (None if upper is None else pytest.approx(upper))
    assert r.to_json()["answer"]["upper"] == r.answer.upper
    _quotes(range_index, r)
    cut = Answerer(range_index, AnswererSettings(whole_ranges=False), span_model=ScriptedSpans({span: 4.0}))
    old = cut.ask(question, [])
    assert old.answer is not None and old.answer.value == pytest.approx(value)
    assert (old.answer.text == text) == (text in ("66 pence", "3,000", "120"))


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("12 to 18 months", None, True),
        ("$3,500 to $4,500", "USD", True),
        ("30-60 percent", "percent", True),
        ("4 or 5 times", None, True),
        ("1,140 kilograms (2,500 pounds)", None, False),
        ("66 pence ($1.32)", "GBP", False),
        ("2,962 from Tunisia and 1,910", None, False),
        ("3,417 fighters from Russia; 760 of the 3,244 from Saudi Arabia; 800 of the 2,926", None, False),
        ("from 1990 to 1995", "year", True),
        ("5,600 in 2017", None, False),
        ("5,600", None, False),
    ],
)
def test_a_range_is_two_figures_joined_not_a_list_or_a_conversion(
    text: str, unit: str | None, expected: bool
) -> None:
    assert is_range(text, unit) is expected


@pytest.mark.parametrize(
    ("text", "unit", "ends"),
    [
        ("12 to 18 months", None, (12, 18, None)),
        ("12 to 18 million", None, (12e6, 18e6, None)),  # the scale word is said once
        ("$3 to $4 billion", "USD", (3e9, 4e9, "USD")),
        ("$3,500 to $4,500", "USD", (3500, 4500, "USD")),
        ("30–60%", "percent", (30, 60, "percent")),
        ("1759-60", None, (1759, 1760, None)),  # the century is said once
        ("from 1990 to 1995", "year", (1990, 1995, "year")),
        ("49–15", None, None),  # a score: the second figure is not above the first
        ("66 pence ($1.32)", "GBP", None),
        ("5,600", None, None),
    ],
)
def test_a_range_has_two_ends_low_first(
    text: str, unit: str | None, ends: tuple[float, float, str | None] | None
) -> None:
    got = range_of(text, unit)
    if ends is None:
        assert got is None
    else:
        assert got is not None
        assert (got[0], got[1]) == (pytest.approx(ends[0]), pytest.approx(ends[1])) and got[2] == ends[2]


SPANS_OF_MONTHS = {
    "m1": "Bridge works begin\n\nThe council said repairs to the bridge will take 12 to 18 months in all.",
    "m2": "Engineers expect the bridge repairs to take 12 months, the council's surveyor said on Friday.",
    "m3": "The bridge will be closed while repairs take 15 months, according to the transport office.",
    "m4": "Residents were told the bridge repairs would take 20 months, a local newspaper reported.",
}


months_index = _index_fixture(SPANS_OF_MONTHS, "months")


def test_a_range_is_not_the_figure_at_one_of_its_ends_nor_at_odds_with_one_inside_it(
    months_index: Index,
) -> None:
    phrases = {"12 to 18 months": 6.0, "12 months": 5.8, "15 months": 5.7, "20 months": 5.6}
    r, _ = _ask(months_index, phrases, "How long will the bridge repairs take?")
    assert r.answer is not None and (r.answer.value, r.answer.upper) == (12, 18)
    # "12 months" is not the same answer as "12 to 18 months" (no support), but neither it nor 15 contradicts
    # the range; 20 months does.
    assert {c.doc_id for c in r.citations} == {"m1"}
    assert [c.doc_id for c in r.conflicts] == ["m4"]
    _quotes(months_index, r)


def test_articles_stating_the_same_figure_are_cited_together(index: Index) -> None:
    r, _ = _ask(index, {"1,240 families": 4.0, "housed 1,240": 3.5}, "How many families were in shelters?")
    assert r.answer is not None and r.answer.value == 1240
    assert {c.doc_id for c in r.citations} == {"a1", "a4"}
    assert r.support == 2
    _quotes(index, r)


def test_a_confident_other_figure_is_a_conflict_and_a_weak_one_is_not(index: Index) -> None:
    r, _ = _ask(index, {"1,240 families": 4.0, "1,204 families": 3.8}, "How many families were in shelters?")
    assert [c.value for c in r.conflicts] == [1204]
    assert r.conflicts[0].doc_id == "a2"
    _quotes(index, r)
    weak, _ = _ask(
        index, {"1,240 families": 4.0, "1,204 families": -3.0}, "How many families were in shelters?"
    )
    assert weak.conflicts == ()


def test_low_confidence_abstains(index: Index) -> None:
    r, _ = _ask(index, {"30 percent": -2.0}, "How many bridges were repaired?")
    assert r.abstained and r.answer is None and r.citations == ()
    assert r.confidence == pytest.approx(confidence(-2.0)) and r.confidence < 0.5


def test_no_span_at_all_abstains(index: Index) -> None:
    r, _ = _ask(index, {}, "Who is the mayor?")
    assert r.abstained


def test_a_name_is_answered_as_read(index: Index) -> None:
    r, _ = _ask(index, {"Dana Holt": 3.0}, "Who is the mayor of Oakridge?")
    assert r.answer is not None and r.answer.text == "Dana Holt" and r.answer.value is None
    assert r.citations[0].doc_id == "a4"
    _quotes(index, r)


def test_the_readers_scores_rerank_the_passages_shown(index: Index) -> None:
    r, _ = _ask(index, {"30 percent": 3.0}, "How many families from Oakridge were in the shelters?")
    assert r.passages[0].chunk.doc_id == "a3"


def test_the_reader_reads_the_restated_follow_up(index: Index) -> None:
    r, model = _ask(
        index, {"1,204 families": 3.0}, "And from Oakridge?", ["How many families from Millbrook were moved?"]
    )
    assert model.questions[-1] == "How many families from Oakridge were moved?"
    assert r.resolved_question == "How many families from Oakridge were moved?"


def test_the_passages_are_read_in_one_call(index: Index) -> None:
    settings = AnswererSettings(read_passages=4)
    model = ScriptedSpans({"Dana Holt": 3.0})
    Answerer(index, settings, span_model=model).ask("Who is the mayor?")
    assert model.calls == 1


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        (
            "And from France?",
            ["How many fighters have returned home?"],
            "How many fighters have returned home from France?",
        ),
        (
            "And from France?",
            ["How many fighters from Tunisia returned?"],
            "How many fighters from France returned?",
        ),
        ("Who wrote the report?", ["How many fighters returned?"], "Who wrote the report?"),
        (
            "How many of them came back?",
            ["How many went to Syria from Chile?"],
            "How many of those who went to Syria from Chile came back?",
        ),
        (
            "And how many returned?",
            ["How many fighters came from Tunisia?"],
            "How many fighters from Tunisia returned?",
        ),
        (
            "How many of them came back?",
            ["How many fighters from Russia joined the group?"],
            "How many of the fighters from Russia came back?",
        ),
        (
            "And how many did he wound?",
            ["How many people did Kaczynski kill?"],
            "How many people did Kaczynski wound?",
        ),
        ("And in 1985?", ["What were Alcasa's earnings last year?"], "What were Alcasa's earnings in 1985?"),
        (
            "And in Indiana?",
            ["How many delegates were at stake in North Carolina?"],
            "How many delegates were at stake in Indiana?",
        ),
        (
            "And how much margarine?",
            ["How much butter did the Dutch eat per head?"],
            "How much margarine did the Dutch eat per head?",
        ),
        ("How old is she?", ["When did Holli Chmela arrive in Lebanon?"], "How old is Holli Chmela?"),
        ("Who is its author?", ["Which think tank wrote the report?"], "Who is the report’s author?"),
        (
            "And Alcasa?",
            ["How much did the steel company Sidor earn?"],
            "How much did the steel company Alcasa earn?",
        ),
        (  # what the earlier verb said where is kept; its named phrase goes with the noun counted
            "And how many were wounded?",
            ["How many people were killed in the clashes in Mogadishu?"],
            "How many people in Mogadishu were wounded in the clashes?",
        ),
        (  # ... but not where they went, nor why
            "And how many returned?",
            ["How many fighters left for Syria in 2014?"],
            "How many fighters returned in 2014?",
        ),
        (
            "And how many are back in the country?",
            ["How many Americans left to join ISIS?"],
            "How many Americans are back in the country?",
        ),
    ],
)
def test_restate(question: str, history: list[str], expected: str) -> None:
    assert restate(question, history) == expected
    assert ":" not in restate(question, history)  # never two questions glued together


def test_restate_replaces_a_name_of_the_same_kind() -> None:
    kinds = {"Uzbek": "NORP", "IS": "ORG", "Turkmenistan": "GPE", "Kazakhstan": "GPE", "Obama": "PERSON",
             "Indiana": "GPE", "Clinton": "PERSON", "North Carolina": "GPE"}  # fmt: skip
    uzbek = ["How many Uzbek nationals fought alongside IS?"]
    assert (
        restate("What about Turkmenistan?", uzbek, kinds.get)
        == "How many nationals from Turkmenistan fought alongside IS?"
    )
    assert (
        restate("And from Kazakhstan?", uzbek, kinds.get)
        == "How many nationals from Kazakhstan fought alongside IS?"
    )
    backers = ["What share of Obama backers in Indiana would vote for Clinton?"]
    assert restate("What about North Carolina?", backers, kinds.get) == (
        "What share of Obama backers in North Carolina would vote for Clinton?"
    )


def test_confidence_is_monotonic_and_bounded() -> None:
    values = [confidence(m) for m in (-100.0, -2.0, 0.0, 2.0, 100.0)]
    assert values == sorted(values) and values[0] >= 0.0 and values[-1] <= 1.0
    assert confidence(0.0) == pytest.approx(0.5)


@given(st.floats(min_value=-80.0, max_value=80.0))
def test_margin_of_inverts_confidence(margin: float) -> None:
    """The tuning scripts re-weight spans in logits: the margin comes back from its score."""
    assert margin_of(confidence(margin)) == pytest.approx(margin, abs=1e-6)


def test_an_article_stating_the_answer_below_its_best_span_is_cited_with_every_mention(index: Index) -> None:
    phrases = {"1,240 families from": 4.0, "Dana Holt": 3.9, "housed 1,240": 3.0}
    question = "How many families were in shelters?"
    for every, cited in ((False, {"a1"}), (True, {"a1", "a4"})):
        settings = AnswererSettings(every_mention=every, figure_preference=0.0)
        r = Answerer(index, settings, span_model=ScriptedSpans(phrases)).ask(question)
        assert r.answer is not None and r.answer.value == 1240
        assert {c.doc_id for c in r.citations} == cited
        _quotes(index, r)


VAGUE = {
    "v1": "Hundreds of residents returned to Millbrook on Sunday; officials counted 1,300 of them at the gates.",
    "v2": "The flood gates at Millbrook were built by the engineer Ada Stone in 1961.",
}
vague_index = _index_fixture(VAGUE, "vague")


@pytest.mark.parametrize(("preference", "expected"), [(0.0, "Hundreds"), (0.05, "1,300")])
def test_a_quantity_question_prefers_a_figure_to_a_vague_quantity_scoring_about_as_well(
    vague_index: Index, preference: float, expected: str
) -> None:
    model = ScriptedSpans({"Hundreds": 4.1, "1,300": 4.0, "Ada Stone": 4.1})
    answerer = Answerer(vague_index, AnswererSettings(figure_preference=preference), span_model=model)
    r = answerer.ask("How many residents returned to Millbrook?")
    assert r.answer is not None and r.answer.text == expected
    who = answerer.ask("Who built the flood gates at Millbrook?")  # not a quantity: no preference
    assert who.answer is not None and who.answer.text in ("Hundreds", "Ada Stone")
    assert who.confidence == pytest.approx(confidence(4.1))


@pytest.mark.parametrize(
    ("question", "history", "another"),
    [
        ("And in Indiana?", ["How many delegates were at stake in North Carolina?"], True),
        ("And how many were wounded?", ["How many people were killed in the clashes?"], True),
        ("How many of them came back?", ["How many fighters from Russia joined?"], False),
        ("Who is its author?", ["Which think tank wrote the report?"], False),
        ("How many delegates were at stake in Indiana?", ["Who won North Carolina?"], False),  # stands alone
        ("And in Indiana?", [], False),
    ],
)
def test_a_follow_up_asks_another_fact_when_it_replaces_part_of_the_earlier_turn(
    question: str, history: list[str], another: bool
) -> None:
    assert asks_another_fact(question, history) is another


def test_a_span_repeats_the_earlier_answer_where_it_states_it_or_its_figure() -> None:
    earlier = Answer("115", 115.0, None, "a", 40, 43, 0.9)

    def span(text: str, value: float | None, doc: str, start: int) -> Candidate:
        return Candidate(text, start, start + len(text), value, None, doc, 0, (0, 99), 0.9, "number")

    assert repeats(span("115 delegates", 115.0, "a", 40), earlier)  # the same words
    assert repeats(span("115", 115.0, "b", 7), earlier)  # the same figure in another article
    assert not repeats(span("72", 72.0, "a", 60), earlier)
    assert not repeats(span("Obama", None, "a", 10), earlier)

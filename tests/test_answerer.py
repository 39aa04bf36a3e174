"""Question analysis, answer bounds and agreement (pure functions), and the answerer's refusals and abstentions
over a small invented corpus (fake encoder, real NER, a scripted span reader): nothing here is the bundled story.
The rule reader these tests once drove was removed on 2026-12-04 (README, Ablations)."""

from __future__ import annotations

import pytest

from qa.answerer import Answerer, AnswererSettings, QuestionError
from qa.index import Index
from tests.fakes import ScriptedSpans

from .conftest import index_over

ARTICLES = {
    "a1": "Flood relief reaches the valley\n\nOfficials said 1,240 families from Oakridge and 310 families from "
    "Millbrook were moved to shelters on Monday.",
    "a5": "The Northern Rail Authority said 75 stations were closed during the strike.",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return index_over(tmp_path_factory.mktemp("news"), ARTICLES, ner=True)


def _answerer(index: Index, phrases: dict[str, float]) -> Answerer:
    return Answerer(index, span_model=ScriptedSpans(phrases))


def test_a_place_the_corpus_never_mentions_abstains_however_confident_the_reader(index: Index) -> None:
    a = _answerer(index, {"1,240": 8.0, "310": 8.0})
    r = a.ask("How many families from Riverton were moved to shelters?")
    assert r.abstained and r.answer is None and r.citations == ()
    assert r.passages  # the nearest passages are still shown
    assert not a.ask("How many families from Millbrook were moved to shelters?").abstained


def test_initials_no_corpus_name_has_are_an_unknown_name(index: Index) -> None:
    a = _answerer(index, {"75": 8.0})
    assert a.ask("How many stations did the QZX close?").abstained
    r = a.ask("How many stations did the NRA close?")  # the Northern Rail Authority
    assert not r.abstained and r.answer is not None and r.answer.value == 75


def test_a_follow_up_is_resolved_against_the_earlier_question(index: Index) -> None:
    # A reader that finds Millbrook's figure alone, for either question: the earlier answer is not ruled out.
    a = Answerer(index, AnswererSettings(new_facts=False), span_model=ScriptedSpans({"310": 8.0}))
    r = a.ask("And from Millbrook?", ["How many families from Oakridge were moved to shelters?"])
    assert (
        r.resolved_question and "Millbrook" in r.resolved_question and "Oakridge" not in r.resolved_question
    )
    assert r.answer is not None and r.answer.value == 310


OAKRIDGE = "How many families from Oakridge were moved to shelters?"


def test_a_follow_up_that_replaces_a_name_is_not_given_the_earlier_answer(index: Index) -> None:
    # The reader binds badly here: Oakridge's figure is its best span for either place.
    confused = {"1,240": 8.0, "310": 6.0}
    a = _answerer(index, confused)
    assert a.ask(OAKRIDGE).answer.value == 1240  # type: ignore[union-attr]
    r = a.ask("And from Millbrook?", [OAKRIDGE])
    assert r.answer is not None and r.answer.value == 310
    assert not any(c.value == 1240 for c in r.conflicts)  # nor shown as a figure that disagrees
    repeated = Answerer(index, AnswererSettings(new_facts=False), span_model=ScriptedSpans(confused))
    assert repeated.ask("And from Millbrook?", [OAKRIDGE]).answer.value == 1240  # type: ignore[union-attr]


def test_the_earlier_turn_is_read_again_only_when_this_answerer_has_not_answered_it(index: Index) -> None:
    model = ScriptedSpans({"1,240": 8.0, "310": 6.0})
    a = Answerer(index, span_model=model)
    a.ask("And from Millbrook?", [OAKRIDGE])  # `qa ask --history`: the earlier turn is answered first
    assert model.calls == 2
    a.ask("What about Oakridge?", [OAKRIDGE, "And from Millbrook?"])  # `qa chat`: both answered already
    assert model.calls == 3


def test_a_follow_up_that_refers_back_with_a_pronoun_may_have_the_earlier_answer(index: Index) -> None:
    a = _answerer(index, {"1,240": 8.0})
    r = a.ask("How many of them were moved on Monday?", [OAKRIDGE])
    assert r.answer is not None and r.answer.value == 1240


def test_an_empty_question_is_refused(index: Index) -> None:
    with pytest.raises(QuestionError):
        _answerer(index, {}).ask(" \x00\t ")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What was the average speed of the trains?", "number"),
        ("What was Smith's average score in 2015?", "number"),
        ("At what age did she retire?", "number"),
        ("What is the annual fee for members?", "money"),
        ("What were the repair costs of the bridge?", "money"),
        ("What season did the team win?", "year"),
        ("What is the name of the fund?", "other"),
        ("What was Warsaw's population in 1901?", "count"),  # a possessive owner, not "the"
        ("What was the company's revenue last year?", "money"),
        ("What amount of time did the repairs take?", "count"),
        ("How cold does the valley get in winter?", "number"),
        ("What is its theoretical efficiency?", "number"),
        ("Which articles state that powers remain with members?", "other"),  # "state" the verb
        ("Which state hosted the final?", "place"),
        ("What part of the act requires registration?", "other"),
        ("What was the first year that the two clubs played?", "year"),
        ("Since which decade has the port been a major employer?", "date"),
        ("On which date was the palace found?", "date"),
        ("At what speed did the turbine run?", "number"),
        ("What magnitude of earthquake can the fault produce?", "number"),
        ("How much did the group offer for each share?", "money"),
        ("What profit did the iron company make last year?", "money"),
    ],
)
def test_what_questions_that_ask_for_a_figure_are_typed(question: str, kind: str) -> None:
    from qa.question import answer_type

    assert answer_type(question) == kind


def test_initials_pair_a_corpus_acronym_with_its_full_name_but_not_with_a_dotted_one() -> None:
    from qa.question import Gazetteer, analyze

    gazetteer = Gazetteer([("U.S.", "GPE"), ("US", "GPE"), ("United States", "GPE"), ("Canada", "GPE")])
    assert gazetteer.acronyms["us"] == "United States"
    idf = {"us": 2.0, "unit": 1.5, "state": 1.2, "canada": 3.0, "engin": 1.0}
    q = analyze("How many engineers are in the US?", idf, 5.0, gazetteer)
    assert dict(q.aliases)["us"] == ("unit", "state") and "United States" in q.expansions
    q = analyze("How many engineers are in the United States?", idf, 5.0, gazetteer)
    assert dict(q.aliases)["unit"] == ("us",)
    q = analyze("How many engineers are in Canada?", idf, 5.0, gazetteer)
    assert not q.aliases


@pytest.mark.parametrize(
    ("question", "text", "figure", "expected", "value"),
    [
        (
            "In what year did the bridge open?",
            "The bridge opened on 7 January 1943 after delays.",
            "7 January 1943",
            "1943",
            1943,
        ),
        ("How tall is the tower?", "The tower is 135 feet tall.", "135", "135 feet", 135),
        ("How many feet tall is the tower?", "The tower is 135 feet tall.", "135", "135", 135),
        ("When did the siege end?", "The siege lasted from 1759-60 in all.", "1759", "1759-60", 1759),
        ("What was the final score?", "It ended 49–15 for the visitors.", "49", "49–15", 49),
        ("How many ships came?", "In 2015-16 ships came.", "2015", "2015-16", 2015),
        ("How many burned?", "The fire destroyed over 2,000 buildings.", "2,000", "over 2,000", 2000),
        ("How many came?", "About 40 came.", "40", "40", 40),  # an approximation is not part of it
        ("How many died?", "The plague killed 30–60% of the town.", "60%", "30–60%", 60),
        ("How many came?", "Some 12 to 15 million came.", "15 million", "12 to 15 million", 15_000_000),
        ("How many came?", "It rose from 10 to 12 a year.", "12", "12", 12),
        ("When was Ann Berg born?", "The poet Ann Berg (1919–1980) wrote it.", "1919", "1919", 1919),
        ("When did Ann Berg die?", "The poet Ann Berg (1919–1980) wrote it.", "1919", "1980", 1980),
        (
            "When did farming begin here?",
            "Since 7500 yr ago, farming has existed.",
            "7500",
            "7500 yr ago",
            7500,
        ),
        ("When was the wall built?", "The wall was built in 430 BC by the city.", "430", "430 BC", 430),
        (
            "When was the town first named?",
            "It dates back to the year 1313, records say.",
            "the year 1313",
            "1313",
            1313,
        ),
    ],
)
def test_answer_bounds_follow_the_question(
    question: str, text: str, figure: str, expected: str, value: float
) -> None:
    from qa.answerer import answer_bounds
    from qa.models import Candidate
    from qa.numbers import find_numbers
    from qa.question import analyze

    span = next((s for s in find_numbers(text) if s.text == figure), None)
    if span is None:  # a DATE entity from NER
        at = text.index(figure)
        c = Candidate(figure, at, at + len(figure), value, "date", "d", 0, (0, len(text)), 1.0, "entity")
    else:
        c = Candidate(
            span.text, span.start, span.end, span.value, span.unit, "d", 0, (0, len(text)), 1.0, "number"
        )
    a, b, got_value, _ = answer_bounds(analyze(question, {}, 1.0), text, c)
    assert text[a:b] == expected and got_value == value


def test_support_from_other_articles_does_not_overrule_binding_within_a_sentence() -> None:
    from qa.agreement import AgreementSettings, group
    from qa.models import Candidate

    def cand(value: float, doc: str, sentence: tuple[int, int], score: float) -> Candidate:
        return Candidate(str(value), 0, 1, value, None, doc, 0, sentence, score, "number")

    # "271 of the 1,910 from France": the reader binds the question to 271; another article's 1,910
    # supports the whole, which must not lift it over the part of the same sentence.
    part, whole = cand(271, "a", (0, 80), 0.357), cand(1910, "a", (0, 80), 0.345)
    elsewhere = cand(1910, "b", (0, 50), 0.30)
    groups = group([part, whole, elsewhere], AgreementSettings(support_bonus=0.04))
    assert groups[0].best is part
    # Across sentences, support still counts: the same two scores in different sentences let it win.
    other = cand(1910, "a", (90, 150), 0.345)
    assert group([part, other, elsewhere], AgreementSettings(support_bonus=0.04))[0].best is other


def test_names_one_of_which_contains_the_other_are_one_answer() -> None:
    from qa.agreement import same_answer

    assert same_answer(("t", ("non", "profit")), ("t", ("a", "non", "profit", "research", "group")))
    assert same_answer(("t", ("the", "soufan", "center")), ("t", ("soufan", "center")))
    assert not same_answer(("t", ("soufan", "center")), ("t", ("harbour", "center")))
    assert not same_answer(("n", None, 5600.0), ("n", None, 5600.5))


def test_a_bound_or_an_estimate_that_allows_the_answer_is_no_conflict() -> None:
    from qa.agreement import AgreementSettings, consistent
    from qa.models import Candidate

    def cand(value: float, hedge: str | None) -> Candidate:
        return Candidate(str(value), 0, 1, value, None, "d", 0, (0, 1), 1.0, "number", hedge=hedge)

    st = AgreementSettings()
    assert consistent(cand(3000, "more than"), cand(3244, None), st)
    assert not consistent(cand(3000, "more than"), cand(2900, None), st)
    assert consistent(cand(3000, "fewer than"), cand(2900, None), st)
    assert consistent(cand(3000, "about"), cand(2962, None), st)
    assert not consistent(cand(3000, "about"), cand(2500, None), st)
    assert not consistent(cand(2962, None), cand(2926, None), st)  # two exact figures do disagree


def test_a_name_the_corpus_uses_is_not_read_as_another_name_sharing_its_start() -> None:
    from qa.question import Gazetteer, Vocabulary, analyze

    gazetteer = Gazetteer([("France", "GPE"), ("Franconia", "GPE"), ("Tunisia", "GPE")])
    idf = {"franc": 2.0, "franconia": 4.0, "tunisia": 3.0, "fighter": 1.0}
    vocabulary = Vocabulary(idf)
    q = analyze("How many fighters came from France?", idf, 5.0, gazetteer, None, vocabulary)
    assert q.names == ("franc",)  # not "Franconia"
    # A form the corpus never writes still names the corpus's form.
    q = analyze("How many Tunisians came back?", idf, 5.0, gazetteer, None, vocabulary)
    assert "tunisia" in q.names

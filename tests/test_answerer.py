"""The rule reader (``AnswererSettings(reader="rules")``, the ablation baseline the trained reader replaced)
on a small invented corpus (fake encoder, real NER): nothing here is the bundled story."""

from __future__ import annotations

import pytest

from qa.answerer import Answerer, AnswererSettings, QuestionError

from .conftest import index_over

RULES = AnswererSettings(reader="rules")

ARTICLES = {
    "a1": "Flood relief reaches the valley\n\nOfficials said 1,240 families from Oakridge and 310 families from "
    "Millbrook were moved to shelters on Monday. The regional council approved a budget of $4 million for repairs.",
    "a2": "Aid agencies counted 1,204 families from Oakridge in the shelters, according to a report on Tuesday. "
    "By Wednesday 700 households had returned home. They include 90 of the 400 households from Pinecrest.",
    "a3": "Engineers said the river rose 30 percent above its usual level. Schools in Millbrook will reopen in May.",
    "a4": "Rail strike ends\n\nUnions said 2,500 workers walked out in Eastport and 1,800 in Westbrook. Another 600 have "
    "returned to Eastport and 450 to Westbrook. The survey counts 300 drivers from Northvale (12 drivers have "
    "returned voluntarily) and 200 drivers from Southvale.",
    "a5": "The Northern Rail Authority said 75 stations were closed during the strike.",
    "a6": "The old abbey in Eastport was founded in 1221 and rebuilt after a fire.",
}


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    return Answerer(index_over(tmp_path_factory.mktemp("news"), ARTICLES, ner=True), RULES)


def _answerer_over(tmp_path, texts: dict[str, str], ner: bool = True) -> Answerer:  # type: ignore[no-untyped-def]
    """An answerer over ``texts`` (name -> article), fake encoder."""
    return Answerer(index_over(tmp_path, texts, ner=ner), RULES)


def test_a_name_binds_to_its_own_figure(answerer: Answerer) -> None:
    r = answerer.ask("How many families from Millbrook were moved to shelters?")
    assert not r.abstained and r.answer is not None
    assert r.answer.value == 310


def test_disagreeing_articles_are_reported(answerer: Answerer) -> None:
    r = answerer.ask("How many families from Oakridge were in shelters?")
    assert r.answer is not None and r.answer.value in (1240, 1204)
    other = {1240, 1204} - {r.answer.value}
    assert [c.value for c in r.conflicts] == list(other)
    assert {c.doc_id for c in r.conflicts} | {r.answer.doc_id} == {"a1", "a2"}


def test_part_and_whole(answerer: Answerer) -> None:
    # The clause around "90 of the 400 households" (returned home) is about the part, not the whole.
    whole = answerer.ask("How many households from Pinecrest are there?")
    part = answerer.ask("How many households from Pinecrest have returned home?")
    assert whole.answer is not None and part.answer is not None
    assert (whole.answer.value, part.answer.value) == (400, 90)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("How many have returned to Westbrook?", 450),  # the next conjunct, not the nearest figure
        ("How many have returned to Eastport?", 600),
        ("How many came back to Eastport?", 600),  # no shared verb: only the binding decides
        ("How many drivers from Northvale returned voluntarily?", 12),  # a parenthesis keeps its name
        ("How many drivers from Northvale went on strike?", 300),  # ... and the figure before it its own
    ],
)
def test_a_name_after_a_preposition_attaches_backwards(
    answerer: Answerer, question: str, value: float
) -> None:
    r = answerer.ask(question)
    assert r.answer is not None and r.answer.value == value, r.answer


def test_a_year_before_1800_is_a_year_candidate(answerer: Answerer) -> None:
    r = answerer.ask("In what year was the old abbey founded?")
    assert r.answer is not None and r.answer.value == 1221 and r.answer.unit == "year"


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


def test_an_acronym_of_a_corpus_name_is_understood(answerer: Answerer) -> None:
    r = answerer.ask("How many stations did the NRA close?")
    assert not r.abstained and r.answer is not None and r.answer.value == 75
    assert answerer.ask("How many stations did NRA Rail close?").answer.value == 75  # type: ignore[union-attr]
    assert answerer.ask("How many stations did the QZX close?").abstained  # no corpus name has those initials


def test_a_place_the_corpus_writes_both_as_an_acronym_and_in_full_is_either(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "A US-based charity, which employs 3,000 engineers in Canada, said the scheme is working.",
            "y": "Only 7 of the 129 engineers who left the United States are now back in the country.",
        },
    )
    for question in (
        "How many engineers are back in the US?",
        "How many engineers are back in the United States?",
    ):
        r = a.ask(question)
        assert r.answer is not None and r.answer.value == 7, question


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


def test_figures_that_count_different_things_are_not_a_conflict(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "After the storm, volunteers came from 110 countries.",
            "y": "After the storm, volunteers came from 129 towns.",
            "z": "After the storm, volunteers came from 118 countries.",
        },
        ner=False,
    )
    r = a.ask("From how many places did volunteers come after the storm?")
    assert r.answer is not None and r.answer.value in (110, 118)
    assert {c.value for c in r.conflicts} == {110, 118} - {r.answer.value}  # the towns are another fact


def test_percent_and_money_types(answerer: Answerer) -> None:
    pct = answerer.ask("By what percentage did the river rise above its usual level?")
    assert pct.answer is not None and (pct.answer.value, pct.answer.unit) == (30, "percent")
    money = answerer.ask("How much money did the council approve for repairs?")
    assert money.answer is not None and (money.answer.value, money.answer.unit) == (4_000_000, "USD")


def test_unknown_place_abstains(answerer: Answerer) -> None:
    r = answerer.ask("How many families from Riverton were moved to shelters?")
    assert r.abstained and r.answer is None and r.citations == ()
    assert r.passages  # the nearest passages are still shown


def test_follow_up_replaces_the_place(answerer: Answerer) -> None:
    r = answerer.ask("And from Millbrook?", ["How many families from Oakridge were moved to shelters?"])
    assert r.answer is not None and r.answer.value == 310
    assert r.resolved_question and "Oakridge" not in r.resolved_question


def test_offsets_quote_the_article(answerer: Answerer) -> None:
    r = answerer.ask("How many families from Millbrook were moved to shelters?")
    texts = {a.id: a.text for a in answerer.index.articles}
    assert r.answer is not None
    assert texts[r.answer.doc_id][r.answer.start : r.answer.end] == r.answer.text
    for c in r.citations:
        assert texts[c.doc_id][c.start : c.end] == c.quote


def test_empty_question_is_refused(answerer: Answerer) -> None:
    with pytest.raises(QuestionError):
        answerer.ask(" \x00\t ")


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
    from qa.numbers import find_numbers
    from qa.question import analyze
    from qa.reader import Candidate

    span = next((s for s in find_numbers(text) if s.text == figure), None)
    if span is None:  # a DATE entity from NER
        at = text.index(figure)
        c = Candidate(figure, at, at + len(figure), value, "date", "d", 0, (0, len(text)), 1.0, 1.0, "entity")
    else:
        c = Candidate(
            span.text, span.start, span.end, span.value, span.unit, "d", 0, (0, len(text)), 1.0, 1.0, "number"
        )
    a, b, got_value, _ = answer_bounds(analyze(question, {}, 1.0), text, c)
    assert text[a:b] == expected and got_value == value


def test_a_year_in_a_count_question_is_not_its_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path, {"x": "Attendance at the 2003 meeting included 350 officials and experts."}, ner=False
    )
    assert a.ask("How many people attended the 2003 meeting?").answer.value == 350  # type: ignore[union-attr]
    assert a.ask("When was the meeting that 350 officials attended?").answer.value == 2003  # type: ignore[union-attr]


def test_how_many_of_them_counts_the_earlier_turns_noun() -> None:
    from qa.question import focus_terms

    assert focus_terms("And how many of them came back?") == ()
    assert focus_terms("How many of the drivers came back?")[0] == "driver"  # "of the" is no pronoun
    assert focus_terms("How many drivers from Northvale came back?") == ("driver",)


def test_a_misspelt_name_is_read_as_the_corpus_name_it_is_one_letter_from(answerer: Answerer) -> None:
    r = answerer.ask("How many households from Pinecrset are there?")  # two letters swapped
    assert not r.abstained and r.answer is not None and r.answer.value == 400
    assert answerer.ask("How many households from Zinecrest are there?").abstained  # another first letter
    assert answerer.ask("How many households from Pinecroft are there?").abstained  # two letters away


def test_a_follow_up_searches_with_the_corpus_form_of_a_misspelt_name(answerer: Answerer) -> None:
    _, query = answerer.analyze("And from Pinecrset?", ["How many households from Oakridge are there?"])
    assert "Pinecrest" in query and "households" in query


def test_a_converted_figure_in_brackets_answers_only_in_its_own_unit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path, {"x": "Standing 135 feet (41 m) tall, the new footbridge opened in May."}, ner=False
    )
    assert a.ask("How tall is the new footbridge?").answer.text == "135 feet"  # type: ignore[union-attr]
    assert a.ask("How many m tall is the new footbridge?").answer.value == 41  # type: ignore[union-attr]


def test_an_article_that_restates_the_figure_in_other_words_is_cited(tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts = {
        "x": "The ministry said 1,240 families from Oakridge were moved to shelters after the flood.",
        "y": "Shelters took in 1,240 families from Oakridge, the ministry said on Monday.",
        "z": "Voter rolls in Oakridge list 1,240 names.",  # the same figure, another fact
    }
    r = _answerer_over(tmp_path, texts, ner=False).ask("How many households were relocated after the flood?")
    assert r.answer is not None and r.answer.value == 1240
    assert {c.doc_id for c in r.citations} == {"x", "y"}


def test_the_person_asked_about_may_be_named_by_surname_pronoun_or_title(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "p": "Maria Lindqvist joined the Valby rowing club in 2001. Lindqvist won 14 regattas in her career. "
            "Her teammate Erik Dahl won 3 regattas.",
            "h": "Harbour bridge reopens\n\nThe Harbour Bridge was closed for repairs in March. "
            "Engineers said it carries 40,000 cars a day. A ferry carries 900 cars a day.",
            "o": "Oskar Berg arrived in Malmo in 1990 with his brother Nils Berg. In the following decade, "
            "he built 120 boats. Nils built 45 boats.",
        },
    )
    # "Maria Lindqvist" asked, "Lindqvist" written: the surname names her.
    assert a.ask("How many regattas did Maria Lindqvist win?").answer.value == 14  # type: ignore[union-attr]
    # "it" in a sentence of the article the name heads.
    assert a.ask("How many cars does the Harbour Bridge carry a day?").answer.value == 40_000  # type: ignore[union-attr]
    # "he", after the name in an earlier sentence of the passage.
    assert a.ask("How many boats did Oskar Berg build?").answer.value == 120  # type: ignore[union-attr]


def test_an_attribute_asked_about_is_answered_with_its_figure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The best pumping engines of the valley had a duty of about 7 million, but most were closer to 5 million. "
        "They were built by the Harbour Works."
    )
    r = _answerer_over(tmp_path, {"x": text}, ner=False).ask("What was the duty of the best pumping engines?")
    assert r.answer is not None and r.answer.text == "7 million"


def test_a_sum_of_money_needs_a_currency_or_to_be_stated_as_the_sum_asked_about(tmp_path) -> None:  # type: ignore[no-untyped-def]
    counted = _answerer_over(
        tmp_path / "a",
        {"x": "The Harbour Trust said 5,600 volunteers joined the clean-up this year."},
        ner=False,
    )
    assert counted.ask("What is the annual budget of the Harbour Trust?").abstained  # volunteers are no sum
    stated = _answerer_over(
        tmp_path / "b",
        {"y": "The Valley Fund has an annual budget of about 4 million, its director said."},
        ner=False,
    )
    r = stated.ask("What is the annual budget of the Valley Fund?")
    assert r.answer is not None and r.answer.value == 4_000_000


def test_a_date_answer_names_a_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "The mayor's funeral drew crowds. The following day, a service was held at the old chapel, "
            "today a museum. The funeral itself had been held on 12 January in the cathedral.",
        },
    )
    r = a.ask("What day was the mayor's funeral held?")
    assert r.answer is not None and r.answer.text == "12 January"


def test_a_change_from_one_figure_to_another(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "Meanwhile, the state mining firm Ferrocorp saw its profits rise from 156 mln dlrs in 1985 to 204 mln "
            "dlrs last year."
        },
        ner=False,
    )
    r = a.ask("What profit did the state mining firm Ferrocorp make last year?")
    assert r.answer is not None and r.answer.value == 204_000_000


def test_a_name_opening_the_next_clause_is_its_subject(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "Two of the group's firms did well: Northmill had an increase in profits from 116 to 217 mln dlrs, "
            "Eastbrook earned 487 mln dlrs, up from 412 mln."
        },
    )
    r = a.ask("How much did Eastbrook earn?")
    assert r.answer is not None and r.answer.value == 487_000_000


def test_support_from_other_articles_does_not_overrule_binding_within_a_sentence() -> None:
    from qa.agreement import AgreementSettings, group
    from qa.reader import Candidate

    def cand(value: float, doc: str, sentence: tuple[int, int], score: float) -> Candidate:
        return Candidate(str(value), 0, 1, value, None, doc, 0, sentence, score, score, "number")

    # "271 of the 1,910 from France": the reader binds the question to 271; another article's 1,910
    # supports the whole, which must not lift it over the part of the same sentence.
    part, whole = cand(271, "a", (0, 80), 0.357), cand(1910, "a", (0, 80), 0.345)
    elsewhere = cand(1910, "b", (0, 50), 0.30)
    groups = group([part, whole, elsewhere], AgreementSettings(support_bonus=0.04))
    assert groups[0].best is part
    # Across sentences, support still counts: the same two scores in different sentences let it win.
    other = cand(1910, "a", (90, 150), 0.345)
    assert group([part, other, elsewhere], AgreementSettings(support_bonus=0.04))[0].best is other


def test_what_kind_of_thing_a_name_is_comes_from_its_appositive(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "Flooding closed 40 roads, said the Harbour Institute, a non-profit research group, on Monday.",
            "y": "The Harbour Institute, a non-profit that studies coastal risk, warned of more floods in Ridgeport.",
        },
    )
    r = a.ask("What kind of organization is the Harbour Institute?")
    assert r.answer is not None and r.answer.text in ("non-profit research group", "non-profit")
    # Both wordings say the same thing: both articles are cited.
    assert {c.doc_id for c in r.citations} == {"x", "y"}


def test_names_one_of_which_contains_the_other_are_one_answer() -> None:
    from qa.agreement import same_answer

    assert same_answer(("t", ("non", "profit")), ("t", ("a", "non", "profit", "research", "group")))
    assert same_answer(("t", ("the", "soufan", "center")), ("t", ("soufan", "center")))
    assert not same_answer(("t", ("soufan", "center")), ("t", ("harbour", "center")))
    assert not same_answer(("n", None, 5600.0), ("n", None, 5600.5))


def test_a_clause_after_while_binds_its_own_words(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "Since the war began, the rebels have been hit by air strikes led by Canada and Norway, while "
            "mainly Basque land forces have quickly regained lost ground, including the city of Bilbao in Spain."
        },
    )
    r = a.ask("Which city did Basque forces regain?")
    assert r.answer is not None and r.answer.text == "Bilbao"


def test_a_noun_left_out_of_a_later_conjunct_is_the_earlier_ones(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "The returns include 400 of the 3,417 volunteers from Eastport; 760 of the 3,244 from Westbrook; "
            "and 271 of the 1,910 from Northvale."
        },
    )
    r = a.ask("How many volunteers did Westbrook send?")
    assert r.answer is not None and r.answer.value == 3244


def test_a_semicolon_separates_list_items_for_the_names_in_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "At least 5,600 volunteers are now believed to have returned home. They include 400 of the 3,417 "
            "volunteers from Ohio; 760 of the 3,244 from Texas; and 271 of the 1,910 from Oregon."
        },
    )
    r = a.ask("How many have returned to Ohio?")  # "Ohio; 760": the name is the item before the semicolon's
    assert r.answer is not None and r.answer.value == 400


def test_how_many_of_them_asks_for_the_part(answerer: Answerer) -> None:
    history = ["How many households from Pinecrest are there?"]
    assert answerer.ask(history[0]).answer.value == 400  # type: ignore[union-attr]
    r = answerer.ask("And how many of them came back?", history)  # no word of "returned home" is asked
    assert r.answer is not None and r.answer.value == 90


def test_a_bound_or_an_estimate_that_allows_the_answer_is_no_conflict() -> None:
    from qa.agreement import AgreementSettings, consistent
    from qa.reader import Candidate

    def cand(value: float, hedge: str | None) -> Candidate:
        return Candidate(str(value), 0, 1, value, None, "d", 0, (0, 1), 1.0, 1.0, "number", hedge=hedge)

    st = AgreementSettings()
    assert consistent(cand(3000, "more than"), cand(3244, None), st)
    assert not consistent(cand(3000, "more than"), cand(2900, None), st)
    assert consistent(cand(3000, "fewer than"), cand(2900, None), st)
    assert consistent(cand(3000, "about"), cand(2962, None), st)
    assert not consistent(cand(3000, "about"), cand(2500, None), st)
    assert not consistent(cand(2962, None), cand(2926, None), st)  # two exact figures do disagree


def test_a_part_whose_only_qualifier_is_the_lists_shared_noun_is_still_a_part(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path,
        {
            "x": "They include 400 of the 3,417 volunteers from Ohio; 760 of the 3,244 from Texas; and 800 of the "
            "2,926 from Oregon.",
            "y": "Another 800 have returned to Oregon.",  # support for the part from elsewhere
        },
    )
    r = a.ask("How many Oregonians went to volunteer?")  # nothing asks for the part: the whole answers
    assert r.answer is not None and r.answer.value == 2926


def test_how_much_may_ask_for_a_sum(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = _answerer_over(
        tmp_path, {"x": "Northline Oil filed an offering of 100 mln dlrs of debentures due 2017."}, ner=False
    )
    r = a.ask("How much in debentures is Northline Oil offering?")  # typed as an amount, answered by a sum
    assert r.answer is not None and (r.answer.value, r.answer.unit) == (100_000_000, "USD")


def test_a_figure_of_another_verb_does_not_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # "have worked" is not "have returned": the figure counts other people than the ones asked about.
    a = _answerer_over(
        tmp_path, {"x": "Officials said 1,500 volunteers have worked at the shelters since May."}, ner=False
    )
    assert a.ask("How many volunteers have returned home?").abstained
    r = a.ask("How many volunteers have worked at the shelters?")
    assert r.answer is not None and r.answer.value == 1500


def test_the_verb_check_does_not_need_the_shared_cache_to_keep_its_vectors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The web chat reads with one Reader in several threads; one may clear the phrase cache while another is
    # scoring. A cache that forgets everything it is given stands for that.
    class Forgetful(dict):  # type: ignore[type-arg]
        def update(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            self.clear()

    a = _answerer_over(
        tmp_path, {"x": "Officials said 1,500 volunteers have worked at the shelters since May."}, ner=False
    )
    a.reader._vectors = Forgetful()
    assert a.ask("How many volunteers have returned home?").abstained


def test_figures_listed_before_a_shared_verb_share_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "Surveyors say 40 ferries, 25 barges and 12 tugs have been inspected in the harbour."
    a = _answerer_over(tmp_path, {"x": text}, ner=False)
    r = a.ask("How many barges have been inspected?")
    assert r.answer is not None and r.answer.value == 25
    assert a.ask("How many barges have been repaired?").abstained  # 25 barges were inspected, too


def test_a_sentence_naming_another_place_does_not_answer_for_the_one_asked_about(tmp_path) -> None:  # type: ignore[no-untyped-def]
    texts = {
        "x": "Floods reached Leeds on Monday. The ministry says 450 families in York have returned home.",
    }
    a = _answerer_over(tmp_path, texts)
    assert a.ask("How many families in Leeds have returned home?").abstained
    r = a.ask("How many families in York have returned home?")
    assert r.answer is not None and r.answer.value == 450


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

"""The verb a clause states of its subject, read without a parser."""

from __future__ import annotations

import pytest

from qa.predicates import predicate


@pytest.mark.parametrize(
    ("text", "verb", "head", "phrase"),
    [
        ("How many Uzbek nationals have returned home?", "returned", "returned home", "returned home"),
        (
            "1,500 nationals have fought alongside the militants.",
            "fought",
            "fought",
            "fought alongside the militants",
        ),
        ("How many have come back to the UK?", "come", "come back", "come back to the UK"),
        (
            "Nearly 3,000 Protestants were slaughtered in Toulouse.",
            "slaughtered",
            "slaughtered",
            "slaughtered in Toulouse",
        ),
        ("How many have been reportedly detained?", "detained", "detained", "detained"),
        (
            "147 nationals have reportedly returned home voluntarily.",
            "returned",
            "returned home",
            "returned home voluntarily",
        ),
        # An embedded clause's verb is not the main one.
        (
            "30 percent of 5,000 residents thought to have gone to Syria had since returned home.",
            "returned",
            "returned home",
            "returned home",
        ),
        ("How many of the residents who have left are back?", None, None, None),
    ],
)
def test_the_main_perfect_or_passive_verb_and_its_complement(text, verb, head, phrase) -> None:  # type: ignore[no-untyped-def]
    p = predicate(text)
    got = (p.verb, p.head, p.phrase) if p else (None, None, None)
    assert got == (verb, head, phrase)


@pytest.mark.parametrize(
    "text",
    [
        "5,600 fighters are now back in their home countries.",  # "be" with no participle
        "How many people were estimated to go to the festival?",  # a hedge, the verb is "go"
        "How many awards has Doctor Who won?",  # inverted: the word after "has" is the subject
        "The club has 15,000 members.",
        "How many are there?",
        "Prices have nearly 3000 variants.",  # an adverb is no participle
    ],
)
def test_no_predicate_where_none_is_sure(text: str) -> None:
    assert predicate(text) is None


def test_the_complement_may_run_past_the_verb_window() -> None:
    text = "Barrett claims 5,600 former members have returned to 33 countries."
    p = predicate(text, 20, text.index("33"), len(text))
    assert p is not None and p.phrase == "returned to 33 countries"

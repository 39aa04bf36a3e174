"""A figure bound to the names a question asks about, and conflicts only between answers to the same question."""

from __future__ import annotations

import pytest

from qa.answerer import Answerer, AnswererSettings
from qa.binding import bound
from qa.index import Index
from tests.fakes import ScriptedSpans

from .conftest import index_over

LIST = "They include 400 of the 3,417 fighters from Russia; 800 of the 2,926 from Tunisia; and 271 of the 1,910 from France."


def _at(sentence: str, figure: str) -> tuple[int, int]:
    i = sentence.index(figure)
    return i, i + len(figure)


@pytest.mark.parametrize(
    ("figure", "names", "expected"),
    [
        ("2,926", ("tunisia",), True),  # the figure beside the name
        ("1,910", ("tunisia",), False),  # France's figure, in a sentence that names Tunisia too
        ("1,910", ("franc",), True),
        ("3,417", ("russia",), True),
        ("2,926", ("egypt",), False),  # the sentence does not name what is asked about
        ("2,926", (), True),  # a question that names nothing binds every figure
    ],
)
def test_a_figure_is_bound_to_the_name_beside_it(figure: str, names: tuple[str, ...], expected: bool) -> None:
    assert bound(LIST, *_at(LIST, figure), names) is expected


def test_an_alias_of_a_name_counts_as_the_name() -> None:
    s = "Officials said 425 fighters have returned to the United Kingdom, and 300 to Germany."
    assert bound(s, *_at(s, "425"), ("british",), {"british": {"unit", "kingdom"}})
    assert not bound(s, *_at(s, "300"), ("british",), {"british": {"unit", "kingdom"}})


ARTICLES = {
    "b1": "Returns counted\n\nThe report says 800 fighters returned to Tunisia, while 271 returned to France.",
    "b2": "Another count\n\nThe ministry said 760 fighters returned to Tunisia last year.",
    "b3": "Elsewhere\n\nOfficials in France said 900 fighters returned home.",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return index_over(tmp_path_factory.mktemp("binding"), ARTICLES, ner=True)


def _ask(index: Index, settings: AnswererSettings):  # type: ignore[no-untyped-def]
    model = ScriptedSpans({"800 fighters": 4.0, "760 fighters": 3.8, "900 fighters": 3.9})
    return Answerer(index, settings, span_model=model).ask("How many fighters returned to Tunisia?")


def test_only_figures_that_answer_the_question_asked_are_conflicts(index: Index) -> None:
    r = _ask(index, AnswererSettings())
    assert r.answer is not None and r.answer.text == "800"
    assert [c.text for c in r.conflicts] == ["760"]  # Tunisia's other figure; France's 900 is left out
    unbound = _ask(index, AnswererSettings(bound_conflicts=False))
    assert {c.text for c in unbound.conflicts} == {"760", "900"}  # the check is what leaves it out

"""Closeness of a span to the question's words, and the rerank of the reader's spans by it."""

from __future__ import annotations

import pytest

from qa.answerer import Answerer, AnswererSettings
from qa.index import Index
from qa.proximity import PassageTerms, Proximity, question_weights
from tests.fakes import ScriptedSpans

from .conftest import index_over

LIST = (
    "Officials counted 120 of the 900 workers from Lindale; 75 of the 640 from Brookfield; and 30 from Ashby."
)


def _at(text: str, phrase: str) -> tuple[int, int]:
    a = text.index(phrase)
    return a, a + len(phrase)


def test_a_figure_beside_the_asked_name_is_closer_than_one_beside_another() -> None:
    words = PassageTerms(LIST)
    weights = {"brookfield": 3.0, "worker": 1.0}
    near = words.closeness(weights, *_at(LIST, "640"), reach=4.0)
    far = words.closeness(weights, *_at(LIST, "900"), reach=4.0)
    assert near > far
    # A term the passage lacks lowers every span's share alike; a term inside the span gives no credit.
    assert words.closeness({"brookfield": 3.0, "quarry": 3.0}, *_at(LIST, "640"), reach=4.0) < near
    assert words.closeness({"brookfield": 1.0}, *_at(LIST, "from Brookfield"), reach=4.0) == 0.0
    assert 0.0 <= far <= near <= 1.0


def test_reach_sets_how_fast_credit_falls_with_distance() -> None:
    words = PassageTerms(LIST)
    weights = {"lindal": 1.0}
    span = _at(LIST, "640")  # four words after "Lindale"
    assert words.closeness(weights, *span, reach=2.0) < words.closeness(weights, *span, reach=16.0)
    assert words.closeness({"worker": 1.0}, *_at(LIST, "900"), reach=2.0) == pytest.approx(1.0)  # adjacent


def test_question_weights_are_the_rarer_terms_heavier() -> None:
    w = question_weights("How many workers came from Brookfield?", {"worker": 0.2, "came": 0.5}, 3.0)
    assert set(w) == {"worker", "came", "brookfield"}
    assert w["brookfield"] == 3.0 > w["came"] > w["worker"]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return index_over(
        tmp_path_factory.mktemp("proximity"),
        {
            "l1": "Strike at the mills\n\n" + LIST,
            "l2": "The mills in Lindale reopened on Friday after talks.",
        },
    )


def test_the_rerank_binds_a_figure_in_a_list_to_the_name_asked_about(index: Index) -> None:
    # The scripted reader likes the Lindale figure a little more; the question asks about Brookfield.
    spans = {"900": 2.0, "640": 1.8}
    question = "How many came from Brookfield?"
    plain = Answerer(index, AnswererSettings(proximity=Proximity(0.0)), span_model=ScriptedSpans(spans))
    near = Answerer(index, AnswererSettings(proximity=Proximity(4.0, 4.0)), span_model=ScriptedSpans(spans))
    assert plain.ask(question).answer.value == 900  # type: ignore[union-attr]
    assert near.ask(question).answer.value == 640  # type: ignore[union-attr]


def test_the_model_card_chooses_the_rerank_unless_settings_say(index: Index) -> None:
    spans = {"900": 2.0, "640": 1.8}
    model = ScriptedSpans(spans, proximity=Proximity(4.0, 4.0))
    assert Answerer(index, span_model=model).ask("How many came from Brookfield?").answer.value == 640  # type: ignore[union-attr]


def test_a_quantity_question_is_not_answered_with_words(index: Index) -> None:
    """The reader likes a phrase with no figure best; "how many" keeps the best span that holds one."""
    spans = {"Officials counted": 3.0, "640": 1.0}
    question = "How many workers came from Brookfield?"
    words = Answerer(
        index, AnswererSettings(figures_only=False, proximity=Proximity(0.0)), span_model=ScriptedSpans(spans)
    )
    figures = Answerer(
        index, AnswererSettings(figures_only=True, proximity=Proximity(0.0)), span_model=ScriptedSpans(spans)
    )
    assert words.ask(question).answer.text == "Officials counted"  # type: ignore[union-attr]
    assert figures.ask(question).answer.value == 640  # type: ignore[union-attr]
    # A question that does not ask for a quantity still gets the words.
    assert figures.ask("Who counted the workers?").answer.text == "Officials counted"  # type: ignore[union-attr]


def test_a_quantity_question_with_no_figure_read_abstains(index: Index) -> None:
    spans = {"Officials counted": 3.0}
    answerer = Answerer(
        index, AnswererSettings(figures_only=True, proximity=Proximity(0.0)), span_model=ScriptedSpans(spans)
    )
    assert answerer.ask("How many workers came from Brookfield?").abstained

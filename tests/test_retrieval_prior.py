"""The retrieval prior: a span gains logits for its passage's rank, and how its weight is chosen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.tune_pipeline import choose
from eval.tune_reader import POLICY
from qa.answerer import Answerer, AnswererSettings
from qa.index import Index
from qa.proximity import Proximity
from qa.span_reader import NO_PRIOR, RetrievalPrior, SpanReader
from tests.fakes import ScriptedSpans

QUESTION = "How much does the new crane at the Calder harbour lift?"
# The scripted reader likes the figure of the passage that matches the question less.
SPANS = {"40 tonnes": 1.0, "90 tonnes": 2.0}


@pytest.fixture(scope="module")
def index(harbour_index: Index) -> Index:
    return harbour_index


def _answerer(
    index: Index,
    prior: RetrievalPrior | None,
    model_prior: RetrievalPrior = NO_PRIOR,
    floor: float | None = 0.0,
) -> Answerer:
    settings = AnswererSettings(proximity=Proximity(0.0), retrieval_prior=prior, abstain_confidence=floor)
    return Answerer(index, settings, span_model=ScriptedSpans(SPANS, retrieval_prior=model_prior))


def test_the_prior_prefers_the_span_of_the_better_retrieved_passage(index: Index) -> None:
    first = _answerer(index, NO_PRIOR).read(QUESTION)[3][0]
    assert first.chunk.doc_id == "crane"  # the retriever ranks the crane passage first
    assert _answerer(index, NO_PRIOR).ask(QUESTION).answer.value == 90  # type: ignore[union-attr]
    with_prior = _answerer(index, RetrievalPrior(3.0)).ask(QUESTION)
    assert with_prior.answer.value == 40  # type: ignore[union-attr]
    assert with_prior.passages[0].chunk.doc_id == "crane"


def test_the_card_prior_and_its_threshold_apply_when_asked_for(index: Index) -> None:
    card = RetrievalPrior(3.0, abstain_confidence=0.99)
    assert _answerer(index, None, card).ask(QUESTION).answer.value == 40  # type: ignore[union-attr]
    assert _answerer(index, NO_PRIOR, card).ask(QUESTION).answer.value == 90  # type: ignore[union-attr]
    # Without a threshold of its own, the answerer abstains below the one tuned with the prior.
    assert _answerer(index, None, card, floor=None).ask(QUESTION).abstained
    assert not _answerer(index, NO_PRIOR, card, floor=None).ask(QUESTION).abstained


def test_the_reader_reads_the_prior_from_its_card(tmp_path: Path) -> None:
    card = {"retrieval_prior": {"weight": 2.5, "abstain_confidence": 0.7}}
    (tmp_path / "model.json").write_text(json.dumps(card))
    assert SpanReader(tmp_path).retrieval_prior == RetrievalPrior(2.5, 0.7)
    (tmp_path / "model.json").write_text(json.dumps({}))
    assert SpanReader(tmp_path).retrieval_prior == NO_PRIOR  # an older card: no prior


def test_the_weight_is_the_one_with_most_right_at_the_top_and_the_threshold_keeps_the_policy() -> None:
    # Each answerable question: the right span in the top passage, a wrong one a little likelier in the second.
    answerable = [([(0, 1.0, True), (1, 1.6, False)], False)] * 9 + [([(2, 4.0, True)], False)]
    unanswerable = [([(3, 0.5, False)], False)] * 5 + [([(0, 0.0, False)], True)]
    table, chosen = choose(answerable, unanswerable)
    by_weight = {row["weight"]: row for row in table}
    assert by_weight[0.0]["right_at_top"] == pytest.approx(0.1)
    assert chosen["weight"] == 2.0  # the smallest weight that puts the right spans first
    assert chosen["right_at_top"] == 1.0
    assert chosen["answered_right"] >= POLICY * 1.0
    # The question that names something unknown abstains whatever the threshold.
    assert all(row["abstained"] >= 1 / 6 for row in table)

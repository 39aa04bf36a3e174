"""Fused retrieval: reciprocal rank fusion of the dense and BM25 hits, and how its setting is chosen."""

from __future__ import annotations

import math

import pytest

from eval.tune_fusion import recall
from qa.index import Index
from qa.retriever import FusionSettings, Retriever


@pytest.fixture(scope="module")
def index(harbour_index: Index) -> Index:
    return harbour_index


def test_both_retrievers_rank_the_passage_that_shares_the_question_words_first(index: Index) -> None:
    found = Retriever(index).search("How much can the crane at Calder harbour lift?", top_k=2)
    assert found[0].chunk.doc_id == "crane" and found[0].score == 1.0 >= found[1].score


def test_a_retriever_weighted_zero_with_no_other_hit_gives_finite_scores(index: Index) -> None:
    # BM25 alone, asked words no passage holds: every fused score is 0, and nothing divides by it.
    found = Retriever(index, FusionSettings(dense_weight=0.0)).search("zeppelin quartz", top_k=2)
    assert all(math.isfinite(p.score) for p in found)


def test_the_tuning_measure_counts_a_passage_that_holds_the_answer(index: Index) -> None:
    item = {"question": "What can the Calder crane lift?", "answers": ["40 tonnes"], "sources": ["crane"]}
    vec = index.encoder.encode([item["question"]])[0]
    assert recall(index, [(item, item["question"], vec)], FusionSettings(), depth=2) == (1.0, 1.0)
    elsewhere = dict(item, sources=["bell"])  # the answer's words, but not in the article it must come from
    assert recall(index, [(elsewhere, item["question"], vec)], FusionSettings(), depth=2) == (0.0, 0.0)

"""The offline replay's two answer choices, on hand-made spans (no model)."""

from __future__ import annotations

from eval.replay import AGGREGATES, aggregated, name_completion


def _row(answer: str, spans: list[tuple[str, float]], gold: list[str], correct: bool) -> dict:
    return {
        "gold": gold,
        "abstained": False,
        "correct": correct,
        "answer": (answer, "d1"),
        "spans": [(text, score, "d1", "entity") for text, score in spans],
    }


def test_a_partial_name_gives_way_to_the_longer_one_only_within_delta() -> None:
    row = _row(
        "Russert", [("Russert", 0.84), ("Tim Russert", 0.80), ("the host", 0.9)], ["Tim Russert"], False
    )
    assert name_completion([row], 0.02) == (0, 0, 0)
    assert name_completion([row], 0.05) == (1, 1, 0)
    # A longer span that is not a name ("the host Russert") never replaces it.
    plain = _row("Russert", [("Russert", 0.84), ("the host Russert", 0.83)], ["Russert"], True)
    assert name_completion([plain], 1.0) == (0, 0, 0)


def test_a_right_full_name_lost_to_completion_counts_as_lost() -> None:
    row = _row("Paul Kaye", [("Paul Kaye", 0.9), ("Paul Kaye Jr", 0.88)], ["Paul Kaye"], True)
    assert name_completion([row], 0.05) == (1, 0, 1)


def test_mentions_outvote_a_single_best_span_when_summed_but_not_at_the_top() -> None:
    row = _row("Oslo", [("Oslo", 0.6), ("Bergen", 0.5), ("Bergen", 0.5)], ["Bergen"], False)
    assert aggregated([row], AGGREGATES["sum"], 3) == 1.0
    assert aggregated([row], AGGREGATES["sum"], 1) == 0.0
    assert aggregated([row], AGGREGATES["best+log count"], 3) == 0.0

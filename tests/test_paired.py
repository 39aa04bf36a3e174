"""The paired comparison says noise when gains and losses balance, and a difference when they do not."""

from __future__ import annotations

import pytest

pytest.importorskip("scipy")

from eval.paired import paired


def test_balanced_swaps_are_noise() -> None:
    base = [True] * 40 + [False] * 40 + [True] * 5 + [False] * 5
    new = [True] * 40 + [False] * 40 + [False] * 5 + [True] * 5
    got = paired(base, new)
    assert (got.gained, got.lost) == (5, 5)
    assert got.difference == 0.0
    assert got.low < 0 < got.high
    assert got.p_value == pytest.approx(1.0)


def test_one_sided_gains_are_a_difference() -> None:
    base = [False] * 20 + [True] * 80
    new = [True] * 20 + [True] * 80
    got = paired(base, new)
    assert (got.gained, got.lost) == (20, 0)
    assert got.difference == pytest.approx(0.2)
    assert got.low > 0
    assert got.p_value < 1e-4


def test_one_question_on_a_small_set_is_not_significant() -> None:
    base = [True] * 57 + [False] * 30
    new = [True] * 56 + [False] * 31
    got = paired(base, new)
    assert got.lost == 1 and got.gained == 0
    assert got.low < 0 and got.high == 0.0
    assert got.p_value == pytest.approx(1.0)


def test_outcomes_of_other_questions_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        paired([True, False], [True])

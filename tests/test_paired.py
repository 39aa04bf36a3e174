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


def _report(outcomes: dict[str, tuple[bool, bool]]) -> dict:
    return {"rows": [{"id": k, "answerable": a, "correct": c} for k, (a, c) in outcomes.items()]}


def test_reports_are_matched_by_question_id() -> None:
    from eval.paired import compare_reports

    base = _report({"q1": (True, True), "q2": (True, False), "u1": (False, False)})
    new = _report({"u1": (False, True), "q2": (True, True), "q1": (True, True)})  # another order
    got = compare_reports(base, new)
    assert (got["answers"].gained, got["answers"].lost) == (1, 0)
    assert (got["abstentions"].gained, got["abstentions"].lost) == (1, 0)


def test_reports_of_other_questions_are_a_one_line_error(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from eval.paired import main

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_report({"q1": (True, True)})))
    b.write_text(json.dumps(_report({"q9": (True, True)})))
    assert main([str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not in the second" in err

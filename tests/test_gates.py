"""The gates of `make eval`: floors a noise margin below the shipped figures, no significant question-by-question
loss against a committed baseline, and targets that are reported, not enforced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.evaluation import GoldError, baseline_of, floors, paired_losses

from .conftest import ROOT


def _rows(correct: list[bool]) -> list[dict]:
    return [
        {"id": f"q{i}", "kind": "numeric", "answerable": True, "numeric": True, "correct": c, "em": float(c),
         "f1": float(c), "rank": 1 if c else None, "abstained": False, "citation_precision": None,
         "citation_recall": None, "conflict_detected": None, "false_conflict": False}
        for i, c in enumerate(correct)
    ]  # fmt: skip


def test_floors_sit_a_noise_margin_below_the_figure_and_keep_the_invariants() -> None:
    rows = _rows([True] * 30 + [False] * 30)
    got = floors(
        rows, {"answer_accuracy": {"min": 0.5}, "false_conflicts": {"max": 0.0}, "offset_errors": {"max": 0}}
    )
    assert 0.3 <= got["answer_accuracy"]["min"] < 0.5  # the lower end of its 95% interval, not the figure
    assert got["false_conflicts"] == {"max": 0.0} and got["offset_errors"] == {"max": 0}
    small = floors(_rows([True] * 3 + [False] * 3), {"answer_accuracy": {"min": 0.5}})
    assert small["answer_accuracy"]["min"] < got["answer_accuracy"]["min"]  # fewer questions, wider margin
    perfect = floors(_rows([True] * 25), {"answer_accuracy": {"min": 0.5}})
    assert 0.85 <= perfect["answer_accuracy"]["min"] <= 0.96  # one miss of 25 still passes a perfect figure


def test_a_significant_loss_against_the_baseline_is_reported_and_noise_is_not() -> None:
    base = baseline_of(_rows([True] * 12), "set")
    assert paired_losses(base, _rows([False] * 12))  # 12 lost, none gained: p < 0.05
    assert not paired_losses(base, _rows([False] * 2 + [True] * 10))  # two questions: noise
    assert not paired_losses(baseline_of(_rows([False] * 12), "set"), _rows([True] * 12))  # a gain is no loss
    with pytest.raises(GoldError):
        paired_losses(base, _rows([True] * 5))  # another gold set


def test_the_baseline_keeps_no_question_or_answer_text() -> None:
    rows = [dict(r, question="secret?", predicted="42", gold=["42"]) for r in _rows([True, False])]
    assert "secret" not in json.dumps(baseline_of(rows, "set")) and "42" not in json.dumps(
        baseline_of(rows, "set")
    )


def _qa(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )


def test_qa_eval_fails_on_a_significant_loss_and_says_which_figures_are_below_target(
    hash_index: Path, tmp_path: Path
) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join((ROOT / "eval" / "gold.jsonl").read_text().splitlines()[:30]) + "\n")
    common = ("eval", "--gold", str(gold), "--index", str(hash_index), "--report", str(tmp_path / "r"))
    base = tmp_path / "base.json"
    r = _qa(*common, "--no-check", "--write-baseline", str(base))
    assert r.returncode == 0, r.stderr
    wanted = json.loads(base.read_text())
    assert [row["id"] for row in wanted["rows"]] == [
        json.loads(ln)["id"] for ln in gold.read_text().splitlines()
    ]
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps({"answer_accuracy": {"min": 1.01}}))
    r = _qa(
        *common,
        "--baseline",
        str(base),
        "--thresholds",
        str(tmp_path / "none.json"),
        "--targets",
        str(targets),
    )
    assert r.returncode == 0, r.stderr  # the same run: no loss; a target missed is said, not enforced
    assert "below target: answer_accuracy" in r.stderr and "no significant loss" in r.stderr
    perfect = dict(wanted, rows=[dict(row, correct=True) for row in wanted["rows"]])
    base.write_text(json.dumps(perfect))
    lost = sum(1 for row in wanted["rows"] if row["answerable"] and not row["correct"])
    r = _qa(*common, "--baseline", str(base), "--thresholds", str(tmp_path / "none.json"))
    assert lost >= 6  # the fake encoder's index misses enough of them for McNemar's p < 0.05
    assert r.returncode == 1 and "against the baseline" in r.stderr, r.stderr
    other = dict(wanted, rows=[*wanted["rows"][:3], {"id": "zz", "answerable": True, "correct": True}])
    base.write_text(json.dumps(other))
    r = _qa(*common, "--baseline", str(base))
    assert r.returncode == 2 and r.stderr.startswith("error:") and "Traceback" not in r.stderr

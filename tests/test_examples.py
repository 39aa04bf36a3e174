"""Example questions drawn from the open corpus and kept only when the answerer answers them."""

from __future__ import annotations

from pathlib import Path

from qa.examples import candidates, example_questions

from .conftest import index_over

TEXTS = {
    "port": "Harbour traffic rises\n\nThe harbour master said 42 ships docked on Friday, the most this year. "
    "Officials estimated that 1,200 containers were unloaded in the east basin.",
    "mill": "Mill closes\n\nAbout 350 workers lost their jobs at the paper mill on Tuesday. The mill opened in 1921.",
    "noise": "Weather\n\nIt rained for 3 days. Temperatures fell to 4 degrees.",
}


def test_counts_that_are_the_subject_become_how_many_questions(tmp_path: Path) -> None:
    index = index_over(tmp_path, TEXTS)
    got = {(c.question, c.value) for c in candidates(index.chunks)}
    assert ("How many ships docked on Friday?", 42.0) in got
    assert ("How many containers were unloaded in the east basin?", 1200.0) in got
    assert ("How many workers lost their jobs at the paper mill on Tuesday?", 350.0) in got
    assert not any(
        "1921" in q or "rained" in q or "degrees" in q for q, _ in got
    )  # a year, an object, a unit


def test_only_questions_answered_with_their_own_figure_are_shown(tmp_path: Path) -> None:
    index = index_over(tmp_path, TEXTS)
    asked: list[str] = []

    def answers(question: str) -> float | None:
        asked.append(question)
        return {"How many ships docked on Friday?": 42.0, "How many workers lost their jobs at the paper mill on "
                "Tuesday?": 7.0}.get(question)  # fmt: skip

    shown = example_questions(index.chunks, answers, limit=3)
    assert shown == ("How many ships docked on Friday?",)
    assert len(asked) == len(candidates(index.chunks))  # every candidate was tried
    assert example_questions(index.chunks, lambda q: None) == ()
    assert len(example_questions(index.chunks, lambda q: 42.0, limit=5, tries=1)) <= 1

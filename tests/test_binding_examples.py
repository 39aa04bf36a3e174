"""Binding examples: one question per member of a newswire list, answered by that member's own figure."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

from qa.training.binding_examples import examples_from_article, members, question_for
from qa.training.settings import TrainSettings


def _pairs(sentence: str) -> list[tuple[str, str]]:
    return [(sentence[m.name[0] : m.name[1]], sentence[m.figure[0] : m.figure[1]]) for m in members(sentence)]


def test_a_list_yields_each_member_with_its_own_figure() -> None:
    s = "Exports to France rose 12 pct, to Germany 8 pct and to Italy 5 pct."
    assert _pairs(s) == [("France", "12 pct"), ("Germany", "8 pct"), ("Italy", "5 pct")]
    listed = members(s)
    assert question_for(s, listed[0], listed[1]) == "Exports to Germany rose how many?"


def test_no_list_no_members() -> None:
    assert members("Exports to France rose 12 pct in January.") == []  # one member
    assert (
        members("General Motors hopes to sell between 7,000 and 8,000 vehicles in Europe.") == []
    )  # a range
    assert (
        members("Piedmont carries Baa-2 preferred stock and Prime-2 commercial paper.") == []
    )  # glued figures
    assert members("Exports to France rose 12 pct, to France 8 pct in March.") == []  # one name twice


def test_a_long_clause_ends_the_list() -> None:
    s = (
        "Traders in Belgium received 18,500 tonnes, in Spain 5,800, "
        "while the agency said Portugal would ask for 2,000 next season."
    )
    assert _pairs(s) == [("Belgium", "18,500"), ("Spain", "5,800")]


def test_examples_point_at_the_answer_in_the_article() -> None:
    text = (
        "Sugar output fell. Out of this, traders in the Netherlands received 12,000 tonnes, in Denmark 4,000."
    )
    made = list(examples_from_article({"id": "r1", "text": text}))
    assert [e["answer"]["text"] for e in made] == ["12,000", "4,000"]
    for e in made:
        a = e["answer"]["answer_start"]
        assert e["context"][a : a + len(e["answer"]["text"])] == e["answer"]["text"]
    assert "Denmark" in made[1]["question"] and "Netherlands" not in made[1]["question"]
    assert "12,000" not in made[1]["question"]  # the figure is asked for, not given


def test_binding_examples_join_the_training_set_at_their_share(tmp_path: Path) -> None:
    from qa.training.data import load_examples

    path = tmp_path / "reuters.jsonl.gz"
    rows = [
        {
            "id": f"x-{i}",
            "text": f"Sales in the Alpha{i} region rose 3 pct, in Beta{i} 4 pct and in Gamma{i} 5 pct.",
        }
        for i in range(4)
    ]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows))
    qa = tmp_path / "qa.json.gz"
    arts = [
        {"title": f"T{i}", "paragraphs": [{"context": f"T{i} has 40 boats.",
         "qas": [{"id": f"q{i}", "question": f"How many boats does T{i} have?",
                  "answers": [{"text": "40", "answer_start": 8 + len(str(i))}]}]}]}
        for i in range(200)
    ]  # fmt: skip
    with gzip.open(qa, "wt") as fh:
        json.dump({"data": arts}, fh)
    base = TrainSettings(same_article_negatives=0.0, bm25_negatives=0.0)
    plain, _, _, _ = load_examples(qa, base)
    mixed, _, _, _ = load_examples(qa, replace(base, binding=str(path), binding_share=0.2))
    added = mixed[len(plain) :]
    assert mixed[: len(plain)] == plain
    assert {e["id"].split("/")[0] for e in added} == {r["id"] for r in rows}
    assert abs(len(added) / len(mixed) - 0.2) < 0.05

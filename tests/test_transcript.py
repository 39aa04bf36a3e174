"""Answers to take away: the conversation as Markdown and JSON (`qa chat` /save, the web chat's downloads).
A scripted reader over a small invented corpus; nothing here is the bundled story."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qa.answerer import Answerer
from qa.index import Index
from qa.transcript import save, to_json, to_markdown
from tests.fakes import ScriptedSpans

from .conftest import index_over

ARTICLES = {
    "a1": "Flood relief reaches the valley\n\nOfficials said at least 1,240 families from Oakridge were moved to "
    "shelters on Monday. The *regional* council approved a budget of $4 million for repairs.",
    "a2": "Aid agencies counted 1,204 families from Oakridge in the shelters, according to a report on Tuesday.",
    "a3": "The shelters in Oakridge housed 1,240 families on Monday night, the mayor, Dana Holt, said.",
}


@pytest.fixture(scope="module")
def turns(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    index: Index = index_over(tmp_path_factory.mktemp("transcript"), ARTICLES)
    asked = [  # each question with what the scripted reader finds for it
        (
            "How many families from Oakridge were moved to shelters?",
            {"1,240 families": 6.0, "1,204 families": 5.0},
        ),
        ("What budget did the council approve?", {"$4 million": 6.0}),
        ("Who won the football match?", {}),
    ]
    return [Answerer(index, span_model=ScriptedSpans(p)).ask(q).to_json() for q, p in asked]


def test_markdown_holds_each_question_answer_support_sources_and_disagreement(turns: list[dict]) -> None:
    md = to_markdown(turns, "corpus/")
    first, _, third = turns
    assert first["conflicts"] and not first["abstained"] and third["abstained"]  # the set covers all three
    sections = md.split("\n## ")[1:]
    assert len(sections) == len(turns)
    for n, (section, turn) in enumerate(zip(sections, turns, strict=True), 1):
        assert section.startswith(f"{n}. {turn['question']}")
        if turn["abstained"]:
            assert "Not found in these articles." in section and "Sources:" not in section
            continue
        assert f"**{turn['answer']['text']}**" in section.replace("\\", "")
        lead = section.splitlines()[2].replace("\\", "")  # the sentence that states it comes first
        assert lead.startswith("“") and f"**{turn['answer']['text']}**" in lead
        assert lead.rstrip().endswith("".join(f"[{i}]" for i in range(1, len(turn["citations"]) + 1)))
        s = turn["support"]
        assert f"stated by {s['articles']} of {s['of']} articles" in section
        sources = section.split("Sources:\n", 1)[1].splitlines()
        for i, c in enumerate(turn["citations"], 1):
            line = sources[i - 1]
            assert line.startswith(f"{i}. ")
            assert c["label"] in line.replace("\\", "")
            assert " ".join(c["quote"].split()) in line.replace("\\", "")
        assert ("Sources disagree" in section) == bool(turn["conflicts"])
        for c in turn["conflicts"]:
            assert f"**{c['text']}** in “{c['label']}”" in section.replace("\\", "")


def test_markdown_escapes_what_markdown_would_act_on(turns: list[dict]) -> None:
    md = to_markdown(turns)
    quoted = [c["quote"] for t in turns for c in t.get("citations", []) if "*" in c["quote"]]
    assert quoted, "an article with *emphasis* is cited"
    assert "\\*regional\\*" in md and " *regional* " not in md


def test_json_is_the_answers_in_order(turns: list[dict]) -> None:
    assert json.loads(to_json(turns)) == turns


def test_save_picks_the_format_by_name_and_never_leaves_half_a_file(
    turns: list[dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    md, js = save(turns, tmp_path / "a.md"), save(turns, tmp_path / "sub" / "a.json")
    assert md.read_text("utf-8").startswith("# Questions and answers")
    assert json.loads(js.read_text("utf-8")) == turns

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        save(turns[:1], md)
    assert md.read_text("utf-8") == to_markdown(turns)  # the earlier save is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "sub"]  # no temporary file left

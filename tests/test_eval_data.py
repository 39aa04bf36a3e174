"""The newswire gold set's corpus builder: every gold source is kept, distractors are fixed."""

from __future__ import annotations

import json
from pathlib import Path

from eval.reuters_corpus import gold_sources, main, select


def test_selection_keeps_the_gold_sources_and_a_fixed_sample() -> None:
    rows = [{"id": f"r{i}", "text": "x" * (300 if i % 3 else 10)} for i in range(200)]
    first = select(rows, {"r1", "r3"}, n=20)
    assert {"r1", "r3"} <= {r["id"] for r in first}
    assert len(first) == 22 and all(len(r["text"]) >= 300 for r in first if r["id"] not in {"r1", "r3"})
    assert first == select(list(rows), {"r1", "r3"}, n=20)  # seeded: the same every run


def test_every_gold_question_names_known_sources() -> None:
    gold = Path(__file__).resolve().parents[1] / "eval" / "gold-reuters.jsonl"
    items = [json.loads(line) for line in gold.read_text("utf-8").splitlines() if line.strip()]
    assert len(items) == len({i["id"] for i in items})
    assert all(i["sources"] or i["kind"] == "unanswerable" for i in items)
    assert gold_sources(gold) == {s for i in items for s in i["sources"]}


def test_missing_data_is_a_one_line_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--data", str(tmp_path / "none.jsonl.gz"), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().out.count("\n") == 1

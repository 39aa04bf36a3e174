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


def test_the_tuning_set_holds_out_its_own_paragraphs_and_asks_again_without_them(tmp_path: Path) -> None:
    import gzip

    from eval.heldout import main as heldout

    articles = [
        {
            "title": f"article {i}",
            "source": "synthetic",
            "paragraphs": [
                {
                    "context": f"Town {i} counted {100 + i} boats in the harbour.",
                    "qas": [
                        {
                            "id": f"q{i}",
                            "question": f"How many boats did town {i} count?",
                            "answers": [{"text": str(100 + i), "answer_start": len(f"Town {i} counted ")}],
                        }
                    ],
                }
            ],
        }
        for i in range(300)
    ]
    data = tmp_path / "qa.json.gz"
    with gzip.open(data, "wt") as fh:
        json.dump({"data": articles}, fh)
    out = tmp_path / "heldout"
    assert heldout(["--data", str(data), "--out", str(out), "--distractors", "20"]) == 0

    def rows(name: str) -> list[dict]:
        return [json.loads(line) for line in (out / name).read_text("utf-8").splitlines()]

    corpus, distractors = rows("corpus.jsonl"), rows("distractors.jsonl")
    gold, unanswerable = rows("gold.jsonl"), rows("gold-unanswerable.jsonl")
    own = {s for g in gold for s in g["sources"]}
    assert gold and len(distractors) == 20
    assert {a["id"] for a in corpus} == own | {a["id"] for a in distractors}
    assert not own & {a["id"] for a in distractors}  # asked of the distractors, no question has its paragraph
    texts = {a["id"]: a["text"] for a in corpus}
    assert all(any(ans in texts[s] for ans in g["answers"]) for g in gold for s in g["sources"])
    assert all(g["kind"] == "numeric" for g in gold)
    assert [u["id"] for u in unanswerable] == [g["id"] for g in gold]
    assert all(u["answers"] == [] and u["kind"] == "unanswerable" for u in unanswerable)


def test_the_tuning_set_by_article_keeps_each_article_whole(tmp_path: Path) -> None:
    import gzip

    from eval.heldout import main as heldout

    def paragraph(i: int, j: int) -> dict:
        return {
            "context": f"Part {j}: town {i} counted {100 * j + i} boats.",
            "qas": [
                {
                    "id": f"q{i}-{j}",
                    "question": f"How many boats did town {i} count in part {j}?",
                    "answers": [
                        {"text": str(100 * j + i), "answer_start": len(f"Part {j}: town {i} counted ")}
                    ],
                }
            ],
        }

    articles = [
        {"title": f"article {i}", "source": "synthetic", "paragraphs": [paragraph(i, 1), paragraph(i, 2)]}
        for i in range(300)
    ]
    data = tmp_path / "qa.json.gz"
    with gzip.open(data, "wt") as fh:
        json.dump({"data": articles}, fh)
    out = tmp_path / "heldout"
    assert heldout(["--data", str(data), "--out", str(out), "--distractors", "20", "--by-article"]) == 0

    def rows(name: str) -> list[dict]:
        return [json.loads(line) for line in (out / name).read_text("utf-8").splitlines()]

    corpus, distractors, gold = rows("corpus.jsonl"), rows("distractors.jsonl"), rows("gold.jsonl")
    assert len(distractors) == 10  # whole articles of two paragraphs until they hold 20
    texts = {a["id"]: a["text"] for a in corpus}
    assert all(t.startswith("Part 1:") and "\n\nPart 2:" in t for t in texts.values())
    own = {s for g in gold for s in g["sources"]}
    assert gold and not own & {a["id"] for a in distractors}
    assert all(any(ans in texts[s] for ans in g["answers"]) for g in gold for s in g["sources"])


def test_squad_questions_load_as_gold_over_their_paragraphs() -> None:
    from eval.squad import gold_records

    questions = [
        {"id": "a", "question": "When?", "doc_id": "T#0", "answers": ["1990", "in 1990"], "numeric": True},
        {"id": "b", "question": "Who?", "doc_id": "T#3", "answers": ["Ada"], "numeric": False},
    ]
    rows = gold_records(questions)
    assert [(r["sources"], r["kind"]) for r in rows] == [(["T#0"], "numeric"), (["T#3"], "span")]
    assert rows[0]["answers"] == ["1990", "in 1990"]


def test_the_squad_gold_file_is_what_qa_eval_reads(tmp_path: Path) -> None:
    from eval.squad import gold_records
    from qa.evaluation import load_gold

    path = tmp_path / "gold.jsonl"
    q = {"id": "a", "question": "When?", "doc_id": "T#0", "answers": ["1990"], "numeric": True}
    path.write_text("".join(json.dumps(r) + "\n" for r in gold_records([q])), "utf-8")
    (item,) = load_gold(path)
    assert item["sources"] == ["T#0"] and item["kind"] == "numeric" and item["answers"] == ["1990"]

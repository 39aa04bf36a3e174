from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from qa.corpus import CorpusError, load_corpus

from .conftest import SEEDS


def test_bundled_articles_and_their_metadata() -> None:
    report = load_corpus(SEEDS)
    assert [a.id for a in report.articles] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    by_id = {a.id: a for a in report.articles}
    dated = by_id["003_2f09a7965a612f6d"]
    assert dated.date == "2017-10-24"
    assert dated.text.startswith(" date 2017-10-24 ")  # the text is unchanged
    assert dated.text[dated.body_start :].startswith("At least 5,600")
    assert by_id["002_52b217281aadb5fc"].title == "Thousands Of Jihadists Return Home In ISIS Defeat"
    assert report.warnings == []


def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Some 40 people met.\n", "utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    (tmp_path / "empty.txt").write_text("   \n", "utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    seen: list[str] = []
    report = load_corpus(tmp_path, warn=seen.append)
    assert [a.id for a in report.articles] == ["good"]
    assert len(seen) == 3
    for name in ("binary.txt", "empty.txt", "latin1.txt"):
        assert any(name in w for w in seen), name


def test_markdown_title_and_jsonl_fields(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A headline\n\nBody with 12 figures.\n", "utf-8")
    lines = [
        {"id": "r1", "text": "Ten ships sailed.", "title": "Ships", "date": "1987-02-26", "url": "http://x"},
        {"id": "r2", "text": ""},
        {"id": 3, "text": "Numeric ids are kept as strings."},
        {"text": "no id"},
        {"id": "r4", "text": "Wrong-typed title.", "title": ["x"]},
        "not an object",
    ]
    body = "\n".join(json.dumps(x) for x in lines) + "\n{broken json\n"
    (tmp_path / "b.jsonl").write_text(body, "utf-8")
    seen: list[str] = []
    report = load_corpus(tmp_path, warn=seen.append)
    by_id = {a.id: a for a in report.articles}
    assert set(by_id) == {"a", "r1", "3", "r4"}
    assert by_id["a"].title == "A headline"
    assert (by_id["r1"].title, by_id["r1"].date, by_id["r1"].url) == ("Ships", "1987-02-26", "http://x")
    assert by_id["r4"].title is None
    assert any("b.jsonl:2" in w for w in seen)  # empty text
    assert any("b.jsonl:4" in w for w in seen)  # no id
    assert any("b.jsonl:7" in w for w in seen)  # broken JSON


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("First.", "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.txt").write_text("Second.", "utf-8")
    seen: list[str] = []
    report = load_corpus(tmp_path, warn=seen.append)
    assert len(report.articles) == 1
    assert any("duplicate" in w for w in seen)


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Three cats.", "utf-8")
    os.symlink(tmp_path, tmp_path / "loop")
    assert [a.id for a in load_corpus(tmp_path).articles] == ["a"]


def test_missing_or_empty_corpus_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "bad.txt").write_bytes(b"\x00")
    with pytest.raises(CorpusError, match="no readable articles"):
        load_corpus(tmp_path)

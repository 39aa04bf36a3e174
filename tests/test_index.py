from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.chunking import ChunkSettings
from qa.index import BuildSettings, Index, IndexError_
from qa.index_build import build_index

from .conftest import run_fresh

FAST = BuildSettings(encoder="hash-64", ner=False)


def test_round_trip(corpus: Path, tmp_path: Path) -> None:
    built = build_index(corpus, tmp_path / "idx", FAST)
    loaded = Index.load(tmp_path / "idx")
    assert loaded.manifest == built.manifest
    m = loaded.manifest
    assert m["counts"]["articles"] == 5 and m["counts"]["chunks"] == len(loaded.chunks) > 5
    assert m["dimension"] == 64 and m["settings"]["chunking"] == {"max_words": 80, "overlap_sentences": 1}
    assert loaded.faiss.ntotal == len(loaded.chunks)
    for c in loaded.chunks:
        assert loaded.article_by_id[c.doc_id].text[c.start : c.end] == c.text
    # Only the files the manifest names, plus itself and the lock.
    names = {p.name for p in (tmp_path / "idx").iterdir()}
    assert names == {"manifest.json", ".lock", m["vectors"], m["store"], m["bm25"]}


def test_a_rebuild_over_a_format_2_index_removes_its_sentence_vectors(corpus: Path, tmp_path: Path) -> None:
    """Format 2 stored sentence vectors that only the removed rule reader read; its files do not outlive it."""
    idx = tmp_path / "idx"
    build_index(corpus, idx, FAST)
    stale = idx / "sentences.0abc.npy"
    stale.write_bytes(b"old")
    m = json.loads((idx / "manifest.json").read_text())
    (idx / "manifest.json").write_text(json.dumps({**m, "format": 2, "sentence_vectors": stale.name}))
    with pytest.raises(IndexError_, match="rebuild"):
        Index.load(idx)
    build_index(corpus, idx, FAST)
    assert not stale.exists() and Index.load(idx).manifest["format"] == 3
    assert not any(p.suffix == ".pkl" for p in (tmp_path / "idx").rglob("*"))


def test_staleness_and_incremental_update(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    build_index(corpus, idx, FAST)
    assert Index.load(idx).is_stale() is None
    (corpus / "new.txt").write_text("A new article says 12 ships sank.", "utf-8")
    assert "changed" in (Index.load(idx).is_stale() or "")
    rebuilt = build_index(corpus, idx, FAST)
    assert rebuilt.manifest["counts"]["articles"] == 6
    assert rebuilt.manifest["counts"]["embedded"] == 1  # only the new article
    assert Index.load(idx).is_stale() is None


def test_incremental_update_runs_ner_only_on_new_articles(corpus: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import qa.entities

    settings = BuildSettings(encoder="hash-64", ner=True)
    idx = tmp_path / "idx"
    old = {(c.doc_id, c.start): c.entities for c in build_index(corpus, idx, settings).chunks}
    seen: list[str] = []
    real = qa.entities.find_entities

    def spy(articles, progress=None):  # type: ignore[no-untyped-def]
        seen.extend(a.id for a in articles)
        return real(articles, progress)

    monkeypatch.setattr(qa.entities, "find_entities", spy)
    (corpus / "new.txt").write_text("Officials in Portsmouth said 12 ships sank.", "utf-8")
    after = build_index(corpus, idx, settings)
    assert seen == ["new"]
    assert all(c.entities == old[(c.doc_id, c.start)] for c in after.chunks if c.doc_id != "new")
    assert any(c.entities for c in after.chunks if c.doc_id == "new")


def test_damaged_file_is_detected(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    m = build_index(corpus, idx, FAST).manifest
    target = idx / m["vectors"]
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(IndexError_, match="damaged"):
        Index.load(idx)
    build_index(corpus, idx, FAST)  # qa index repairs it
    Index.load(idx)


def test_foreign_settings_are_refused(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    build_index(corpus, idx, FAST)
    other = BuildSettings(encoder="hash-32", chunking=ChunkSettings(40, 0), ner=False)
    with pytest.raises(IndexError_, match=r"encoder.*hash-64.*hash-32.*chunking"):
        Index.load(idx).check_compatible(other)


def test_unreadable_manifest(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json", "utf-8")
    with pytest.raises(IndexError_, match="unreadable manifest"):
        Index.load(tmp_path)
    with pytest.raises(IndexError_, match="no index"):
        Index.load(tmp_path / "missing")


def test_failed_build_keeps_the_previous_index(corpus: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    idx = tmp_path / "idx"
    before = build_index(corpus, idx, FAST).manifest
    (corpus / "new.txt").write_text("Another article with 7 numbers.", "utf-8")

    import bm25s

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(bm25s.BM25, "save", boom)
    with pytest.raises(OSError):
        build_index(corpus, idx, FAST)
    after = Index.load(idx)
    assert after.manifest == before
    assert json.loads((idx / "manifest.json").read_text())["counts"]["articles"] == 5


def test_second_writer_gets_a_clear_message(corpus: Path, tmp_path: Path) -> None:
    from filelock import FileLock

    idx = tmp_path / "idx"
    idx.mkdir()
    with FileLock(str(idx / ".lock")), pytest.raises(IndexError_, match="another 'qa index'"):
        build_index(corpus, idx, FAST)


def test_an_encoder_with_another_recipe_embeds_every_article_again(corpus: Path, tmp_path: Path) -> None:
    """The settings name the encoder ("onnx-int8"); its name carries the export recipe. An index built by an
    older recipe keeps nothing: its vectors would not match the questions' new ones."""
    from qa.encoders import HashEncoder

    settings = BuildSettings(encoder="hash-64", ner=False)
    n = len(build_index(corpus, tmp_path / "i", settings).chunks)
    assert build_index(corpus, tmp_path / "i", settings).manifest["counts"]["reused"] == n
    renamed = HashEncoder(64)
    renamed.name = "hash-64@2"
    again = build_index(corpus, tmp_path / "i", settings, encoder=renamed)
    assert again.manifest["counts"]["reused"] == 0 and again.manifest["encoder"] == "hash-64@2"
    assert "embedded by hash-64@2" in (Index.load(tmp_path / "i").is_stale() or "")  # questions use hash-64


def test_a_loaded_index_searches_bm25_without_importing_bm25s_or_scipy(corpus: Path, tmp_path: Path) -> None:
    """A query process reads the saved BM25 arrays; bm25s's import (scipy with it) is the build's cost only."""
    build_index(corpus, tmp_path / "idx", FAST)
    code = (
        "import sys; from pathlib import Path; from qa.index import Index; from qa.text import terms\n"
        f"hits = Index.load(Path({str(tmp_path / 'idx')!r})).lexical.search(terms('foreign fighters returned'), 5)\n"
        "print(len(hits), sorted({m.split('.')[0] for m in sys.modules} & {'bm25s', 'scipy'}))"
    )
    assert run_fresh(code) == ["5", "[]"]

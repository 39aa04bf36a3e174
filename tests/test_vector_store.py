"""Vectors in Milvus (milvus-lite) instead of FAISS: the same search, the same answers and offsets, updates that
keep the choice, and clear errors. Marked ``scale``: needs the optional ``.[scale]`` extra."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index import BuildSettings, Index, IndexError_
from qa.index_build import build_index
from qa.retriever import Retriever

from .conftest import REUTERS, ROOT, require_scale_extra, scale_corpus

pytestmark = pytest.mark.scale
require_scale_extra("pymilvus")


def test_milvus_searches_like_faiss_and_an_update_keeps_it(tmp_path: Path) -> None:
    corpus = scale_corpus(tmp_path)
    settings = BuildSettings(encoder="hash-64", ner=False)
    flat = build_index(corpus, tmp_path / "faiss", settings)
    lite = build_index(corpus, tmp_path / "milvus", settings, vectors="milvus")
    assert (
        lite.manifest["vector_store"]["kind"] == "milvus" and flat.manifest["vector_store"]["kind"] == "faiss"
    )
    assert np.array_equal(lite.vectors(), flat.vectors())
    before = len(lite.chunks)
    for q in ("How many ships docked?", "votes for the bridge", "paper mill jobs"):
        vec = flat.encoder.encode([q])[0]
        a, b = Retriever(flat).dense(vec, 10), Retriever(Index.load(tmp_path / "milvus")).dense(vec, 10)
        assert [i for i, _ in a] == [i for i, _ in b]
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5)
    (corpus / "extra.txt").write_text("Rail news\n\nThe line carried 9,000 passengers on Sunday.", "utf-8")
    updated = build_index(corpus, tmp_path / "milvus", settings)  # no choice given: the index's own is kept
    assert updated.manifest["vector_store"]["kind"] == "milvus"
    assert updated.manifest["counts"]["reused"] == before  # unchanged articles not embedded again
    assert len(list((tmp_path / "milvus").glob("vectors.*.milvus.db"))) == 1  # the old generation is gone
    assert Index.load(tmp_path / "milvus").vector_store.ntotal == len(updated.chunks)


def test_bm25_in_milvus_ranks_as_bm25s_and_an_update_keeps_it(tmp_path: Path) -> None:
    from qa.text import terms

    corpus = scale_corpus(tmp_path)
    (corpus / "ferry.txt").write_text(
        "Ferry news\n\nThe ferry carried 2.5 times more cars; ships waited.", "utf-8"
    )
    settings = BuildSettings(encoder="hash-64", ner=False)
    local = build_index(corpus, tmp_path / "bm25s", settings, vectors="milvus")
    hybrid = build_index(corpus, tmp_path / "hybrid", settings, vectors="milvus", lexical="milvus")
    assert hybrid.manifest["lexical"] == {"kind": "milvus"} and hybrid.manifest["bm25"] is None
    assert not list((tmp_path / "hybrid").glob("bm25.*"))  # no in-memory BM25 files
    hybrid = Index.load(tmp_path / "hybrid")
    for q in ("How many ships docked?", "votes for the bridge", "2.5 times more cars", "paper mill jobs"):
        a, b = local.lexical.search(terms(q), 10), hybrid.lexical.search(terms(q), 10)
        assert a and {i for i, _ in a} == {i for i, _ in b}, q
        # Milvus scores are bm25s's (Lucene's variant) times k1 + 1: the same ranking, tied scores aside.
        by_id = dict(b)
        assert all(abs(by_id[i] - 2.5 * s) < 1e-4 * max(1.0, s) for i, s in a), q
    (corpus / "rail.txt").write_text("Rail news\n\nThe line carried 9,000 passengers on Sunday.", "utf-8")
    assert build_index(corpus, tmp_path / "hybrid", settings).manifest["lexical"] == {"kind": "milvus"}
    # BM25 leaves Milvus with the vectors.
    to_faiss = build_index(corpus, tmp_path / "hybrid", settings, vectors="faiss")
    assert to_faiss.manifest["lexical"] == {"kind": "bm25s"} and to_faiss.manifest["bm25"]


@pytest.mark.parametrize(
    ("choice", "error"),
    [({"vectors": "pinecone"}, "unknown vector store"), ({"lexical": "milvus"}, "add --vectors milvus")],
)
def test_a_store_that_cannot_be_used_is_a_one_line_error(tmp_path: Path, choice: dict, error: str) -> None:
    settings = BuildSettings(encoder="hash-64", ner=False)
    with pytest.raises(IndexError_, match=error):
        build_index(scale_corpus(tmp_path), tmp_path / "i", settings, **choice)
    assert not (tmp_path / "i" / "manifest.json").exists()


@pytest.mark.model
@pytest.mark.skipif(not REUTERS.exists(), reason="needs ../shared/data")
def test_the_reuters_gold_set_gets_the_same_answers_and_offsets_from_milvus(tmp_path: Path) -> None:
    import subprocess
    import sys

    from qa.answerer import Answerer
    from qa.evaluation import load_gold

    subprocess.run([sys.executable, "-m", "eval.reuters_corpus", "--out", str(tmp_path / "corpus")], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    flat = build_index(tmp_path / "corpus", tmp_path / "faiss")
    lite = build_index(tmp_path / "corpus", tmp_path / "milvus", vectors="milvus")
    both = build_index(tmp_path / "corpus", tmp_path / "hybrid", vectors="milvus", lexical="milvus")
    a, b, c = Answerer(flat), Answerer(lite), Answerer(both)
    for item in load_gold(ROOT / "eval" / "gold-reuters.jsonl"):
        x, y = (
            a.ask(item["question"], item["history"]).to_json(),
            b.ask(item["question"], item["history"]).to_json(),
        )
        assert x["answer"] == y["answer"] and x["citations"] == y["citations"], item["question"]
        assert [p["start"] for p in x["passages"]] == [p["start"] for p in y["passages"]]
        # BM25 in Milvus as well: the same answer and citations (passages tied in BM25 may swap places).
        z = c.ask(item["question"], item["history"]).to_json()
        assert x["answer"] == z["answer"] and x["citations"] == z["citations"], item["question"]

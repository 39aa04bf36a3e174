"""The bm25s index read from its saved arrays scores every query as bm25s itself does."""

from __future__ import annotations

import tempfile
from pathlib import Path

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.lexical_store import EAGER_METHODS, Bm25sArrays, Bm25sStore

WORDS = st.sampled_from(["fighter", "return", "france", "5600", "report", "isi", "tunisia", "home", "2962"])
DOCS = st.lists(st.lists(WORDS, min_size=1, max_size=12), min_size=1, max_size=30)


def _saved(docs: list[list[str]], folder: Path, method: str) -> bm25s.BM25:
    bm25 = bm25s.BM25(method=method)
    bm25.index(docs, show_progress=False)
    bm25.save(str(folder))
    return bm25s.BM25.load(str(folder), load_corpus=False)


@settings(max_examples=60, deadline=None)
@given(docs=DOCS, query=st.lists(st.one_of(WORDS, st.just("absent")), min_size=1, max_size=6))
def test_scores_and_ranks_as_bm25s(docs: list[list[str]], query: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for method in EAGER_METHODS:
            folder = Path(tmp) / method
            library = _saved(docs, folder, method)
            arrays = Bm25sArrays.open(folder)
            assert arrays is not None
            known = [t for t in query if t in library.vocab_dict]
            if known:  # repeated and unknown terms included
                want = library.get_scores(known)
                got = np.zeros_like(want)
                for i, score in arrays.search(query, len(docs)):
                    got[i] = score
                assert np.allclose(got, np.where(want > 0, want, 0), rtol=1e-6)
            assert arrays.search(query, 5) == Bm25sStore(library).search(query, 5)


def test_methods_that_need_more_than_the_arrays_are_not_read_from_them(tmp_path: Path) -> None:
    _saved([["fighter", "home"], ["report"]], tmp_path, "bm25+")
    assert Bm25sArrays.open(tmp_path) is None


def test_a_folder_without_every_array_is_left_to_bm25s(tmp_path: Path) -> None:
    _saved([["fighter", "home"], ["report"]], tmp_path, "lucene")
    assert Bm25sArrays.open(tmp_path) is not None
    (tmp_path / "indptr.csc.index.npy").unlink()
    assert Bm25sArrays.open(tmp_path) is None


@pytest.mark.parametrize("depth", [1, 3])
def test_a_query_of_unknown_words_finds_nothing(tmp_path: Path, depth: int) -> None:
    _saved([["fighter", "home"], ["report"]], tmp_path, "lucene")
    arrays = Bm25sArrays.open(tmp_path)
    assert arrays is not None and arrays.search(["absent"], depth) == []

"""`Answerer.prepare`: every part a question needs is loaded up front, side by side, and a part that cannot load
fails there with its own error, as it would on the first question."""

from __future__ import annotations

import pytest

from qa.answerer import Answerer
from qa.index import Index
from qa.span_reader import ReaderModelError

from .fakes import ScriptedSpans

QUESTION = "How much can the new crane lift?"


def test_prepare_loads_the_parts_a_question_needs(harbour_index: Index) -> None:
    index = Index.load(harbour_index.path)  # a fresh instance: nothing loaded yet
    spans = ScriptedSpans({"40 tonnes": 9.0})
    answerer = Answerer(index, span_model=spans)
    assert not {"faiss", "bm25", "lexical", "encoder", "chunks"} & set(vars(index))

    answerer.prepare()

    assert {"faiss", "lexical", "encoder", "chunks"} <= set(vars(index))
    assert "bm25" not in vars(index)  # BM25 is scored from the arrays bm25s saved, without loading bm25s
    assert spans.calls == 1  # the reader was run once, so its session exists before the question
    prepared = answerer.ask(QUESTION).to_json()
    fresh = Answerer(Index.load(harbour_index.path), span_model=ScriptedSpans({"40 tonnes": 9.0}))
    assert prepared == fresh.ask(QUESTION).to_json()
    assert prepared["answer"]["text"] == "40 tonnes"


class BrokenReader(ScriptedSpans):
    def read(self, question: str, texts: list[str], top: int = 3):  # type: ignore[no-untyped-def]
        raise ReaderModelError("reader-int8.onnx differs from the card")


def test_a_part_that_cannot_load_fails_prepare_with_its_own_error(harbour_index: Index) -> None:
    answerer = Answerer(Index.load(harbour_index.path), span_model=BrokenReader({}))
    with pytest.raises(ReaderModelError, match="differs from the card"):
        answerer.prepare()

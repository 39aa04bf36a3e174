"""The offsets property: article.text[start:end] == text, for every passage, sentence and figure."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.chunking import ChunkSettings, chunk_article
from qa.corpus import load_corpus
from qa.models import Article
from qa.text import split_sentences, terms

from .conftest import REUTERS, SEEDS, SQUAD

DEFAULT = ChunkSettings()


def assert_exact(article: Article, settings: ChunkSettings = DEFAULT) -> int:
    chunks = chunk_article(article, settings)
    for c in chunks:
        assert article.text[c.start : c.end] == c.text
        for a, b in c.sentences:
            assert c.start <= a < b <= c.end
        for s in c.spans:
            assert article.text[s.start : s.end] == s.text
    # Every sentence of the body is in some passage.
    covered = {s for c in chunks for s in c.sentences}
    assert covered == set(split_sentences(article.text, article.body_start))
    return len(chunks)


def test_bundled_corpus_offsets() -> None:
    for article in load_corpus(SEEDS).articles:
        assert assert_exact(article) > 0
        for size in (20, 40, 200):
            assert_exact(article, ChunkSettings(max_words=size, overlap_sentences=1))


def test_headline_line_is_its_own_sentence_and_joins_the_first_passage() -> None:
    article = next(a for a in load_corpus(SEEDS).articles if a.title)
    first = chunk_article(article, ChunkSettings())[0]
    assert first.text.startswith(article.title)
    assert article.text[first.sentences[0][0] : first.sentences[0][1]] == article.title


def test_abbreviations_and_quotes_do_not_split() -> None:
    text = "The U.S. and the U.K. led strikes. He said: “It is clear.” Then 5,600 returned."
    sents = [text[a:b] for a, b in split_sentences(text)]
    assert sents[0] == "The U.S. and the U.K. led strikes."
    assert len(sents) == 3


def test_date_prefix_is_not_in_any_passage() -> None:
    article = next(a for a in load_corpus(SEEDS).articles if a.date)
    assert article.body_start > 0
    assert all(c.start >= article.body_start for c in chunk_article(article, ChunkSettings()))


@pytest.mark.skipif(not SQUAD.exists(), reason="needs ../shared/data")
def test_squad_paragraph_offsets() -> None:
    data = json.loads(SQUAD.read_text("utf-8"))["data"]
    n = 0
    for doc in data:
        for i, para in enumerate(doc["paragraphs"]):
            n += assert_exact(Article(id=f"{doc['title']}-{i}", text=para["context"]))
    assert n > 2067


@pytest.mark.skipif(not REUTERS.exists(), reason="needs ../shared/data")
def test_reuters_offsets_on_hard_wrapped_lines() -> None:
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 19043
    for row in rows:
        assert_exact(Article(id=row["id"], text=row["text"], title=row.get("title")))


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=600), st.integers(5, 120), st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_offsets_for_any_text(text: str, max_words: int, overlap: int) -> None:
    article = Article(id="x", text=text)
    for c in chunk_article(article, ChunkSettings(max_words, overlap)):
        assert text[c.start : c.end] == c.text


def test_numbers_are_whole_terms() -> None:
    assert terms("5,600 fighters; 2,962 from Tunisia") == ["5600", "fighter", "2962", "tunisia"]
    assert "962" not in terms("2,962")
    assert terms("5600") == terms("5,600")

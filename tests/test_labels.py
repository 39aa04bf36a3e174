"""Article labels a person can read, and the readable answer that names sources by them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from qa.answerer import Answerer
from qa.corpus import load_corpus
from qa.index import BuildSettings, Index
from qa.index_build import build_index
from qa.labels import MAX_CHARS, label, opening
from qa.models import Article
from qa.render import render
from tests.fakes import ScriptedSpans

from .conftest import ROOT, SEEDS, SQUAD


def test_a_headline_is_the_label_with_the_date() -> None:
    a = Article(
        "x1",
        "Rail strike ends\n\nUnions said 2,500 workers walked out.",
        title="Rail strike ends",
        date="1987-03-02",
    )
    assert label(a) == "Rail strike ends (1987-03-02)"


def test_without_a_headline_the_opening_words_cut_at_a_word_boundary() -> None:
    text = "At least 5,600 men, women and children from 33 countries have returned home, a report says."
    got = label(Article("x2", text))
    assert got.endswith("…") and len(got) <= MAX_CHARS + 1
    assert text.startswith(got[:-1])
    assert text[len(got) - 1] == " "  # cut where a word ends


def test_a_short_article_is_its_own_label_and_an_empty_one_its_id() -> None:
    assert label(Article("x3", "Markets closed early.")) == "Markets closed early."
    assert label(Article("x4", "   ")) == "x4"
    assert opening("one\ntwo   three") == "one two three"


def test_every_bundled_article_gets_a_readable_label() -> None:
    for article in load_corpus(SEEDS).articles:
        got = label(article)
        assert article.id not in got and 10 <= len(got) <= MAX_CHARS + 16


@pytest.mark.skipif(not SQUAD.exists(), reason="needs ../shared/data")
def test_squad_paragraphs_are_labelled_by_their_title(tmp_path: Path) -> None:
    data = json.loads(SQUAD.read_text("utf-8"))["data"][0]
    p = data["paragraphs"][0]["context"]
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"id": "s1", "title": data["title"].replace("_", " "), "text": p}) + "\n")
    (article,) = load_corpus(path).articles
    assert label(article) == data["title"].replace("_", " ")


def _families(tmp_path: Path):  # type: ignore[no-untyped-def]
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "n1.txt").write_text(
        "Officials said 1,240 families were moved to shelters on Monday night after the river rose above the "
        "levees that the city had built along its northern bank in the years since the great flood."
    )
    (corpus / "n2.txt").write_text("Harbour news\n\nThe shelters housed 1,240 families, the mayor said.")
    build_index(corpus, tmp_path / "i", BuildSettings(encoder="hash-64", ner=False))
    model = ScriptedSpans({"1,240 families were": 4.0, "1,240 families, the": 3.5})
    return Answerer(Index.load(tmp_path / "i"), span_model=model).ask("How many families were moved?")


def test_the_readable_answer_leads_with_its_sentence_and_names_sources_by_label(tmp_path: Path) -> None:
    result = _families(tmp_path)
    console = Console(record=True, width=240, color_system=None)
    render(result, console)
    lines = console.export_text().splitlines()
    # The sentence that states it, quoted, with both sources numbered inline; then what it is and who says it.
    assert lines[0].startswith("“Officials said 1,240 families were moved") and lines[0].endswith("” [1][2]")
    assert lines[1].startswith("answer: 1,240 · stated by 2 of 2 articles")
    text = "\n".join(lines)
    assert (
        "[1] Officials said 1,240 families were moved to shelters on…" in text or "[1] Harbour news" in text
    )
    assert "n1" not in text.split("[1]")[1] and "n2" not in text  # ids and offsets stay in --json
    assert "Passages read" not in text
    console = Console(record=True, width=200, color_system=None)
    render(result, console, passages=True)
    assert "Passages read" in console.export_text()


@pytest.mark.parametrize("width", [80, 100])
def test_wrapped_quotes_keep_their_indent(tmp_path: Path, width: int) -> None:
    console = Console(record=True, width=width, color_system=None)
    render(_families(tmp_path), console)
    lines = console.export_text().splitlines()
    assert all(len(ln) <= width for ln in lines)
    sources = lines[next(i for i, ln in enumerate(lines) if ln.startswith("[1] ")) :]
    quote = [ln for ln in sources if not ln.startswith("[")]
    assert len(quote) >= 3  # the long quote wrapped at this width
    assert all(ln.startswith("    ") and not ln.startswith("     ") for ln in quote if ln.strip())
    assert all(ln == ln.rstrip() for ln in quote)


def test_not_found_shows_whole_sentences_of_the_closest_passages(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    sentences = [
        f"The committee met on day {n} and talked about the harbour budget for a long time." for n in range(9)
    ]
    (corpus / "a.txt").write_text("Budget talks\n\n" + " ".join(sentences) + "\n\nNothing was decided.")
    build_index(corpus, tmp_path / "i", BuildSettings(encoder="hash-64", ner=False))
    result = Answerer(Index.load(tmp_path / "i"), span_model=ScriptedSpans({})).ask("How many ships sank?")
    assert result.abstained
    console = Console(record=True, width=100, color_system=None)
    render(result, console)
    text = console.export_text()
    assert text.startswith("Not found in these articles.")
    excerpts = " ".join(ln.strip() for ln in text.splitlines()[1:] if ln.startswith("    ")).split("[")
    assert excerpts and "\n\n" not in text
    for excerpt in excerpts:  # made of whole sentences only: nothing is left when they are taken out
        rest = excerpt
        for whole in [*sentences, "Budget talks", "Nothing was decided."]:
            rest = rest.replace(whole, "")
        assert rest.strip() == "", excerpt


@pytest.mark.model
def test_a_first_index_prints_only_our_own_lines(tmp_path: Path) -> None:
    """A fresh model cache: the ONNX export and the BM25 build run, and none of their noise shows."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QA_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run(
        [sys.executable, "-m", "qa", "index", "--corpus", str(SEEDS), "--index", str(tmp_path / "idx")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr  # no bars, warnings or other libraries' logs
    printed = r.stdout.replace("\n", "")  # our one summary line (rich wraps it at 80 columns off a terminal)
    assert printed.startswith("indexed 5 articles, 42 passages") and printed.endswith("idx"), r.stdout

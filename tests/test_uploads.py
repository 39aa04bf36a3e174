"""Adding articles from the web chat, and the reply's HTML (fast: hash encoder, no server)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from qa.index import BuildSettings, Index
from qa.index_build import build_index
from qa.uploads import UploadLimits, safe_name, save_uploads
from qa.web import AuthError, ChatService, auth_from_env
from qa.webview import result_html

FAST = BuildSettings(encoder="hash-64", ner=False)


@pytest.fixture
def service(corpus: Path, tmp_path: Path) -> ChatService:
    build_index(corpus, tmp_path / "idx", FAST)
    return ChatService(tmp_path / "idx", corpus)


def test_good_files_are_added_and_only_they_are_embedded(service: ChatService, tmp_path: Path) -> None:
    up = tmp_path / "up"
    up.mkdir()
    (up / "harbour news.txt").write_text("The harbour handled 1,250 ships in May, the port authority said.")
    (up / "wire.jsonl").write_text('{"id": "w1", "text": "Rail freight rose 12 percent."}\n')
    before = service.answerer.index.manifest["counts"]
    report = service.add([str(up / "harbour news.txt"), str(up / "wire.jsonl")], UploadLimits())
    after = service.answerer.index.manifest["counts"]
    assert "harbour_news.txt: added (1 article)" in report and "wire.jsonl: added (1 article)" in report
    assert after["articles"] == before["articles"] + 2
    assert after["embedded"] == 2 and after["reused"] == before["chunks"]
    result = service.ask("How many ships did the harbour handle?")
    assert result["answer"]["text"] == "1,250" and result["answer"]["doc_id"] == "harbour_news"


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("notes.pdf", b"%PDF-1.4", "type .pdf not accepted"),
        ("big.txt", b"x" * 2001, "over the"),
        ("bin.txt", b"\x00\x01\x02 binary", "binary file"),
        ("latin.txt", "café 12 boats".encode("latin-1"), "not UTF-8"),
        ("empty.md", b"  \n", "empty"),
        ("bad.jsonl", b'{"id": "a", "text": "ok 1"}\n{not json\n', "1 bad line(s)"),
        ("typed.jsonl", b'{"id": ["x"], "text": 5}\n', "non-string 'id'"),
        (
            "dupe.jsonl",
            b'{"id": "d", "text": "one"}\n{"id": "d", "text": "two"}\n',
            "already in the corpus: d",
        ),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_is_written(
    corpus: Path, tmp_path: Path, name: str, data: bytes, problem: str
) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    saved, messages = save_uploads([f], corpus, UploadLimits(max_bytes=2000))
    assert saved == [] and len(messages) == 1
    assert messages[0].startswith(f"{safe_name(name)}: ") and problem in messages[0]
    assert not (corpus / "uploads").exists()


def test_existing_article_id_is_refused(corpus: Path, tmp_path: Path) -> None:
    existing = sorted(corpus.glob("*.txt"))[0]
    f = tmp_path / existing.name
    f.write_text("Some other text with 3 numbers.")
    saved, messages = save_uploads([f], corpus, UploadLimits())
    assert saved == [] and "already in the corpus" in messages[0]


def test_names_cannot_escape_the_corpus() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name(".bashrc") == "bashrc"
    assert "/" not in safe_name("a/b\\c d.txt") and safe_name("a/b\\c d.txt").endswith(".txt")


def test_auth_setting(tmp_path: Path) -> None:
    assert auth_from_env("") is None
    assert auth_from_env("ann:secret") == [("ann", "secret")]
    f = tmp_path / "users"
    f.write_text("ann:one\nbob:two:with-colon\n")
    assert auth_from_env(str(f)) == [("ann", "one"), ("bob", "two:with-colon")]
    with pytest.raises(AuthError):
        auth_from_env("no-password")


def test_reply_html_marks_spans_and_escapes_article_text(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Officials said <b>3</b> ferries & 40 boats sank on Monday.\n\nA later line."
    )
    (corpus / "b.txt").write_text("Reports say 45 trucks crashed on Tuesday near the coast.")
    index = build_index(corpus, tmp_path / "i", FAST)
    from qa.answerer import Answerer

    result = Answerer(index).ask("How many boats sank on Monday?").to_json()
    articles = {a.id: a for a in Index.load(tmp_path / "i").articles}
    texts = {i: a.text for i, a in articles.items()}
    page = result_html(result, articles)
    assert result["answer"]["doc_id"] == "a"
    assert "<b>3</b>" not in page and "&lt;b&gt;" in page  # article text is escaped
    a = result["answer"]
    assert f'<mark class="answer">{html.escape(a["text"])}</mark>' in page
    assert len(re.findall(r'<details class="citation">', page)) == len(result["citations"])
    for c in result["citations"]:
        assert html.escape(texts[c["doc_id"]][c["start"] : c["answer_start"]]) in page

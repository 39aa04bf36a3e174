"""Bad input, damaged or foreign indexes, killed builds, unsafe files: clear errors, nothing lost.

Each test here is a row of docs/reliability.md.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.answerer import Answerer
from qa.corpus import load_corpus
from qa.index import BuildSettings, Index, IndexError_
from qa.index_build import build_index

from .conftest import REUTERS
from .test_cli import fast_index, qa

FAST = BuildSettings(encoder="hash-64", ner=False)


def _one_line_error(r: subprocess.CompletedProcess[str]) -> None:
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error:") and len(r.stderr.strip().splitlines()) == 1, r.stderr


# -- questions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["", "   ", "\x01\x02\x7f", "?!…"])
def test_empty_or_unusable_question_is_a_one_line_error(hash_index: Path, question: str) -> None:
    _one_line_error(qa("ask", question, "--index", str(hash_index)))


def test_odd_questions_are_answered_or_abstained_never_crash(hash_index: Path, tmp_path: Path) -> None:
    odd = {
        "huge": "How many fighters returned? " * 7500,  # ~200 KB (too long for argv, so in a batch file)
        "control": "How many\x00 fighters\x1b[31m returned\x07 home?",
        "binary": "How many \udcff\ufffd fighters returned?",
        "other-language": "¿Cuántos combatientes extranjeros han regresado a casa?",
        "cjk": "有多少外国战士回国？",
        "number-only": "5600",
        "emoji": "🙂 how many fighters? 🙂",
    }
    batch = tmp_path / "q.jsonl"
    lines = [json.dumps({"id": k, "question": v}, ensure_ascii=True) for k, v in odd.items()]
    lines.insert(3, "{this is not json")
    lines.insert(5, json.dumps({"id": "typed", "question": 42}))
    batch.write_text("\n".join(lines) + "\n", "utf-8")
    r = qa("ask", "--batch", str(batch), "--index", str(hash_index), "--json")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    records = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert len(records) == len(odd) + 2
    by_id = {rec.get("id"): rec for rec in records}
    errors = [rec for rec in records if "error" in rec]
    assert [e["line"] for e in errors] == [4, 6]  # the malformed lines, by number; the rest answered
    for key in odd:
        rec = by_id[key]
        assert "error" not in rec and isinstance(rec["abstained"], bool), rec
    assert len(by_id["huge"]["question"]) <= 2000  # questions are cut to a sane length


def test_huge_question_in_process_is_bounded(hash_index: Path) -> None:
    a = Answerer(Index.load(hash_index))
    t = time.perf_counter()
    r = a.ask("x" * 200_000 + " how many fighters returned?")
    assert time.perf_counter() - t < 30 and len(r.question) <= 2000


# -- corpora -----------------------------------------------------------------------------------------
def test_bad_corpus_files_are_skipped_with_a_warning_and_the_rest_kept(tmp_path: Path) -> None:
    c = tmp_path / "c"
    (c / "sub").mkdir(parents=True)
    (c / "good.txt").write_text("The port handled 1,250 ships in May.", "utf-8")
    (c / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (c / "empty.txt").write_text("", "utf-8")
    (c / "latin1.txt").write_bytes("Caf\xe9 served 12 meals.".encode("latin-1"))
    with open(c / "huge.txt", "wb") as fh:  # 50 MB, sparse: refused by size before it is read
        fh.truncate(50 * 1024 * 1024)
    (c / "dangling.txt").symlink_to(c / "nowhere.txt")
    os.mkfifo(c / "pipe.txt")  # would block a naive reader forever
    (c / "sub" / "loop").symlink_to(c, target_is_directory=True)
    (c / "zz.jsonl").write_text(
        '{"id": "good", "text": "duplicate of the file id"}\n'
        '{"id": "j1"}\n'
        '{"id": 7, "text": ["not", "a", "string"]}\n'
        '{"id": "j2", "text": "Trains carried 900 riders.", "title": 5}\n'
        "[1, 2]\n",
        "utf-8",
    )
    warnings: list[str] = []
    report = load_corpus(c, warnings.append)
    assert sorted(a.id for a in report.articles) == ["good", "j2"]
    joined = "\n".join(warnings)
    for name, why in [
        ("binary.txt", "binary"),
        ("empty.txt", "empty"),
        ("latin1.txt", "not UTF-8"),
        ("huge.txt", "limit"),
        ("dangling.txt", "cannot read"),
        ("pipe.txt", "not a regular file"),
        ("zz.jsonl", "duplicate article id 'good'"),
        ("zz.jsonl:2", "'text'"),
        ("zz.jsonl:3", "'text'"),
        ("zz.jsonl:4", "non-string 'title'"),
        ("zz.jsonl:5", "JSON object"),
    ]:
        assert any(name in w and why in w for w in warnings), (name, why, joined)
    # The CLI builds from what is readable and says what it skipped, one line each.
    r = qa("index", "--corpus", str(c), "--index", str(tmp_path / "i"), "--encoder", "hash-64", "--no-ner")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "indexed 2 articles" in r.stdout and r.stderr.count("warning:") == len(warnings)


# -- the index -------------------------------------------------------------------------------------------
def test_damaged_index_is_refused_then_rebuilt_by_qa_index(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    fast_index(corpus, idx)
    m = json.loads((idx / "manifest.json").read_text())
    vec = idx / m["vectors"]
    vec.write_bytes(vec.read_bytes()[: vec.stat().st_size // 2])  # truncated
    r = qa("ask", "How many fighters returned?", "--index", str(idx))
    _one_line_error(r)
    assert "damaged" in r.stderr and m["vectors"] in r.stderr
    fast_index(corpus, idx)  # qa index rebuilds it
    assert qa("ask", "How many fighters returned?", "--index", str(idx), "--json").returncode == 0


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("model", "sentence-transformers/all-mpnet-base-v2", "built with model"),
        ("dimension", 768, "768-dimensional"),
        (
            "settings",
            {"encoder": "word2vec", "chunking": {"max_words": 80, "overlap_sentences": 1}},
            "word2vec",
        ),
        ("settings", {"encoder": "hash-64", "chunking": {"tokens": 512}}, "settings"),
    ],
)
def test_foreign_index_is_refused_saying_what_differs(
    corpus: Path, tmp_path: Path, field: str, value: object, says: str
) -> None:
    idx = tmp_path / "idx"
    build_index(corpus, idx, FAST)
    m = json.loads((idx / "manifest.json").read_text())
    m[field] = value
    (idx / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexError_, match=says):
        Index.load(idx)
    _one_line_error(qa("ask", "How many fighters returned?", "--index", str(idx)))


@pytest.mark.skipif(not REUTERS.exists(), reason="needs ../shared/data")
@pytest.mark.parametrize("delay", [1.0, 3.0, 6.0])
def test_sigkill_mid_build_leaves_the_previous_index_answering(
    corpus: Path, tmp_path: Path, delay: float
) -> None:
    idx = tmp_path / "idx"
    fast_index(corpus, idx)
    before = (idx / "manifest.json").read_bytes()
    expected = qa("ask", "How many foreign fighters have returned home?", "--index", str(idx), "--json")
    big = tmp_path / "big.jsonl"
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh, open(big, "w", encoding="utf-8") as out:
        for _, line in zip(range(600), fh, strict=False):
            out.write(line)
    # A real build (spaCy NER on 600 articles takes well over the delays above), killed without warning.
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "index", "--corpus", str(big), "--index", str(idx), "--encoder", "hash-64"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    time.sleep(delay)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (idx / "manifest.json").read_bytes() == before
    Index.load(idx).verify()
    again = qa("ask", "How many foreign fighters have returned home?", "--index", str(idx), "--json")
    assert again.returncode == 0 and json.loads(again.stdout) == json.loads(expected.stdout)
    # The next build takes the lock the dead process held and clears what it left behind.
    fast_index(corpus, idx)
    m = json.loads((idx / "manifest.json").read_text())
    names = {p.name for p in idx.iterdir()}
    assert names == {"manifest.json", ".lock", m["vectors"], m["store"], m["bm25"]}


def test_no_pickle_in_the_index(hash_index: Path) -> None:
    for f in hash_index.rglob("*"):
        if f.is_file():
            head = f.read_bytes()[:2]
            assert f.suffix not in (".pkl", ".pickle", ".joblib"), f
            assert not (head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")), f


def test_malformed_qa_auth_is_a_one_line_error(tmp_path: Path) -> None:
    from .conftest import ROOT

    r = subprocess.run(
        [sys.executable, str(ROOT / "ui.py"), "--index", str(tmp_path / "i"), "--corpus", str(tmp_path / "c")],
        capture_output=True, text=True, env={**os.environ, "QA_AUTH": "no-password"}, timeout=120,
    )  # fmt: skip
    _one_line_error(r)
    assert "QA_AUTH" in r.stderr

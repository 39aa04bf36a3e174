"""The CLI through its entry point (python -m qa), on an index built with the fake encoder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def qa(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def fast_index(corpus: Path, idx: Path) -> None:
    r = qa("index", "--corpus", str(corpus), "--index", str(idx), "--encoder", "hash-64", "--no-ner")
    assert r.returncode == 0, r.stderr


def test_ask_json_contract(hash_index: Path) -> None:
    r = qa("ask", "How many foreign fighters have returned home?", "--index", str(hash_index), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"id", "question", "abstained", "answer", "passages", "citations", "conflicts"} <= set(out)
    assert out["abstained"] is False
    assert out["answer"]["value"] == 5600
    assert {"text", "value", "unit", "doc_id", "start", "end"} <= set(out["answer"])
    for p in out["passages"]:
        assert {"doc_id", "title", "date", "text", "start", "end", "score", "spans"} <= set(p)
    for c in out["citations"]:
        assert {"doc_id", "title", "date", "start", "end", "quote"} <= set(c)


def test_ask_readable_by_default(hash_index: Path) -> None:
    r = qa("ask", "How many foreign fighters have returned home?", "--index", str(hash_index))
    assert r.returncode == 0
    assert "5,600" in r.stdout and "[1]" in r.stdout


def test_history_resolves_a_follow_up(hash_index: Path) -> None:
    r = qa(
        "ask",
        "And from France?",
        "--history",
        "How many foreign fighters have returned home?",
        "--index",
        str(hash_index),
        "--json",
    )
    out = json.loads(r.stdout)
    assert out["resolved_question"] and "France" in out["resolved_question"]
    assert "returned" in out["resolved_question"]


def test_batch_answers_every_line_in_order(hash_index: Path, tmp_path: Path) -> None:
    lines = [
        {"id": "a", "question": "How many foreign fighters have returned home?"},
        "not json",
        {
            "id": "b",
            "question": "And from France?",
            "history": ["How many foreign fighters have returned home?"],
        },
        {"id": "c", "question": "   "},
    ]
    f = tmp_path / "q.jsonl"
    f.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", "utf-8")
    r = qa("ask", "--batch", str(f), "--json", "--index", str(hash_index))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [row.get("id") for row in rows] == ["a", None, "b", "c"]
    assert rows[1]["line"] == 2 and "error" in rows[1]
    assert rows[3]["error"] == "the question is empty"
    assert "Traceback" not in r.stderr


def test_user_errors_are_one_line(hash_index: Path, tmp_path: Path) -> None:
    for args in (
        ("ask", "", "--index", str(hash_index)),
        ("ask", "x", "--index", str(tmp_path / "none"), "--corpus", str(tmp_path / "nocorpus")),
        ("ask", "x", "--index", str(tmp_path / "nothere")),
        ("chat", "--index", str(tmp_path / "nothere")),
        ("ask", "--batch", str(tmp_path / "missing.jsonl"), "--index", str(hash_index)),
        ("index", "--corpus", str(tmp_path / "nocorpus"), "--index", str(tmp_path / "i")),
        (
            "eval",
            "--index",
            str(hash_index),
            "--reader",
            str(tmp_path / "noreader"),
            "--report",
            str(tmp_path),
        ),
    ):
        r = qa(*args)
        assert r.returncode == 2, args
        assert "Traceback" not in r.stderr
        assert r.stderr.strip().startswith("error:") and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_an_index_named_without_a_corpus_is_never_built_from_the_bundled_one(tmp_path: Path) -> None:
    r = qa("ask", "How many foreign fighters have returned home?", "--index", str(tmp_path / "nothere"))
    assert r.returncode == 2 and r.stdout == ""
    assert "--corpus" in r.stderr and "--index" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nothere").exists()


def test_damaged_index_message(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    fast_index(corpus, idx)
    (idx / "manifest.json").write_text("garbage", "utf-8")
    r = qa("ask", "How many?", "--index", str(idx))
    assert r.returncode == 2 and "qa index --index" in r.stderr and "Traceback" not in r.stderr


def test_missing_index_is_built_and_stale_index_updated(corpus: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    fast_index(corpus, idx)
    (corpus / "extra.txt").write_text("The council counted 4,321 votes.", "utf-8")
    r = qa("ask", "How many votes did the council count?", "--index", str(idx), "--json")
    assert r.returncode == 0, r.stderr
    assert "updating the index" in r.stderr
    assert json.loads(r.stdout)["answer"]["value"] == 4321


def test_chat_keeps_the_conversation_and_saves_it(hash_index: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
    asked = ["How many foreign fighters have returned home?", "And from France?"]
    md, js = tmp_path / "out" / "answers.md", tmp_path / "answers.json"
    md.parent.mkdir()
    md.write_text("kept until a save succeeds", "utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "qa", "chat", "--index", str(hash_index)],
        input="\n".join([*asked, "/save", f"/save {tmp_path / 'missing' / 'x' / 'y.md'}", f"/save {md}",
                         f"/save {js}", "/quit"]) + "\n",
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "5,600" in r.stdout
    assert "read as:" in r.stdout and "France" in r.stdout
    assert "error: give a file" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout.count("saved 2 answers to") == 3  # a missing folder is made
    turns = json.loads(js.read_text("utf-8"))
    assert [t["question"] for t in turns] == asked and turns[1]["resolved_question"]
    text = md.read_text("utf-8")
    for n, t in enumerate(turns, 1):
        assert f"## {n}. {t['question']}" in text
        assert t["abstained"] or f"**{t['answer']['text']}**" in text


def test_chat_commands_are_not_questions(hash_index: Path) -> None:
    from typer.testing import CliRunner

    from qa.cli import app

    asked = "\n".join(["/help", "How many foreign fighters have returned home?", "/new", "And from France?",
                       "/frobnicate", "/quit", "How many fighters came from Tunisia?"]) + "\n"  # fmt: skip
    r = CliRunner().invoke(app, ["chat", "--index", str(hash_index)], input=asked)
    assert r.exit_code == 0, r.output
    for command in ("/help", "/new", "/save FILE", "/quit"):
        assert command in r.output  # /help lists them
    assert "new conversation" in r.output  # /new is acknowledged ...
    assert "read as:" not in r.output  # ... and the next question is not read as a follow-up
    assert "unknown command /frobnicate" in r.output
    assert r.output.count("stated by") + r.output.count("Not found") == 2  # /quit left before the third


def test_chat_prompts_while_the_models_load_and_reports_a_load_error_in_one_line(
    hash_index: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from qa.answerer import Answerer
    from qa.cli import app
    from qa.span_reader import ReaderModelError

    def broken(self: Answerer) -> None:
        raise ReaderModelError("reader-int8.onnx is damaged")

    monkeypatch.setattr(Answerer, "prepare", broken)
    r = CliRunner().invoke(app, ["chat", "--index", str(hash_index)], input="new\nHow many?\n")
    assert r.exit_code == 2
    assert "Ask about the articles" in r.output  # the prompt came first; the error at the first question
    assert "reader-int8.onnx is damaged" in r.output and "Traceback" not in r.output


def test_eval_scores_the_reader_it_is_given(hash_index: Path, tmp_path: Path) -> None:
    """`qa eval --reader` reads with that model folder: a copy of the shipped reader told to abstain on
    everything answers nothing, where the shipped one answers."""
    import shutil

    gold = tmp_path / "gold.jsonl"
    lines = (ROOT / "eval" / "gold.jsonl").read_text().splitlines()[:6]
    gold.write_text("\n".join(lines) + "\n")
    silent = tmp_path / "silent"
    shutil.copytree(ROOT / "qa" / "reader_model", silent)
    card = json.loads((silent / "model.json").read_text())
    card["abstain_confidence"] = 1.01
    card.pop("retrieval_prior", None)
    (silent / "model.json").write_text(json.dumps(card))
    scores = {}
    for name, extra in (("shipped", ()), ("silent", ("--reader", str(silent)))):
        r = qa("eval", "--gold", str(gold), "--index", str(hash_index), "--no-check", "--report",
               str(tmp_path / name), *extra)  # fmt: skip
        assert r.returncode == 0, r.stderr
        scores[name] = json.loads((tmp_path / name / "gold.json").read_text())["metrics"]
    assert scores["shipped"]["answer_accuracy"] > 0
    assert scores["silent"]["answer_accuracy"] == 0


def test_eval_reports_go_to_the_cache_not_the_checkout(hash_index: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join((ROOT / "eval" / "gold.jsonl").read_text().splitlines()[:2]) + "\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "QA_CACHE_DIR": str(tmp_path / "cache")}
    before = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    r = subprocess.run(
        [sys.executable, "-m", "qa", "eval", "--gold", str(gold), "--index", str(hash_index), "--no-check"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "cache" / "reports" / "gold.json").is_file()
    assert (tmp_path / "cache" / "reports" / "gold.md").is_file()
    after = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    assert after == before

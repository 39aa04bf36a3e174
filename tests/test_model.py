"""Tests with the real packaged all-MiniLM-L6-v2, offline (marked: model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.encoders import OnnxEncoder, SentenceTransformerEncoder, export_onnx, packaged_model_dir

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.model


def test_weights_come_from_the_installed_package() -> None:
    path = packaged_model_dir()
    assert "site-packages" in str(path) or "dist-packages" in str(path)
    assert (path / "model.safetensors").stat().st_size > 80_000_000


def test_onnx_matches_sentence_transformers() -> None:
    texts = [p.read_text("utf-8")[:500] for p in sorted(SEEDS.glob("*.txt"))] + [
        "How many fighters returned?"
    ]
    ref = SentenceTransformerEncoder().encode(texts)
    got = OnnxEncoder(quantized=False, model_dir=export_onnx()).encode(texts)
    assert ref.shape == got.shape == (6, 384)
    assert float((ref * got).sum(axis=1).min()) >= 0.999
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_the_exported_encoder_has_no_softmax_nan_guards() -> None:
    import onnx

    for name in ("model.onnx", "model-int8.onnx"):
        graph = onnx.load(str(export_onnx() / name), load_external_data=False).graph
        assert not [n for n in graph.node if n.op_type == "IsNaN"], name  # qa/onnx_graph.py ran at export
        conditions = [n.input[0] for n in graph.node if n.op_type == "Where"]
        assert len(conditions) == len(set(conditions)), name  # the attention mask built once


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus indexed by `qa index` in its own process (real encoder), once for this module."""
    idx = tmp_path_factory.mktemp("cli") / "idx"
    subprocess.run(
        [sys.executable, "-m", "qa", "index", "--corpus", str(SEEDS), "--index", str(idx)],
        check=True,
        capture_output=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        cwd=ROOT,
    )
    return idx


def test_question_path_imports_no_torch(cli_index: Path) -> None:
    """A cold `qa ask` must not import torch, transformers or gradio (it would cost seconds)."""
    idx = cli_index
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    code = (
        f"import sys, json; from qa.cli import main; sys.argv=['qa','ask','How many?','--index',{str(idx)!r},'--json'];\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(json.dumps(sorted(m for m in ('torch','transformers','gradio','sentence_transformers','spacy') if m in sys.modules)))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []


def test_a_question_is_answered_with_torch_blocked(cli_index: Path) -> None:
    """The reader runs on onnxruntime and tokenizers alone: with torch, transformers and spaCy unimportable,
    `qa ask` still answers from the trained reader."""
    idx = cli_index
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    code = (
        "import sys, json\n"
        "for m in ('torch', 'transformers', 'spacy', 'sentence_transformers'): sys.modules[m] = None\n"
        "from qa.answerer import Answerer\nfrom qa.index import Index\n"
        f"r = Answerer(Index.load({str(idx)!r})).ask('How many foreign fighters have returned home?')\n"
        "print(json.dumps([r.abstained, r.answer.value if r.answer else None]))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [False, 5600]


def test_real_answer_cites_most_articles(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    idx = tmp_path / "idx"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa",
            "ask",
            "How many foreign fighters have returned home?",
            "--json",
            "--index",
            str(idx),
            "--corpus",
            str(SEEDS),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["answer"]["text"] in ("5,600", "at least 5,600") and out["answer"]["value"] == 5600
    assert len({c["doc_id"] for c in out["citations"]}) >= 4
    texts = {p.stem: p.read_text("utf-8") for p in SEEDS.glob("*.txt")}
    for c in out["citations"]:
        assert texts[c["doc_id"]][c["start"] : c["end"]] == c["quote"]


def test_a_demonym_finds_its_country_in_the_bundled_articles(tmp_path: Path) -> None:
    from qa.answerer import Answerer
    from qa.index import BuildSettings, Index
    from qa.index_build import build_index

    build_index(SEEDS, tmp_path / "idx", BuildSettings())
    a = Answerer(Index.load(tmp_path / "idx"))
    french = a.ask("How many French fighters have gone back home?")  # only "France" is written
    assert not french.abstained and french.resolved_question and "France" in french.resolved_question
    assert a.ask("How many fighters came from China?").abstained  # near "Russia" in meaning, not a form of it

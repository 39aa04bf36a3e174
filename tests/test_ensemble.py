"""The logit ensemble of two int8 readers: one graph, the mean of the members' logits, loadable as a reader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import numpy_helper  # noqa: E402

from qa.span_reader import MODEL_DIR, SpanReader  # noqa: E402
from qa.training.export import ensemble_graph, ship_ensemble  # noqa: E402


def _feeds() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    mask = np.ones((2, 24), dtype=np.int64)
    mask[1, 15:] = 0
    embeds = rng.normal(0, 0.05, (2, 24, 384)).astype(np.float32)
    return {"embeds": embeds, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}


def _run(model: bytes | str) -> list[np.ndarray]:
    return ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, _feeds())


def _shifted(tmp_path: Path, start: float, end: float) -> Path:
    """The shipped reader with its head's bias moved: every start logit + start, every end logit + end."""
    model = onnx.load(str(MODEL_DIR / "reader-int8.onnx"))
    (bias,) = [i for i in model.graph.initializer if i.name == "head.bias"]
    bias.CopyFrom(
        numpy_helper.from_array(numpy_helper.to_array(bias) + np.float32([start, end]), "head.bias")
    )
    path = tmp_path / "shifted.onnx"
    onnx.save(model, str(path))
    return path


def test_the_ensemble_is_the_mean_of_its_members(tmp_path: Path) -> None:
    shipped = MODEL_DIR / "reader-int8.onnx"
    merged = ensemble_graph(shipped, _shifted(tmp_path, 2.0, -4.0)).SerializeToString()
    base_start, base_end = _run(str(shipped))
    start, end = _run(merged)
    np.testing.assert_allclose(start, base_start + 1.0, atol=1e-5)
    np.testing.assert_allclose(end, base_end - 2.0, atol=1e-5)


def test_a_shipped_ensemble_loads_checked_and_reads(tmp_path: Path) -> None:
    out = tmp_path / "reader"
    ship_ensemble(MODEL_DIR, MODEL_DIR / "reader-int8.onnx", out)
    card = json.loads((out / "model.json").read_text())
    assert len(card["ensemble"]["members_sha256"]) == 2
    assert card["abstain_confidence"] == SpanReader().abstain_confidence
    article = "The report was written by Richard Barrett, a former MI6 officer."
    (got,) = SpanReader(out).read("Who wrote the report?", [article])
    (want,) = SpanReader().read("Who wrote the report?", [article])
    assert [(h.start, h.end) for h in got] == [(h.start, h.end) for h in want]
    assert got[0].margin == pytest.approx(want[0].margin, abs=1e-4)

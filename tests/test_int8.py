"""Int8 graphs whose sums onnxruntime computes exactly, whatever the CPU."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from qa.files import file_sha256
from qa.int8 import exact_on_every_cpu, require_exact, unsigned_weights
from qa.span_reader import MODEL_DIR
from qa.training.export import unsigned_shipped


def _int8_matmul(weights: np.ndarray, scale: np.ndarray) -> onnx.ModelProto:
    """x (uint8) times int8 weights, then the weights' per-channel scale: quantize_dynamic's layout."""
    nodes = [
        helper.make_node("MatMulInteger", ["x", "w_quantized", "x_zero", "w_zero_point"], ["acc"]),
        helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["accf", "w_scale"], ["y"]),
    ]
    inits = [
        numpy_helper.from_array(weights, "w_quantized"),
        numpy_helper.from_array(np.zeros(weights.shape[1], np.int8), "w_zero_point"),
        numpy_helper.from_array(scale, "w_scale"),
        numpy_helper.from_array(np.array(128, np.uint8), "x_zero"),
    ]
    graph = helper.make_graph(
        nodes,
        "mm",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, ["b", weights.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", weights.shape[1]])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})[0]


def _exact(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    acc = (x.astype(np.int64) - 128) @ init["w_quantized"].astype(np.int64)
    return (acc.astype(np.float64) * init["w_scale"]).astype(np.float32)


def test_unsigned_weights_give_the_exact_sums_of_the_same_weights() -> None:
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, (256, 64)).astype(np.int8)
    w[0] = 127  # every channel reaches the full range, as a symmetric quantizer makes it
    scale = rng.uniform(0.001, 0.01, 64).astype(np.float32)
    x = rng.integers(0, 256, (16, 256)).astype(np.uint8)
    model = _int8_matmul(w, scale)
    exact = _exact(model, x)
    assert not exact_on_every_cpu(model)
    assert unsigned_weights(model) == 1
    assert exact_on_every_cpu(model)
    stored = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    assert np.array_equal(stored["w_quantized"].astype(np.int32) - stored["w_zero_point"].astype(np.int32), w)
    assert np.allclose(_run(model, x), exact, rtol=1e-6, atol=1e-4)  # no saturated pair sums
    assert unsigned_weights(model) == 0  # already unsigned: left as it is


def test_seven_bit_weights_are_exact_too() -> None:
    rng = np.random.default_rng(1)
    model = _int8_matmul(rng.integers(-64, 65, (256, 32)).astype(np.int8), np.ones(32, np.float32))
    x = rng.integers(0, 256, (8, 256)).astype(np.uint8)
    assert exact_on_every_cpu(model)
    assert np.allclose(_run(model, x), _exact(model, x))


def test_an_export_refuses_a_graph_that_would_saturate(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    full, seven = tmp_path / "full.onnx", tmp_path / "seven.onnx"
    onnx.save(_int8_matmul(rng.integers(-127, 128, (64, 8)).astype(np.int8), np.ones(8, np.float32)), full)
    onnx.save(_int8_matmul(rng.integers(-64, 65, (64, 8)).astype(np.int8), np.ones(8, np.float32)), seven)
    require_exact(seven)
    with pytest.raises(ValueError, match="saturate"):
        require_exact(full)


def test_the_shipped_reader_multiplies_the_same_way_on_every_cpu() -> None:
    assert exact_on_every_cpu(onnx.load(str(MODEL_DIR / "reader-int8.onnx")))


def test_storing_a_shipped_reader_unsigned_rewrites_it_and_its_checksum(tmp_path: Path) -> None:
    onnx.save(
        _int8_matmul(np.full((8, 4), -127, np.int8), np.ones(4, np.float32)),
        str(tmp_path / "reader-int8.onnx"),
    )
    (tmp_path / "model.json").write_text(json.dumps({"files": {"reader-int8.onnx": "old"}}))
    assert unsigned_shipped(tmp_path) == 1
    card = json.loads((tmp_path / "model.json").read_text())
    assert card["files"]["reader-int8.onnx"] == file_sha256(tmp_path / "reader-int8.onnx")
    assert exact_on_every_cpu(onnx.load(str(tmp_path / "reader-int8.onnx")))
    assert unsigned_shipped(tmp_path) == 0

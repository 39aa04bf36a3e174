"""The graph clean-up drops torch's softmax NaN guards and repeated mask nodes and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from qa.files import file_sha256
from qa.onnx_graph import simplify
from qa.span_reader import MODEL_DIR
from qa.training import export
from qa.training.export import simplify_shipped


def _const(name: str, value: float) -> onnx.NodeProto:
    return helper.make_node(
        "Constant", [], [name], value=helper.make_tensor(name, TensorProto.FLOAT, [], [value])
    )


def _attention_like() -> onnx.ModelProto:
    """Two 'layers', each rebuilding the additive mask and guarding its softmax, as torch exports them;
    plus a Where on IsNaN whose fill is not a constant, which is not torch's guard and must stay."""
    nodes = []
    for layer, x in enumerate(["x", "h0"]):
        nodes += [
            _const(f"zero{layer}", 0.0),
            _const(f"ninf{layer}", float("-inf")),
            helper.make_node("Where", ["mask", f"zero{layer}", f"ninf{layer}"], [f"m{layer}"]),
            helper.make_node("Add", [x, f"m{layer}"], [f"a{layer}"]),
            helper.make_node("Softmax", [f"a{layer}"], [f"p{layer}"], axis=-1),
            helper.make_node("IsNaN", [f"p{layer}"], [f"nan{layer}"]),
            _const(f"fill{layer}", 0.0),
            helper.make_node("Where", [f"nan{layer}", f"fill{layer}", f"p{layer}"], [f"h{layer}"]),
        ]
    nodes += [
        helper.make_node("IsNaN", ["x"], ["xnan"]),
        helper.make_node("Where", ["xnan", "h1", "x"], ["y0"]),  # the fill is computed: kept
        helper.make_node("Add", ["y0", "h1"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4]),
            helper.make_tensor_value_info("mask", TensorProto.BOOL, [2, 4]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)[0]


def test_guards_and_repeated_masks_go_and_the_output_is_the_same() -> None:
    model = _attention_like()
    feeds = {
        "x": np.random.default_rng(0).normal(size=(2, 4)).astype(np.float32),
        "mask": np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool),
    }
    before = _run(model, feeds)
    dropped = simplify(model)
    onnx.checker.check_model(model)
    ops = [n.op_type for n in model.graph.node]
    # Two guards (IsNaN, Where, fill constant each) and the second mask (Where and two constants) went.
    assert dropped == 9
    assert ops.count("Where") == 2 and ops.count("IsNaN") == 1  # the first mask, and the non-guard
    assert np.array_equal(_run(model, feeds), before)
    assert simplify(model) == 0


def test_the_shipped_reader_is_simplified() -> None:
    graph = onnx.load(str(MODEL_DIR / "reader-int8.onnx")).graph
    assert not [n for n in graph.node if n.op_type == "IsNaN"]
    conditions = [n.input[0] for n in graph.node if n.op_type == "Where"]
    assert len(conditions) == len(set(conditions)) == 2  # the padding mask built once, then its float form


def _guarded_reader() -> onnx.ModelProto:
    """A reader-shaped graph (embeds, attention_mask, token_type_ids -> logits) with one softmax NaN guard."""
    nodes = [
        helper.make_node(
            "Constant", [], ["axes"], value=helper.make_tensor("axes", TensorProto.INT64, [1], [2])
        ),
        helper.make_node("ReduceSum", ["embeds", "axes"], ["s"], keepdims=0),
        helper.make_node("Softmax", ["s"], ["p"], axis=-1),
        helper.make_node("IsNaN", ["p"], ["nan"]),
        _const("fill", 0.0),
        helper.make_node("Where", ["nan", "fill", "p"], ["g"]),
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["g", "m"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "reader",
        [
            helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["b", "t", 384]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"]),
            helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, ["b", "t"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["b", "t"])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _package(tmp_path: Path) -> Path:
    onnx.save(_guarded_reader(), str(tmp_path / "reader-int8.onnx"))
    card = {"files": {"reader-int8.onnx": file_sha256(tmp_path / "reader-int8.onnx")}}
    (tmp_path / "model.json").write_text(json.dumps(card))
    return tmp_path


def test_simplifying_a_shipped_reader_rewrites_it_and_its_checksum(tmp_path: Path) -> None:
    package = _package(tmp_path)
    assert simplify_shipped(package) == 3  # IsNaN, Where and the fill constant
    card = json.loads((package / "model.json").read_text())
    assert card["files"]["reader-int8.onnx"] == file_sha256(package / "reader-int8.onnx")
    assert not [n for n in onnx.load(str(package / "reader-int8.onnx")).graph.node if n.op_type == "IsNaN"]


def test_a_simplification_that_changes_the_logits_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _package(tmp_path)
    before = {p.name: p.read_bytes() for p in package.iterdir()}

    def wrong(model: onnx.ModelProto) -> int:
        dropped = simplify(model)
        softmax = next(n for n in model.graph.node if n.op_type == "Softmax")
        softmax.attribute[0].i = 0  # over the batch instead of the tokens: other logits
        return dropped

    monkeypatch.setattr(export, "simplify", wrong)
    with pytest.raises(SystemExit, match="gives other logits"):
        simplify_shipped(package)
    assert {p.name: p.read_bytes() for p in package.iterdir()} == before

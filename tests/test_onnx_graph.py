"""The graph clean-up drops torch's softmax NaN guards and repeated mask nodes and nothing else."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

from qa.onnx_graph import simplify
from qa.span_reader import MODEL_DIR


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

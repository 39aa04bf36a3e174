"""Int8 weights that every CPU multiplies the same way.

onnxruntime multiplies uint8 activations by int8 weights (``MatMulInteger``). On x86 CPUs without VNNI (AVX2,
plain AVX-512) its kernel adds pairs of products in 16 bits with saturation: 255 × 127 × 2 overflows, so the
sums come out wrong, by an amount that depends on the CPU. A reader or encoder quantized to the full int8 range
answers differently on an AVX2 machine than on a VNNI one (on the bundled gold set 7 of 87 questions flipped).
Weights within [-64, 64] cannot overflow (255 × 64 × 2 = 32,640), so every CPU computes the exact sums: that is
onnxruntime's ``reduce_range``, used by both exports, and what ``seven_bit_weights`` does to an int8 graph
already quantized to the full range (each weight halved and rounded, its channel's scale doubled).
"""

from __future__ import annotations

from typing import Any

import numpy as np

LIMIT = 64  # |weight| at most this: pair sums of 255 x 64 x 2 fit in int16


def widest_weight(model: Any) -> int:
    """The largest |int8 weight| of ``model``'s integer MatMuls (0 when it has none)."""
    from onnx import TensorProto, numpy_helper

    init = {i.name: i for i in model.graph.initializer}
    widest = 0
    for node in model.graph.node:
        weight = init.get(node.input[1]) if node.op_type == "MatMulInteger" else None
        if weight is not None and weight.data_type == TensorProto.INT8:
            widest = max(widest, int(np.abs(numpy_helper.to_array(weight).astype(np.int32)).max()))
    return widest


def seven_bit_weights(model: Any) -> int:
    """Requantize ``model``'s (an ``onnx.ModelProto``, changed in place) full-range int8 MatMul weights into
    the signed 7-bit range [-64, 63]: each weight halved and rounded, its scale doubled. Only symmetric weights (zero point 0, as
    ``quantize_dynamic`` writes int8) are changed; weights already within the limit are left. Returns how
    many weight tensors changed."""
    from onnx import TensorProto, numpy_helper

    init = {i.name: i for i in model.graph.initializer}
    changed = 0
    scaled: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "MatMulInteger" or node.input[1] not in init:
            continue
        weight = init[node.input[1]]
        if weight.data_type != TensorProto.INT8:
            continue
        q = numpy_helper.to_array(weight).astype(np.int32)
        if np.abs(q).max() <= LIMIT:
            continue
        zero = init.get(node.input[3]) if len(node.input) > 3 else None
        if zero is not None and numpy_helper.to_array(zero).any():
            raise ValueError(f"{weight.name}: an asymmetric int8 weight cannot be halved in place")
        scale = init.get(node.input[1].removesuffix("_quantized") + "_scale")
        if scale is None or scale.name in scaled:
            raise ValueError(f"{weight.name}: no scale initializer of its own")
        scaled.add(scale.name)
        halved = np.clip(np.round(q / 2), -LIMIT, LIMIT - 1).astype(np.int8)  # the signed 7-bit range
        weight.CopyFrom(numpy_helper.from_array(halved, weight.name))
        scale.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(scale) * np.float32(2), scale.name))
        changed += 1
    return changed

"""Int8 graphs that every CPU multiplies the same way.

onnxruntime multiplies uint8 activations by int8 weights (``MatMulInteger``). On x86 CPUs without VNNI (AVX2,
plain AVX-512) its kernel adds pairs of products in 16 bits with saturation: 255 × 127 × 2 overflows, so the
sums come out wrong, by an amount that depends on the CPU. A reader or encoder quantized to the full int8 range
answers differently on an AVX2 machine than on a VNNI one (on the bundled gold set 7 of 87 questions flipped).
Two ways out, both exact on every CPU:
- weights within [-64, 64] cannot overflow (255 × 64 × 2 = 32,640): onnxruntime's ``reduce_range``, used when a
  graph is quantized from fp32 (the encoder's export, a new reader's);
- the same int8 weights stored as uint8 with zero point 128 (``unsigned_weights``): (w + 128) − 128 is w, the
  graph computes the very same products, and onnxruntime's uint8 × uint8 kernel does not saturate. Lossless,
  for a reader whose fp32 weights are gone (the shipped one); about 10% slower than the int8 kernel on AVX2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LIMIT = 64  # an int8 weight at most this far from zero: pair sums of 255 x 64 x 2 fit in int16


def _integer_weights(model: Any) -> list[tuple[Any, Any]]:
    """Each ``MatMulInteger``'s weight initializer with its zero-point initializer (or None)."""
    init = {i.name: i for i in model.graph.initializer}
    out = []
    for node in model.graph.node:
        if node.op_type == "MatMulInteger" and node.input[1] in init:
            zero = init.get(node.input[3]) if len(node.input) > 3 else None
            out.append((init[node.input[1]], zero))
    return out


def exact_on_every_cpu(model: Any) -> bool:
    """Whether every integer MatMul of ``model`` has weights no CPU's kernel saturates on: uint8, or int8
    within ``LIMIT``. False for a graph without integer MatMuls."""
    from onnx import TensorProto, numpy_helper

    found = _integer_weights(model)
    for weight, _ in found:
        if weight.data_type == TensorProto.UINT8:
            continue
        if np.abs(numpy_helper.to_array(weight).astype(np.int32)).max() > LIMIT:
            return False
    return bool(found)


def require_exact(path: Any) -> None:
    """Raise unless the graph at ``path`` is exact on every CPU: an export checks what ``quantize_dynamic``
    wrote before it replaces the last good file (a future onnxruntime could change ``reduce_range``)."""
    import onnx

    if not exact_on_every_cpu(onnx.load(str(path))):
        raise ValueError(f"{path}: int8 weights beyond [-{LIMIT}, {LIMIT}] would saturate on AVX2 CPUs")


def unsigned_weights(model: Any) -> int:
    """Store ``model``'s (an ``onnx.ModelProto``, changed in place) full-range int8 MatMul weights as uint8:
    weight and zero point both + 128, so every product is the same. Returns how many weights changed."""
    from onnx import TensorProto, numpy_helper

    changed = 0
    for weight, zero in _integer_weights(model):
        if weight.data_type != TensorProto.INT8:
            continue
        if zero is None:
            raise ValueError(f"{weight.name}: no zero-point initializer to move with it")
        for tensor in (weight, zero):
            if tensor.data_type != TensorProto.INT8:
                continue  # a zero point shared with a weight already moved
            shifted = numpy_helper.to_array(tensor).astype(np.int16) + 128
            tensor.CopyFrom(numpy_helper.from_array(shifted.astype(np.uint8), tensor.name))
        changed += 1
    return changed

"""The span model (the packaged encoder, frozen embeddings, a start/end head) and loading its weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qa.encoders import packaged_model_dir


def build_model():  # type: ignore[no-untyped-def]
    import torch
    from transformers import AutoModel

    class SpanModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # float32 whatever dtype the weights are stored in: AdamW needs full-precision parameters.
            self.encoder = AutoModel.from_pretrained(
                str(packaged_model_dir()), local_files_only=True, dtype=torch.float32
            )
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2)
            for p in self.encoder.embeddings.parameters():
                p.requires_grad = False  # the packaged embeddings: frozen, so not shipped

        def forward(self, ids, types, mask):  # type: ignore[no-untyped-def]
            h = self.encoder(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
            logits = self.head(h)
            neg = torch.finfo(logits.dtype).min
            start, end = logits[..., 0], logits[..., 1]
            return start.masked_fill(mask == 0, neg), end.masked_fill(mask == 0, neg)

    return SpanModel()


def init_from_onnx(model: Any, path: Path) -> None:
    """Load a shipped reader's weights into ``model``: int8 MatMul weights dequantized ((q - zero) * scale,
    transposed to torch's layout), the rest copied by name. ``path``: the int8 graph, or a reader's folder
    (``qa/reader_model``) that holds it."""
    import onnx
    import torch
    from onnx import numpy_helper

    if path.is_dir():
        path = path / "reader-int8.onnx"
    graph = onnx.load(str(path)).graph
    arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = model.state_dict()
    loaded: dict[str, Any] = {}
    for node in graph.node:
        if node.op_type == "MatMulInteger" and node.name.endswith("/MatMul_quant"):
            name = node.name.strip("/").removesuffix("/MatMul_quant").replace("/", ".") + ".weight"
            q = node.input[1]
            base = q.removesuffix("_quantized")
            w = (arrays[q].astype(np.float32) - arrays[base + "_zero_point"]) * arrays[base + "_scale"]
            loaded[name] = torch.from_numpy(np.ascontiguousarray(w.T))
    loaded |= {k: torch.from_numpy(v.copy()) for k, v in arrays.items() if k in state}
    unused = ("encoder.embeddings.", "encoder.pooler.")  # frozen, or not in the graph
    missing = [k for k in state if k not in loaded and not k.startswith(unused)]
    if missing or any(loaded[k].shape != state[k].shape for k in loaded):
        raise SystemExit(f"error: {path} does not hold this reader's weights ({len(missing)} missing)")
    model.load_state_dict(loaded, strict=False)


def load_trained(run: Path):  # type: ignore[no-untyped-def]
    """The model of a finished run (``reader.pt``) or of its latest checkpoint."""
    import torch

    model = build_model()
    if (run / "reader.pt").exists():
        state = torch.load(run / "reader.pt", weights_only=True, map_location="cpu")
    else:
        state = torch.load(run / "checkpoint.pt", weights_only=False, map_location="cpu")["model"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("encoder.embeddings.") for k in missing):
        raise SystemExit(f"error: {run} does not hold this reader's weights")
    return model.eval()


def average(init: Path, run: Path, out: Path, share: float = 0.5) -> None:
    """Write into ``out`` a reader whose weights are ``share`` of ``run``'s and the rest of the shipped reader
    ``init``'s (a weight-space ensemble of two fine-tunings from the same start), ready for ``--export``."""
    import shutil

    import torch

    base = build_model()
    init_from_onnx(base, init)
    start = base.state_dict()
    tuned = torch.load(run / "reader.pt", weights_only=True, map_location="cpu")
    mixed = {k: share * v + (1 - share) * start[k] if v.is_floating_point() else v for k, v in tuned.items()}
    out.mkdir(parents=True, exist_ok=True)
    torch.save(mixed, out / "reader.pt")
    shutil.copyfile(run / "settings.json", out / "settings.json")

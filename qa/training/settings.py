"""Training settings and where the training data is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path("../shared/data/qa-train.json.gz")


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    max_len: int = 256
    stride: int = 96
    # Training reads one window of at most this many tokens per example (the answer's, for positives):
    # close to the ~110-token passages read at answer time, and cheaper than whole paragraphs.
    train_len: int = 160
    batch_size: int = 16
    lr: float = 1e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_steps: int = 3000
    dev_fraction: float = 0.04
    same_article_negatives: float = 0.35  # share of questions that get one such negative
    bm25_negatives: float = 0.35
    eval_every: int = 250
    save_every: int = 250
    dev_questions: int = 600
    # Shared normalisation (Clark & Gardner 2018) when above 1: each question is read with this many windows,
    # its answer's and distractors' (another paragraph of its article, the best BM25 paragraphs of other
    # articles), and the answer must beat every span and every "no answer" of the whole group, each window's
    # logits taken relative to its own [CLS], as the answerer compares passages by span minus "no answer".
    group_size: int = 1
    # Start from a shipped reader (its int8 ONNX graph, dequantized) instead of the packaged encoder.
    init: str = ""
    # A share of the answerable examples read with a decoy beside the answer's sentence: a copy of it with
    # another answer and one of the question's names swapped for another (after Jia & Liang's AddSent, 2017),
    # so the reader must bind the answer to the question's names, not take any figure of the right kind.
    decoys: float = 0.0
    # Binding examples (qa/training/binding_examples.py) from this Reuters-21578 file, repeated until they are
    # this share of the training examples; "" for none.
    binding: str = ""
    binding_share: float = 0.03
    # "auto": a CUDA GPU when torch sees one (bf16 autocast), else the CPU; "cpu" or "cuda" to choose.
    device: str = "auto"

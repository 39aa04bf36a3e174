"""Process-wide settings: paths, thread counts, offline mode."""

from __future__ import annotations

import os
from pathlib import Path

# Nothing downloads at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_INDEX = Path("index")
DEFAULT_CORPUS = Path("corpus")


def threads() -> int:
    """One pool per process sized to the cores (QA_THREADS overrides): onnxruntime, torch and faiss
    each get this many, and they never run at the same time, so 2 cores are not oversubscribed."""
    env = os.environ.get("QA_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(os.cpu_count() or 1, 4))


def cache_dir() -> Path:
    env = os.environ.get("QA_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa-news"

"""Articles added from the web chat: checked before anything is written, then saved atomically.

Each file is judged alone and gets its own message; a bad file never stops the good ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qa.corpus import _read_jsonl, _read_text_file, corpus_files, load_corpus
from qa.files import write_atomic

UPLOAD_DIR = "uploads"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 5_000_000
    max_files: int = 20
    suffixes: tuple[str, ...] = (".txt", ".md", ".jsonl")


def safe_name(name: str) -> str:
    """A plain file name: no folders, no leading dot, only word characters, dots and dashes."""
    base = re.sub(r"[^\w.-]+", "_", Path(name).name).lstrip(".") or "article"
    return base[:120]


def check_upload(path: Path, limits: UploadLimits, known_ids: set[str]) -> tuple[str | None, set[str]]:
    """(problem or None, ids of the articles the file holds, as saved under its safe name)."""
    suffix = path.suffix.lower()
    if suffix not in limits.suffixes:
        return f"type {suffix or '(none)'} not accepted (use {', '.join(limits.suffixes)})", set()
    try:
        size = path.stat().st_size
    except OSError as e:
        return f"cannot read ({e.strerror or e})", set()
    if size > limits.max_bytes:
        return f"{size / 1e6:.1f} MB is over the {limits.max_bytes / 1e6:.0f} MB limit", set()
    problems: list[str] = []
    if suffix == ".jsonl":
        ids = [a.id for a in _read_jsonl(path, problems.append)]
    else:
        ids = [Path(safe_name(path.name)).stem] if _read_text_file(path, problems.append) else []
    # The loaders' messages start with "skipped PATH:"; the user knows which file this is.
    problems = [
        p.replace(f"skipped {path}: ", "").replace(f"skipped {path}:", "line ").replace(f"{path}:", "line ")
        for p in problems
    ]
    if problems and not ids:
        return problems[0], set()
    if not ids:
        return "no articles in the file", set()
    clash = sorted((set(ids) & known_ids) | {i for i in ids if ids.count(i) > 1})
    if clash:
        return f"article id already in the corpus: {', '.join(clash[:3])}", set()
    if problems:
        return f"{len(problems)} bad line(s), e.g. {problems[0]}", set()
    return None, set(ids)


def save_uploads(files: list[Path], corpus: Path, limits: UploadLimits) -> tuple[list[Path], list[str]]:
    """Validate each upload and copy the good ones into ``corpus/uploads/``. Returns (saved, messages)."""
    messages: list[str] = []
    if len(files) > limits.max_files:
        return [], [f"too many files at once ({len(files)}; at most {limits.max_files})"]
    known = {a.id for a in load_corpus(corpus).articles} if corpus_files(corpus) else set()
    target_dir = corpus / UPLOAD_DIR
    saved = []
    for f in files:
        name = safe_name(f.name)
        problem, ids = check_upload(f, limits, known)
        if problem:
            messages.append(f"{name}: {problem}")
            continue
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / name
        if target.exists():
            messages.append(f"{name}: a file of that name is already in the corpus")
            continue
        write_atomic(target, f.read_bytes())
        saved.append(target)
        messages.append(f"{name}: added ({len(ids)} article{'s' if len(ids) != 1 else ''})")
        known |= ids
    return saved, messages

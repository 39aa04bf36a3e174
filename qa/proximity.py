"""How close a span sits to the question's words in its passage: the reader's spans reranked by it.

The span reader scores a span from its whole window; in a dense list ("400 of the 3,417 fighters from Russia;
760 of the 3,244 from Saudi Arabia") it often prefers a figure stated of something else. ``closeness`` is the
idf-weighted share of the question's terms found near the span, each counted by ``exp(-(distance - 1) / reach)``
with the distance in words (1: adjacent), so a figure beside the name the question asks about gains over one
beside another name. The weight and reach are chosen on held-out training articles (``eval/tune_reader.py``) and
kept in the model's card.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from qa.text import term_offsets, terms


@dataclass(frozen=True)
class Proximity:
    weight: float = 0.0  # logits added for a span with every question term beside it
    reach: float = 4.0  # words at which a term's credit falls to 1/e


NO_PROXIMITY = Proximity()


def question_weights(question: str, idf: dict[str, float], default: float) -> dict[str, float]:
    """Each distinct content term of the question, weighted by its rarity in the corpus."""
    return {t: idf.get(t, default) for t in dict.fromkeys(terms(question))}


class PassageTerms:
    """Word positions of each term in one passage, to measure distances from spans."""

    def __init__(self, text: str) -> None:
        self.words = term_offsets(text)
        self.starts = [a for _, a, _ in self.words]
        self.positions: dict[str, list[int]] = {}
        for i, (t, _, _) in enumerate(self.words):
            if t:
                self.positions.setdefault(t, []).append(i)

    def closeness(self, weights: dict[str, float], start: int, end: int, reach: float) -> float:
        """Share (0..1) of the question's weight near the span [start, end) (offsets into the passage)."""
        total = sum(weights.values())
        if total <= 0 or not self.words:
            return 0.0
        first = max(0, bisect.bisect_right(self.starts, start) - 1)
        last = max(first, bisect.bisect_left(self.starts, end) - 1)
        got = 0.0
        for t, w in weights.items():
            best = math.inf
            for j in self.positions.get(t, ()):
                if first <= j <= last:
                    continue  # the span's own words say nothing about where it sits
                best = min(best, first - j if j < first else j - last)
            if best < math.inf:
                got += w * math.exp(-(best - 1) / reach)
        return got / total

"""Link a people's or place's name in a question to the corpus's own place names by meaning.

"French" asked, "France" written; "British" asked, "the United Kingdom" written. No table of demonyms: the
sentence encoder places a demonym next to its country (French/France 0.73, British/Britain 0.79,
Dutch/Netherlands 0.78 with all-MiniLM-L6-v2) and well below other countries (French/Tunisia 0.36,
Moroccan/Tunisia 0.61, Danish/Sweden 0.59), so a threshold between the two links one to the other. The int8
encoder's vectors move by about 0.01 with the batch they are computed in, hence 0.65 rather than 0.7.

A people names one place. A demonym of a country the corpus never names sits near its neighbours ("Uzbek":
Turkmenistan 0.67, Kyrgyzstan 0.65), so a link must beat every other place by a margin; another form of the
same name ("UK" beside "United Kingdom", "U.S." beside "USA") is not a rival.
"""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np

from qa.encoders import Encoder

PLACE_LABELS = frozenset({"GPE", "LOC"})


def _initials(name: str) -> str:
    """ "United Kingdom" -> "UK", "U.S." -> "US", "USA" -> "USA"; "" for a single lower-case word."""
    letters = name.replace(".", "")
    if letters.isupper():
        return letters.replace(" ", "")
    words = re.findall(r"[A-Z]", name)
    return "".join(words) if len(words) >= 2 else ""


def same_place(a: str, b: str) -> bool:
    """Two forms of one name: equal, or one the other's initials ("UK"/"United Kingdom", "US"/"USA")."""
    if a.replace(".", "").lower() == b.replace(".", "").lower():
        return True
    x, y = sorted((_initials(a), _initials(b)), key=len)
    return len(x) >= 2 and y.startswith(x)


class PlaceLinker:
    """Cheap to construct; the corpus's place names are embedded on the first ``link``."""

    def __init__(
        self, encoder: Encoder, places: list[str], threshold: float = 0.65, margin: float = 0.1
    ) -> None:
        self.encoder = encoder
        self.places = sorted(set(places))
        self.threshold = threshold
        self.margin = margin
        self._seen: dict[tuple[str, bool], tuple[str, ...]] = {}

    @cached_property
    def _vectors(self) -> np.ndarray:
        if not self.places:
            return np.zeros((0, self.encoder.dim), np.float32)
        v = self.encoder.encode(self.places, batch_size=256)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def warm(self) -> None:
        """Embed the corpus's places now (about a second for 3,400 places) instead of on the first link."""
        _ = self._vectors

    def link(self, word: str, unknown: bool = False) -> tuple[str, ...]:
        """The corpus place names ``word`` names, best first: the best place and its other forms, when it
        clears the threshold and beats every other place by ``margin``.

        A word the corpus never uses may itself be another place ("China" is 0.73 from "Russia"): it links
        only to places sharing its first letter, that beat every place of another letter by ``margin``."""
        key = (word, unknown)
        if key not in self._seen:
            found: list[str] = []
            if self.places:
                q = self.encoder.encode([word])[0]
                sims = self._vectors @ (q / max(float(np.linalg.norm(q)), 1e-12))
                order = np.argsort(-sims)
                close = [i for i in order if sims[i] >= self.threshold and self.places[i] != word]
                if unknown:
                    initial = word[:1].lower()
                    rival = max(
                        (float(sims[i]) for i, p in enumerate(self.places) if p[:1].lower() != initial),
                        default=0.0,
                    )
                    close = [
                        i
                        for i in close
                        if self.places[i][:1].lower() == initial and float(sims[i]) - rival >= self.margin
                    ]
                if close:
                    head = self.places[close[0]]
                    rival = max(
                        (float(sims[i]) for i, p in enumerate(self.places) if not same_place(p, head)),
                        default=0.0,
                    )
                    if float(sims[close[0]]) - rival >= self.margin:
                        found = [self.places[i] for i in close if same_place(self.places[i], head)]
            self._seen[key] = tuple(found)
        return self._seen[key]

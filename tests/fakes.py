"""A deterministic stand-in for the span reader: it finds the phrases it is given, with the margins given."""

from __future__ import annotations

from qa.proximity import NO_PROXIMITY, Proximity
from qa.span_reader import NO_PRIOR, RetrievalPrior, SpanHit


class ScriptedSpans:
    """Reads each passage for the scripted phrases; a phrase found is a span with its scripted margin over
    "no answer". Records the questions it was asked."""

    name = "scripted"

    def __init__(
        self,
        phrases: dict[str, float],
        abstain_confidence: float = 0.5,
        proximity: Proximity = NO_PROXIMITY,
        retrieval_prior: RetrievalPrior = NO_PRIOR,
    ) -> None:
        self.phrases = phrases
        self.abstain_confidence = abstain_confidence
        self.proximity = proximity
        self.retrieval_prior = retrieval_prior
        self.questions: list[str] = []
        self.calls = 0

    def read(self, question: str, texts: list[str], top: int = 3) -> list[list[SpanHit]]:
        self.questions.append(question)
        self.calls += 1
        out = []
        for p, text in enumerate(texts):
            hits = [
                SpanHit(p, text.index(phrase), text.index(phrase) + len(phrase), margin, 0.0)
                for phrase, margin in self.phrases.items()
                if phrase in text
            ]
            out.append(sorted(hits, key=lambda h: -h.margin)[:top])
        return out

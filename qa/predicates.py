"""What a clause says its subject did: the verb of its perfect or passive verb phrase.

"How many Uzbek nationals have returned home?" asks about those who *returned*; "1,500 Uzbek nationals have
fought alongside IS" states a figure of those who *fought*. Without a parser on the question path only the
unambiguous forms are read: "have/has/had [been] <participle>" and "is/are/was/were <-ed participle>". A passive
verb followed by "to" ("are estimated to go", "were expected to attend") reports or hedges: it is not the
predicate.

Two predicates say the same when their verbs with a particle do ("come back" / "returned"), or their verbs with
the words that complete them do ("come back to the UK" / "travelled to the UK" of British fighters), as the
sentence encoder judges; "returned home" / "fought alongside IS militants" do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.text import STOPWORDS

_ADVERB = r"(?:[a-z]+ly|now|also|already|not|never|still|just|ever|since|so\s+far|all|both)"
_VERB_PHRASE = re.compile(
    rf"\b(?:(have|has|had|'ve)|is|are|was|were)\s+(?:{_ADVERB}\s+)*(?:(been|being)\s+(?:{_ADVERB}\s+)*)?"
    r"((?-i:[a-z]+))\b(\s+to\b)?",  # a participle is lower-case: "has Harvard topped" inverts
    re.I,
)
# A verb phrase of a clause inside the noun phrase: "residents who have ...", "thought to have gone".
_EMBEDDED = re.compile(rf"\b(?:to|who|which|that|whom)\s+(?:{_ADVERB}\s+)*$", re.I)
_PARTICLE = re.compile(r"\s+(back|home|out|up|down|off|away|over)\b", re.I)
_COMPLEMENT = re.compile(r"(?:\s+[\w'’-]+(?:[.,]\d+)*){0,6}")


@dataclass(frozen=True)
class Predicate:
    verb: str  # the participle, lower-cased: "returned"
    head: str  # with its particle: "come back"
    phrase: str  # with up to six words that complete it: "come back to the UK"


def predicate(
    text: str, start: int = 0, end: int | None = None, reach: int | None = None
) -> Predicate | None:
    """The main perfect or passive verb phrase in ``text[start:end]``; its complement may run on to
    ``reach``. Verb phrases of embedded clauses ("who have ...", "thought to have gone") are passed over.
    None when the main one has no participle ("are now back", "were in attendance") or there is none."""
    end = len(text) if end is None else end
    for m in _VERB_PHRASE.finditer(text, start, end):
        if _EMBEDDED.search(text, max(start, m.start() - 40), m.start()):
            continue
        word = m.group(3).lower()
        passive = not m.group(1) or m.group(2)
        regular = word.endswith("ed") and len(word) > 4
        if word in STOPWORDS or re.fullmatch(_ADVERB, word) or (passive and (m.group(4) or not regular)):
            return None  # after a form of "be", only a regular participle is surely a verb
        limit = max(end, reach or end)
        particle = _PARTICLE.match(text, m.end(3), limit)
        complement = _COMPLEMENT.match(text, m.end(3), limit)
        words = (m.group(3) + complement.group(0)).split()  # type: ignore[union-attr]
        while len(words) > 1 and words[-1].lower() in STOPWORDS:
            words.pop()  # "come back to the" -> "come back"
        return Predicate(word, m.group(3) + (particle.group(0) if particle else ""), " ".join(words))
    return None

"""Follow-up questions: resolve "And from France?" against the earlier turns, and restate it as a whole
question by replacing what the new turn replaces ("And how many returned?" after "How many fighters came from
Tunisia?" -> "How many fighters from Tunisia returned?"); two questions are never glued together."""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.models import Answer, Candidate
from qa.question import is_elliptical

_LEAD = re.compile(r"^\s*(?:and|but|also|so|what about|how about|what of|same for)\b[\s,]*", re.I)
_WH = re.compile(r"^(?:how|what|which|who|whom|whose|when|where|why)\b", re.I)
_HOW_MUCH = re.compile(r"^(how (?:many|much))\b\s*(.*)$", re.I)
_OF_THEM = re.compile(r"\bof (?:them|those|these)\b", re.I)
_PREP = "from|in|for|of|to|at|about|among|by|with|on|into|during|since|before|after|per"
_PP_START = re.compile(rf"^({_PREP})\s+(.+)$", re.I)
_NAME = r"[A-Z][\w’'.&-]*(?:\s+(?:of\s+|and\s+|the\s+|de\s+)?[A-Z][\w’'.&-]*)*"
_CAPITALIZED = re.compile(_NAME)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_TIME = re.compile(r"\b(?:(?:last|this|next) (?:year|month|week|quarter)|in (?:1[89]|20)\d\d)\b", re.I)
_AUX = frozenset(
    ["is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had", "will", "would", "can", "could", "shall", "should", "may", "might", "must"]
)  # fmt: skip
# Common irregular past forms and verbs a news question puts after its subject ("How many fighters came ...").
_VERBS = frozenset(
    ["came", "come", "went", "go", "left", "leave", "fought", "fight", "took", "take", "made", "make", "got", "get", "gave", "give", "saw", "see", "ran", "run", "won", "win", "lost", "lose", "paid", "pay", "sold", "sell", "bought", "buy", "held", "hold", "built", "build", "began", "begin", "fell", "fall", "rose", "rise", "grew", "grow", "spent", "spend", "sent", "send", "brought", "bring", "became", "become", "flew", "fly", "fled", "flee", "met", "meet", "put", "set", "kept", "keep", "told", "tell", "said", "say", "found", "find", "live", "die", "stay", "join", "return", "travel", "remain"]
)  # fmt: skip
_NOT_VERBS = frozenset(
    ["united", "red", "hundred", "need", "feed", "seed", "bed", "speed", "based", "related"]
)
_SUBJECT_PRONOUNS = {"it", "he", "she", "they"}
_OBJECT_PRONOUNS = {"him", "them"}
_POSSESSIVES = {"its", "his", "her", "their"}

Kind = Callable[[str], str | None]  # a name -> its entity label in the corpus (GPE, ORG, ...), if known


def resolve(question: str, history: list[str] | tuple[str, ...]) -> tuple[str, list[str]]:
    """(text to retrieve with, earlier resolved turns that the question leans on).

    A self-contained question stands alone. An elliptical one is read together with the previous
    turn, itself resolved the same way, so chains of follow-ups keep their subject.
    """
    if not history:
        return question, []
    prev, _ = resolve(history[-1], history[:-1])
    if not is_elliptical(question):
        return question, []
    fragment = _LEAD.sub("", question).strip()
    return f"{fragment} {prev}".strip(), [prev]


def _is_verb(word: str) -> bool:
    low = word.lower()
    if not low.isalpha() or word[:1].isupper():
        return False
    if low in _AUX or low in _VERBS:
        return True
    return low.endswith("ed") and len(low) > 4 and low not in _NOT_VERBS


def _subject(prev: str) -> tuple[str, str, str] | None:
    """ "How many fighters from Russia joined the group" -> ("How many", "fighters from Russia", "joined the
    group"): the wh-phrase, the noun phrase it counts (up to its verb) and the rest."""
    m = _HOW_MUCH.match(prev)
    if not m:
        return None
    words = m.group(2).split()
    cut = next((i for i, w in enumerate(words) if _is_verb(w)), None)
    if not cut:  # no noun phrase ("How many did ...") or no verb
        return None
    return m.group(1), " ".join(words[:cut]), " ".join(words[cut:])


def _has_pp(text: str) -> bool:
    return any(re.fullmatch(_PREP, w.lower()) for w in text.split())


def _verb_phrases(rest: str) -> str:
    """What the earlier turn's verb says where or when, kept when a follow-up replaces only the verb: "were
    killed in the clashes in Mogadishu" -> "in the clashes". Phrases naming a place or a name are left out
    (a name the question counts goes with its noun; "went to Syria" says nothing of who returned)."""
    words = rest.split()
    i = 0
    while i < len(words) and _is_verb(words[i]):
        i += 1
    phrases: list[list[str]] = []
    for w in words[i:]:
        if re.fullmatch(_PREP, w.lower()):
            phrases.append([w])
        elif phrases:
            phrases[-1].append(w)
        else:
            return ""  # an object first ("did Kaczynski kill"): not phrases of the verb
    kept = [
        p
        for p in phrases
        if len(p) > 1
        and not any(w[:1].isupper() for w in p[1:])
        and not (p[0].lower() == "to" and _is_verb(p[1]))  # "left to join ISIS": a purpose
    ]
    return " ".join(" ".join(p) for p in kept) if i else ""


def _names(text: str) -> list[re.Match[str]]:
    """Capitalised names in ``text``, the sentence's first word left out unless it is a name on its own."""
    found = []
    for m in _CAPITALIZED.finditer(text):
        if m.start() == 0 and _WH.match(m.group()):
            continue
        name = re.sub(r"[’']s?$", "", m.group())  # "Venalum's profits": the name is "Venalum"
        if name != m.group():
            m = _CAPITALIZED.match(text, m.start(), m.start() + len(name)) or m
        found.append(m)
    return found


def _named_phrases(text: str) -> list[str]:
    """Prepositional phrases of ``text`` whose object is a name: "from Russia", "in North Carolina"."""
    return [
        m.group(0)
        for m in re.finditer(rf"\b(?:from|in|of|to)\s+(?:the\s+)?{_NAME}", text)
        if not _WH.match(m.group(0).split()[-1])
    ]


def _topic(prev: str, plural: bool = False) -> str | None:
    """What a pronoun of the next turn refers to: for "they", "them" and "their" the noun phrase a "how many"
    turn counts; else the first name after the wh-word; else the noun phrase that ends the turn."""
    sub = _subject(prev)
    if plural and sub:
        return f"the {sub[1]}"
    names = _names(prev)
    if names:
        first = names[0]
        before = prev[: first.start()].split()
        return ("the " if before and before[-1].lower() == "the" else "") + first.group()
    if sub:
        return f"the {sub[1]}"
    last = re.search(r"\bthe(?:\s+[a-z][\w-]*){1,2}$", prev)
    return last.group(0) if last else None


def _replace_pronouns(fragment: str, prev: str) -> str:
    words = "|".join(sorted(_SUBJECT_PRONOUNS | _OBJECT_PRONOUNS | _POSSESSIVES))
    m = re.search(rf"\b(?:{words})\b", fragment, re.I)
    if not m:
        return fragment
    low = m.group(0).lower()
    topic = _topic(prev, plural=low in ("they", "them", "their"))
    if not topic:
        return fragment
    said = f"{topic}’s" if low in _POSSESSIVES else topic
    return fragment[: m.start()] + said + fragment[m.end() :]


def _with_pp(fragment: str, prev: str, kind: Kind) -> str:
    """ "in Indiana" replaces prev's phrase of the same preposition (or of the same kind: a year for a time,
    a place for a place), else it is added at the end."""
    m = _PP_START.match(fragment)
    assert m
    prep, obj = m.group(1).lower(), m.group(2)
    if _YEAR.match(obj) and (t := _TIME.search(prev)):
        return prev[: t.start()] + fragment + prev[t.end() :]
    named = obj[:1].isupper() or (obj.lower().startswith("the ") and obj[4:5].isupper())
    if named:
        same = list(re.finditer(rf"\b{prep}\s+(?:the\s+)?{_NAME}", prev))
        if not same and prep in ("in", "at", "on"):  # a place: "at JFK Airport" for "in Atlantic City"
            same = list(re.finditer(rf"\b(?:in|at|on)\s+(?:the\s+)?{_NAME}", prev))
        if not same and prep == "from":  # "Uzbek nationals" for "from Kazakhstan"
            for name in _names(prev):
                noun = re.match(r"\s+([a-z][\w-]*s)\b", prev[name.end() :])
                preceded = re.search(rf"\b(?:{_PREP})\s+(?:the\s+)?$", prev[: name.start()])
                if (
                    noun
                    and not preceded
                    and kind(name.group()) in ("NORP", None)
                    and not _is_verb(noun.group(1))
                ):
                    end = name.end() + noun.end()
                    return prev[: name.start()] + f"{noun.group(1)} {fragment}" + prev[end:]
    else:
        same = list(re.finditer(rf"\b{prep}\s+(?:the\s+)?[\w’'-]+$", prev, re.I))
    if same:
        last = same[-1]
        return prev[: last.start()] + fragment + prev[last.end() :]
    return f"{prev} {fragment}"


def _with_name(fragment: str, prev: str, kind: Kind) -> str:
    """A name ("Alcasa", "What about Turkmenistan?") replaces prev's name of the same kind; a name used as an
    adjective ("Uzbek nationals") becomes "nationals from Turkmenistan"."""
    names = [n for n in _names(prev) if not re.match(r"(?:How|What|Which|Who|When|Where|Why)\b", n.group())]
    if not names:
        return f"{prev} in {fragment}" if kind(fragment) in ("GPE", "LOC") else f"{prev} for {fragment}"
    want = kind(fragment)
    typed = [n for n in names if want and kind(n.group()) == want]
    place = {"GPE", "LOC", "NORP"}
    related = [n for n in names if want in place and kind(n.group()) in place]
    after_prep = [n for n in names if re.search(rf"\b(?:{_PREP})\s+(?:the\s+)?$", prev[: n.start()])]
    target = (typed or related or after_prep or names)[-1]
    rest = prev[target.end() :]
    noun = re.match(r"\s+([a-z][\w-]*)", rest)
    if noun and kind(target.group()) == "NORP":  # "Uzbek nationals" -> "nationals from Turkmenistan"
        end = target.end() + noun.end()
        return prev[: target.start()] + f"{noun.group(1)} from {fragment}" + prev[end:]
    start = target.start()
    if fragment.lower().startswith("the ") and prev[:start].lower().endswith("the "):
        start -= 4
    return prev[:start] + fragment + prev[target.end() :]


def _with_noun(fragment: str, prev: str) -> str:
    """A noun phrase ("low fat margarine", "the risk of cardiovascular disease") replaces prev's phrase that
    shares its head noun, else the noun phrase a "how many" question counts."""
    words = fragment.split()
    content = [w for w in words if w.lower() not in ("the", "a", "an")]
    for head in content:
        hit = re.search(rf"\b(?:the\s+)?{re.escape(head)}\b", prev, re.I)
        if hit and len(head) > 3:
            end = hit.end()
            tail = re.match(r"\s+of\s+(?:[\w’'-]+\s*)+", prev[end:])
            if tail and " of " in fragment:  # "the risk of stroke in ..." -> up to the next preposition
                words = tail.group(0).split()[1:]
                keep = next((i for i, w in enumerate(words) if re.fullmatch(_PREP, w.lower())), len(words))
                end += len(" of " + " ".join(words[:keep])) if keep else 0
            return prev[: hit.start()] + fragment + prev[end:]
    sub = _subject(prev)
    if sub:
        return f"{sub[0]} {fragment} {sub[2]}"
    return f"{prev} {fragment}"


def restate(question: str, history: list[str] | tuple[str, ...], kind: Kind = lambda _: None) -> str:
    """The follow-up as a question that stands alone, for the reader: what the new turn says replaces what it
    stands for in the earlier turn (itself restated), and the rest of the earlier turn is kept.

    "And from France?" after "How many fighters have returned home from Tunisia?" -> "How many fighters have
    returned home from France?"; "How many of them came back?" after "How many fighters from Russia joined?"
    -> "How many of the fighters from Russia came back?". ``kind`` types a name from the corpus's entities."""
    _, context = resolve(question, history)
    if not context:
        return question
    prev = restate(history[-1], history[:-1], kind).strip().rstrip("?").strip()
    fragment = _LEAD.sub("", question).strip().rstrip("?").strip()
    if not fragment:
        return question
    out = _restated(fragment, prev, kind)
    out = out[:1].upper() + out[1:]
    return out.rstrip(" ,") + "?"


def _restated(fragment: str, prev: str, kind: Kind) -> str:
    if _WH.match(fragment):
        how = _HOW_MUCH.match(fragment)
        sub = _subject(prev)
        if how and sub:
            rest = how.group(2)
            named = [p for p in _named_phrases(prev) if p not in sub[1]]
            counted = " ".join([sub[1], *named])
            if _OF_THEM.search(rest):  # "How many of them came back?"
                return _OF_THEM.sub(f"of the {counted}", f"{how.group(1)} {rest}", count=1)
            first = rest.split()[0] if rest.split() else ""
            if first and _is_verb(first):  # "And how many returned?", "How many did he wound?"
                kept = _verb_phrases(sub[2]) if not _has_pp(rest) else ""
                return _replace_pronouns(f"{how.group(1)} {counted} {rest} {kept}".strip(), prev)
            if rest and not any(_is_verb(w) for w in rest.split()):  # "And how much margarine?"
                return f"{how.group(1)} {rest} {sub[2]}"
        bare = _HOW_MUCH.match(prev)
        if how and bare and _OF_THEM.search(how.group(2)):  # "How many went to Syria?": those who went
            return _OF_THEM.sub(f"of those who {bare.group(2)}", fragment, count=1)
        return _replace_pronouns(fragment, prev)
    if _TIME.fullmatch(fragment) and (t := _TIME.search(prev)):  # "And last year?"
        return prev[: t.start()] + fragment + prev[t.end() :]
    if _PP_START.match(fragment):
        return _with_pp(fragment, prev, kind)
    if any(w[:1].isupper() for w in fragment.split()):
        return _with_name(fragment, prev, kind)
    return _with_noun(fragment, prev)


_REFERS_BACK = re.compile(
    r"\b(?:it|its|he|his|him|she|her|they|them|their|those|these)\b", re.I
)  # fmt: skip


def asks_another_fact(question: str, history: list[str] | tuple[str, ...]) -> bool:
    """Whether a follow-up replaces part of the earlier turn ("And in Indiana?", "And how many were
    wounded?"), so that the earlier turn's answer cannot be its answer. One that refers back with a pronoun
    ("How many of them came back?", "Who is its author?") asks about what the earlier turn found: its answer
    may be the figure a reading that confused the two gave the earlier turn, so it is not ruled out."""
    return bool(history) and bool(resolve(question, history)[1]) and not _REFERS_BACK.search(question)


def repeats(span: Candidate, earlier: Answer) -> bool:
    """Whether ``span`` states the earlier turn's answer: the same words of the same article, or the same
    figure (or, for a name, the same words) anywhere. A follow-up that replaces part of the earlier turn ("And
    in Indiana?" after "... in North Carolina?") asks for another fact, so such a span is not its answer."""
    if span.doc_id == earlier.doc_id and span.start < earlier.end and earlier.start < span.end:
        return True
    if span.value is not None and earlier.value is not None:
        return (span.value, span.upper, span.unit) == (earlier.value, earlier.upper, earlier.unit)
    return " ".join(span.text.lower().split()) == " ".join(earlier.text.lower().split())

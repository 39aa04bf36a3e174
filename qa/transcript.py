"""A conversation to take away: the answers (``qa ask --json`` objects, in order) as Markdown for people and
as JSON for machines, written so that an interrupted save never leaves a half file in place."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qa.files import write_atomic
from qa.numbers import shown_value
from qa.statement import source_marks, statement

Turn = Mapping[str, Any]


def _escape(text: str) -> str:
    """Characters Markdown would act on, escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _flat(text: str) -> str:
    """One line of article text for Markdown: whitespace folded, characters Markdown would act on escaped."""
    return _escape(" ".join(text.split()))


def _value(answer: Turn) -> str:
    shown = shown_value(
        answer.get("value"), answer.get("unit"), answer.get("text") or "", answer.get("upper")
    )
    return f" (= {shown})" if shown else ""


def turn_markdown(n: int, turn: Turn) -> str:
    """One question and its answer: the answer, who states it, the numbered sources, any disagreement."""
    lines = [f"## {n}. {_flat(turn['question'])}", ""]
    if turn.get("resolved_question"):
        lines += [f"*Read as:* {_flat(turn['resolved_question'])}", ""]
    if turn.get("error"):
        return "\n".join([*lines, f"Error: {_flat(turn['error'])}", ""])
    if turn["abstained"] or turn.get("answer") is None:
        return "\n".join([*lines, "**Not found in these articles.**", ""])
    answer, support = turn["answer"], turn["support"]
    said = statement(turn)
    if said is not None:  # the sentence that states it, answer in bold, sources numbered inline
        lines.append(
            f"“{_escape(said.before)}**{_escape(said.answer)}**{_escape(said.after)}” {source_marks(said.sources)}  "
        )
    lines += [
        f"answer: **{_flat(answer['text'])}**{_value(answer)} · stated by {support['articles']} of "
        f"{support['of']} articles · confidence {turn['confidence']:.2f}",
        "",
    ]
    if turn["citations"]:
        lines.append("Sources:")
        lines += [
            f"{i}. {_flat(c['label'])}: “{_flat(c['quote'])}”" for i, c in enumerate(turn["citations"], 1)
        ]
        lines.append("")
    if turn["conflicts"]:
        lines.append("Sources disagree; other articles say:")
        lines += [f"- **{_flat(c['text'])}** in “{_flat(c['label'])}”" for c in turn["conflicts"]]
        lines.append("")
    return "\n".join(lines)


def to_markdown(turns: Sequence[Turn], corpus: str | None = None) -> str:
    head = ["# Questions and answers", ""]
    if corpus:
        head += [f"From the articles in `{corpus}`. Answers are quoted from them, never generated.", ""]
    return "\n".join(head + [turn_markdown(i, t) for i, t in enumerate(turns, 1)]).rstrip() + "\n"


def to_json(turns: Sequence[Turn]) -> str:
    return json.dumps(list(turns), ensure_ascii=False, indent=2) + "\n"


def render(turns: Sequence[Turn], path: Path, corpus: str | None = None) -> str:
    """JSON for a ``.json`` path, Markdown for any other."""
    return to_json(turns) if path.suffix.lower() == ".json" else to_markdown(turns, corpus)


def save(turns: Sequence[Turn], path: Path, corpus: str | None = None) -> Path:
    """Write the conversation to ``path`` atomically; a missing folder is made."""
    text = render(turns, path, corpus)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))
    return path

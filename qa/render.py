"""Readable terminal output for a Result: the answer, highlighted figures, numbered sources."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from qa.models import Result
from qa.numbers import shown_value


def highlight(text: str, offset: int, spans: list[tuple[int, int]], answer: tuple[int, int] | None) -> str:
    """Rich markup: every figure in cyan, the answer span bold on yellow."""
    out, pos = [], 0
    marks = sorted(set(spans) | ({answer} if answer else set()))
    for a, b in marks:
        a, b = a - offset, b - offset
        if a < pos or b > len(text) or a < 0:
            continue
        out.append(escape(text[pos:a]))
        style = "bold black on yellow" if answer and (a + offset, b + offset) == answer else "bold cyan"
        out.append(f"[{style}]{escape(text[a:b])}[/]")
        pos = b
    out.append(escape(text[pos:]))
    return "".join(out)


def render(result: Result, console: Console, passages: bool = False) -> None:
    """The answer and the sentence that states it first, then who states it, the sources and any
    disagreement; the passages read only with ``passages``. Offsets are for ``--json``."""

    def name(doc_id: str) -> str:
        return result.labels.get(doc_id) or doc_id

    if result.resolved_question:
        console.print(f"[dim]read as: {escape(result.resolved_question)}[/]")
    if result.abstained or result.answer is None:
        console.print("[bold]Not found in these articles.[/] The closest passages:")
        for i, p in enumerate(result.passages[:3], 1):
            console.print(f"  [{i}] {escape(name(p.chunk.doc_id))}: {escape(p.chunk.text[:240])}")
        return
    ans = result.answer
    value = shown_value(ans.value, ans.unit, ans.text, ans.upper)
    extra = f"  [dim]({escape(value)})[/]" if value else ""
    console.print(f"[bold]{escape(ans.text)}[/]{extra}")
    lead = next((c for c in result.citations if c.doc_id == ans.doc_id), None)
    if lead is not None:
        console.print(f"“{highlight(lead.quote, lead.start, [], (ans.start, ans.end))}”")
    stated = f"stated by {result.support} of {result.articles} articles" if result.support else ""
    console.print(f"{stated}   [dim]confidence {result.confidence:.2f}[/]")
    if result.conflicts:
        console.print()
        console.print("[bold red]Sources disagree:[/]")
        console.print(f"  [bold]{escape(ans.text)}[/] — {escape(name(ans.doc_id))}")
        for c in result.conflicts:
            console.print(f"  [bold]{escape(c.text)}[/] — {escape(name(c.doc_id))}")
    console.print()
    for i, c in enumerate(result.citations, 1):
        console.print(f"[bold][{i}][/] {escape(name(c.doc_id))}")
        mark = (c.answer_start, c.answer_end) if c.answer_start is not None else None
        console.print(f"    “{highlight(c.quote, c.start, [], mark)}”")  # type: ignore[arg-type]
    if passages:
        console.print()
        console.print("[bold]Passages read[/]")
        for p in result.passages:
            spans = [(s.start, s.end) for s in p.chunk.spans]
            mark = (ans.start, ans.end) if ans.doc_id == p.chunk.doc_id else None
            console.print(f"[dim]{escape(name(p.chunk.doc_id))} · reader score {p.score:.2f}[/]")
            console.print(highlight(p.chunk.text, p.chunk.start, spans, mark))
            console.print()

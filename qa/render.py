"""Readable terminal output for a Result: the sentence that states the answer, then the numbered sources."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from qa.models import Chunk, Result
from qa.numbers import shown_value
from qa.statement import source_marks, statement

INDENT = 4  # a source's quote and a passage sit under their label, wrapped lines included
NEAREST_CHARS = 320  # "not found": this much of each closest passage, in whole sentences


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


def print_indented(console: Console, markup: str) -> None:
    """Markup wrapped to the console's width, every line (wrapped ones included) indented by INDENT."""
    for line in Text.from_markup(markup).wrap(console, max(20, console.width - INDENT)):
        line.rstrip()
        console.print(Text(" " * INDENT) + line, soft_wrap=True)


def whole_sentences(chunk: Chunk, limit: int = NEAREST_CHARS) -> str:
    """The passage's first sentences up to ``limit`` characters (at least one, never cut mid-word),
    whitespace folded."""
    picked: list[str] = []
    for s, e in chunk.sentences:
        sentence = " ".join(chunk.text[s - chunk.start : e - chunk.start].split())
        if picked and len(" ".join([*picked, sentence])) > limit:
            break
        if sentence:
            picked.append(sentence)
    return " ".join(picked) or " ".join(chunk.text.split())


def render(result: Result, console: Console, passages: bool = False) -> None:
    """The sentence that states the answer (answer in bold, its sources numbered inline), who states it, any
    disagreement, then the sources; the passages read only with ``passages``. Offsets are for ``--json``."""

    def name(doc_id: str) -> str:
        return result.labels.get(doc_id) or doc_id

    if result.resolved_question:
        console.print(f"[dim]read as: {escape(result.resolved_question)}[/]")
    if result.abstained or result.answer is None:
        console.print("[bold]Not found in these articles.[/] The closest passages:")
        for i, p in enumerate(result.passages[:3], 1):
            console.print(f"[bold][{i}][/] {escape(name(p.chunk.doc_id))}")
            print_indented(console, escape(whole_sentences(p.chunk)))
        return
    ans = result.answer
    said = statement(result.to_json())
    if said is not None:
        console.print(
            f"“{escape(said.before)}[bold]{escape(said.answer)}[/]{escape(said.after)}” "
            f"[bold]{source_marks(said.sources)}[/]"
        )
    else:  # no cited sentence holds the answer span: the answer alone
        console.print(f"[bold]{escape(ans.text)}[/]")
    value = shown_value(ans.value, ans.unit, ans.text, ans.upper)
    facts = [f"answer: [bold]{escape(ans.text)}[/]" + (f" (= {escape(value)})" if value else "")]
    if result.support:
        facts.append(f"stated by {result.support} of {result.articles} articles")
    facts.append(f"[dim]confidence {result.confidence:.2f}[/]")
    console.print(" · ".join(facts))
    if result.conflicts:
        console.print()
        console.print("[bold red]Sources disagree:[/] other articles say")
        for c in result.conflicts:
            print_indented(console, f"[bold]{escape(c.text)}[/] in “{escape(name(c.doc_id))}”")
    console.print()
    for i, c in enumerate(result.citations, 1):
        console.print(f"[bold][{i}][/] {escape(name(c.doc_id))}")
        mark = (c.answer_start, c.answer_end) if c.answer_start is not None else None
        print_indented(console, f"“{highlight(c.quote, c.start, [], mark)}”")  # type: ignore[arg-type]
    if passages:
        console.print()
        console.print("[bold]Passages read[/]")
        for p in result.passages:
            spans = [(s.start, s.end) for s in p.chunk.spans]
            mark = (ans.start, ans.end) if ans.doc_id == p.chunk.doc_id else None
            console.print(f"[dim]{escape(name(p.chunk.doc_id))} · reader score {p.score:.2f}[/]")
            print_indented(console, highlight(p.chunk.text, p.chunk.start, spans, mark))
            console.print()

"""HTML for one answer in the web chat, from the same JSON that ``qa ask --json`` prints.

Every piece of article text is escaped; the only markup is ours: the answer in bold, numbers marked in
the passage, the answer span marked apart, citations as ``<details>`` that open on the cited sentence in
its paragraph, a box when sources disagree.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any


def _marked(text: str, base: int, marks: list[tuple[int, int, str]]) -> str:
    """``text`` (starting at article offset ``base``) with non-overlapping ``(start, end, class)`` marks."""
    out, pos = [], 0
    for start, end, cls in sorted(marks):
        a, b = start - base, end - base
        if a < pos or a < 0 or b > len(text):
            continue
        out += [html.escape(text[pos:a]), f'<mark class="{cls}">{html.escape(text[a:b])}</mark>']
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (between newlines) around ``start..end``."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    return a, len(text) if b < 0 else b


def _source(item: dict) -> str:
    """The article's readable label (headline or opening words, with the date), escaped."""
    if item.get("label"):
        return html.escape(item["label"])
    name = html.escape(item.get("title") or item["doc_id"])
    return f"{name} ({html.escape(item['date'])})" if item.get("date") else name


def _value(answer: Mapping[str, Any]) -> str:
    value, unit = answer.get("value"), answer.get("unit")
    if value is None:
        return ""
    shown = f"{value:,.0f}" if float(value).is_integer() and unit not in ("year", "date") else f"{value:g}"
    if shown == answer.get("text") and not unit:
        return ""  # "5,600" needs no "= 5,600"
    return f' <span class="value">= {shown}{" " + html.escape(unit) if unit else ""}</span>'


def passage_html(p: Mapping[str, Any], answer: Mapping[str, Any] | None = None) -> str:
    marks = []
    for s in p["spans"]:
        is_answer = answer is not None and answer["doc_id"] == p["doc_id"] and s["start"] == answer["start"]
        marks.append((s["start"], s["end"], "answer" if is_answer else "num"))
    answer_here = answer is not None and answer["doc_id"] == p["doc_id"]
    if answer_here and not any(cls == "answer" for *_, cls in marks):
        assert answer is not None
        if p["start"] <= answer["start"] < p["end"]:
            marks = [m for m in marks if m[1] <= answer["start"] or m[0] >= answer["end"]]
            marks.append((answer["start"], answer["end"], "answer"))
    head = _source(p)
    return (
        f'<div class="passage"><div class="source">{head}</div>'
        f"<p>{_marked(p['text'], p['start'], marks)}</p></div>"
    )


def result_html(result: Mapping[str, Any], articles: Mapping[str, str]) -> str:
    """The chat reply. ``articles`` maps doc_id to article text (for the cited paragraphs)."""
    parts: list[str] = []
    conf = f'<span class="confidence">confidence {result["confidence"]:.2f}</span>'
    if result["abstained"]:
        parts.append(f'<div class="abstained"><strong>Not found in these articles.</strong> {conf}</div>')
        if result["passages"]:
            parts.append('<div class="nearest">Nearest passages:</div>')
            parts += [passage_html(p) for p in result["passages"][:3]]
        return "".join(parts)

    a = result["answer"]
    support = result["support"]
    parts.append(f'<div class="answer"><strong>{html.escape(a["text"])}</strong>{_value(a)} {conf}</div>')
    if support["articles"] > 1:
        parts.append(
            f'<div class="support">stated by {support["articles"]} of {support["of"]} articles</div>'
        )
    if result["conflicts"]:
        items = "".join(
            f"<li><strong>{html.escape(c['text'])}</strong> in {_source(c)}</li>" for c in result["conflicts"]
        )
        parts.append(
            '<div class="conflicts"><strong>Sources disagree.</strong> '
            f"The answer above is the best supported; other articles say:<ul>{items}</ul></div>"
        )
    if result["passages"]:
        parts.append(passage_html(result["passages"][0], a))
    cites = []
    for n, c in enumerate(result["citations"], 1):
        text = articles.get(c["doc_id"], "")
        pa, pb = _paragraph(text, c["start"], c["end"]) if text else (c["start"], c["end"])
        body = text[pa:pb] if text else c["quote"]
        marks = [(c["start"], c["end"], "cite")]
        para = _marked(body, pa, marks)
        if c.get("answer_start") is not None:
            # The answer inside the cited sentence, inside its paragraph.
            s, e = c["start"] - pa, c["end"] - pa
            sentence = _marked(body[s:e], c["start"], [(c["answer_start"], c["answer_end"], "answer")])
            para = html.escape(body[:s]) + f'<mark class="cite">{sentence}</mark>' + html.escape(body[e:])
        cites.append(
            f'<details class="citation"><summary>[{n}] {_source(c)}</summary><p>{para}</p></details>'
        )
    parts.append('<div class="citations">' + "".join(cites) + "</div>")
    return "".join(parts)


CSS = """
mark.num { background: #fff3b0; padding: 0 2px; border-radius: 3px; }
mark.answer { background: #ffd166; font-weight: 700; outline: 2px solid #e09f3e; border-radius: 3px; }
mark.cite { background: #d8f3dc; }
.conflicts { border: 2px solid #d62828; background: #fff0f0; padding: 6px 10px; margin: 6px 0; border-radius: 6px; }
.abstained { border-left: 4px solid #6c757d; padding-left: 8px; }
.support { color: #2d6a4f; font-size: 0.9em; }
.confidence { color: #6c757d; font-size: 0.8em; margin-left: 8px; }
.passage .source { color: #555; font-size: 0.85em; margin-top: 6px; }
.citation summary { cursor: pointer; }
"""

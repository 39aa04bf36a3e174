"""HTML for one answer in the web chat, from the same JSON that ``qa ask --json`` prints.

Every piece of article text is escaped; the only markup is ours: the answer in bold, numbers marked in
the passage, the answer span marked apart, citations as ``<details>`` that open on the cited sentence in
its paragraph, a box when sources disagree.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from qa.models import Article
from qa.numbers import find_numbers, shown_value
from qa.statement import source_marks, statement


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


def _with_sentence(
    text: str,
    base: int,
    sentence: tuple[int, int],
    figures: list[tuple[int, int]],
    answer: tuple[int, int] | None,
) -> str:
    """``text`` (from article offset ``base``) with the cited ``sentence`` marked, and inside and around it
    the ``answer`` and the ``figures`` (marks that cross the sentence's edge are left out)."""
    s, e = sentence
    inside = [(a, b, "num") for a, b in figures if s <= a and b <= e]
    if answer is not None:
        inside = [m for m in inside if m[1] <= answer[0] or m[0] >= answer[1]] + [(*answer, "answer")]
    before = [(a, b, "num") for a, b in figures if b <= s]
    after = [(a, b, "num") for a, b in figures if a >= e]
    return (
        _marked(text[: s - base], base, before)
        + f'<mark class="cite">{_marked(text[s - base : e - base], s, inside)}</mark>'
        + _marked(text[e - base :], e, after)
    )


def article_html(
    item: Mapping[str, Any], article: Article, sentence: tuple[int, int], answer: tuple[int, int] | None
) -> str:
    """The whole article, kept hidden in the reply until "Read the whole article" shows it in the side
    panel: its label, then its body with the cited sentence, the answer and every figure marked."""
    base = article.body_start if article.body_start <= sentence[0] else 0  # not the metadata prefix
    body = article.text[base:]
    figures = [(sp.start + base, sp.end + base) for sp in find_numbers(body)]
    text = re.sub(
        r"\n[ \t]*(?:\n[ \t]*)+", "\n\n", _with_sentence(body, base, sentence, figures, answer).strip()
    )
    return (
        '<button type="button" class="open-article">Read the whole article</button>'
        '<div class="article-full">'
        f'<div class="article-head">{_source(item)}</div>'
        f'<div class="article-text">{text}</div>'
        "</div>"
    )


def _source(item: Mapping[str, Any]) -> str:
    """The article's readable label (headline or opening words, with the date; every passage, citation and
    conflict in the answer JSON has one), escaped."""
    return html.escape(item["label"])


def _value(answer: Mapping[str, Any]) -> str:
    shown = shown_value(
        answer.get("value"), answer.get("unit"), answer.get("text") or "", answer.get("upper")
    )
    return (
        f' · <span class="value">{html.escape(answer.get("text") or "")} = {html.escape(shown)}</span>'
        if shown
        else ""
    )


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


def _cited(item: Mapping[str, Any]) -> str:
    """An article named in running text: its label in quotes, so that one opening with a figure
    ("1,300 Tajik nationals…") is not read as a figure."""
    return f"<cite>“{_source(item)}”</cite>"


def result_html(result: Mapping[str, Any], articles: Mapping[str, Article]) -> str:
    """The chat reply. ``articles`` maps doc_id to the cited articles (their paragraphs and full text).

    It leads with the sentence that states the answer (answer in bold, its sources numbered inline), then
    who states it, any disagreement, the passages behind "show passages" and the citations."""
    parts: list[str] = []
    if result.get("resolved_question"):
        parts.append(f'<div class="read-as">read as: {html.escape(result["resolved_question"])}</div>')
    conf = f'<span class="confidence">confidence {result["confidence"]:.2f}</span>'
    if result["abstained"]:
        parts.append(f'<div class="abstained"><strong>Not found in these articles.</strong> {conf}</div>')
        if result["passages"]:
            parts.append('<div class="nearest">Nearest passages:</div>')
            parts += [passage_html(p) for p in result["passages"][:3]]
        return _one_block(parts)

    a = result["answer"]
    support = result["support"]
    said = statement(result)
    if said is not None:
        parts.append(
            f'<div class="answer"><p class="statement">“{html.escape(said.before)}'
            f"<strong>{html.escape(said.answer)}</strong>{html.escape(said.after)}”"
            f' <span class="refs">{source_marks(said.sources)}</span></p></div>'
        )
    else:  # no cited sentence holds the answer span: the answer alone
        parts.append(f'<div class="answer"><strong>{html.escape(a["text"])}</strong></div>')
    parts.append(
        f'<div class="support">stated by {support["articles"]} of {support["of"]} '
        f"article{'s' * (support['of'] != 1)}{_value(a)} {conf}</div>"
    )
    if result["conflicts"]:
        items = "".join(
            f"<li><strong>{html.escape(c['text'])}</strong> in {_cited(c)}</li>" for c in result["conflicts"]
        )
        parts.append(
            '<div class="conflicts"><strong>Sources disagree.</strong> '
            f"The answer above is the best supported; other articles say:<ul>{items}</ul></div>"
        )
    cites = []
    for n, c in enumerate(result["citations"], 1):
        article = articles.get(c["doc_id"])
        text = article.text if article else ""
        pa, pb = _paragraph(text, c["start"], c["end"]) if text else (c["start"], c["end"])
        body = text[pa:pb] if text else c["quote"]
        answer_mark = (c["answer_start"], c["answer_end"]) if c.get("answer_start") is not None else None
        para = _with_sentence(body, pa, (c["start"], c["end"]), [], answer_mark)
        whole = article_html(c, article, (c["start"], c["end"]), answer_mark) if article else ""
        cites.append(
            f'<details class="citation"><summary>[{n}] {_source(c)}</summary><p>{para}</p>{whole}</details>'
        )
    parts.append('<div class="citations">' + "".join(cites) + "</div>")
    if result["passages"]:
        shown = "".join(passage_html(p, a) for p in result["passages"][:3])
        parts.append(f'<details class="passages"><summary>show passages</summary>{shown}</details>')
    return _one_block(parts)


def _one_block(parts: list[str]) -> str:
    """The reply as one line of HTML: the chat renders Markdown, and a newline in article text would end
    the HTML block and let Markdown rewrite the article (paragraphs, emphasis, headings)."""
    return "".join(parts).replace("\r", "").replace("\n", "<br>")


# One typeface: the system's sans-serif for every weight (web fonts are not fetched, and a bold face missing
# from a bundled font was drawn from another one).
FONT = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif")

CSS = """
body, .gradio-container, #chat, #article-panel, button, input, textarea { font-family: FONT !important; }
mark.num { background: #fff3b0; padding: 0 2px; border-radius: 3px; }
mark.answer { background: #ffd166; font-weight: 700; outline: 2px solid #e09f3e; border-radius: 3px; }
mark.cite { background: #d8f3dc; }
.read-as { color: #6c757d; font-size: 0.85em; font-style: italic; margin-bottom: 4px; }
.answer .statement { margin: 0; font-size: 1.05em; line-height: 1.5; }
.answer .refs { color: #1d3557; font-weight: 600; font-size: 0.85em; white-space: nowrap; }
.conflicts { border: 2px solid #d62828; background: #fff0f0; padding: 6px 10px; margin: 6px 0; border-radius: 6px; }
.conflicts cite, .passage cite { font-style: normal; }
.abstained { border-left: 4px solid #6c757d; padding-left: 8px; }
.support { color: #2d6a4f; font-size: 0.9em; margin: 4px 0; }
.support .value { color: #333; }
.confidence { color: #6c757d; font-size: 0.8em; margin-left: 8px; }
.passage .source { color: #555; font-size: 0.85em; margin-top: 6px; }
.citation summary, .passages summary { cursor: pointer; }
.passages summary { color: #1d3557; font-size: 0.9em; }
.article-full { display: none; }
button.open-article { margin: 2px 0 6px; padding: 2px 10px; border: 1px solid #8d99ae; border-radius: 6px;
  background: #f1f3f5; color: #1d3557; cursor: pointer; font-size: 0.85em; }
#article-panel { display: none; position: fixed; top: 0; right: 0; z-index: 2147483000; box-sizing: border-box;
  width: min(680px, 100vw); height: 100vh; height: 100dvh; flex-direction: column;
  background: #fff; color: #111; box-shadow: -6px 0 18px rgba(0, 0, 0, 0.25); }
#article-panel.open { display: flex; }
#article-panel .panel-head { flex: none; display: flex; align-items: flex-start; gap: 12px;
  padding: 12px 14px 10px 24px; border-bottom: 1px solid #dee2e6; background: #fff; }
#article-panel .article-head { flex: 1; font-weight: 700; font-size: 1.05em; margin: 4px 0 0; }
#article-panel .close-article { flex: none; border: 0; background: none; padding: 0 4px;
  font-size: 28px; line-height: 1; cursor: pointer; color: #333; }
#article-panel .panel-body { position: relative; flex: 1; overflow-y: auto; padding: 12px 24px 40px; }
#article-panel .article-text { line-height: 1.6; font-size: 15px; max-width: 64ch; }
#article-panel mark.cite { background: #b7e4c7; outline: 2px solid #52b788; border-radius: 2px; }
""".replace("FONT", ", ".join(f'"{f}"' if " " in f else f for f in FONT))

# Our own page behaviour. It only moves our own markup, built from escaped text, out of a reply; it never
# turns article text into HTML.
# - A citation's "Read the whole article" opens the article in a side panel: the heading and × stay in view
#   above the text, which scrolls to the cited sentence.
# - A new reply is scrolled so that its first line is at the top of the chat (and on screen), not its end.
# - A reply's accessible label is its text, not the HTML it was built from.
PANEL_JS = """
<script>
(() => {
  const panel = () => {
    let p = document.getElementById("article-panel");
    if (!p) {
      p = document.createElement("aside");
      p.id = "article-panel";
      p.setAttribute("role", "dialog");
      p.setAttribute("aria-label", "The whole article");
      document.body.appendChild(p);
    }
    return p;
  };
  const close = () => { const p = document.getElementById("article-panel"); if (p) p.classList.remove("open"); };
  document.addEventListener("click", (e) => {
    const open = e.target.closest && e.target.closest("button.open-article");
    if (open) {
      e.preventDefault();
      const src = open.parentElement.querySelector(".article-full");
      if (!src) return;
      const p = panel();
      const head = src.querySelector(".article-head"), text = src.querySelector(".article-text");
      p.innerHTML = '<div class="panel-head">' + (head ? head.outerHTML : "")
        + '<button type="button" class="close-article" aria-label="Close">×</button></div>'
        + '<div class="panel-body">' + (text ? text.outerHTML : "") + "</div>";
      p.classList.add("open");
      const body = p.querySelector(".panel-body"), mark = p.querySelector("mark.cite");
      body.scrollTop = mark ? Math.max(0, mark.offsetTop - body.clientHeight / 3) : 0;
      p.querySelector(".close-article").focus({ preventScroll: true });
      return;
    }
    if (e.target.closest && e.target.closest("#article-panel .close-article")) close();
  });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });

  const scroller = (el) => {
    for (let n = el.parentElement; n; n = n.parentElement) {
      const y = getComputedStyle(n).overflowY;
      if ((y === "auto" || y === "scroll") && n.scrollHeight > n.clientHeight) return n;
    }
    return null;
  };
  let answered = 0;
  const tidy = () => {
    const bots = document.querySelectorAll("#chat [data-testid='bot']");
    bots.forEach((m) => {
      const label = m.getAttribute("aria-label");
      if (label === null) return;
      const want = m.querySelector(".answer, .abstained") ? "Answer: " + m.innerText.slice(0, 400) : "Answer";
      if (label !== want) m.setAttribute("aria-label", want);
    });
    const done = [...bots].filter((m) => m.querySelector(".answer, .abstained"));
    if (done.length > answered) {
      const reply = done[done.length - 1];
      const box = scroller(reply);
      if (box) box.scrollTop += reply.getBoundingClientRect().top - box.getBoundingClientRect().top - 40;
      const top = reply.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight - 120) window.scrollBy(0, top - 8);
    }
    answered = done.length;
  };
  new MutationObserver(tidy).observe(document.documentElement,
    { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label"] });
})();
</script>
"""

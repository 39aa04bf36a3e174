"""The web chat's article panel markup: the whole article, escaped, with the cited sentence, the answer and
the figures marked. (The browser tests in test_web.py open it in chromium.)"""

from __future__ import annotations

import html
import re

from qa.models import Article
from qa.webview import article_html

BODY = (
    'Storm <script>alert("x")</script> hits the coast\n\n\n'
    "Officials said 3 ferries and 40 boats sank on Monday. <img src=x onerror=alert(1)> Crews rescued 212 people.\n"
    "\n\n\nThe port reopens in 2 weeks."
)


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _marked(markup: str, cls: str) -> list[str]:
    """The inner markup of each ``<mark class=cls>``, nested marks included."""
    out = []
    for m in re.finditer(f'<mark class="{cls}">', markup):
        depth, pos = 1, m.end()
        for tag in re.finditer(r"<mark\b[^>]*>|</mark>", markup[pos:]):
            depth += -1 if tag.group(0) == "</mark>" else 1
            if depth == 0:
                out.append(markup[pos : pos + tag.start()])
                break
    return out


def _panel(article: Article, sentence: str, answer: str) -> str:
    s = article.text.index(sentence)
    a = article.text.index(answer, s)
    return article_html({"label": "Storm <b>hits</b>"}, article, (s, s + len(sentence)), (a, a + len(answer)))


def test_the_whole_article_is_escaped_and_marked() -> None:
    sentence, answer = "Crews rescued 212 people.", "212"
    page = _panel(Article("a", BODY), sentence, answer)
    assert "<script" not in page and "<img" not in page and "<b>hits" not in page
    full = re.search(r'<div class="article-text">(.*)</div></div>$', page, re.S)
    assert full is not None
    assert _text(full.group(1)) == re.sub(r"\n\s*\n+", "\n\n", BODY)  # every word, blank-line runs folded
    cites = _marked(page, "cite")
    assert len(cites) == 1 and _text(cites[0]) == sentence
    assert f'<mark class="answer">{answer}</mark>' in cites[0]
    nums = {_text(m) for m in _marked(page, "num")}
    assert nums == {"3", "40", "1", "2"}  # the figures besides the answer (the "1" is in alert(1))


def test_the_panel_starts_at_the_body_not_the_metadata() -> None:
    prefix = " date 2017-10-27 "
    article = Article("a", prefix + BODY, body_start=len(prefix))
    page = _panel(article, "Crews rescued 212 people.", "212")
    assert "2017-10-27" not in page
    assert _text(page).count("Officials said") == 1

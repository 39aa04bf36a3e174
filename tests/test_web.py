"""The web chat, end to end: a real server (python ui.py), the /ask API through gradio_client, and a real
browser (Debian's chromium driven by Playwright). Marked ``web`` and ``model``.

What the page shows is checked against what /ask returns for the same question, so the tests assert the
page's behaviour (answer marked, citations expand to the cited sentence, disagreements boxed, abstention
said) without hard-coding any answer. Screenshots go to $QA_ARTIFACTS (default eval/artifacts/screenshots).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS

pytestmark = [pytest.mark.web, pytest.mark.model]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("QA_ARTIFACTS", ROOT / "eval" / "artifacts")) / "screenshots"
FIRST = "How many foreign fighters have returned home?"
FOLLOW = "And from France?"
OTHER = "How many fighters came from Tunisia?"
UNKNOWN = "How many fighters came from Atlantis?"
# Two reports of one figure that differ, in a corpus of their own: the disagreement box is tested whatever the
# reader makes of the bundled story's lists.
DISAGREEING = {
    "council.txt": "Flood relief reaches Oakridge\n\nOfficials said 1,240 families from Oakridge were moved to "
    "shelters on Monday after the river burst its banks.\n",
    "agencies.txt": "Shelters fill after the flood\n\nAid agencies said 1,204 families from Oakridge were moved "
    "to shelters on Monday, according to a report released on Tuesday.\n",
    "schools.txt": "Schools to reopen\n\nThe mayor, Dana Holt, said schools in Oakridge will reopen in May once "
    "repairs are finished.\n",
}
CONFLICT = "How many families from Oakridge were moved to shelters?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp: Path, **env_extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """python ui.py on a free loopback port over a copy of the bundled corpus; returns (process, url)."""
    if not (tmp / "corpus").exists():
        shutil.copytree(SEEDS, tmp / "corpus")
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **env_extra}
    if "QA_AUTH" not in env_extra:
        env.pop("QA_AUTH", None)
    log = tmp / f"server-{port}.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "ui.py"), "--port", str(port), "--index", str(tmp / "index"),
             "--corpus", str(tmp / "corpus")],
            cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ui.py exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("ui.py did not start in 120 s")


@contextmanager
def _serving(tmp: Path) -> Iterator[str]:
    proc, url = _start(tmp)
    yield url
    proc.terminate()
    proc.wait(10)


def _client(url: str):  # type: ignore[no-untyped-def]
    from gradio_client import Client

    return Client(url, verbose=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _serving(tmp_path_factory.mktemp("web")) as url:
        yield url


@pytest.fixture(scope="module")
def client(server: str):  # type: ignore[no-untyped-def]
    return _client(server)


@pytest.fixture(scope="module")
def disagreeing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("web-disagreeing")
    (tmp / "corpus").mkdir()
    for name, text in DISAGREEING.items():
        (tmp / "corpus" / name).write_text(text, "utf-8")
    with _serving(tmp) as url:
        yield url


@pytest.fixture(scope="module")
def disagreeing_client(disagreeing_server: str):  # type: ignore[no-untyped-def]
    return _client(disagreeing_server)


# -- the /ask API ------------------------------------------------------------------------------------
def test_ask_endpoint_returns_the_cli_json(client, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    got = client.predict(FIRST, api_name="/ask")
    cli = subprocess.run(
        [sys.executable, "-m", "qa", "ask", FIRST, "--json", "--index", str(tmp_path / "i"), "--corpus", str(SEEDS)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    import json

    want = json.loads(cli.stdout)
    assert set(got) == set(want)
    assert got["answer"] == want["answer"] and got["citations"] == want["citations"]
    follow = client.predict(FOLLOW, [FIRST], api_name="/ask")
    assert follow["resolved_question"] and follow["answer"] != got["answer"]
    assert client.predict("  ", api_name="/ask")["error"]


def test_concurrent_calls_get_the_answers_asked_alone(client) -> None:  # type: ignore[no-untyped-def]
    questions = [FIRST, OTHER, UNKNOWN, "How many countries did the fighters come from?"] * 4
    alone = {q: client.predict(q, api_name="/ask") for q in set(questions)}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: client.predict(q, api_name="/ask"), questions))
    for q, r in zip(questions, together, strict=True):
        assert r == alone[q]


# -- a real browser ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One headless chromium for the module (Playwright's sync API allows one instance at a time)."""
    if not CHROMIUM.exists():
        if os.environ.get("QA_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} not installed (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
            viewport={"width": 1280, "height": 1000},
        )  # fmt: skip
        yield context
        context.close()


def _open(browser, url: str):  # type: ignore[no-untyped-def]
    pg = browser.new_page()
    pg.goto(url)
    pg.wait_for_selector("#question textarea", timeout=60_000)
    return pg


@pytest.fixture(scope="module")
def page(browser, server: str):  # type: ignore[no-untyped-def]
    pg = _open(browser, server)
    yield pg
    pg.close()


@pytest.fixture(scope="module")
def disagreeing_page(browser, disagreeing_server: str):  # type: ignore[no-untyped-def]
    pg = _open(browser, disagreeing_server)
    yield pg
    pg.close()


def _ask(page, question: str):  # type: ignore[no-untyped-def]
    """Type a question, send it, return the new reply's element."""
    bots = page.locator("#chat .message.bot, #chat [data-testid='bot']")
    before = bots.count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n",
        arg=["#chat .message.bot, #chat [data-testid='bot']", before],
        timeout=60_000,
    )
    reply = bots.nth(bots.count() - 1)
    reply.locator(".answer, .abstained").first.wait_for(timeout=60_000)  # not the "Loading content" stub
    return reply


def test_browser_answer_marks_the_number_and_expands_a_citation(page, client) -> None:  # type: ignore[no-untyped-def]
    want = client.predict(FIRST, api_name="/ask")
    reply = _ask(page, FIRST)
    # The reply leads with the sentence that states the answer, the answer in bold, its sources numbered.
    statement = reply.locator(".answer .statement")
    assert reply.locator(".answer strong").first.inner_text() == want["answer"]["text"]
    assert statement.inner_text().startswith("“")
    assert statement.locator(".refs").inner_text() == "".join(
        f"[{i}]" for i in range(1, len(want["citations"]) + 1)
    )
    assert "<" not in (reply.get_attribute("aria-label") or "")  # the accessible label is text, not HTML
    # The passages, every figure marked, wait behind "show passages".
    assert not reply.locator(".passages .passage").first.is_visible()
    reply.locator(".passages summary").click()
    reply.locator(".passages mark.answer").first.wait_for()
    assert want["answer"]["text"] in reply.locator(".passages mark.answer").first.inner_text()
    assert reply.locator(".passage mark.num").count() >= 1  # other figures in the passage are marked too
    cites = reply.locator("details.citation")
    assert cites.count() == len(want["citations"]) >= 2
    assert f"stated by {len(want['citations'])} of" in reply.inner_text()
    first = cites.first
    assert not first.locator("p mark.cite").is_visible()
    first.locator("summary").click()
    quote = first.locator("p mark.cite")
    quote.wait_for(state="visible")
    assert " ".join(quote.inner_text().split()) == " ".join(want["citations"][0]["quote"].split())
    page.screenshot(path=str(ARTIFACTS / "01-answer-citation-open.png"), full_page=True)


def test_browser_follow_up_uses_the_conversation_and_says_how_it_was_read(page, client) -> None:  # type: ignore[no-untyped-def]
    want = client.predict(FOLLOW, [FIRST], api_name="/ask")
    assert want["resolved_question"]
    reply = _ask(page, FOLLOW)
    if want["abstained"]:
        assert "Not found in these articles" in reply.inner_text()
    else:
        assert reply.locator(".answer strong").first.inner_text() == want["answer"]["text"]
    read_as = reply.locator(".read-as")
    assert read_as.is_visible() and read_as.inner_text() == f"read as: {want['resolved_question']}"
    page.screenshot(path=str(ARTIFACTS / "02-follow-up.png"), full_page=True)


def test_browser_disagreement_is_boxed(disagreeing_page, disagreeing_client) -> None:  # type: ignore[no-untyped-def]
    page = disagreeing_page
    want = disagreeing_client.predict(CONFLICT, api_name="/ask")
    assert want["conflicts"], "two articles state two figures for this fact"
    reply = _ask(page, CONFLICT)
    box = reply.locator(".conflicts")
    assert "Sources disagree" in box.inner_text()
    for c in want["conflicts"]:
        assert c["text"] in box.inner_text()
    page.screenshot(path=str(ARTIFACTS / "03-sources-disagree.png"), full_page=True)


def test_browser_unanswerable_says_not_found(page, client) -> None:  # type: ignore[no-untyped-def]
    assert client.predict(UNKNOWN, api_name="/ask")["abstained"]
    reply = _ask(page, UNKNOWN)
    assert "Not found in these articles" in reply.inner_text()
    assert reply.locator(".passage").count() >= 1  # the nearest passages are shown
    page.screenshot(path=str(ARTIFACTS / "04-not-found.png"), full_page=True)


def test_browser_status_panel_details_and_examples(page, client) -> None:  # type: ignore[no-untyped-def]
    status = page.locator("#status").inner_text()
    assert "Articles 5" in status and "passages" in status
    assert "IndexFlat" not in status and "all-MiniLM" not in status  # technical details are folded away
    details = page.locator("#index-details")
    assert not details.is_visible()
    page.locator("#details").get_by_text("details").first.click()
    details.wait_for(state="visible")
    assert "all-MiniLM-L6-v2" in details.inner_text() and "BM25" in details.inner_text()
    # The examples are drawn from this corpus, and each is answered here.
    examples = page.locator("#examples button.example")
    shown = sorted({" ".join(t.split()) for t in examples.all_inner_texts() if t.strip()})
    assert shown and all(q.startswith("How many ") and q.endswith("?") for q in shown)
    for q in shown:
        assert not client.predict(q, api_name="/ask")["abstained"], q
    examples.first.click()  # a click puts the question in the box
    page.wait_for_function(
        "(q) => document.querySelector('#question textarea').value === q",
        arg=shown and examples.first.inner_text().strip(),
    )
    page.fill("#question textarea", "")


def test_browser_citation_opens_the_whole_article(page, client) -> None:  # type: ignore[no-untyped-def]
    want = client.predict(FIRST, api_name="/ask")
    reply = _ask(page, FIRST)
    cite, quote = reply.locator("details.citation").nth(1), want["citations"][1]
    cite.locator("summary").click()
    cite.locator("button.open-article").click()
    panel = page.locator("#article-panel")
    panel.wait_for(state="visible")
    assert " ".join(panel.locator(".article-head").inner_text().split()) == " ".join(quote["label"].split())
    marked = panel.locator("mark.cite")
    assert marked.count() == 1
    assert " ".join(marked.inner_text().split()) == " ".join(quote["quote"].split())
    assert want["answer"]["text"].split()[-1] in marked.locator("mark.answer").inner_text()
    assert (
        panel.locator("mark.num").count() > marked.locator("mark.num, mark.answer").count()
    )  # figures elsewhere
    text = panel.locator(".article-text").inner_text()
    assert len(text) > 3 * len(quote["quote"])  # the whole article, not the passage
    _assert_panel_in_view(page)
    page.screenshot(path=str(ARTIFACTS / "05-article-panel.png"))
    panel.locator(".close-article").click()
    panel.wait_for(state="hidden")


def test_browser_downloads_hold_the_answers_shown(disagreeing_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    page = disagreeing_page
    for q in (CONFLICT, "Who is the mayor of Oakridge?", "How many bridges were repaired in Oakridge?"):
        _ask(page, q)
    asked = [" ".join(t.split()) for t in page.locator("#chat [data-testid='user']").all_inner_texts()]
    shown = []
    for reply in page.locator("#chat [data-testid='bot']").all():
        answer = reply.locator(".answer strong")
        shown.append(answer.first.inner_text() if answer.count() else None)
    assert len(asked) == len(shown) >= 3
    files = {}
    for button, name in (("#download-md", "md"), ("#download-json", "json")):
        with page.expect_download() as d:
            page.click(button)
        files[name] = tmp_path / d.value.suggested_filename
        d.value.save_as(files[name])
    assert files["md"].suffix == ".md" and files["json"].suffix == ".json"
    turns = json.loads(files["json"].read_text("utf-8"))
    assert [t["question"] for t in turns] == asked
    assert [None if t["abstained"] else t["answer"]["text"] for t in turns] == shown
    md = files["md"].read_text("utf-8").replace("\\", "")
    for n, (q, a) in enumerate(zip(asked, shown, strict=True), 1):
        section = md.split(f"## {n}. {q}\n", 1)[1].split("\n## ", 1)[0]
        assert f"**{a}**" in section if a else "Not found in these articles." in section
    assert "Sources disagree" in md and "stated by" in md
    page.screenshot(path=str(ARTIFACTS / "06-downloads.png"))
    page.click("#clear")
    page.wait_for_function("() => document.querySelector('#download-md').disabled === true", timeout=30_000)


def test_browser_over_another_corpus_examples_are_its_own_and_article_html_never_runs(
    page, server: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Over another corpus the examples are that corpus's; an article carrying markup and script shows it as
    text, in the reply and in the article panel."""
    (tmp_path / "corpus").mkdir()
    hostile = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"
    (tmp_path / "corpus" / "harbour.txt").write_text(
        "Harbour traffic rises\n\nThe harbour master said 42 ships docked on Friday, the most this year. "
        f"{hostile}\n\nThe port expects more ships in the spring.",
        "utf-8",
    )
    proc, url = _start(tmp_path)
    try:
        page.goto(url)
        page.wait_for_selector("#question textarea", timeout=60_000)
        examples = " ".join(page.locator("#examples button.example").all_inner_texts())
        assert "How many ships docked on Friday?" in examples and "fighters" not in examples
        reply = _ask(page, "How many ships docked on Friday?")
        reply.locator("details.citation summary").first.click()
        reply.locator("button.open-article").first.click()
        panel = page.locator("#article-panel")
        panel.wait_for(state="visible")
        assert "<script>document.title='pwned'</script>" in panel.inner_text()
        assert panel.locator("img, script").count() == 0 and reply.locator("img, script").count() == 0
        assert page.title() != "pwned"
    finally:
        proc.terminate()
        proc.wait(10)
        page.goto(server)
        page.wait_for_selector("#question textarea", timeout=60_000)


SIZES = {"desktop": (1400, 900), "phone": (390, 844)}


def _in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    """The element's top line is inside the window and inside every box that scrolls it."""
    return bool(
        page.evaluate(
            """(sel) => {
              const el = document.querySelector(sel); if (!el) return false;
              const r = el.getBoundingClientRect(), line = r.top + Math.min(r.height, 18);
              if (r.top < 0 || line > window.innerHeight) return false;
              for (let n = el.parentElement; n; n = n.parentElement) {
                const y = getComputedStyle(n).overflowY;
                if (y !== "auto" && y !== "scroll") continue;
                const b = n.getBoundingClientRect();
                if (r.top < b.top - 1 || line > b.bottom + 1) return false;
              }
              return true;
            }""",
            selector,
        )
    )


def _assert_panel_in_view(page) -> None:  # type: ignore[no-untyped-def]
    """The article panel's heading and × are on screen and on top; the cited sentence is in its view."""
    close = page.locator("#article-panel .close-article")
    box = close.bounding_box()
    size = page.viewport_size
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= size["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
    on_top = page.evaluate(
        """() => { const b = document.querySelector("#article-panel .close-article").getBoundingClientRect();
                   const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
                   return !!hit && hit.closest(".close-article") !== null; }"""
    )
    assert on_top, "something covers the panel's ×"
    head = page.locator("#article-panel .article-head").bounding_box()
    assert head and head["y"] >= 0 and head["y"] + 10 <= size["height"]
    assert _in_view(page, "#article-panel mark.cite")


@pytest.mark.parametrize("size", list(SIZES))
def test_browser_keeps_the_answer_in_view(page, size: str) -> None:  # type: ignore[no-untyped-def]
    """A new reply is scrolled to its first line, at desktop and phone sizes; the article panel opens with its
    heading and × in view and the cited sentence in its view, with nothing over it."""
    pg = page.context.new_page()
    width, height = SIZES[size]
    pg.set_viewport_size({"width": width, "height": height})
    try:
        pg.goto(page.url)
        pg.wait_for_selector("#question textarea", timeout=60_000)
        for q in (FIRST, OTHER, FIRST):
            reply = _ask(pg, q)
        n = pg.locator("#chat [data-testid='bot']").count()
        pg.evaluate("(n) => document.querySelectorAll(\"#chat [data-testid='bot']\")[n - 1].id = 'newest'", n)
        first_line = "#newest .answer"
        pg.wait_for_function(
            "() => { const r = document.querySelector('#newest .answer').getBoundingClientRect();"
            " return r.top >= 0 && r.top < window.innerHeight; }",
            timeout=10_000,
        )
        assert _in_view(pg, first_line)
        near_top = pg.evaluate(
            """() => { const el = document.querySelector('#newest');
                 let n = el.parentElement;
                 while (n && !['auto', 'scroll'].includes(getComputedStyle(n).overflowY)) n = n.parentElement;
                 if (!n) return true;
                 const atEnd = n.scrollTop + n.clientHeight >= n.scrollHeight - 2;
                 return atEnd || el.getBoundingClientRect().top - n.getBoundingClientRect().top < 80; }"""
        )
        assert near_top, "the reply was not scrolled to its first line"
        faces = pg.evaluate(
            """() => [...document.querySelectorAll('#newest .answer strong, #newest .answer .statement, h2, #ask')]
                 .map((el) => getComputedStyle(el).fontFamily)"""
        )
        # One typeface for the answer in bold, the text and the page, and the system's own, whose bold face is
        # installed with it (a web font without its bold weight had bold drawn from another font).
        assert len(set(faces)) == 1 and faces[0].startswith("system-ui"), faces
        pg.screenshot(path=str(ARTIFACTS / f"07-reply-in-view-{size}.png"))
        cite = reply.locator("details.citation").first
        cite.locator("summary").click()
        cite.locator("button.open-article").click()
        pg.locator("#article-panel").wait_for(state="visible")
        _assert_panel_in_view(pg)
        pg.screenshot(path=str(ARTIFACTS / f"08-article-panel-{size}.png"))
        pg.locator("#article-panel .close-article").click()
        pg.locator("#article-panel").wait_for(state="hidden")
    finally:
        pg.close()


# -- security and load ------------------------------------------------------------------------------
def _outside_ip() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") else ip


def test_binds_loopback_only(server: str) -> None:
    ip = _outside_ip()
    if ip is None:
        pytest.skip("no non-loopback address on this machine")
    port = int(server.rstrip("/").rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection((ip, port), timeout=2):
        pass


def test_no_file_outside_the_app_is_served(server: str) -> None:
    import urllib.error
    import urllib.request

    for path in ("/etc/passwd", str(SEEDS / sorted(os.listdir(SEEDS))[0]), str(ROOT / "pyproject.toml")):
        for route in ("gradio_api/file=", "file=", "gradio_api/file/"):
            try:
                with urllib.request.urlopen(server + route + path, timeout=10) as r:
                    body = r.read()
                    assert b"root:" not in body and b"[project]" not in body, (route, path)
                    assert r.status != 200 or b"<html" in body.lower()[:200], (route, path)
            except urllib.error.HTTPError as e:
                assert e.code in (403, 404, 405), (route, path, e.code)


def test_login_required_when_qa_auth_is_set(tmp_path: Path) -> None:
    from gradio_client import Client

    proc, url = _start(tmp_path, QA_AUTH="ann:s3cret")
    try:
        with pytest.raises(Exception):  # noqa: B017 - the client raises its own error types
            Client(url, verbose=False).predict(FIRST, api_name="/ask")
        ok = Client(url, auth=("ann", "s3cret"), verbose=False).predict(FIRST, api_name="/ask")
        assert ok["answer"] is not None
    finally:
        proc.terminate()
        proc.wait(10)


def test_load_20_clients_by_25_questions(server: str) -> None:
    """20 concurrent clients x 25 questions: no errors, every answer the same as asked alone."""
    import json

    from gradio_client import Client

    gold = [
        json.loads(ln)["question"] for ln in (ROOT / "eval" / "gold.jsonl").read_text().splitlines() if ln
    ]
    questions = gold[:25]
    solo = Client(server, verbose=False)
    alone = {q: solo.predict(q, api_name="/ask") for q in questions}

    def client_run(k: int) -> list[tuple[str, dict, float]]:  # type: ignore[type-arg]
        c = Client(server, verbose=False)
        out = []
        for q in questions[k % 25 :] + questions[: k % 25]:  # each client in its own order
            t = time.perf_counter()
            out.append((q, c.predict(q, api_name="/ask"), (time.perf_counter() - t) * 1000))
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        runs = list(pool.map(client_run, range(20)))
    wall = time.perf_counter() - t0
    ms = sorted(m for run in runs for _, _, m in run)
    assert len(ms) == 500
    for run in runs:
        for q, r, _ in run:
            assert r == alone[q], q
    report = {
        "clients": 20,
        "questions_each": 25,
        "errors": 0,
        "identical_to_alone": True,
        "p50_ms": round(ms[len(ms) // 2], 1),
        "p95_ms": round(ms[int(len(ms) * 0.95)], 1),
        "wall_s": round(wall, 1),
    }
    ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS.parent / "load-test.json").write_text(json.dumps(report, indent=1))
    print(report)

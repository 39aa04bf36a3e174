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
from pathlib import Path

import pytest

from .conftest import ROOT, SEEDS

pytestmark = [pytest.mark.web, pytest.mark.model]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("QA_ARTIFACTS", ROOT / "eval" / "artifacts")) / "screenshots"
FIRST = "How many foreign fighters have returned home?"
FOLLOW = "And from France?"
CONFLICT = "How many fighters came from Tunisia?"
UNKNOWN = "How many fighters came from Atlantis?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("web")
    shutil.copytree(SEEDS, tmp / "corpus")
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("QA_AUTH", None)
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "ui.py"), "--port", str(port), "--index", str(tmp / "index"),
         "--corpus", str(tmp / "corpus")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"ui.py exited: {(tmp / 'server.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("ui.py did not start in 120 s")
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="module")
def client(server: str):  # type: ignore[no-untyped-def]
    from gradio_client import Client

    return Client(server, verbose=False)


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
    questions = [FIRST, CONFLICT, UNKNOWN, "How many countries did the fighters come from?"] * 4
    alone = {q: client.predict(q, api_name="/ask") for q in set(questions)}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: client.predict(q, api_name="/ask"), questions))
    for q, r in zip(questions, together, strict=True):
        assert r == alone[q]


# -- a real browser ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def page(server: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        if os.environ.get("QA_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} not installed (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
            viewport={"width": 1280, "height": 1000},
        )  # fmt: skip
        pg = browser.new_page()
        pg.goto(server)
        pg.wait_for_selector("#question textarea", timeout=60_000)
        yield pg
        browser.close()


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
    reply.locator("mark.answer").first.wait_for()
    assert reply.locator(".answer strong").first.inner_text() == want["answer"]["text"]
    assert want["answer"]["text"] in reply.locator("mark.answer").first.inner_text()
    assert reply.locator(".passage mark.num").count() >= 1  # other figures in the passage are marked too
    cites = reply.locator("details.citation")
    assert cites.count() == len(want["citations"]) >= 2
    assert f"stated by {len(want['citations'])} of" in reply.inner_text()
    first = cites.first
    assert not first.locator("mark.cite").is_visible()
    first.locator("summary").click()
    quote = first.locator("mark.cite")
    quote.wait_for(state="visible")
    assert " ".join(quote.inner_text().split()) == " ".join(want["citations"][0]["quote"].split())
    page.screenshot(path=str(ARTIFACTS / "01-answer-citation-open.png"), full_page=True)


def test_browser_follow_up_uses_the_conversation(page, client) -> None:  # type: ignore[no-untyped-def]
    want = client.predict(FOLLOW, [FIRST], api_name="/ask")
    reply = _ask(page, FOLLOW)
    if want["abstained"]:
        assert "Not found in these articles" in reply.inner_text()
    else:
        assert reply.locator(".answer strong").first.inner_text() == want["answer"]["text"]
    page.screenshot(path=str(ARTIFACTS / "02-follow-up.png"), full_page=True)


def test_browser_disagreement_is_boxed(page, client) -> None:  # type: ignore[no-untyped-def]
    want = client.predict(CONFLICT, api_name="/ask")
    assert want["conflicts"], "the bundled corpus has two figures for this fact"
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


def test_browser_status_panel_and_examples(page) -> None:  # type: ignore[no-untyped-def]
    status = page.locator("#status").inner_text()
    assert "Articles 5" in status and "passages" in status and "all-MiniLM-L6-v2" in status
    assert page.get_by_text(FIRST).count() >= 1  # the examples from eval/examples.txt

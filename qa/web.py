"""The web chat (Gradio): the same answerer and index as the CLI, plus uploads and a named ``/ask`` API.

Loopback by default; login with ``QA_AUTH=user:password`` (or ``QA_AUTH=/path/to/file`` with one
``user:password`` a line). The model and index load once at start; requests queue with a concurrency limit.
"""

from __future__ import annotations

import html
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.answerer import Answerer, QuestionError
from qa.examples import MAX_EXAMPLES, example_questions
from qa.index import BuildSettings
from qa.index_build import build_index
from qa.models import Article
from qa.opening import open_index
from qa.transcript import save as save_transcript
from qa.uploads import UploadLimits, save_uploads
from qa.webview import CSS, FONT, PANEL_JS, result_html

CONCURRENCY = 4


@dataclass(frozen=True)
class ServeSettings:
    index: Path = Path("index")
    corpus: Path = Path("corpus")
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    examples: tuple[str, ...] = ()
    limits: UploadLimits = field(default_factory=UploadLimits)


class AuthError(ValueError):
    pass


def auth_from_env(value: str | None = None) -> list[tuple[str, str]] | None:
    """``QA_AUTH``: ``user:password``, or a file of such lines. None when unset."""
    value = os.environ.get("QA_AUTH") if value is None else value
    if not value:
        return None
    lines = [value]
    if Path(value).is_file():
        lines = [ln.strip() for ln in Path(value).read_text("utf-8").splitlines() if ln.strip()]
    pairs = []
    for ln in lines:
        user, sep, password = ln.partition(":")
        if not sep or not user or not password:
            raise AuthError("QA_AUTH must be user:password or a file of user:password lines")
        pairs.append((user, password))
    return pairs


class ChatService:
    """Holds the current answerer; uploads swap in a rebuilt index under a lock."""

    def __init__(self, index: Path, corpus: Path, examples: tuple[str, ...] = ()) -> None:
        self.index_dir, self.corpus = index, corpus
        self._swap = threading.Lock()
        self._exports = tempfile.TemporaryDirectory(prefix="qa-chat-")  # removed when the server stops
        self.answerer = self._open()
        self._given = examples
        self.examples = examples or self._drawn_examples()

    def _open(self) -> Answerer:
        answerer = Answerer(open_index(self.index_dir, self.corpus))
        answerer.warm()  # load FAISS, BM25, store, the encoder and the place names once, before serving
        return answerer

    def _drawn_examples(self) -> tuple[str, ...]:
        """Questions drawn from this corpus that the answerer answers with the figure they came from."""
        answerer = self.answerer

        def value(question: str) -> float | None:
            result = answerer.ask(question)
            return None if result.abstained or result.answer is None else result.answer.value

        return example_questions(answerer.index.chunks, value)

    def ask(self, question: str, history: list[str] | None = None) -> dict[str, Any]:
        answerer = self.answerer
        try:
            return answerer.ask(question, [h for h in history or [] if isinstance(h, str)]).to_json()
        except QuestionError as e:
            return {"error": str(e), "question": question}

    def cited_articles(self, result: dict[str, Any]) -> dict[str, Article]:
        """The articles a result cites (their paragraphs and full text go in the reply)."""
        by_id = self.answerer.index.article_by_id
        return {c["doc_id"]: by_id[c["doc_id"]] for c in result["citations"]}

    def export(self, turns: list[dict[str, Any]]) -> tuple[str, str]:
        """The conversation so far as Markdown and JSON files, for the download buttons."""
        folder = Path(tempfile.mkdtemp(dir=self._exports.name))
        corpus = str(self.answerer.index.manifest["corpus"]["path"])
        md = save_transcript(turns, folder / "conversation.md", corpus)
        js = save_transcript(turns, folder / "conversation.json")
        return str(md), str(js)

    def status(self) -> str:
        m = self.answerer.index.manifest
        c = m["counts"]
        return (
            f"**Corpus** `{m['corpus']['path']}`  \n"
            f"**Articles** {c['articles']} · **passages** {c['chunks']}  \n"
            f"**Updated** {m['built_at'].replace('T', ' ').rstrip('Z')} UTC"
        )

    def details(self) -> str:
        """What the index is made of, for whoever asks (behind the "details" fold)."""
        m = self.answerer.index.manifest
        return (
            f"**Embedding model** {m['model']} ({m['encoder']})  \n"
            f"**Reader** {self.answerer.span_model.name}  \n"
            f"**Search** {m['faiss_index']} vectors + BM25, fused by rank  \n"
            f"**Index** `{self.index_dir}`"
        )

    def add(self, files: list[str], limits: UploadLimits) -> str:
        """Validate and save uploads, then update the index (unchanged articles keep their vectors)."""
        saved, messages = save_uploads([Path(f) for f in files or []], self.corpus, limits)
        if saved:
            with self._swap:
                index = build_index(
                    self.corpus,
                    self.index_dir,
                    BuildSettings.from_json(self.answerer.index.manifest["settings"]),
                )
                answerer = Answerer(index, span_model=self.answerer.span_model)  # the reader stays loaded
                answerer.warm()
                self.answerer = answerer
                if not self._given:
                    self.examples = self._drawn_examples()
            c = index.manifest["counts"]
            messages.append(
                f"index updated: {c['articles']} articles, {c['embedded']} passages embedded, {c['reused']} reused"
            )
        return "\n".join(f"- {m}" for m in messages) or "- no files"


def _text(content: Any) -> str:
    """A chat message's text: Gradio sends a string, or a list of parts like {"type": "text", "text": ...}."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(p) for p in content)
    if isinstance(content, dict):
        return str(content.get("text") or "")
    return ""


def _user_turns(history: list[dict[str, Any]]) -> list[str]:
    return [t for m in history if m.get("role") == "user" and (t := _text(m.get("content")).strip())]


def build_app(service: ChatService, settings: ServeSettings):  # type: ignore[no-untyped-def]
    import gradio as gr

    def downloads(turns: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
        if not turns:
            return gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(
                value=None, interactive=False
            )
        md, js = service.export(turns)
        return gr.DownloadButton(value=md, interactive=True), gr.DownloadButton(value=js, interactive=True)

    def respond(question: str, history: list[dict[str, Any]], turns: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
        question = (question or "").strip()
        if not question:
            return "", history, gr.skip(), gr.skip(), gr.skip()
        result = service.ask(question, _user_turns(history))
        turn = [{"role": "user", "content": question}]
        if "error" in result:  # nothing to save: the downloads stay as they were
            reply = f'<div class="abstained">{html.escape(result["error"])}</div>'
            turn.append({"role": "assistant", "content": reply})
            return "", [*history, *turn], gr.skip(), gr.skip(), gr.skip()
        turn.append({"role": "assistant", "content": result_html(result, service.cited_articles(result))})
        turns = [*turns, result]
        return "", [*history, *turn], turns, *downloads(turns)

    def ask_api(question: str, history: list[str] | None = None) -> dict[str, Any]:
        """The same JSON as `qa ask --json`; `history` is the earlier questions, oldest first."""
        return service.ask(question, history)

    def example_updates() -> list[Any]:
        """The examples' box and its buttons, for the questions drawn from the corpus as it is now."""
        shown = list(service.examples[:MAX_EXAMPLES])
        buttons = [gr.Button(value=q, visible=True) for q in shown]
        buttons += [gr.Button(value="", visible=False)] * (MAX_EXAMPLES - len(shown))
        return [gr.Column(visible=bool(shown)), *buttons]

    def upload(files: list[str] | None):  # type: ignore[no-untyped-def]
        report = service.add(files or [], settings.limits)
        return report, service.status(), service.details(), *example_updates()

    with gr.Blocks(title="qa-news") as app:
        gr.Markdown("## Ask the articles\nAnswers are quoted from the articles, never generated.")
        with gr.Row():
            with gr.Column(scale=3):
                # The page scrolls a new reply to its first line (PANEL_JS), not the chat to its end.
                chat = gr.Chatbot(
                    label="Answers",
                    show_label=False,
                    height=560,
                    elem_id="chat",
                    feedback_options=None,
                    autoscroll=False,
                )
                box = gr.Textbox(
                    placeholder="Ask a question about the articles…", show_label=False, elem_id="question"
                )
                with gr.Row():
                    send = gr.Button("Ask", variant="primary", elem_id="ask")
                    clear = gr.Button("New conversation", elem_id="clear")
                with gr.Row():
                    save_md = gr.DownloadButton(
                        "Download Markdown", elem_id="download-md", interactive=False, size="sm"
                    )
                    save_json = gr.DownloadButton(
                        "Download JSON", elem_id="download-json", interactive=False, size="sm"
                    )
                # Questions drawn from this corpus (qa/examples.py), shown whole; a click puts one in the box.
                shown = list(service.examples[:MAX_EXAMPLES])
                with gr.Column(elem_id="examples", visible=bool(shown)) as examples:
                    gr.Markdown("Examples from these articles", elem_classes="examples-head")
                    example_buttons = [
                        gr.Button(
                            shown[i] if i < len(shown) else "",
                            size="sm",
                            elem_classes="example",
                            visible=i < len(shown),
                        )
                        for i in range(MAX_EXAMPLES)
                    ]
            with gr.Column(scale=1):
                status = gr.Markdown(service.status(), elem_id="status")
                with gr.Accordion("details", open=False, elem_id="details"):
                    details = gr.Markdown(service.details(), elem_id="index-details")
                files = gr.File(
                    label=f"Add articles (.txt, .md, .jsonl; ≤ {settings.limits.max_bytes // 1_000_000} MB each)",
                    file_count="multiple",
                    file_types=list(settings.limits.suffixes),
                    elem_id="upload",
                )
                add = gr.Button("Add to the corpus", elem_id="add")
                report = gr.Markdown(elem_id="upload-report")
        turns = gr.State([])  # the answers shown, as `qa ask --json` objects, for the downloads
        outputs = [box, chat, turns, save_md, save_json]
        box.submit(respond, [box, chat, turns], outputs, api_visibility="private")
        send.click(respond, [box, chat, turns], outputs, api_visibility="private")
        clear.click(
            lambda: ([], [], *downloads([])),
            None,
            [chat, turns, save_md, save_json],
            api_visibility="private",
        )
        add.click(
            upload, files, [report, status, details, examples, *example_buttons], api_visibility="private"
        )
        for button in example_buttons:
            button.click(lambda q: q, button, box, api_visibility="private")
        gr.api(ask_api, api_name="ask")
    app.queue(default_concurrency_limit=CONCURRENCY)
    return app


def serve(settings: ServeSettings, block: bool = True):  # type: ignore[no-untyped-def]
    import gradio as gr

    auth = auth_from_env()
    service = ChatService(settings.index, settings.corpus, settings.examples)
    app = build_app(service, settings)
    return app.launch(
        server_name=settings.host,
        server_port=settings.port,
        share=settings.share,
        auth=auth,
        css=CSS,
        theme=gr.themes.Default(font=list(FONT), font_mono=["ui-monospace", "monospace"]),
        head=PANEL_JS,
        max_file_size=settings.limits.max_bytes,
        prevent_thread_lock=not block,
        show_error=False,
        footer_links=["api"],
        quiet=True,
    )

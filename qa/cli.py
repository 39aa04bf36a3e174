"""The ``qa`` command line: index, ask, chat, eval."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from qa import config, opening
from qa.answerer import Answerer, QuestionError
from qa.build_stages import BuildStages
from qa.chunking import ChunkSettings
from qa.corpus import CorpusError
from qa.encoders import EncoderError
from qa.evaluation import GoldError
from qa.index import BuildSettings, Index, IndexError_
from qa.index_build import build_index
from qa.span_reader import ReaderModelError, SpanReader

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Answer questions from news articles, with citations."
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

USER_ERRORS = (QuestionError, GoldError, IndexError_, CorpusError, EncoderError, ReaderModelError, OSError)

IndexOpt = Annotated[Path, typer.Option("--index", help="Index directory.")]
CorpusOpt = Annotated[Path, typer.Option("--corpus", help="Folder (or .jsonl file) of articles.")]
# For the commands that read an index: a missing --index is built only from a corpus the user names.
MaybeIndex = Annotated[
    Path | None, typer.Option("--index", help="Index directory (default index/).", show_default=False)
]
MaybeCorpus = Annotated[
    Path | None,
    typer.Option(
        "--corpus", help="Articles to build a missing index from (default corpus/).", show_default=False
    ),
]


def _answerer(index: Index, prepare: bool = True) -> Answerer:
    answerer = Answerer(index)
    if prepare:
        answerer.prepare()
    return answerer


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A user error is one line on stderr and exit status 2, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as e:
            err.print(f"[red]error:[/] {e}", markup=True, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def quiet(verbose: bool = False) -> None:
    """Only our own lines: third-party logging, warnings and progress bars are silenced unless ``verbose``."""
    import logging
    import os
    import warnings

    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        return
    # A handler on the root logger at ERROR: a library's logging.warning() no longer configures one at DEBUG.
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR)  # libraries that set their own logger to DEBUG still reach only this
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.ERROR, handlers=[handler])
    warnings.filterwarnings("ignore")
    for var in ("TQDM_DISABLE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show other libraries' logs and warnings.")
    ] = False,
) -> None:
    quiet(verbose)


def _warn(msg: str) -> None:
    err.print(f"[yellow]warning:[/] {msg}", soft_wrap=True)


def _build(
    corpus: Path,
    index: Path,
    settings: BuildSettings,
    quiet: bool = False,
    vectors: str | None = None,
    stages: BuildStages | None = None,
    lexical: str | None = None,
) -> Index:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if quiet or not err.is_terminal:
        return build_index(
            corpus, index, settings, warn=_warn, vectors=vectors, stages=stages, lexical=lexical
        )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return build_index(
            corpus,
            index,
            settings,
            warn=_warn,
            progress=progress,
            vectors=vectors,
            stages=stages,
            lexical=lexical,
        )


def paths(index: Path | None, corpus: Path | None) -> tuple[Path, Path]:
    """The index and corpus to use. An index named without a corpus must exist: it is never built from the
    bundled corpus/ behind the user's back."""
    if index is not None and corpus is None and not (index / "manifest.json").exists():
        raise IndexError_(
            f"no index in {index}: name the articles to build it from with --corpus DIR, "
            "or give --index a folder that holds a built index"
        )
    return index or config.DEFAULT_INDEX, corpus or config.DEFAULT_CORPUS


def open_index(index: Path | None, corpus: Path | None, settings: BuildSettings | None = None) -> Index:
    """The shared way in (``qa.opening``), building with the CLI's progress bar."""
    index, corpus = paths(index, corpus)
    return opening.open_index(index, corpus, settings, build=_build, say=lambda m: err.print(m))


@app.command("index")
@user_errors
def index_cmd(
    corpus: CorpusOpt = config.DEFAULT_CORPUS,
    index: IndexOpt = config.DEFAULT_INDEX,
    encoder: Annotated[
        str, typer.Option(help="onnx (fp32), onnx-int8, sentence-transformers or hash")
    ] = "onnx-int8",
    max_words: Annotated[int, typer.Option(help="Passage size in words.")] = ChunkSettings.max_words,
    overlap: Annotated[
        int, typer.Option(help="Sentences shared by neighbouring passages.")
    ] = ChunkSettings.overlap_sentences,
    ner: Annotated[bool, typer.Option(help="Find named entities (spaCy) at index time.")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
    vectors: Annotated[
        str | None,
        typer.Option(
            help="Where the vectors go: faiss (default), milvus (milvus-lite in the index folder) or "
            "milvus://HOST:PORT (needs the .[scale] extra); an update keeps the index's choice.",
            show_default=False,
        ),
    ] = None,
    lexical: Annotated[
        str | None,
        typer.Option(
            help="Where BM25 runs: bm25s (default, in this process) or milvus (Milvus's BM25 in the collection "
            "of --vectors milvus); an update keeps the index's choice.",
            show_default=False,
        ),
    ] = None,
    ray: Annotated[
        bool,
        typer.Option(
            "--ray",
            help="Tag, chunk and embed on a Ray cluster (needs the .[scale] extra): the one at --ray-address, "
            "else $RAY_ADDRESS, else a Ray started on this machine. The index is the same as a local build's.",
        ),
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="The cluster for --ray: HOST:PORT, ray://HOST:10001, auto, or local.", show_default=False
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Ray workers per stage (default: one per CPU in the cluster).", show_default=False
        ),
    ] = None,
) -> None:
    """Build or update the index (only new or changed articles are embedded)."""
    settings = BuildSettings(encoder=encoder, chunking=ChunkSettings(max_words, overlap), ner=ner)
    if (ray_address or workers) and not ray:
        raise IndexError_("--ray-address and --workers are for a Ray build: add --ray")
    stages = None
    if ray:
        from qa.ray_build import LOCAL, RayStages

        address = ray_address or os.environ.get("RAY_ADDRESS") or LOCAL
        stages = RayStages(address, encoder, settings.chunking, ner, workers=workers)
    try:
        built = _build(corpus, index, settings, vectors=vectors, stages=stages, lexical=lexical)
    finally:
        if stages is not None:
            stages.close()
    m = built.manifest
    if json_out:
        out.print_json(
            json.dumps(
                {
                    k: m[k]
                    for k in (
                        "counts",
                        "settings",
                        "encoder",
                        "faiss_index",
                        "vector_store",
                        "lexical",
                        "built_at",
                        "build_seconds",
                    )
                }
            )
        )
    else:
        c = m["counts"]
        out.print(
            f"indexed {c['articles']} articles, {c['chunks']} passages ({c['embedded']} embedded, "
            f"{c['reused']} reused) in {m['build_seconds']:.1f} s → {index}"
        )


def _result_json(answerer: Answerer, question: str, history: list[str], qid: Any = None) -> dict[str, Any]:
    return answerer.ask(question, history, qid).to_json()


def _batch(answerer: Answerer, path: Path) -> None:
    """One JSON result a line, in order; a bad line gets an error record with its line number."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise QuestionError(f"{path} is not UTF-8 text") from e
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
                raise ValueError("expected an object with a string 'question'")
            history = obj.get("history") or []
            if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
                raise ValueError("'history' must be a list of strings")
            record = _result_json(answerer, obj["question"], history, obj.get("id"))
        except (ValueError, QuestionError) as e:
            qid = obj.get("id") if isinstance(locals().get("obj"), dict) else None
            record = {"id": qid, "line": n, "error": str(e).splitlines()[0]}
            _warn(f"{path}:{n}: {record['error']}")
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        obj = None


@app.command()
@user_errors
def ask(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    index: MaybeIndex = None,
    corpus: MaybeCorpus = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    history: Annotated[
        list[str] | None, typer.Option("--history", help="An earlier question (repeatable, oldest first).")
    ] = None,
    batch: Annotated[
        Path | None, typer.Option("--batch", help="JSONL of {id, question, history}; writes JSONL.")
    ] = None,
    passages: Annotated[bool, typer.Option("--passages", help="Also print the passages read.")] = False,
) -> None:
    """Answer one question (or a --batch file) from the indexed articles."""
    if batch is None and question is None:
        raise QuestionError("give a question, or --batch FILE.jsonl")
    if batch is not None and not batch.is_file():
        raise QuestionError(f"batch file not found: {batch}")
    answerer = _answerer(open_index(index, corpus))
    if batch is not None:
        _batch(answerer, batch)
        return
    assert question is not None
    result = answerer.ask(question, history or [])
    if json_out:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        from qa.render import render

        render(result, out, passages=passages)


CHAT_HELP = """[bold]Commands[/]
  /help        this list
  /new         a new conversation: the next question is not read as a follow-up
  /save FILE   write the answers so far (Markdown, or JSON for a .json name)
  /quit        leave (so does Ctrl-D)
Anything else is a question; a follow-up ("And from France?") is read with the questions before it."""


@app.command()
@user_errors
def chat(
    index: MaybeIndex = None,
    corpus: MaybeCorpus = None,
) -> None:
    """An interactive session; follow-up questions use the conversation so far. /help lists the commands:
    /new, /save FILE (Markdown, or JSON for a .json name), /quit."""
    from qa.render import render
    from qa.transcript import save

    idx = open_index(index, corpus)
    answerer = _answerer(idx, prepare=False)
    # The models load while the first question is typed; a part that cannot load fails at that question.
    loading = ThreadPoolExecutor(max_workers=1)
    ready = loading.submit(answerer.prepare)
    loading.shutdown(wait=False)
    history: list[str] = []
    turns: list[dict[str, Any]] = []
    out.print("[dim]Ask about the articles. /help lists the commands, /quit leaves.[/]")
    while True:
        try:
            question = out.input("[bold green]?[/] ")
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        q = question.strip()
        command, _, arg = q.partition(" ")
        command = command.lower()
        if command in ("/quit", "/exit", "exit", "quit") and not arg:
            return
        if command in ("/help", "/?", "help") and not arg:
            out.print(CHAT_HELP)
            continue
        if command in ("/new", "new") and not arg:
            history.clear()
            out.print("[dim]new conversation: the next question starts afresh[/]")
            continue
        if command == "/save":
            target = arg.strip()
            if not target:
                err.print("[red]error:[/] give a file: /save answers.md (or answers.json)")
                continue
            try:
                path = save(turns, Path(target).expanduser(), str(idx.manifest["corpus"]["path"]))
            except OSError as e:
                err.print(f"[red]error:[/] cannot write {escape(target)}: {escape(e.strerror or str(e))}")
                continue
            out.print(f"[dim]saved {len(turns)} answer{'s' * (len(turns) != 1)} to {escape(str(path))}[/]")
            continue
        if command.startswith("/"):
            err.print(f"[red]error:[/] unknown command {escape(command)}; /help lists them")
            continue
        if not q:
            continue
        try:
            ready.result()
            result = answerer.ask(q, history)
        except QuestionError as e:
            err.print(f"[red]error:[/] {escape(str(e))}")
            continue
        render(result, out)
        turns.append(result.to_json())
        history.append(q)
        out.print()


@app.command("eval")
@user_errors
def eval_cmd(
    gold: Annotated[Path, typer.Option(help="Gold questions (JSONL).")] = Path("eval/gold.jsonl"),
    index: MaybeIndex = None,
    corpus: MaybeCorpus = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Where to write the JSON and Markdown reports (default: the cache's reports/)."),
    ] = None,
    check: Annotated[bool, typer.Option(help="Exit 1 if a figure is below its threshold.")] = True,
    thresholds: Annotated[
        Path | None,
        typer.Option(help="Thresholds (JSON); default eval/thresholds-model.json."),
    ] = None,
    reader: Annotated[
        Path | None,
        typer.Option(help="A reader model folder to score instead of the shipped one (an export, tuned)."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="Exit 1 if this run is significantly worse question by question (McNemar p < 0.05)."
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option(help="Write this run's per-question outcomes as a baseline.")
    ] = None,
    targets: Annotated[
        Path | None, typer.Option(help="Say which figures are below these targets (JSON, as thresholds).")
    ] = None,
) -> None:
    """Score the answerer on a gold set; writes eval report JSON + Markdown."""
    from qa.evaluation import (
        baseline_of,
        baseline_text,
        check_thresholds,
        evaluate,
        load_gold,
        paired_losses,
        write_report,
    )
    from qa.files import write_atomic

    items = load_gold(gold)
    base = _json_file(baseline) if baseline else None
    answerer = Answerer(open_index(index, corpus), span_model=SpanReader(reader) if reader else None)
    answerer.prepare()
    metrics, rows = evaluate(answerer, items)
    # Reports go to the cache, not the checkout: committed reports (docs/) change only when someone means it.
    _json_path, md_path = write_report(
        metrics, rows, report or config.cache_dir() / "reports", name=gold.stem
    )
    out.print(Path(md_path).read_text("utf-8"))
    if write_baseline:
        write_atomic(write_baseline, baseline_text(baseline_of(rows, gold.stem)).encode("utf-8"))
    if targets:  # the product's targets: said plainly, not enforced (the floors and the baseline are)
        below = check_thresholds(metrics, _json_file(targets))
        for f in below:
            err.print(f"[yellow]below target:[/] {f}", soft_wrap=True)
        err.print("all targets met" if not below else f"{len(below)} figure(s) below target ({targets})")
    if thresholds is None:
        thresholds = Path("eval/thresholds-model.json")
    failures = []
    if check and thresholds.exists():
        failures += check_thresholds(metrics, _json_file(thresholds))
    if check and base is not None:
        failures += paired_losses(base, rows)
    for f in failures:
        err.print(f"[red]below threshold:[/] {f}", soft_wrap=True)
    if failures:
        raise typer.Exit(1)
    if check:
        err.print("all thresholds met" + (" and no significant loss against the baseline" if base else ""))


def _json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as e:
        raise QuestionError(f"{path} is not valid JSON ({e.msg})") from None


@app.command()
@user_errors
def serve(
    index: MaybeIndex = None,
    corpus: MaybeCorpus = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless you say so.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    share: Annotated[bool, typer.Option(help="Also open a public Gradio share link.")] = False,
    examples: Annotated[
        Path | None,
        typer.Option(help="Example questions for the page, one a line (default: drawn from the corpus)."),
    ] = None,
) -> None:
    """The web chat (same as python ui.py). QA_AUTH=user:password requires a login."""
    from qa.web import AuthError, ServeSettings, auth_from_env
    from qa.web import serve as run

    try:
        auth_from_env()
    except AuthError as e:
        raise QuestionError(str(e)) from None
    shown: tuple[str, ...] = ()
    if examples is not None:
        if not examples.is_file():
            raise QuestionError(f"examples file not found: {examples}")
        shown = tuple(ln.strip() for ln in examples.read_text("utf-8").splitlines() if ln.strip())[:8]
    index, corpus = paths(index, corpus)
    err.print(f"web chat on http://{host}:{port} (index {index}, corpus {corpus})")
    run(ServeSettings(index=index, corpus=corpus, host=host, port=port, share=share, examples=shown))


def serve_main(argv: list[str]) -> int:
    """``python ui.py ...`` = ``qa serve ...``."""
    try:
        app(["serve", *argv], standalone_mode=True)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""Speed and memory, next to the naive path, in one run.

    python -m eval.bench            # bundled corpus + Reuters-21578 at 1k, 5k and all 19,043 articles
    python -m eval.bench --quick    # bundled corpus + 1k Reuters articles (CI)
    python -m eval.bench --ray      # the build on a local Ray cluster beside the local build (eval/bench_ray.py)

Each build and answering run is its own process, so peak memory (ru_maxrss) is that run's own. The naive
reference embeds the same passages with sentence-transformers and adds them to a flat FAISS index.
Writes docs/reports/bench.json, bench.md and bench.png.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from qa.evaluation import _percentile

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "data" / "reuters21578.jsonl.gz"
GOLD = ROOT / "eval" / "gold.jsonl"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


# -- workers: one measurement per process --------------------------------------------------------------
def worker_build(corpus: str, index: str, encoder: str) -> dict[str, Any]:
    from qa.index import BuildSettings
    from qa.index_build import build_index

    shutil.rmtree(index, ignore_errors=True)
    t = time.perf_counter()
    built = build_index(corpus, index, BuildSettings(encoder=encoder))
    secs = time.perf_counter() - t
    n = built.manifest["counts"]["chunks"]
    size = sum(f.stat().st_size for f in Path(index).rglob("*") if f.is_file())
    return {
        "seconds": secs,
        "passages": n,
        "articles": built.manifest["counts"]["articles"],
        "passages_per_s": n / secs,
        "peak_mb": _peak_mb(),
        "index_mb": size / 2**20,
        "faiss_index": built.manifest["faiss_index"],
    }


def worker_add(corpus: str, index: str, encoder: str, extra: str) -> dict[str, Any]:
    """Time an incremental update: one new article on top of an existing index."""
    from qa.index import BuildSettings
    from qa.index_build import build_index

    target = Path(corpus) / "bench-added.txt" if Path(corpus).is_dir() else None
    if target is None:
        return {}
    target.write_text(extra, "utf-8")
    try:
        t = time.perf_counter()
        built = build_index(corpus, index, BuildSettings(encoder=encoder))
        return {"seconds": time.perf_counter() - t, "embedded": built.manifest["counts"]["embedded"]}
    finally:
        target.unlink()


NAIVE_SAMPLE = 5000


def worker_naive(corpus: str, index: str) -> dict[str, Any]:
    """sentence-transformers encode + flat FAISS over the same passages the index holds (the first
    NAIVE_SAMPLE of them on big corpora: throughput is what is compared)."""
    import faiss

    from qa.encoders import SentenceTransformerEncoder
    from qa.index import Index
    from qa.index_build import embed_text

    idx = Index.load(index)
    texts = [embed_text(idx.article_by_id[c.doc_id], c) for c in idx.chunks[:NAIVE_SAMPLE]]
    enc = SentenceTransformerEncoder()
    enc.encode(["warm up"])
    t = time.perf_counter()
    vecs = enc.encode(texts)
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    secs = time.perf_counter() - t
    return {
        "seconds": secs,
        "passages": len(texts),
        "passages_per_s": len(texts) / secs,
        "peak_mb": _peak_mb(),
    }


def worker_answer(index: str, questions: list[str]) -> dict[str, Any]:
    from qa.answerer import Answerer
    from qa.index import Index

    a = Answerer(Index.load(index))
    a.ask(questions[0])
    ms = []
    for q in questions:
        t = time.perf_counter()
        a.ask(q)
        ms.append((time.perf_counter() - t) * 1000)
    return {
        "p50_ms": _percentile(ms, 0.5),
        "p95_ms": _percentile(ms, 0.95),
        "rss_mb": _rss_mb(),
        "questions": len(ms),
    }


def worker_ann(index: str, questions: list[str]) -> dict[str, Any]:
    """recall@10 and query time of HNSW and IVF against exact search, on the index's own vectors."""
    import faiss
    import numpy as np

    from qa.index import Index

    idx = Index.load(index)
    vecs = idx.vectors()
    q = idx.encoder.encode(questions)
    flat = faiss.IndexFlatIP(vecs.shape[1])
    flat.add(vecs)
    out: dict[str, Any] = {"vectors": len(vecs)}

    def timed(index_: Any) -> tuple[np.ndarray, float]:
        t = time.perf_counter()
        _, ids = index_.search(q, 10)
        return ids, (time.perf_counter() - t) * 1000 / len(q)

    exact, out["flat_ms"] = timed(flat)
    from qa.index import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

    hnsw = faiss.IndexHNSWFlat(vecs.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)  # as qa index builds it
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    t = time.perf_counter()
    hnsw.add(vecs)
    out["hnsw_build_s"] = time.perf_counter() - t
    hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    got, out["hnsw_ms"] = timed(hnsw)
    out["hnsw_recall@10"] = float(
        np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, got, strict=True)])
    )
    nlist = max(1, int(4 * len(vecs) ** 0.5))
    ivf = faiss.IndexIVFFlat(
        faiss.IndexFlatIP(vecs.shape[1]), vecs.shape[1], nlist, faiss.METRIC_INNER_PRODUCT
    )
    ivf.train(vecs)
    ivf.add(vecs)
    ivf.nprobe = max(1, nlist // 8)
    got, out["ivf_ms"] = timed(ivf)
    out["ivf_nprobe"] = f"{ivf.nprobe}/{nlist}"
    out["ivf_recall@10"] = float(
        np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, got, strict=True)])
    )
    return out


def _worker(kind: str, *args: Any, module: str = "eval.bench") -> dict[str, Any]:
    """Run ``module``'s ``worker_KIND(*args)`` in a fresh process; returns its JSON."""
    code = (
        f"import json, sys; from {module} import *; "
        f"print('BENCH' + json.dumps(worker_{kind}(*json.loads(sys.argv[1]))))"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(args))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{kind} worker failed: {proc.stderr[-1500:]}")
    return json.loads(line[5:])


# -- measurements ----------------------------------------------------------------------------------------
def cold_ask(index: Path, corpus: Path, runs: int) -> dict[str, Any]:
    """Process start to answer printed, `qa ask` as a user runs it."""
    qa = Path(sys.executable).with_name("qa")
    cmd = [str(qa) if qa.exists() else sys.executable, *([] if qa.exists() else ["-m", "qa"])]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(
            [*cmd, "ask", "How many foreign fighters have returned home?", "--index", str(index), "--corpus", str(corpus)],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times), "runs": times}


def web_latency(index: Path, corpus: Path, questions: list[str]) -> dict[str, Any]:
    """Warm latency through the web chat's /ask endpoint (gradio_client, loopback)."""
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("QA_AUTH", None)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "ui.py"), "--port", str(port), "--index", str(index), "--corpus", str(corpus)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.predict(questions[0], api_name="/ask")
        ms = []
        for q in questions:
            t = time.perf_counter()
            client.predict(q, api_name="/ask")
            ms.append((time.perf_counter() - t) * 1000)
        return {"p50_ms": _percentile(ms, 0.5), "p95_ms": _percentile(ms, 0.95), "questions": len(ms)}
    finally:
        proc.terminate()
        proc.wait(10)


def reuters_subset(n: int, work: Path) -> tuple[Path, list[str]]:
    """The first n Reuters articles as a .jsonl corpus, and questions made from 100 of their headlines."""
    folder = work / f"reuters-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    rows, titles = [], []
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for line in fh:
            if len(rows) >= n:
                break
            obj = json.loads(line)
            rows.append(json.dumps({k: obj.get(k) for k in ("id", "title", "date", "text")}))
            if obj.get("title"):
                titles.append(obj["title"].strip().capitalize())
    (folder / "articles.jsonl").write_text("\n".join(rows) + "\n", "utf-8")
    step = max(1, len(titles) // 100)
    return folder, [f"What happened: {t}?" for t in titles[::step][:100]]


def gold_questions() -> list[str]:
    return [json.loads(ln)["question"] for ln in GOLD.read_text("utf-8").splitlines() if ln.strip()]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from qa.index import HNSW_MIN_VECTORS

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    bundled = ROOT / "corpus"
    corpora: list[tuple[str, Path, list[str]]] = [("bundled", bundled, gold_questions())]
    for n in args.sizes:
        folder, qs = reuters_subset(n, work)
        corpora.append((f"reuters-{n}", folder, qs))

    rows = []
    for name, corpus, questions in corpora:
        print(f"[bench] {name}", file=sys.stderr, flush=True)
        index = work / f"index-{name}"
        row: dict[str, Any] = {"corpus": name}
        row["build"] = _worker("build", str(corpus), str(index), args.encoder)
        row["naive_build"] = _worker("naive", str(corpus), str(index))
        row["speedup"] = row["build"]["passages_per_s"] / row["naive_build"]["passages_per_s"]
        row["answer"] = _worker("answer", str(index), questions)
        row["ann"] = _worker("ann", str(index), questions)
        if name == "bundled":
            row["cold_ask"] = cold_ask(index, corpus, args.runs)
            row["web"] = web_latency(index, corpus, questions[:40])
        rows.append(row)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "python -m eval.bench" + (" --quick" if args.quick else ""),
        "encoder": args.encoder,
        "threads": {"QA_THREADS": os.environ.get("QA_THREADS", f"{min(os.cpu_count() or 1, 4)} (default)")},
        "hnsw_min_vectors": HNSW_MIN_VECTORS,
        "work": str(work),
        "rows": rows,
    }


def incremental(args: argparse.Namespace) -> dict[str, Any]:
    """Build a copy of the bundled corpus, then add one article: only it is embedded."""
    copy = args.work / "bundled-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ROOT / "corpus", copy)
    first = _worker("build", str(copy), str(args.work / "index-bundled-copy"), args.encoder)
    added = _worker(
        "add",
        str(copy),
        str(args.work / "index-bundled-copy"),
        args.encoder,
        "A harbour report says 1,250 ships called at the port in May, 30 percent more than a year ago.",
    )
    return {"full_build_s": first["seconds"], "add_one_s": added["seconds"], "embedded": added["embedded"]}


def write(report: dict[str, Any], out: Path, name: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    lines = [
        f"# Benchmark ({report['date']}, {report['machine']}, encoder {report['encoder']})",
        "",
        f"Command: `{report['command']}`. Threads: onnxruntime intra-op, torch and faiss each get "
        f"{report['threads']['QA_THREADS']} (`QA_THREADS`), and never run at once.",
        "",
        "| corpus | articles | passages | build s | passages/s | naive passages/s | speed-up | build peak MB "
        "| index MB | warm p50 / p95 ms | RSS answering MB | HNSW recall@10 | IVF recall@10 | flat / HNSW ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        b, nv, a, ann = r["build"], r["naive_build"], r["answer"], r["ann"]
        lines.append(
            f"| {r['corpus']} | {b['articles']} | {b['passages']} | {b['seconds']:.1f} | {b['passages_per_s']:.0f} "
            f"| {nv['passages_per_s']:.0f} | {r['speedup']:.2f}x | {b['peak_mb']:.0f} | {b['index_mb']:.1f} "
            f"| {a['p50_ms']:.1f} / {a['p95_ms']:.1f} | {a['rss_mb']:.0f} | {ann['hnsw_recall@10']:.3f} "
            f"| {ann['ivf_recall@10']:.3f} | {ann['flat_ms']:.2f} / {ann['hnsw_ms']:.2f} |"
        )
    bundled = report["rows"][0]
    lines += [
        "",
        f"- cold `qa ask` (process start to answer printed), bundled corpus: median "
        f"{bundled['cold_ask']['median_s']:.2f} s over {len(bundled['cold_ask']['runs'])} runs",
        f"- warm latency through the web chat's `/ask` (gradio_client, loopback): p50 "
        f"{bundled['web']['p50_ms']:.1f} ms, p95 {bundled['web']['p95_ms']:.1f} ms",
        f"- adding one article to the bundled index: {report['incremental']['add_one_s']:.1f} s, "
        f"{report['incremental']['embedded']} passage(s) embedded (full build {report['incremental']['full_build_s']:.1f} s)",
        f"- the index switches from exact (flat) to HNSW at {report['hnsw_min_vectors']:,} passages",
        "- build time includes reading, NER (spaCy), chunking, embedding, BM25 and writing; the naive path only "
        f"embeds (sentence-transformers) and adds to a flat index, timed on the first {NAIVE_SAMPLE:,} passages "
        "of large corpora.",
    ]
    (out / f"{name}.md").write_text("\n".join(lines) + "\n", "utf-8")
    plot(report, out / f"{name}.png")


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in report["rows"] if r["corpus"].startswith("reuters")]
    if not rows:
        return
    n = [r["build"]["articles"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(
        n, [r["build"]["seconds"] for r in rows], "o-", label=f"qa index ({report['encoder']}, with NER)"
    )
    # The naive encode is timed on up to NAIVE_SAMPLE passages; its time for all of them follows from its rate.
    naive = [r["build"]["passages"] / r["naive_build"]["passages_per_s"] for r in rows]
    ax1.plot(n, naive, "s--", label="naive: sentence-transformers encode only")
    ax1.set(xlabel="Reuters articles", ylabel="seconds", title="Index build time")
    ax1.legend()
    ax2.plot(n, [r["answer"]["p50_ms"] for r in rows], "o-", label="p50")
    ax2.plot(n, [r["answer"]["p95_ms"] for r in rows], "s--", label="p95")
    ax2.set(xlabel="Reuters articles", ylabel="ms per question", title="Warm question latency")
    ax2.legend()
    fig.suptitle(f"{report['machine']} — {report['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def redo_ann(path: Path) -> None:
    """Re-measure only the ANN columns of an existing report (after an HNSW setting changed)."""
    report = json.loads(path.read_text("utf-8"))
    work = Path(report.get("work", "")) or None
    for r in report["rows"]:
        index = (work or Path()) / f"index-{r['corpus']}"
        questions = (
            gold_questions()
            if r["corpus"] == "bundled"
            else reuters_subset(r["build"]["articles"], index.parent)[1]
        )
        r["ann"] = _worker("ann", str(index), questions)
    write(report, path.parent, path.stem)


def main(argv: list[str] | None = None) -> int:
    from qa.config import cache_dir

    argv = sys.argv[1:] if argv is None else argv
    if "--ray" in argv:
        from eval.bench_ray import main as bench_ray

        return bench_ray([a for a in argv if a != "--ray"])

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="bundled corpus and 1,000 Reuters articles")
    ap.add_argument("--sizes", default="1000,5000,19043", help="Reuters subset sizes")
    ap.add_argument("--encoder", default=None, help="encoder for qa index (default: the index default)")
    ap.add_argument("--runs", type=int, default=5, help="cold-start runs (median reported)")
    ap.add_argument("--work", type=Path, default=cache_dir() / "bench")
    ap.add_argument(
        "--out", type=Path, default=cache_dir() / "reports", help="committed reports: docs/reports"
    )
    ap.add_argument("--name", default=None)
    args = ap.parse_args(argv)
    if not REUTERS.exists():
        print(f"error: Reuters file not found: {REUTERS}", file=sys.stderr)
        return 2
    from qa.index import BuildSettings

    args.encoder = args.encoder or BuildSettings().encoder
    args.sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    if args.quick:
        args.runs = min(args.runs, 3)
    inc = incremental(args)
    report = run(args)
    report["incremental"] = inc
    write(report, args.out, args.name or ("bench-quick" if args.quick else "bench"))
    print((args.out / f"{args.name or ('bench-quick' if args.quick else 'bench')}.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

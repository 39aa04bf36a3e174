"""The index build on Ray beside the local build, and what it projects for archives.

    python -m eval.bench --ray [--articles 1000] [--out docs/reports]

On the same Reuters sample, builds the index locally and on a Ray cluster started on this machine (a head that
only schedules, plus 1 and then 2 one-CPU workers), each in its own process, and times each build's stages:
tagging and chunking, embedding (the parts Ray spreads), and the driver's serial rest (reading the corpus,
numbering passages, the vector index, BM25, writing and committing). Writes bench-ray.json, .md and .png, with
the workers a build of 1M and 10M articles would need to finish in an hour, and the assumptions behind it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HOUR = 3600.0
ARCHIVES = (1_000_000, 10_000_000)


class TimedStages:
    """Wraps a ``BuildStages`` and adds up the seconds spent in each of its stages."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.seconds = inner, {"prepare": 0.0, "embed": 0.0}

    def prepare(self, articles: Sequence[Any], known: dict[str, Any], progress: Any) -> Any:
        t = time.perf_counter()
        try:
            return self.inner.prepare(articles, known, progress)
        finally:
            self.seconds["prepare"] += time.perf_counter() - t

    def embed(self, batches: Sequence[Sequence[str]], progress: Any) -> Iterator[Any]:
        it = iter(self.inner.embed(batches, progress))
        while True:
            t = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                self.seconds["embed"] += time.perf_counter() - t
                return
            self.seconds["embed"] += time.perf_counter() - t
            yield item


def worker_build(corpus: str, index: str, workers: int) -> dict[str, Any]:
    """One build: local when ``workers`` is 0, else on a fresh local cluster of that many one-CPU workers."""
    from qa.build_stages import LocalStages
    from qa.encoders import encoder_for
    from qa.index import BuildSettings
    from qa.index_build import build_index

    shutil.rmtree(index, ignore_errors=True)
    settings = BuildSettings()
    cluster, startup = None, 0.0
    if workers:
        from ray.cluster_utils import Cluster

        from qa.ray_build import RayStages

        t = time.perf_counter()
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
        for _ in range(workers):
            cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        inner: Any = RayStages(cluster.address, settings.encoder, settings.chunking, settings.ner)
        startup = time.perf_counter() - t
    else:
        inner = LocalStages(encoder_for(settings.encoder), settings.chunking, settings.ner)
    stages = TimedStages(inner)
    t = time.perf_counter()
    built = build_index(corpus, index, settings, stages=stages)
    total = time.perf_counter() - t
    if cluster is not None:
        inner.close()
        cluster.shutdown()
    n = built.manifest["counts"]["chunks"]
    parallel = stages.seconds["prepare"] + stages.seconds["embed"]
    return {
        "workers": workers,
        "articles": built.manifest["counts"]["articles"],
        "passages": n,
        "seconds": total,
        "passages_per_s": n / total,
        "prepare_s": stages.seconds["prepare"],
        "embed_s": stages.seconds["embed"],
        "driver_s": total - parallel,  # the stages include, on Ray, starting their actors and loading models
        "cluster_start_s": startup,
    }


def projection(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Workers for a one-hour build, from the measured rates: Amdahl with the driver's serial part.

    build(W) = P * s + P / (r1 * W * e), where P is passages, s the driver's seconds per passage (from the
    local build, which has no Ray start-up in it), r1 one worker's passages per second in the spread stages,
    and e the efficiency measured from 1 to 2 workers (kept at 1 or below)."""
    local = next(r for r in rows if r["workers"] == 0)
    one = next(r for r in rows if r["workers"] == 1)
    two = next((r for r in rows if r["workers"] == 2), None)
    per_article = local["passages"] / local["articles"]
    s = local["driver_s"] / local["passages"]
    r1 = one["passages"] / (one["prepare_s"] + one["embed_s"])
    e = 1.0
    if two is not None:
        r2 = two["passages"] / (two["prepare_s"] + two["embed_s"])
        e = min(1.0, r2 / (2 * r1))
    out = []
    for articles in ARCHIVES:
        p = articles * per_article
        serial = p * s
        spare = HOUR - serial
        workers = None if spare <= 0 else int(-(-p // (r1 * e * spare)))
        out.append(
            {
                "articles": articles,
                "passages": round(p),
                "driver_hours": serial / HOUR,
                "workers_for_1h": workers,
                "one_worker_hours": (serial + p / r1) / HOUR,
            }
        )
    return {
        "passages_per_article": per_article,
        "driver_s_per_passage": s,
        "worker_passages_per_s": r1,
        "efficiency_1_to_2": e,
        "archives": out,
    }


def write(report: dict[str, Any], out: Path, name: str = "bench-ray") -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    lines = [
        f"# Build on Ray ({report['date']}, {report['machine']})",
        "",
        f"Command: `{report['command']}`. Reuters sample of {report['rows'][0]['articles']:,} articles. "
        "Ray builds run on a cluster started on this machine: a head that only schedules and N one-CPU workers.",
        "",
        "| build | passages | seconds | passages/s | tag + chunk s | embed s | driver s | cluster start s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        label = "local (this process)" if not r["workers"] else f"Ray, {r['workers']} worker(s)"
        lines.append(
            f"| {label} | {r['passages']:,} | {r['seconds']:.1f} | {r['passages_per_s']:.1f} | {r['prepare_s']:.1f} "
            f"| {r['embed_s']:.1f} | {r['driver_s']:.1f} | {r['cluster_start_s']:.1f} |"
        )
    p = report["projection"]
    lines += [
        "",
        f"Projection (passages per article {p['passages_per_article']:.2f}; driver {p['driver_s_per_passage'] * 1000:.2f} ms "
        f"per passage; one worker {p['worker_passages_per_s']:.1f} passages/s in the spread stages; efficiency "
        f"from 1 to 2 workers {p['efficiency_1_to_2']:.2f}):",
        "",
        "| archive | passages | one worker, hours | driver alone, hours | workers for a 1-hour build |",
        "|---|---|---|---|---|",
    ]
    for a in p["archives"]:
        need = (
            f"{a['workers_for_1h']:,}"
            if a["workers_for_1h"]
            else "none suffice: the driver's serial part alone is over an hour"
        )
        lines.append(
            f"| {a['articles']:,} articles | {a['passages']:,} | {a['one_worker_hours']:.1f} "
            f"| {a['driver_hours']:.2f} | {need} |"
        )
    (out / f"{name}.md").write_text("\n".join(lines) + "\n", "utf-8")
    plot(report, out / f"{name}.png")


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, p = report["rows"], report["projection"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    labels = ["local" if not r["workers"] else f"Ray ×{r['workers']}" for r in rows]
    bottom = [0.0] * len(rows)
    for key, name in (("prepare_s", "tag + chunk"), ("embed_s", "embed"), ("driver_s", "driver (serial)")):
        vals = [r[key] for r in rows]
        ax1.bar(labels, vals, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax1.set(ylabel="seconds", title=f"Build of {rows[0]['articles']:,} Reuters articles")
    ax1.legend()
    s, r1, e = p["driver_s_per_passage"], p["worker_passages_per_s"], p["efficiency_1_to_2"]
    workers = [2**k for k in range(0, 13)]
    for a in p["archives"]:
        hours = [(a["passages"] * s + a["passages"] / (r1 * w * e)) / HOUR for w in workers]
        ax2.plot(workers, hours, "o-", label=f"{a['articles']:,} articles")
    ax2.axhline(1.0, color="grey", linestyle="--", label="1 hour")
    ax2.set(xscale="log", yscale="log", xlabel="one-CPU workers", ylabel="build hours", title="Projection")
    ax2.legend()
    fig.suptitle(f"{report['machine']}, {report['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    from eval.bench import REUTERS, _worker, reuters_subset
    from qa.config import cache_dir

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1000, help="the Reuters sample's size")
    ap.add_argument("--workers", default="1,2", help="Ray cluster sizes to time")
    ap.add_argument("--work", type=Path, default=cache_dir() / "bench")
    ap.add_argument(
        "--out", type=Path, default=cache_dir() / "reports", help="committed reports: docs/reports"
    )
    args = ap.parse_args(argv)
    if not REUTERS.exists():
        print(f"error: Reuters file not found: {REUTERS}", file=sys.stderr)
        return 2
    try:
        import ray  # noqa: F401
    except ImportError:
        print("error: --ray needs the optional extra: pip install -e '.[scale]'", file=sys.stderr)
        return 2
    folder, _ = reuters_subset(args.articles, args.work)
    rows = []
    for w in [0, *[int(x) for x in args.workers.split(",") if x]]:
        print(f"[bench --ray] {'local' if not w else f'{w} worker(s)'}", file=sys.stderr, flush=True)
        rows.append(
            _worker("build", str(folder), str(args.work / f"index-ray-{w}"), w, module="eval.bench_ray")
        )
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": f"python -m eval.bench --ray --articles {args.articles} --workers {args.workers}",
        "rows": rows,
        "projection": projection(rows),
    }
    write(report, args.out)
    print((args.out / "bench-ray.md").read_text())
    return 0

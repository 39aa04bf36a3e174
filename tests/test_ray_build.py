"""The build on a Ray cluster (``qa index --ray``): a head and two one-CPU workers started on this machine. Its
index equals a local build's (passages, entities, vectors; on the Reuters sample, answers and offsets), a worker
killed mid-build is replaced and the build still commits a complete generation, and a stage that fails leaves
the old index answering. Marked ``scale``: needs the optional ``.[scale]`` extra."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qa.index import BuildSettings, Index, IndexError_
from qa.index_build import build_index

from .conftest import REUTERS, ROOT, require_scale_extra, scale_corpus

pytestmark = pytest.mark.scale
require_scale_extra("ray")

from qa.ray_build import RayStages  # noqa: E402


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A head with no CPUs (it only schedules) and two workers of one CPU each; yields its address."""
    import ray
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(2):
        c.add_node(num_cpus=1)
    c.wait_for_nodes()
    yield c.address
    ray.shutdown()
    c.shutdown()


def _stages(address: str, settings: BuildSettings, encoder: str | None = None) -> RayStages:
    return RayStages(address, encoder or settings.encoder, settings.chunking, settings.ner)


def test_a_ray_build_writes_the_index_a_local_build_writes(tmp_path: Path, cluster: str) -> None:
    corpus = scale_corpus(tmp_path)
    settings = BuildSettings(encoder="hash-64", ner=True)
    local = build_index(corpus, tmp_path / "local", settings)
    seen: list[str] = []
    ray = build_index(
        corpus,
        tmp_path / "ray",
        settings,
        stages=_stages(cluster, settings),
        progress=lambda s, d, t: seen.append(s),
    )
    assert ray.chunks == local.chunks  # same passages, offsets, numbers and entities
    assert any(c.entities for c in ray.chunks)  # spaCy ran on the workers
    assert np.array_equal(ray.vectors(), local.vectors())
    assert ray.manifest["counts"] == local.manifest["counts"]
    assert {"tagging and chunking (ray)", "embedding (ray)"} <= set(seen)

    (corpus / "rail.txt").write_text("Rail news\n\nThe line carried 9,000 passengers on Sunday.", "utf-8")
    updated = build_index(corpus, tmp_path / "ray", settings, stages=_stages(cluster, settings))
    assert updated.manifest["counts"]["reused"] == len(local.chunks)  # only the new article went to Ray
    assert updated.chunks == build_index(corpus, tmp_path / "local", settings).chunks


def test_a_failing_stage_commits_nothing_and_the_old_index_answers(tmp_path: Path, cluster: str) -> None:
    corpus = scale_corpus(tmp_path)
    settings = BuildSettings(encoder="hash-64", ner=False)
    before = build_index(corpus, tmp_path / "i", settings).manifest
    (corpus / "rail.txt").write_text("Rail news\n\nThe line carried 9,000 passengers on Sunday.", "utf-8")
    # The workers cannot make this encoder: the embedding stage fails on the cluster, not here.
    with pytest.raises(IndexError_, match="Ray build failed while embedding"):
        build_index(corpus, tmp_path / "i", settings, stages=_stages(cluster, settings, encoder="hash-x"))
    after = Index.load(tmp_path / "i", verify=True)
    assert after.manifest == before and len(after.articles) == 3


def test_the_cli_refuses_ray_options_without_ray(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "qa", "index", "--corpus", str(scale_corpus(tmp_path)), "--index", str(tmp_path / "i"),
         "--encoder", "hash-64", "--workers", "2"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert r.returncode == 2 and "add --ray" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "i" / "manifest.json").exists()


# --- the Reuters 1,000-article sample with the real models (slow: about a minute per build on 2 cores) ---


@pytest.fixture(scope="module")
def reuters(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Index]:
    if not REUTERS.exists():
        pytest.skip("needs ../shared/data")
    root = tmp_path_factory.mktemp("reuters-ray")
    subprocess.run([sys.executable, "-m", "eval.reuters_corpus", "--out", str(root / "corpus"), "--articles", "1000"],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    return root / "corpus", build_index(root / "corpus", root / "local")


def _build_reuters_on_ray(
    tmp_path: Path, cluster: str, reuters: tuple[Path, Index], progress: Any = None
) -> tuple[Index, Index]:
    """The sample built on the cluster; asserts its vectors, answers and offsets are the local build's."""
    corpus, local = reuters
    settings = BuildSettings()
    built = build_index(
        corpus, tmp_path / "ray", settings, stages=_stages(cluster, settings), progress=progress
    )
    assert np.array_equal(built.vectors(), local.vectors())
    _same_answers(local, Index.load(tmp_path / "ray", verify=True))
    return local, built


def _same_answers(a: Index, b: Index) -> None:
    from qa.answerer import Answerer
    from qa.evaluation import load_gold

    x_ans, y_ans = Answerer(a), Answerer(b)
    for item in load_gold(ROOT / "eval" / "gold-reuters.jsonl"):
        x = x_ans.ask(item["question"], item["history"]).to_json()
        y = y_ans.ask(item["question"], item["history"]).to_json()
        assert x["answer"] == y["answer"] and x["citations"] == y["citations"], item["question"]
        assert [(p["doc_id"], p["start"], p["end"]) for p in x["passages"]] == [
            (p["doc_id"], p["start"], p["end"]) for p in y["passages"]
        ], item["question"]


@pytest.mark.model
@pytest.mark.slow
def test_the_reuters_sample_built_on_ray_answers_as_the_local_build(
    tmp_path: Path, cluster: str, reuters: tuple[Path, Index]
) -> None:
    local, built = _build_reuters_on_ray(tmp_path, cluster, reuters)
    assert built.chunks == local.chunks


def _embedding_workers() -> list[Any]:
    import psutil

    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if cmd.startswith("ray::") and "Embedder" in cmd:
            found.append(p)
    return found


@pytest.mark.model
@pytest.mark.slow
def test_a_worker_killed_mid_build_is_replaced_and_the_generation_is_complete(
    tmp_path: Path, cluster: str, reuters: tuple[Path, Index]
) -> None:
    killed: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        # After the first embedding batch is back, SIGKILL a worker that is embedding the next ones.
        if stage == "embedding (ray)" and not killed and done < total:
            workers = _embedding_workers()
            assert workers, "no embedding worker found to kill"
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    local, built = _build_reuters_on_ray(tmp_path, cluster, reuters, progress)
    assert killed  # and yet every passage is there, with the vectors of the same batches
    assert built.manifest["counts"]["chunks"] == len(local.chunks) == built.vector_store.ntotal

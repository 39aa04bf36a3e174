"""The packaged span reader (real model, marked ``model``): exact offsets over windows, checked files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.span_reader import MODEL_DIR, ReaderModelError, SpanReader

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.model

READER = SpanReader()
NEWS = (
    "The council said 1,240 families from Oakridge were moved to shelters on Monday. "
    "The mayor, Dana Holt, thanked the volunteers. Repairs will cost $4 million, officials said."
)


def test_the_shipped_files_are_small_and_listed() -> None:
    card = json.loads((MODEL_DIR / "model.json").read_text())
    assert set(card["files"]) == {"reader-int8.onnx", "tokenizer.json"}
    assert sum((MODEL_DIR / n).stat().st_size for n in card["files"]) <= 25 * 1024 * 1024
    assert 0.0 < card["abstain_confidence"] < 1.0


def test_it_reads_a_figure_and_a_name() -> None:
    (figure,), (name,) = (
        hits[:1]
        for hits in (
            READER.read("How many families were moved to shelters?", [NEWS], top=1)[0],
            READER.read("Who is the mayor?", [NEWS], top=1)[0],
        )
    )
    assert "1,240" in NEWS[figure.start : figure.end]
    assert NEWS[name.start : name.end] == "Dana Holt"


def test_a_long_passage_is_read_in_windows_with_exact_offsets() -> None:
    filler = " ".join(f"Item {i} of the list was noted by the clerk." for i in range(120))
    text = f"{filler} The bridge was opened by Mayor Ada Lind in 1931. {filler}"
    windows = READER._windows("Who opened the bridge?", [text])
    assert len(windows) > 3
    hits = READER.read("Who opened the bridge?", [text], top=3)[0]
    assert "Ada Lind" in text[hits[0].start : hits[0].end]


def test_windows_read_in_two_batches_by_length_keep_their_own_rows() -> None:
    # Passages of very different lengths: each one's best span must come back from its own row.
    texts = [
        "Rain fell.",
        NEWS,
        "The bridge was opened by Mayor Ada Lind in 1931 after four years of work on its piers.",
        "Oakridge lies on the river.",
        "The mayor, Dana Holt, thanked the volunteers who filled 3,000 sandbags on Sunday night.",
    ]
    for reader in (READER, SpanReader(by_length=False)):
        bridge = reader.read("Who opened the bridge?", texts, top=1)[2][0]
        assert texts[2][bridge.start : bridge.end].endswith("Ada Lind")
        for p in (1, 4):
            mayor = reader.read("Who thanked the volunteers?", texts, top=1)[p][0]
            assert texts[p][mayor.start : mayor.end].endswith("Dana Holt")


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=400), st.text(min_size=1, max_size=60))
def test_spans_are_always_inside_the_text(text: str, question: str) -> None:
    for hits in READER.read(question, [text, NEWS], top=3):
        for h in hits:
            assert 0 <= h.start <= h.end <= len((text, NEWS)[h.passage])


def test_a_damaged_model_file_is_refused_in_one_line(tmp_path: Path) -> None:
    damaged = tmp_path / "model"
    shutil.copytree(MODEL_DIR, damaged)
    path = damaged / "reader-int8.onnx"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ReaderModelError, match="damaged"):
        SpanReader(damaged).read("Who?", ["Nobody."])


def test_the_cli_reports_a_damaged_model_without_a_traceback(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "qa", pkg / "qa")
    onnx = pkg / "qa" / "reader_model" / "reader-int8.onnx"
    onnx.write_bytes(onnx.read_bytes()[:-10])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(pkg)}
    r = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "Who?", "--corpus", str(SEEDS), "--index", str(tmp_path / "idx")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "damaged" in r.stderr.strip().splitlines()[-1]

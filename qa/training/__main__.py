"""``python -m qa.training``: train, export or average the span reader (see the package docstring)."""

from __future__ import annotations

import argparse
from pathlib import Path

from qa.training.export import export, ship, simplify_shipped, unsigned_shipped
from qa.training.gpu_run import TRAVEL_CAP, bundle, pack, unpack
from qa.training.loop import train
from qa.training.model import average
from qa.training.settings import DEFAULT_DATA, TrainSettings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m qa.training",
        description="Train the span reader, export a run to ONNX and ship it, average two runs, or prepare and unpack a GPU run.",
    )
    ap.add_argument("--out", type=Path, default=Path("runs/reader"))
    ap.add_argument(
        "--data",
        type=Path,
        nargs="+",
        default=[DEFAULT_DATA],
        help="training files in the qa-train layout (SQuAD's), read as one set",
    )
    ap.add_argument(
        "--export", type=Path, default=None, help="export the run in --out to this folder and stop"
    )
    ap.add_argument("--ship", type=Path, default=None, help="with --export: copy the int8 model here")
    ap.add_argument(
        "--simplify",
        type=Path,
        default=None,
        help="drop torch's attention NaN guards from the int8 reader in this package folder (same logits) and stop",
    )
    ap.add_argument(
        "--unsigned",
        type=Path,
        default=None,
        help="store the int8 reader's weights in this package folder as uint8: the same products, "
        "computed alike on every CPU (qa/int8.py), and stop",
    )
    ap.add_argument(
        "--average-with",
        type=Path,
        default=None,
        help="write into --out the half-and-half weight average of --init's reader and this run, and stop",
    )
    ap.add_argument(
        "--gpu-bundle",
        type=Path,
        default=None,
        help="write into this folder what a run on a borrowed GPU machine needs (see qa/training/gpu_run.py) and stop",
    )
    ap.add_argument("--no-wheels", action="store_true", help="with --gpu-bundle: leave out the wheels")
    ap.add_argument(
        "--pack",
        type=Path,
        nargs=2,
        metavar=("RUNS", "DEST"),
        default=None,
        help="pack the runs under RUNS into DEST for the trip back from the GPU machine, and stop",
    )
    ap.add_argument(
        "--unpack",
        type=Path,
        default=None,
        help="rebuild runs/gpu-NAME from a packed GPU run in this folder, and stop",
    )
    for name, field in TrainSettings.__dataclass_fields__.items():
        ap.add_argument(f"--{name.replace('_', '-')}", type=type(field.default), default=field.default)
    args = ap.parse_args(argv)
    if args.gpu_bundle:
        if len(args.data) > 1:
            raise SystemExit("error: a GPU bundle carries one --data file")
        sizes = bundle(args.gpu_bundle, args.data[0], wheels=not args.no_wheels)
        mib = {k: v / 2**20 for k, v in sizes.items()}
        print(
            f"{args.gpu_bundle}: {mib['bundle']:.1f} MiB, with the repository {mib['total']:.1f} MiB of 64 MiB; "
            f"on the GPU machine: bash {args.gpu_bundle}/run.sh"
        )
        if sizes["total"] > TRAVEL_CAP:
            raise SystemExit("error: the bundle and the repository together exceed what travels (64 MiB)")
        return 0
    if args.pack:
        print("packed:", ", ".join(pack(*args.pack)) or "nothing")
        return 0
    if args.unpack:
        for run in unpack(args.unpack, Path("runs")):
            print(f"{run}: python -m qa.training --out {run} --export {run}/export")
        return 0
    if args.simplify:
        print(f"{simplify_shipped(args.simplify)} nodes dropped from {args.simplify / 'reader-int8.onnx'}")
        return 0
    if args.unsigned:
        print(
            f"{unsigned_shipped(args.unsigned)} weight tensors stored as uint8 in {args.unsigned / 'reader-int8.onnx'}"
        )
        return 0
    if args.average_with:
        if not args.init:
            raise SystemExit("error: --average-with needs --init (the shipped reader to average with)")
        average(Path(args.init), args.average_with, args.out)
        return 0
    if args.export:
        export(args.out, args.export)
        if args.ship:
            ship(args.export, args.ship)
        return 0
    st = TrainSettings(**{k: getattr(args, k) for k in TrainSettings.__dataclass_fields__})
    train(args.out, args.data, st)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

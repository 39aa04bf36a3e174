"""``python -m qa.training``: train, export or average the span reader (see the package docstring)."""

from __future__ import annotations

import argparse
from pathlib import Path

from qa.training.export import export, ship, simplify_shipped
from qa.training.loop import train
from qa.training.model import average
from qa.training.settings import DEFAULT_DATA, TrainSettings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m qa.training",
        description="Train the span reader, export a run to ONNX and ship it, or average two runs.",
    )
    ap.add_argument("--out", type=Path, default=Path("runs/reader"))
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
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
        "--average-with",
        type=Path,
        default=None,
        help="write into --out the half-and-half weight average of --init's reader and this run, and stop",
    )
    for name, field in TrainSettings.__dataclass_fields__.items():
        ap.add_argument(f"--{name.replace('_', '-')}", type=type(field.default), default=field.default)
    args = ap.parse_args(argv)
    if args.simplify:
        print(f"{simplify_shipped(args.simplify)} nodes dropped from {args.simplify / 'reader-int8.onnx'}")
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

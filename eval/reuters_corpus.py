"""A small newswire corpus for `eval/gold-reuters.jsonl`: quality on news nobody here wrote the code for.

    python -m eval.reuters_corpus --out ~/.cache/qa-news/reuters-gold/corpus [--articles 1000]

Writes one JSONL file: the articles the gold questions were written from, plus a fixed, seeded sample of
other Reuters-21578 articles as distractors. The articles stay in `../shared/data` (research use only);
only their ids are in this repository.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "reuters21578.jsonl.gz"
GOLD = ROOT / "eval" / "gold-reuters.jsonl"
DISTRACTORS = 60
SEED = 2026


def gold_sources(gold: Path) -> set[str]:
    lines = gold.read_text("utf-8").splitlines()
    return {s for line in lines if line.strip() for s in json.loads(line).get("sources", [])}


def select(rows: list[dict[str, str]], sources: set[str], n: int = DISTRACTORS) -> list[dict[str, str]]:
    """The gold questions' articles and ``n`` others (at least 300 characters, seeded, in file order)."""
    others = sorted(r["id"] for r in rows if r["id"] not in sources and len(r.get("text") or "") >= 300)
    keep = sources | set(random.Random(SEED).sample(others, min(n, len(others))))
    return [r for r in rows if r["id"] in keep]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--out", type=Path, required=True, help="a folder; reuters.jsonl is written there")
    ap.add_argument(
        "--articles",
        type=int,
        default=None,
        help=f"articles in all, the gold ones included (default: those and {DISTRACTORS} others)",
    )
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"error: {args.data} not found (the shared data folder must sit beside the repository)")
        return 2
    with gzip.open(args.data, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    sources = gold_sources(args.gold)
    chosen = select(
        rows, sources, DISTRACTORS if args.articles is None else max(0, args.articles - len(sources))
    )
    missing = sources - {r["id"] for r in chosen}
    if missing:
        print(f"error: gold sources not in {args.data}: {', '.join(sorted(missing))}")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / "reuters.jsonl.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        for r in chosen:
            f.write(json.dumps({k: r[k] for k in ("id", "title", "date", "text") if k in r}) + "\n")
    tmp.replace(args.out / "reuters.jsonl")
    print(f"{len(chosen)} articles ({len(sources)} with gold answers) -> {args.out / 'reuters.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

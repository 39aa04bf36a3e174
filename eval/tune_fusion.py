"""Choose how dense and BM25 hits are fused, on the held-out tuning set (never a test set).

    python -m eval.heldout --by-article --out ~/.cache/qa-news/heldout-articles   # then index its corpus.jsonl
    python -m eval.tune_fusion --gold GOLD --index INDEX [--depth 8]

Reciprocal rank fusion scores a passage ``sum(weight / (k + rank + 1))`` over the two retrievers. The reader
reads the top ``--depth`` passages, so a setting is judged first by how often one of them holds the answer
(recall at that depth, the passage test ``qa eval`` uses), then by how often the first one does. Retrieval
alone: no reader runs, so the whole grid takes a minute or two.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.answerer import Answerer
from qa.evaluation import load_gold, passage_hit
from qa.index import Index
from qa.models import Result
from qa.retriever import FusionSettings, Retriever

KS = (1, 3, 5, 10, 20, 30, 60)
DENSE_WEIGHTS = (0.5, 0.75, 1.0)  # the BM25 weight stays 1
ALONE = ((1.0, 0.0), (0.0, 1.0))  # each retriever by itself, for reference


def recall(
    index: Index, queries: list[tuple[dict, str, object]], settings: FusionSettings, depth: int
) -> tuple[float, float]:
    """(hit@1, recall@depth) of the fused ranking over the answerable questions."""
    retriever = Retriever(index, settings)
    first = anywhere = 0
    for item, query, vec in queries:
        passages = retriever.search(query, top_k=depth, query_vec=vec)
        shown = Result(item["question"], True, None, tuple(passages), (), ()).to_json()["passages"]
        hits = [passage_hit(p, item) for p in shown]
        first += bool(hits and hits[0])
        anywhere += any(hits)
    return first / len(queries), anywhere / len(queries)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--depth", type=int, default=8, help="passages the reader reads")
    ap.add_argument("--out", type=Path, default=None, help="write tune-fusion.{json,md} here")
    args = ap.parse_args(argv)
    index = Index.load(args.index.expanduser())
    answerer = Answerer(index)
    queries = []
    for item in load_gold(args.gold.expanduser()):
        if item["answers"]:
            _, query = answerer.analyze(item["question"], item["history"])
            queries.append((item, query, index.encoder.encode([query])[0]))
    at = f"recall@{args.depth}"
    rows = []
    grid = [(d, 1.0, k) for d in DENSE_WEIGHTS for k in KS] + [(d, s, 60) for d, s in ALONE]
    for dense, sparse, k in grid:
        st = FusionSettings(k=k, dense_weight=dense, sparse_weight=sparse)
        hit1, at_depth = recall(index, queries, st, args.depth)
        rows.append({"k": k, "dense": dense, "bm25": sparse, "hit@1": hit1, at: at_depth})
        print(json.dumps(rows[-1]), flush=True)
    fused = [r for r in rows if r["dense"] and r["bm25"]]
    best = max(fused, key=lambda r: (round(r[at], 4), round(r["hit@1"], 4), -r["k"]))
    lines = [
        f"# Rank fusion on {args.gold} ({len(queries)} answerable questions, read depth {args.depth})",
        "",
        f"Chosen: k = {best['k']}, dense weight {best['dense']} (the most {at}, then hit@1).",
        "",
        f"| k | dense weight | BM25 weight | hit@1 | {at} |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r['k']} | {r['dense']} | {r['bm25']} | {r['hit@1']:.3f} | {r[at]:.3f} |" for r in rows]
    print("\n".join(lines))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "tune-fusion.json").write_text(
            json.dumps({"chosen": best, "rows": rows}, indent=1) + "\n"
        )
        (args.out / "tune-fusion.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Replay the shipped answerer's reader spans offline, to measure answer choices without reading again.

    python -m eval.replay --gold ~/.cache/qa-news/heldout-articles/gold.jsonl \\
        --index ~/.cache/qa-news/heldout-articles/index-80

Asks every answerable question once, keeps the spans read (best first), then reports:
- how often the answer given is the top span, and how often the top span is right where it abstained;
- name completion: a name answered in part ("Russert") replaced by the same article's longer name that holds it
  ("Tim Russert") when that one scores within delta;
- mention aggregation: each answer text scored by all its mentions among the top k spans (sum, noisy-or, or the
  best plus a log count), as open-domain readers aggregate evidence.
Choose a setting on the held-out tuning set; newsqa-dev and the gold sets only report.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.answer_metrics import normalize_answer
from qa.answerer import Answerer
from qa.evaluation import answer_matches, load_gold, score_item
from qa.index import Index

Span = tuple[str, float, str, str]  # text, confidence, doc_id, kind


def collect(answerer: Answerer, items: list[dict[str, Any]], depth: int = 40) -> list[dict[str, Any]]:
    rows = []
    for it in items:
        q, query, read_as, passages, found = answerer.read(it["question"], it.get("history", []))
        r = answerer.conclude(q, query, read_as, passages, found, it["id"])
        row = score_item(it, r.to_json())
        if not row["answerable"] or not found:
            continue
        rows.append(
            {
                "gold": it["answers"],
                "abstained": r.abstained,
                "correct": row["correct"],
                "answer": (r.answer.text, r.answer.doc_id) if r.answer else None,
                "spans": [(c.text, c.score, c.doc_id, c.kind) for c in found[:depth]],
            }
        )
    return rows


def right(text: str, gold: list[str]) -> bool:
    return any(answer_matches(text, None, None, g) for g in gold)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w.'’-]+", text)


def _name(text: str) -> bool:
    words = _words(text)
    return bool(words) and all(w[0].isupper() or w[0].isdigit() for w in words)


def _holds(longer: str, shorter: str) -> bool:
    a, b = _words(shorter), _words(longer)
    return len(a) < len(b) and (b[: len(a)] == a or b[-len(a) :] == a)


def name_completion(rows: list[dict[str, Any]], delta: float) -> tuple[int, int, int]:
    """(answers changed, gained, lost) when a partial name gives way to a longer one within ``delta``."""
    changed = gained = lost = 0
    for r in rows:
        if r["abstained"] or not r["answer"] or not _name(r["answer"][0]):
            continue
        text, doc = r["answer"]
        own = [s for s in r["spans"] if s[2] == doc and s[0] == text and s[3] == "entity"]
        if not own:
            continue
        score = own[0][1]
        longer = [
            s
            for s in r["spans"]
            if s[2] == doc
            and s[3] == "entity"
            and _name(s[0])
            and _holds(s[0], text)
            and s[1] >= score - delta
        ]
        if not longer:
            continue
        changed += 1
        ok = right(max(longer, key=lambda s: s[1])[0], r["gold"])
        gained += ok and not r["correct"]
        lost += r["correct"] and not ok
    return changed, gained, lost


AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "sum": sum,
    "noisy-or": lambda ps: 1 - math.prod(1 - p for p in ps),
    "best+log count": lambda ps: max(ps) + 0.05 * math.log(len(ps)),
}


def aggregated(rows: list[dict[str, Any]], how: Callable[[list[float]], float], k: int) -> float:
    """Share of questions whose best-aggregated answer text among the top ``k`` spans is right."""
    ok = 0
    for r in rows:
        mentions: dict[str, list[Span]] = defaultdict(list)
        for s in r["spans"][:k]:
            mentions[normalize_answer(s[0])].append(s)
        best = max(mentions.values(), key=lambda m: how([s[1] for s in m]))
        ok += right(best[0][0], r["gold"])
    return ok / len(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = collect(Answerer(Index.load(args.index.expanduser())), load_gold(args.gold.expanduser()))
    if not rows:
        print("error: no answerable question with spans read", file=sys.stderr)
        return 2
    answered = [r for r in rows if not r["abstained"]]
    abstained = [r for r in rows if r["abstained"]]
    top = sum(r["answer"] is not None and r["answer"][0] == r["spans"][0][0] for r in answered)
    report: dict[str, Any] = {
        "questions": len(rows),
        "answered": len(answered),
        "answered_right": sum(r["correct"] for r in answered),
        "answer_is_top_span": top,
        "abstained": len(abstained),
        "abstained_but_top_span_right": sum(right(r["spans"][0][0], r["gold"]) for r in abstained),
        "top_span_right": round(sum(right(r["spans"][0][0], r["gold"]) for r in rows) / len(rows), 4),
        "name_completion": {
            str(d): dict(zip(("changed", "gained", "lost"), name_completion(rows, d), strict=True))
            for d in (0.02, 0.05, 0.1, 0.2, 1.0)
        },
        "aggregation": {
            f"{name}, top {k}": round(aggregated(rows, how, k), 4)
            for name, how in AGGREGATES.items()
            for k in (5, 10, 40)
        },
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Score an Answerer against a gold set; write JSON and Markdown reports; check thresholds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from qa.answer_metrics import exact_match, f1_score, normalize_answer
from qa.answerer import Answerer
from qa.models import Result
from qa.numbers import parse_number, percent_value, values_equal

KINDS = ("numeric", "entity", "date", "span", "conflict", "followup", "unanswerable")


class GoldError(ValueError):
    pass


def load_gold(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise GoldError(f"gold file not found: {path}")
    items = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise GoldError(f"{path}:{n}: not valid JSON ({e.msg})") from e
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            raise GoldError(f"{path}:{n}: needs a string 'question'")
        obj.setdefault("id", f"line{n}")
        obj.setdefault("answers", [])
        obj.setdefault("sources", [])
        obj.setdefault("history", [])
        obj.setdefault("kind", "unanswerable" if not obj["answers"] else "span")
        items.append(obj)
    return items


def _num(text: str) -> tuple[float, str | None] | None:
    parsed = parse_number(text)
    if parsed is None:
        return None
    value, unit = parsed
    if unit in ("percent", "fraction"):
        return percent_value(value, unit), "percent"
    return value, unit


def answer_matches(text: str | None, value: float | None, unit: str | None, gold: str) -> bool:
    """Numbers compare by value ("5,600" == "5600" == "at least 5,600"); text by SQuAD exact match."""
    if text is None:
        return False
    g = _num(gold)
    if g is not None:
        if value is None:
            p = _num(text)
            if p is None:
                return False
            value, unit = p
        elif unit in ("percent", "fraction"):
            value, unit = percent_value(value, unit), "percent"
        return values_equal(value, g[0])
    return exact_match(text, gold) or normalize_answer(gold) == normalize_answer(text).removeprefix("the ")


def passage_hit(passage: dict[str, Any], item: dict[str, Any]) -> bool:
    if item["sources"] and passage["doc_id"] not in item["sources"]:
        return False
    for gold in item["answers"]:
        g = _num(gold)
        if g is not None:
            if any(
                s["value"] is not None and answer_matches(s["text"], s["value"], s["unit"], gold)
                for s in passage["spans"]
            ):
                return True
        elif normalize_answer(gold) and normalize_answer(gold) in normalize_answer(passage["text"]):
            return True
    return False


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def check_offsets(answerer: Answerer, result: dict[str, Any]) -> int:
    """How many offsets in a result fail to quote the article exactly (must be 0)."""
    texts = answerer.index.article_by_id
    bad = 0
    for p in result["passages"]:
        t = texts[p["doc_id"]].text
        bad += t[p["start"] : p["end"]] != p["text"]
        bad += sum(t[s["start"] : s["end"]] != s["text"] for s in p["spans"])
    for c in result["citations"]:
        bad += texts[c["doc_id"]].text[c["start"] : c["end"]] != c["quote"]
    a = result["answer"]
    if a:
        bad += texts[a["doc_id"]].text[a["start"] : a["end"]] != a["text"]
    for c in result["conflicts"]:
        bad += texts[c["doc_id"]].text[c["start"] : c["end"]] != c["text"]
    return bad


def score_item(item: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    answerable = item["kind"] != "unanswerable" and bool(item["answers"])
    ans = result["answer"]
    correct = False
    em = f1 = 0.0
    if answerable and ans and not result["abstained"]:
        correct = any(answer_matches(ans["text"], ans["value"], ans["unit"], g) for g in item["answers"])
        em = float(correct or any(exact_match(ans["text"], g) for g in item["answers"]))
        f1 = 1.0 if correct else max(f1_score(ans["text"], g) for g in item["answers"])
    elif not answerable:
        correct = result["abstained"]
    hits = [passage_hit(p, item) for p in result["passages"]] if answerable else []
    rank = next((i + 1 for i, h in enumerate(hits) if h), None)
    cited = {c["doc_id"] for c in result["citations"]}
    gold_sources = set(item["sources"])
    row = {
        "id": item["id"],
        "kind": item["kind"],
        "question": item["question"],
        "numeric": answerable and all(_num(g) is not None for g in item["answers"]),
        "answerable": answerable,
        "abstained": result["abstained"],
        "predicted": ans["text"] if ans else None,
        "gold": item["answers"],
        "correct": correct,
        "em": em,
        "f1": f1,
        "rank": rank,
        "cited": sorted(cited),
        "sources": sorted(gold_sources),
        "citation_precision": (len(cited & gold_sources) / len(cited)) if cited and gold_sources else None,
        "citation_recall": (len(cited & gold_sources) / len(gold_sources))
        if gold_sources and answerable
        else None,
        "conflict_detected": None,
    }
    if item["kind"] == "conflict":
        values = [ans] if ans else []
        found = [a for a in values + result["conflicts"] if a]
        matched = {
            g
            for g in item["answers"]
            for a in found
            if answer_matches(a["text"], a["value"], a.get("unit"), g)
        }
        row["conflict_detected"] = bool(result["conflicts"]) and len(matched) >= 2
        row["correct"] = row["correct"] and row["conflict_detected"]
    row["false_conflict"] = item["kind"] != "conflict" and bool(result["conflicts"])
    return row


def evaluate(answerer: Answerer, items: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = []
    latencies = []
    offset_errors = 0
    if items:  # load everything once so latency is per question, not first-load
        answerer.ask(items[0]["question"])
    for item in items:
        t = time.perf_counter()
        result: Result = answerer.ask(item["question"], item.get("history") or [], item["id"])
        latencies.append((time.perf_counter() - t) * 1000)
        js = result.to_json()
        offset_errors += check_offsets(answerer, js)
        rows.append(score_item(item, js))
    return summarize(rows, latencies, offset_errors), rows


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarize(rows: list[dict[str, Any]], latencies: list[float], offset_errors: int) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unans = [r for r in rows if not r["answerable"]]
    m: dict[str, Any] = {
        "questions": len(rows),
        "answer_accuracy": _mean([float(r["correct"]) for r in answerable]),
        "numeric_accuracy": _mean([float(r["correct"]) for r in answerable if r["numeric"]]),
        "text_em": _mean([r["em"] for r in answerable if not r["numeric"]]),
        "text_f1": _mean([r["f1"] for r in answerable if not r["numeric"]]),
        "followup_accuracy": _mean([float(r["correct"]) for r in rows if r["kind"] == "followup"]),
        "passage_hit@1": _mean([float(r["rank"] == 1) for r in answerable]),
        "passage_hit@3": _mean([float(r["rank"] is not None and r["rank"] <= 3) for r in answerable]),
        "mrr": _mean([1.0 / r["rank"] if r["rank"] else 0.0 for r in answerable]),
        "citation_precision": _mean(
            [r["citation_precision"] for r in answerable if r["citation_precision"] is not None]
        ),
        "citation_recall": _mean(
            [r["citation_recall"] for r in answerable if r["citation_recall"] is not None]
        ),
        "abstention_accuracy": _mean([float(r["abstained"]) for r in unans]),
        "false_abstentions": _mean([float(r["abstained"]) for r in answerable]),
        "conflict_detection": _mean(
            [float(bool(r["conflict_detected"])) for r in rows if r["kind"] == "conflict"]
        ),
        "false_conflicts": _mean([float(r["false_conflict"]) for r in rows if r["kind"] != "conflict"]),
        "offset_errors": offset_errors,
        "latency_ms_p50": round(_percentile(latencies, 0.5), 2),
        "latency_ms_p95": round(_percentile(latencies, 0.95), 2),
        "by_kind": {},
    }
    for kind in KINDS:
        sub = [r for r in rows if r["kind"] == kind]
        if sub:
            m["by_kind"][kind] = {"n": len(sub), "accuracy": _mean([float(r["correct"]) for r in sub])}
    return m


def write_report(
    metrics: dict[str, Any], rows: list[dict[str, Any]], directory: Path, name: str
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / f"{name}.json", directory / f"{name}.md"
    json_path.write_text(
        json.dumps({"metrics": metrics, "rows": rows}, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )
    lines = [f"# Evaluation: {name}", "", "| metric | value |", "|---|---|"]
    for k, v in metrics.items():
        if k != "by_kind":
            lines.append(f"| {k} | {v} |")
    lines += ["", "| kind | n | accuracy |", "|---|---|---|"]
    for k, v in metrics["by_kind"].items():
        lines.append(f"| {k} | {v['n']} | {v['accuracy']} |")
    wrong = [r for r in rows if not r["correct"]]
    if wrong:
        lines += ["", "## Misses", "", "| id | kind | question | predicted | gold |", "|---|---|---|---|---|"]
        for r in wrong:
            q = r["question"].replace("|", "/")
            lines.append(
                f"| {r['id']} | {r['kind']} | {q} | {r['predicted'] if not r['abstained'] else '(abstained)'} | {' / '.join(r['gold']) or '(none)'} |"
            )
    md_path.write_text("\n".join(lines) + "\n", "utf-8")
    return json_path, md_path


def check_thresholds(metrics: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """``{"metric": {"min": x}}`` or ``{"metric": {"max": x}}``; returns what fails."""
    failures = []
    for name, bound in thresholds.items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name}: not measured")
            continue
        if "min" in bound and value < bound["min"]:
            failures.append(f"{name} = {value} < {bound['min']}")
        if "max" in bound and value > bound["max"]:
            failures.append(f"{name} = {value} > {bound['max']}")
    return failures


def baseline_of(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """What a run is compared with later, question by question: each question's id and whether it was right
    (no question or answer text, so a baseline of a set with research terms can be kept)."""
    return {
        "set": name,
        "rows": [{"id": r["id"], "answerable": r["answerable"], "correct": bool(r["correct"])} for r in rows],
    }


def baseline_text(baseline: dict[str, Any]) -> str:
    """A baseline as JSON with one question a line, so that a change to it reads as a diff of questions."""
    rows = ",\n".join(json.dumps(r) for r in baseline["rows"])
    return f'{{"set": {json.dumps(baseline["set"])}, "rows": [\n{rows}\n]}}\n'


def paired_losses(baseline: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """The paired comparisons with ``baseline`` that are significant losses (McNemar p < 0.05, more questions
    lost than gained): a change ships only without one on any set."""
    from qa.paired import compare_reports

    try:
        compared = compare_reports(baseline, {"rows": rows})
    except ValueError as e:
        raise GoldError(f"the baseline does not match this gold set: {e}") from None
    return [
        f"{what}: {cmp} against the baseline"
        for what, cmp in compared.items()
        if cmp.p_value < 0.05 and cmp.lost > cmp.gained
    ]


def floors(
    rows: list[dict[str, Any]], thresholds: dict[str, Any], resamples: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """Gates a noise margin from this run's figures: each ``min`` becomes the lower end of the figure's 95%
    bootstrap interval (questions resampled), each ``max`` the upper end, rounded outwards to two decimals;
    ``offset_errors`` stays 0. One question more or less on a small set then neither blocks nor passes (a figure
    every resample repeats, such as 25 of 25, gets the rule of three's margin instead)."""
    import math

    import numpy as np

    rng = np.random.default_rng(seed)
    draws = [
        summarize([rows[i] for i in rng.integers(0, len(rows), len(rows))], [], 0) for _ in range(resamples)
    ]
    out: dict[str, Any] = {}
    for name, bound in thresholds.items():
        if name == "offset_errors":
            out[name] = {"max": 0}
            continue
        values = [d[name] for d in draws if d.get(name) is not None]
        if not values:
            out[name] = bound
            continue
        if "min" in bound:
            low = float(np.quantile(values, 0.025))
            if low == max(values):
                # A perfect figure resamples to itself; the rule of three gives the 95% lower bound instead.
                low = max(0.0, low - 3 / len(rows))
            out[name] = {"min": math.floor(low * 100) / 100}
        else:
            out[name] = {"max": math.ceil(float(np.quantile(values, 0.975)) * 100) / 100}
    return out

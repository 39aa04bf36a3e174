"""Training examples from qa-train: the held-out split by article, negatives, windows and their labels."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.training.settings import TrainSettings

log = logging.getLogger(__name__)


def pick_answer(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """The annotators' most common answer, the shortest among ties (crisp spans train crisp readers)."""
    counts = Counter((a["answer_start"], a["text"]) for a in answers)
    (start, text), _ = min(counts.items(), key=lambda kv: (-kv[1], len(kv[0][1])))
    return {"answer_start": start, "text": text}


def is_dev(key: str, fraction: float) -> bool:
    h = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return (h % 10_000) < fraction * 10_000


def load_examples(
    path: Path | Sequence[Path], st: TrainSettings
) -> tuple[list[dict], list[dict], list[str], list[int]]:
    """(train, dev) examples ``{question, context, answer|None, answers}``, all paragraphs and the article
    each belongs to, from one or more files read as one set (each holds out its own articles). With
    ``group_size`` above 1 the training examples come in groups (``grouped_examples``)."""
    data: list[dict] = []
    for one in [path] if isinstance(path, Path) else path:
        with gzip.open(one) as fh:
            data.extend(json.loads(fh.read())["data"])
    paragraphs: list[str] = []
    owner: list[int] = []
    train: list[dict] = []
    dev: list[dict] = []
    rng = random.Random(st.seed)
    for ai, art in enumerate(data):
        ctxs = [p["context"] for p in art["paragraphs"]]
        for pi, p in enumerate(art["paragraphs"]):
            # Held out by article; a "title" that gathers thousands of posts (Reddit) is split by post.
            key = f"{art.get('source')}/{art['title']}" + (f"/{pi}" if len(ctxs) > 100 else "")
            paragraphs.append(p["context"])
            owner.append(ai)
            for qa in p["qas"]:
                if len(qa["question"].split()) > 40:
                    continue  # a window must keep room for the context (the reader clips questions too)
                ans = pick_answer(qa["answers"])
                ex = {
                    "id": qa["id"],
                    "question": qa["question"].strip(),
                    "context": p["context"],
                    "answer": ans,
                    "answers": sorted({a["text"] for a in qa["answers"]}),
                    "article": ai,
                    "paragraph": len(paragraphs) - 1,
                }
                (dev if is_dev(key, st.dev_fraction) else train).append(ex)
                # Another paragraph of the same article that does not contain the answer.
                others = [c for j, c in enumerate(ctxs) if j != pi and ans["text"] not in c]
                if others and rng.random() < st.same_article_negatives:
                    neg = dict(ex, context=rng.choice(others), answer=None, answers=[])
                    (dev if is_dev(key, st.dev_fraction) else train).append(neg)
    if st.decoys > 0:
        train = with_decoys(train, st.decoys, random.Random(st.seed + 3))
    if st.group_size > 1:
        train = grouped_examples(train, paragraphs, owner, st, rng)
    else:
        _add_bm25_negatives(train, paragraphs, owner, st, rng)
    _add_bm25_negatives(dev, paragraphs, owner, st, rng)
    if st.binding:
        if st.group_size > 1:
            raise ValueError("binding examples are read alone: use them with --group-size 1")
        train.extend(repeated_binding(Path(st.binding), len(train), st))
    return train, dev, paragraphs, owner


def repeated_binding(path: Path, n_train: int, st: TrainSettings) -> list[dict]:
    """The binding examples of ``path`` (less the Reuters gold corpus's articles), each repeated so that all
    of them make about ``st.binding_share`` of the training examples."""
    from qa.training.binding_examples import binding_examples, read_articles, reuters_gold_articles

    rows = read_articles(path)
    gold = reuters_gold_articles(rows)
    made = binding_examples((r for r in rows if r["id"] not in gold), st.seed)
    if not made:
        return []
    want = int(st.binding_share * n_train / max(1e-9, 1 - st.binding_share))
    reps = max(1, round(want / len(made)))
    log.info("binding: %d examples from %s, each read %d times", len(made), path, reps)
    for ex in made:
        ex.update(article=-1, paragraph=-1)
    return [dict(ex) for _ in range(reps) for ex in made]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")


def decoy(ex: dict, fake: str, other_name: str, rng: random.Random) -> dict | None:
    """``ex`` with a decoy beside its answer's sentence: that sentence again, with ``fake`` for the answer and
    ``other_name`` for a capitalised word it shares with the question (before or after it, by ``rng``). None
    when the answer's sentence holds no such word (the copy would state the same fact with another answer)."""
    ctx, start, text = ex["context"], ex["answer"]["answer_start"], ex["answer"]["text"]
    end = start + len(text)
    a = 0
    for m in _SENTENCE_END.finditer(ctx):
        if m.start() >= end:
            break
        a = m.end()
    nxt = _SENTENCE_END.search(ctx, end)
    b = nxt.start() if nxt else len(ctx)
    if a > start:
        return None  # the answer spans sentences
    asked = {w.lower() for w in re.findall(r"\w+", ex["question"])}
    names = [
        m
        for m in _NAME.finditer(ctx, a, b)
        if m.start() > a and m.group(0).lower() in asked and (m.end() <= start or m.start() >= end)
    ]
    if not names:
        return None
    name = rng.choice(names).group(0)
    sentence = ctx[a:start] + fake + ctx[end:b]
    sentence = re.sub(rf"\b{re.escape(name)}\b", other_name, sentence)
    if rng.random() < 0.5:
        context, shift = ctx[:b] + " " + sentence + ctx[b:], 0
    else:
        context, shift = ctx[:a] + sentence + " " + ctx[a:], len(sentence) + 1
    out = dict(ex, context=context, answer={"answer_start": start + shift, "text": text})
    assert context[start + shift : start + shift + len(text)] == text
    return out


def with_decoys(examples: list[dict], share: float, rng: random.Random) -> list[dict]:
    """A ``share`` of the answerable examples replaced by their ``decoy`` form; fakes are other examples'
    answers of the same kind (with a digit or without), other names capitalised words of other contexts."""
    answers = [e["answer"]["text"] for e in examples if e["answer"] is not None]
    figures = [t for t in answers if any(ch.isdigit() for ch in t)]
    words = [t for t in answers if not any(ch.isdigit() for ch in t)]
    out = []
    for e in examples:
        if e["answer"] is None or rng.random() >= share:
            out.append(e)
            continue
        text = e["answer"]["text"]
        pool = figures if any(ch.isdigit() for ch in text) else words
        fake = rng.choice(pool)
        other = rng.choice(examples)["context"]
        names = _NAME.findall(other)
        made = None
        if names and fake.lower() != text.lower() and fake not in e["context"]:
            made = decoy(e, fake, rng.choice(names), rng)
        out.append(made or e)
    return out


def _add_bm25_negatives(
    examples: list[dict], paragraphs: list[str], owner: list[int], st: TrainSettings, rng: random.Random
) -> None:
    """The best BM25 paragraph of another article, for a share of the questions: hard negatives."""
    chosen = [e for e in examples if e["answer"] is not None and rng.random() < st.bm25_negatives]
    if not chosen:
        return
    ids = bm25_top(paragraphs, [e["question"] for e in chosen], 5)
    for e, row in zip(chosen, ids, strict=True):
        for pid in row:
            if owner[int(pid)] != e["article"]:
                examples.append(dict(e, context=paragraphs[int(pid)], answer=None, answers=[]))
                break


def grouped_examples(
    examples: list[dict], paragraphs: list[str], owner: list[int], st: TrainSettings, rng: random.Random
) -> list[dict]:
    """Each answerable example followed by ``group_size - 1`` distractors that do not hold its answer: one
    other paragraph of its article where there is one, the rest the best BM25 paragraphs of other articles.
    Every example gets a ``group`` number; the answer's example comes first in its group."""
    positives = [e for e in examples if e["answer"] is not None]
    by_article: dict[int, list[int]] = {}
    for pid, a in enumerate(owner):
        by_article.setdefault(a, []).append(pid)
    ids = bm25_top(paragraphs, [e["question"] for e in positives], st.group_size + 4)
    out: list[dict] = []
    for g, (e, row) in enumerate(zip(positives, ids, strict=True)):
        answer = e["answer"]["text"]
        same = [p for p in by_article[e["article"]] if p != e["paragraph"] and answer not in paragraphs[p]]
        picked = [rng.choice(same)] if same else []
        picked += [int(p) for p in row if owner[int(p)] != e["article"] and answer not in paragraphs[int(p)]]
        picked = picked[: st.group_size - 1]
        if len(picked) < st.group_size - 1:
            continue
        out.append(dict(e, group=g))
        out.extend(dict(e, context=paragraphs[p], answer=None, answers=[], group=g) for p in picked)
    return out


_BM25_CACHE: dict[int, Any] = {}


def bm25_top(paragraphs: list[str], questions: list[str], k: int) -> Any:
    """For each question, the indices of its ``k`` best BM25 paragraphs (stemmed, English stopwords); the
    index over ``paragraphs`` is built once and kept."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    key = hash(tuple(paragraphs))  # the same paragraphs, the same index
    if key not in _BM25_CACHE:
        index = bm25s.BM25()
        index.index(
            bm25s.tokenize(paragraphs, stopwords="en", stemmer=stemmer, show_progress=False),
            show_progress=False,
        )
        _BM25_CACHE[key] = index
    queries = bm25s.tokenize(questions, stopwords="en", stemmer=stemmer, show_progress=False)
    ids, _ = _BM25_CACHE[key].retrieve(queries, k=min(k, len(paragraphs)), show_progress=False, n_threads=1)
    return ids


def featurize(
    examples: list[dict], tokenizer: Any, st: TrainSettings, rng: random.Random | None = None
) -> list[dict]:
    """Overlapping windows of (question, context); start/end token labels, 0 ([CLS]) where the window has
    no answer. With ``rng`` (training), one window per example: one holding the answer, if any."""
    feats: list[dict] = []
    enc = tokenizer(
        [e["question"] for e in examples],
        [e["context"] for e in examples],
        truncation="only_second",
        max_length=st.train_len if rng else st.max_len,
        stride=32 if rng else st.stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=False,
    )
    for i, ex_i in enumerate(enc["overflow_to_sample_mapping"]):
        ex = examples[ex_i]
        seq = enc.sequence_ids(i)
        offsets = enc["offset_mapping"][i]
        start_tok = end_tok = 0
        if ex["answer"] is not None:
            a = ex["answer"]["answer_start"]
            b = a + len(ex["answer"]["text"])
            ctx = [k for k, s in enumerate(seq) if s == 1]
            if ctx and offsets[ctx[0]][0] <= a and offsets[ctx[-1]][1] >= b:
                start_tok = next(k for k in ctx if offsets[k][1] > a)
                end_tok = next(k for k in reversed(ctx) if offsets[k][0] < b)
        feats.append(
            {
                "input_ids": enc["input_ids"][i],
                "token_type_ids": enc["token_type_ids"][i],
                "start": start_tok,
                "end": end_tok,
                "example": ex_i,
                "offsets": offsets,
                "ctx": [x == 1 for x in seq],
            }
        )
    if rng is None:
        return feats
    by_example: dict[int, list[dict]] = {}
    for f in feats:
        by_example.setdefault(f["example"], []).append(f)
    out = []
    for group in by_example.values():
        hits = [f for f in group if f["start"] > 0]
        if examples[group[0]["example"]]["answer"] is not None and not hits:
            continue  # an answer cut by the window edges: no clean label
        out.append(rng.choice(hits or group))
    return out


def groups_of(feats: list[dict], examples: list[dict], size: int) -> list[list[int]]:
    """Window indices by question group, the answer's window first; a group that lost a window (an answer cut
    by the window edges) is dropped whole."""
    by_group: dict[int, list[int]] = {}
    for i, f in enumerate(feats):
        by_group.setdefault(examples[f["example"]]["group"], []).append(i)
    out = []
    for members in by_group.values():
        if len(members) == size and feats[members[0]]["start"] > 0:
            out.append(members)
    return out

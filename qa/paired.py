"""Paired comparison of two answerers on the same questions: is a difference more than noise?

Each question is right or wrong under both, so the evidence is in the discordant ones: ``gained`` (right only
under the new one) and ``lost``. McNemar's exact test asks whether gains and losses could be a fair coin; the
interval is a paired bootstrap of the difference in accuracy. On the 87-question bundled set one question is
1.1 points, so a gate a single question away says little; these figures say how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Paired:
    n: int
    difference: float  # accuracy of the new one minus the base's
    low: float  # 95% paired-bootstrap interval of the difference
    high: float
    gained: int
    lost: int
    p_value: float  # McNemar's exact two-sided test

    def __str__(self) -> str:
        return (
            f"{self.difference:+.3f} [{self.low:+.3f}, {self.high:+.3f}], "
            f"+{self.gained}/-{self.lost}, p={self.p_value:.2g}"
        )


def paired(base: Sequence[bool], new: Sequence[bool], resamples: int = 10_000, seed: int = 0) -> Paired:
    """Compare per-question outcomes (same questions, same order)."""
    if len(base) != len(new):
        raise ValueError(f"paired outcomes differ in length ({len(base)} and {len(new)})")
    from scipy.stats import binomtest

    a, b = np.asarray(base, dtype=float), np.asarray(new, dtype=float)
    n = len(a)
    if n == 0:
        return Paired(0, 0.0, 0.0, 0.0, 0, 0, 1.0)
    delta = b - a
    gained, lost = int((delta > 0).sum()), int((delta < 0).sum())
    rows = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    means = delta[rows].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    p = binomtest(min(gained, lost), gained + lost, 0.5).pvalue if gained + lost else 1.0
    return Paired(n, float(delta.mean()), float(low), float(high), gained, lost, float(p))


def compare_reports(base: dict, new: dict) -> dict[str, Paired]:
    """Two ``qa eval`` reports of the same gold set (rows matched by question id): answers on the answerable
    questions, abstentions on the others."""
    rows = {r["id"]: r for r in new["rows"]}
    missing = [r["id"] for r in base["rows"] if r["id"] not in rows]
    if missing:
        raise ValueError(
            f"{len(missing)} questions of the first report are not in the second ({missing[0]}, ...)"
        )
    out = {}
    for what, answerable in (("answers", True), ("abstentions", False)):
        pairs = [
            (r["correct"], rows[r["id"]]["correct"]) for r in base["rows"] if r["answerable"] is answerable
        ]
        if pairs:
            out[what] = paired([a for a, _ in pairs], [b for _, b in pairs])
    return out

"""Cormack & Grossman (SIGIR 2016): the knee method and the budget method.

Heuristics over the gain curve (relevant found against records screened in
ranked order); no recall estimate. Pure Python. When to use them:
``docs/methods/stopping.md``.

Knee: at rank ``s`` the knee ``i`` is the point of the gain curve farthest
from the line from (0, 0) to (s, relret(s)) (first maximum of
``|m*x - relret(x)|``, ``m = relret(s)/s``, as in Sneyd & Stevenson's
``knee_method_fns.py``); the slope ratio is

    rho = (relret(i) / i) / ((1 + relret(s) - relret(i)) / (s - i))   (0 if i == s)

and screening may stop when ``rho >= 156 - min(relret, 150)`` and ``s >= 150``.
``relret`` in the threshold is the number found at the current rank ``s``, as
the paper states (and Li & Kanoulas's code does); Sneyd & Stevenson's code
uses the number at the knee instead, which gives a larger threshold.

Budget: stop when ``(rho >= 6 and s >= 10 * N / relret) or s >= 0.75 * N``.

Only ``Run.labels`` (the ranked part) and ``Run.total`` enter; a random
sample, if any, is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from screening.stopping.stoppers.base import Assumption, Run, Verdict

CITATION = (
    "Cormack GV, Grossman MR. Engineering quality and reliability in technology-assisted "
    "review. SIGIR '16: 75-84. doi:10.1145/2911451.2911510"
)
#: The paper's minimum rank for the knee method.
MIN_RANK = 150


@dataclass(frozen=True, slots=True)
class KneePoint:
    """Where the gain curve bends, and the slope ratio across the bend."""

    rank: int  # the knee i (1-based; 0 before anything is screened)
    found_at_knee: int
    rho: float


def gain_knee(labels: Sequence[int]) -> KneePoint:
    """Return the knee of the gain curve of ``labels`` and its slope ratio at ``len(labels)``."""
    s = len(labels)
    if s == 0:
        return KneePoint(0, 0, 0.0)
    gain, running = [], 0
    for label in labels:
        running += int(label)
        gain.append(running)
    found = gain[-1]
    slope = found / s
    # argmax_x |slope * x - relret(x)|; the constant 1 / sqrt(slope^2 + 1) changes nothing.
    best, knee = -1.0, 1
    for x, relret in enumerate(gain, 1):
        distance = abs(slope * x - relret)
        if distance > best:
            best, knee = distance, x
    at_knee = gain[knee - 1]
    if knee >= s:
        return KneePoint(knee, at_knee, 0.0)
    rho = (at_knee / knee) / ((1 + found - at_knee) / (s - knee))
    return KneePoint(knee, at_knee, rho)


class Knee:
    """The knee method: stop once the slope ratio reaches ``156 - min(relret, 150)``."""

    name = "knee"
    assumption = Assumption.HEURISTIC
    citation = CITATION
    needs_probs = False

    def check(self, run: Run) -> Verdict:
        s, found = len(run.labels), int(sum(run.labels))
        knee = gain_knee(run.labels)
        threshold = 156 - min(found, 150)
        stop = knee.rho >= threshold and s >= MIN_RANK
        done = f"after {s:,} of {run.total:,} records"
        if stop:
            sentence = (
                f"Screening stopped when the knee method's slope ratio reached {knee.rho:.1f} "
                f"(threshold {threshold}) {done}."
            )
        else:
            floor = f" and at least {MIN_RANK} records screened" if s < MIN_RANK else ""
            sentence = (
                f"The knee method's slope ratio was {knee.rho:.1f} {done}; stopping needs "
                f"{threshold}{floor}."
            )
        return Verdict(
            rule=self.name,
            stop=stop,
            assumption=self.assumption,
            citation=self.citation,
            sentence=sentence,
            details={"rho": knee.rho, "threshold": threshold, "knee_rank": knee.rank},
        )


class Budget:
    """The budget method: a weaker slope ratio once enough was spent, or 75% of the records."""

    name = "budget"
    assumption = Assumption.HEURISTIC
    citation = CITATION
    needs_probs = False

    def check(self, run: Run) -> Verdict:
        s, found, total = len(run.labels), int(sum(run.labels)), run.total
        knee = gain_knee(run.labels)
        spent = found > 0 and s >= 10 * total / found
        by_ratio = knee.rho >= 6 and spent
        by_share = s >= 0.75 * total
        done = f"after {s:,} of {total:,} records"
        if by_ratio:
            sentence = (
                f"Screening stopped when the budget method's slope ratio reached {knee.rho:.1f} "
                f"(threshold 6) {done}, at least 10 N / relret = {math.ceil(10 * total / found):,}."
            )
        elif by_share:
            sentence = f"Screening stopped by the budget method {done}, 75% of the records."
        else:
            need = f"{math.ceil(10 * total / found):,}" if found else "(none found yet)"
            sentence = (
                f"The budget method's slope ratio was {knee.rho:.1f} {done}; stopping needs 6 "
                f"with at least 10 N / relret = {need} records screened, or 75% of the records "
                f"({math.ceil(0.75 * total):,})."
            )
        return Verdict(
            rule=self.name,
            stop=by_ratio or by_share,
            assumption=self.assumption,
            citation=self.citation,
            sentence=sentence,
            details={"rho": knee.rho, "threshold": 6, "knee_rank": knee.rank},
        )

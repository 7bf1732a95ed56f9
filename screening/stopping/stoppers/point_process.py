"""Stevenson & Bin-Hezam (ACM TOIS 2023): stopping from an inhomogeneous Poisson process.

The screened prefix (``n`` records, ``relret`` relevant) is cut into 10
windows (``numpy.array_split``), each with ``y = relevant / window size``.
The power-law rate ``a * x^k`` is fitted with ``scipy.optimize.curve_fit``
(``p0 = [0.1, 0.001]``) to each window's mean rate and, when
``sum((y - f(x))^2) / (max(y) - min(y)) < 0.1``, the relevant records still
unscreened are Poisson with mean

    mu = F(N) - F(n),   F(x) = a / (k + 1) * (x^(k + 1) - 1)

``total_high = relret + min(poisson.ppf(confidence, mu), N - n)``; stop when
``target * total_high <= relret``. ``recall = relret / (relret + mu)``,
``low = relret / total_high``. Guards as the reference notebook: at least 10
records; at least ``min_rel`` relevant, where ``min_rel`` starts at 20 and
after each 2.5% step of ``N`` already passed becomes
``int(min_rel - step * min_rel)``.

Deliberate departures from the reference code: the power law is fitted to
each window's mean rate (the reference put the mean at the window's start);
no "last 5 windows empty" stop (it missed the target on sparse sets); windows are half-open with
their true sizes (the notebook's inclusive end index dropped each window's
last record); the Poisson quantile is ``poisson.ppf`` capped at ``N - n`` (not
an argmin that returns 1 at the cap); a flat ``y`` (max = min) fails the fit
check instead of dividing by zero. The check runs at the current ``n``, not
only on the 2.5% grid.

:class:`PointProcessScores` (Bin-Hezam & Stevenson 2023) fits over the whole
ranking: the labels, then for each unscreened record (``Run.unscreened_probs``,
ranking order) its probability where >= 0.5, else 0; if every screened record
is relevant it fits over the screened prefix as above. scipy and numpy load
inside :func:`estimate` only. See ``docs/methods/stopping.md``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from screening.stopping.stoppers.base import Assumption, Run, Verdict, percent, setting

CITATION = (
    "Stevenson M, Bin-Hezam R. Stopping methods for technology-assisted reviews based on "
    "point processes. ACM Trans Inf Syst 2023;42(3). doi:10.1145/3631990"
)
SCORES_CITATION = (
    "Bin-Hezam R, Stevenson M. Combining counting processes and classification improves a "
    "stopping rule for technology assisted review. Findings of EMNLP 2023. arXiv:2312.03171"
)
WINDOWS = 10
MIN_DOCS = 10
MIN_REL = 20
STEP = 0.025
FIT_ERROR = 0.1


@dataclass(frozen=True, slots=True)
class Fit:
    """What the point process found: why it stopped or not, and its estimate."""

    reason: str  # "estimate", "too few records", "too few relevant", "poor fit"
    mu: float | None = None
    total_high: float | None = None
    min_rel: int = MIN_REL
    params: tuple[float, float] | None = None


def min_relevant(n: int, total: int) -> int:
    """The dynamic minimum of relevant records at ``n``: 20, cut after each 2.5% step passed."""
    need, step = MIN_REL, 1
    while need > 0 and (docs := round(total * step * STEP)) < n:
        if docs >= MIN_DOCS:
            need = int(need - step * STEP * need)
        step += 1
    return need


def power_integral(a: float, k: float, x: float) -> float:
    """``F(x)``, the integral of ``a * t^k`` from 1 to ``x``."""
    if abs(k + 1) < 1e-12:
        return a * math.log(x)
    return a / (k + 1) * (x ** (k + 1) - 1)


def estimate(labels: Sequence[int], total: int, confidence: float, rates: Sequence[float]) -> Fit:
    """Fit the power-law rate to ``rates`` (labels, maybe with predictions) and bound the rest."""
    n, found = len(labels), int(sum(labels))
    need = min_relevant(n, total)
    if n < MIN_DOCS:
        return Fit("too few records", min_rel=need)
    if found < need:
        return Fit("too few relevant", min_rel=need)
    import numpy as np
    from scipy.optimize import OptimizeWarning, curve_fit
    from scipy.stats import poisson

    # No "empty tail" stop: the reference stops at once when the last 5 windows
    # hold no relevant record, which missed the target in 15-30% of runs on the
    # sparse bench sets (the hardest relevant records come late); the bound
    # alone was reliable on all seven (bench/README.md, Stopping).
    seq = np.asarray(rates, dtype=np.float64)
    parts = np.array_split(np.arange(len(seq)), WINDOWS)
    starts = np.array([part[0] + 1 for part in parts], dtype=np.float64)
    ends = np.array([part[-1] + 2 for part in parts], dtype=np.float64)
    y = np.array([seq[part].sum() / len(part) for part in parts])
    spread = float(y.max() - y.min())

    def window_mean(_: np.ndarray, a: float, k: float) -> np.ndarray:
        # The model's mean rate over each window, not its rate at one point:
        # the reference code placed each window's mean at the window's start,
        # which fits a flatter curve than the one that made the counts.
        with np.errstate(all="ignore"):
            if abs(k + 1) < 1e-9:
                area = a * (np.log(ends) - np.log(starts))
            else:
                area = a / (k + 1) * (ends ** (k + 1) - starts ** (k + 1))
        return np.asarray(area / (ends - starts))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            opt, _ = curve_fit(window_mean, starts, y, p0=[0.1, 0.001], maxfev=5000)
    except (RuntimeError, ValueError):
        return Fit("poor fit", min_rel=need)
    a, k = float(opt[0]), float(opt[1])
    error = float(((y - window_mean(starts, a, k)) ** 2).sum()) / spread if spread > 0 else math.inf
    if not error < FIT_ERROR:
        return Fit("poor fit", min_rel=need, params=(a, k))
    mu = max(0.0, power_integral(a, k, total) - power_integral(a, k, n))
    if not math.isfinite(mu):
        return Fit("poor fit", min_rel=need, params=(a, k))
    left = total - n
    more = min(float(poisson.ppf(confidence, mu)) if mu > 0 else 0.0, float(left))
    return Fit("estimate", mu=mu, total_high=found + more, min_rel=need, params=(a, k))


class PointProcess:
    """Stop when the Poisson bound on the relevant records left allows the target."""

    name = "point-process"
    assumption = Assumption.MODEL_BASED
    citation = CITATION
    needs_probs = False
    _what = "the point-process rule (inhomogeneous Poisson process, power-law rate)"

    def rates(self, run: Run) -> Sequence[float]:
        """The per-record relevance the rate is fitted to."""
        return run.labels

    def check(self, run: Run) -> Verdict:
        n, found, total = len(run.labels), int(sum(run.labels)), run.total
        done = f"{n:,} of {total:,} records"
        if n >= total:
            fit = Fit("estimate", mu=0.0, total_high=float(found))
        else:
            fit = estimate(run.labels, total, run.confidence, self.rates(run))
        details = {"reason": fit.reason, "mu": fit.mu, "min_relevant": fit.min_rel}
        if fit.params is not None:
            details["a"], details["k"] = fit.params
        if fit.mu is None or fit.total_high is None:
            why = {
                "too few records": f"fewer than {MIN_DOCS} records were screened",
                "too few relevant": f"fewer than {fit.min_rel} relevant records were found",
                "poor fit": "the power-law rate did not fit the relevant records' rate",
            }[fit.reason]
            sentence = f"After {done}, {self._what} could not estimate recall: {why}."
            return self._verdict(stop=False, sentence=sentence, details=details)
        recall = found / (found + fit.mu) if found + fit.mu > 0 else 1.0
        low = found / fit.total_high if fit.total_high > 0 else 1.0
        stop = run.target * fit.total_high <= found
        claim = (
            f"{self._what} estimated recall at {percent(recall)} (at least {percent(low)} "
            f"with {setting(run.confidence)} confidence; at most {fit.total_high:,.0f} relevant "
            f"records in all, {found:,} found)"
        )
        if stop:
            sentence = f"Screening stopped after {done} when {claim}."
        else:
            sentence = f"After {done}, {claim}, short of the {setting(run.target)} target."
        return self._verdict(
            stop=stop,
            recall=recall,
            low=low,
            total_relevant=found + fit.mu,
            total_high=fit.total_high,
            sentence=sentence,
            details=details,
        )

    def _verdict(self, **fields: Any) -> Verdict:
        return Verdict(rule=self.name, assumption=self.assumption, citation=self.citation, **fields)


class PointProcessScores(PointProcess):
    """The point process fitted over the whole ranking, the classifier filling in the unscreened."""

    name = "point-process-scores"
    citation = SCORES_CITATION
    needs_probs = True
    _what = "the point-process rule with classifier scores (power-law rate)"

    def rates(self, run: Run) -> Sequence[float]:
        if run.unscreened_probs is None:
            raise ValueError("point-process-scores needs Run.unscreened_probs")
        if all(run.labels):
            return run.labels
        return [*run.labels, *(p if p >= 0.5 else 0.0 for p in run.unscreened_probs)]

"""Yang, Lewis & Frieder (DocEng 2021): Quant and QuantCI, recall from classifier probabilities.

With ``s`` the current model's probability of relevance of every record,
``K = sum(s[screened])`` and ``U = sum(s[unscreened])`` (probabilities, not
labels, on both sides), recall is estimated as ``K / (K + U)``. QuantCI's
variance is the reference code's (tarexp ``QuantStoppingRule``; salt, allib
and destiny agree), with ``v = s * (1 - s)``:

    Var = K^2 / (K + U)^4 * sum(v[all]) + 1 / (K + U)^2 * sum(v[screened])

Quant stops when the estimate reaches the target; QuantCI when the estimate
less two standard deviations does (``low``). Model-based: only as good as the
probabilities are calibrated. Pure Python. See ``docs/methods/stopping.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from screening.stopping.stoppers.base import Assumption, Run, Verdict, percent, setting

CITATION = (
    "Yang E, Lewis DD, Frieder O. Heuristic stopping rules for technology-assisted review. "
    "DocEng '21. doi:10.1145/3469096.3469873"
)


@dataclass(frozen=True, slots=True)
class QuantEstimate:
    """Recall ``K / (K + U)`` and its variance; None where ``K + U`` is 0."""

    known: float  # K
    unknown: float  # U
    recall: float | None
    variance: float | None


def quant_estimate(run: Run) -> QuantEstimate:
    """Return Quant's estimate from ``run.screened_probs`` and ``run.unscreened_probs``."""
    if run.screened_probs is None or run.unscreened_probs is None:
        raise ValueError("Quant needs the classifier's probabilities of every record")
    if len(run.screened_probs) != len(run.labels):
        raise ValueError(
            f"{len(run.screened_probs)} screened probabilities for {len(run.labels)} labels"
        )
    probs = [*run.screened_probs, *run.unscreened_probs]
    if any(not 0.0 <= p <= 1.0 for p in probs):
        raise ValueError("Quant needs probabilities in [0, 1]")
    known, unknown = float(sum(run.screened_probs)), float(sum(run.unscreened_probs))
    whole = known + unknown
    if whole <= 0.0:
        return QuantEstimate(known, unknown, None, None)
    var_all = sum(p * (1 - p) for p in probs)
    var_known = sum(p * (1 - p) for p in run.screened_probs)
    variance = known**2 / whole**4 * var_all + var_known / whole**2
    return QuantEstimate(known, unknown, known / whole, variance)


class Quant:
    """Stop when ``K / (K + U)`` reaches the target."""

    name = "quant"
    assumption = Assumption.MODEL_BASED
    citation = CITATION
    needs_probs = True
    #: Standard deviations taken off the estimate before comparing with the target.
    nstd = 0.0

    def check(self, run: Run) -> Verdict:
        est = quant_estimate(run)
        done = f"{run.screened:,} of {run.total:,} records"
        details = {"K": est.known, "U": est.unknown, "variance": est.variance}
        if est.recall is None or est.variance is None:
            return Verdict(
                rule=self.name,
                stop=False,
                assumption=self.assumption,
                citation=self.citation,
                sentence=f"The classifier gave every record probability 0 after {done}, "
                f"so {self._label()} cannot estimate recall.",
                details=details,
            )
        low = est.recall - self.nstd * math.sqrt(est.variance) if self.nstd else None
        measure = est.recall if low is None else low
        stop = measure >= run.target
        bound = ""
        if low is not None:
            bound = f" (at least {percent(max(low, 0.0))}, two standard deviations)"
        claim = (
            f"{self._label()} estimated recall at {percent(est.recall)}{bound} from the "
            f"classifier's probabilities"
        )
        if stop:
            sentence = (
                f"Screening stopped after {done} when {claim}, reaching the "
                f"{setting(run.target)} target."
            )
        else:
            sentence = f"After {done}, {claim}, short of the {setting(run.target)} target."
        return Verdict(
            rule=self.name,
            stop=stop,
            assumption=self.assumption,
            citation=self.citation,
            recall=est.recall,
            low=low,
            total_relevant=est.known + est.unknown,  # the probabilities' sum, K + U
            sentence=sentence,
            details=details,
        )

    def _label(self) -> str:
        return "the Quant rule (Yang et al. 2021)"


class QuantCI(Quant):
    """Stop when ``K / (K + U)`` less two standard deviations reaches the target."""

    name = "quant-ci"
    nstd = 2.0

    def _label(self) -> str:
        return "the QuantCI rule (Yang et al. 2021)"

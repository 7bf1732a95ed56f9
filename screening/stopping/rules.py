"""The stopping rule over counts: Callaghan & Müller-Hansen's test and two heuristics.

Pure functions over 0/1 labels and counts: no database, no UI. The dashboard,
``review status --json``, the report and ``review simulate`` all call
:func:`assess`::

    report = assess(records, ranked_labels, sample_labels, target=0.95, confidence=0.95)
    report.stop_justified, report.p_value, report.estimate, report.phase
    report.sentence()     # one sentence for a paper's methods/results
    report.to_json()      # for `review status --json`

Contract: only the random sample of the unscreened records (the urn) enters
the test, so it is valid however the ranking behaved; stopping is justified
when ``p < 1 - confidence``, exactly when the recall estimate's lower bound
reaches the target. The heuristics (:func:`irrelevant_run` against
:func:`run_threshold`, and :class:`Phase`) say when drawing the sample is worth
it and never justify stopping by themselves. Bad counts or shares raise
:class:`ScreeningError`.

No scipy or numpy at import: ``review status`` computes these figures within
its 0.3 s budget (``tests/unit/test_hypergeom.py`` checks it); numpy loads only
inside :func:`sequential_p`. The method, its references and the choice of
thresholds: ``docs/methods/stopping.md``; bench figures: ``bench/README.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from screening.errors import ScreeningError
from screening.stopping import hypergeom
from screening.stopping.pvalue import format_p

if TYPE_CHECKING:
    import numpy as np

CITATION = (
    "Callaghan MW, Müller-Hansen F. Statistical stopping criteria for automated screening "
    "in systematic reviews. Systematic Reviews 2020;9:273. doi:10.1186/s13643-020-01521-4"
)
#: Shortest run of irrelevant records that triggers the random check (SAFE's 50).
RUN_FLOOR = 50
#: ... or this share of the records, whichever is larger (docs/methods/stopping.md).
RUN_SHARE = 0.10

#: 0/1 labels in screening order (1 = relevant); a list or a numpy array.
Labels: TypeAlias = "Sequence[int] | np.ndarray"


class Phase(StrEnum):
    """Where screening stands, after the SAFE procedure's phases (simplified)."""

    NOT_STARTED = "not started"
    #: Until one relevant and one irrelevant record are known the model cannot rank.
    INITIAL = "initial"
    ACTIVE_LEARNING = "active learning"
    #: The heuristics are met: time to screen a random sample of the rest.
    READY_FOR_CHECK = "ready for random check"
    RANDOM_CHECK = "random check"
    STOPPING_JUSTIFIED = "stopping justified"
    #: Every record is screened; recall is 1 by definition.
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True)
class RecallEstimate:
    """Estimated recall and its bounds; each bound is one-sided at ``confidence``.

    ``recall >= low`` and ``recall <= high`` each hold with probability at
    least ``confidence``; both at once with at least ``2 * confidence - 1``.
    """

    recall: float
    low: float
    high: float
    confidence: float

    def to_json(self) -> dict[str, float]:
        return asdict(self)


# --- checks ----------------------------------------------------------------


def _check_share(name: str, value: float, allow_one: bool) -> None:
    ok = 0.0 < value <= 1.0 if allow_one else 0.0 < value < 1.0
    if not ok or math.isnan(value):
        upper = "1" if allow_one else "below 1"
        raise ScreeningError(f"{name} {value!r}: expected a share above 0 and up to {upper}")


def _check_counts(urn_size: int, relevant_before: int, sample_size: int, found: int) -> None:
    if urn_size < 0 or relevant_before < 0:
        raise ScreeningError("urn size and relevant records cannot be negative")
    if not 0 <= sample_size <= urn_size:
        raise ScreeningError(f"sample of {sample_size} from {urn_size} unscreened records")
    if not 0 <= found <= sample_size:
        raise ScreeningError(f"{found} relevant records in a sample of {sample_size}")


def _labels(values: Labels, what: str) -> list[int]:
    """Return the labels as a list of ints, checking each is 0 or 1."""
    labels = [int(v) for v in values]
    if any(v not in (0, 1) for v in labels):
        raise ScreeningError(f"{what}: labels must be 0 (irrelevant) or 1 (relevant)")
    return labels


# --- the hypergeometric test -------------------------------------------------


def _k_target(relevant_seen: int, target: float) -> int:
    """Least number of relevant records in the review for which recall < target.

    Rounded before the floor so that 19 / 0.95 = 20.000000000000004 gives 21, not 22.
    """
    return math.floor(round(relevant_seen / target, 9)) + 1


def _p_value(urn_size: int, relevant_before: int, n: int, k: int, target: float) -> float:
    """p for a sample of ``n`` records holding ``k`` relevant ones (checked counts)."""
    in_urn = _k_target(relevant_before + k, target) - relevant_before
    if urn_size == 0 or in_urn > urn_size:
        return 0.0  # the urn cannot hold the records H0 needs
    return min(1.0, max(0.0, hypergeom.cdf(k, urn_size, in_urn, n)))


def hypergeometric_p(
    urn_size: int,
    relevant_before: int,
    sample_size: int,
    sample_relevant: int,
    target: float = 0.95,
) -> float:
    """Return Callaghan & Müller-Hansen's p value for "recall < target".

    Args:
        urn_size: Records unscreened when ranked screening stopped.
        relevant_before: Relevant records found before the random sample.
        sample_size: Random-sample records screened so far.
        sample_relevant: Relevant records among them.
        target: Recall target, e.g. 0.95.

    Returns:
        p; stopping is justified when ``p < 1 - confidence``.
    """
    _check_share("target", target, allow_one=True)
    _check_counts(urn_size, relevant_before, sample_size, sample_relevant)
    return _p_value(urn_size, relevant_before, sample_size, sample_relevant, target)


def sequential_p(
    urn_size: int, relevant_before: int, sample_labels: Labels, target: float = 0.95
) -> np.ndarray:
    """Return the p value after each random-sample record, in the order screened.

    A numpy array, as ``review simulate`` compares it with alpha at once; numpy
    is imported here only, so the status path never loads it.
    """
    import numpy as np

    _check_share("target", target, allow_one=True)
    labels = _labels(sample_labels, "sample")
    _check_counts(urn_size, relevant_before, len(labels), sum(labels))
    found, p = 0, []
    for n, label in enumerate(labels, 1):
        found += label
        p.append(_p_value(urn_size, relevant_before, n, found, target))
    return np.asarray(p, dtype=np.float64)


def required_sample(
    urn_size: int,
    relevant_before: int,
    target: float = 0.95,
    confidence: float = 0.95,
    sample_relevant: int = 0,
) -> int:
    """Return the smallest sample that justifies stopping if no (more) relevant turn up.

    With ``sample_relevant`` relevant already in the sample, this is the total
    sample size at which p drops below ``1 - confidence`` should every further
    record be irrelevant. Never more than ``urn_size``: the whole urn always does.
    """
    _check_share("confidence", confidence, allow_one=False)
    _check_counts(urn_size, relevant_before, sample_relevant, sample_relevant)
    alpha = 1.0 - confidence

    def rejects(n: int) -> bool:
        return hypergeometric_p(urn_size, relevant_before, n, sample_relevant, target) < alpha

    # p falls as n grows with the count fixed, so the first n that rejects is found by bisection.
    return _first_true(rejects, sample_relevant, urn_size)


def _first_true(test: Callable[[int], bool], low: int, high: int) -> int:
    """Smallest x in [low, high] with test(x), for a test that stays true once true."""
    while low < high:
        middle = (low + high) // 2
        if test(middle):
            high = middle
        else:
            low = middle + 1
    return low


# --- recall estimate -------------------------------------------------------


def estimate_recall(
    urn_size: int,
    relevant_before: int,
    sample_size: int,
    sample_relevant: int,
    confidence: float = 0.95,
) -> RecallEstimate | None:
    """Estimate recall from the random sample, with exact hypergeometric bounds.

    The urn held ``K`` relevant records. ``low`` uses the largest ``K`` that a
    one-sided test at ``1 - confidence`` does not reject given the sample
    (largest ``K`` with ``P(X <= k) >= alpha``), ``high`` the smallest (``P(X >= k)
    >= alpha``); recall is then ``r / (relevant_before + K)``. Exact, so the
    bounds hold at least at the stated confidence (Clopper-Pearson style).

    Returns:
        None before any sample record is screened (nothing to estimate from),
        unless no record is left unscreened: then recall is exactly 1.
    """
    _check_share("confidence", confidence, allow_one=False)
    _check_counts(urn_size, relevant_before, sample_size, sample_relevant)
    if urn_size == 0:
        return RecallEstimate(1.0, 1.0, 1.0, confidence)
    if sample_size == 0:
        return None
    alpha = 1.0 - confidence
    k, n, seen = sample_relevant, sample_size, relevant_before + sample_relevant
    most = k + urn_size - n  # every unsampled record relevant

    def too_many(big_k: int) -> bool:
        return hypergeom.cdf(k, urn_size, big_k, n) < alpha

    def enough(big_k: int) -> bool:
        return hypergeom.sf(k - 1, urn_size, big_k, n) >= alpha

    k_high = _first_true(too_many, k, most + 1) - 1
    k_low = _first_true(enough, k, most)
    missing = k / n * (urn_size - n)
    return RecallEstimate(
        recall=_ratio(seen, seen + missing),
        low=_ratio(seen, relevant_before + k_high),
        high=_ratio(seen, relevant_before + k_low),
        confidence=confidence,
    )


def _ratio(found: float, total: float) -> float:
    """Recall found/total; with nothing relevant anywhere nothing was missed (1)."""
    return 1.0 if total <= 0 else min(1.0, found / total)


# --- heuristics --------------------------------------------------------------


def irrelevant_run(labels: Labels) -> int:
    """Return how many records at the end of ``labels`` (screening order) are irrelevant."""
    values = _labels(labels, "ranked")
    run = 0
    for value in reversed(values):
        if value:
            break
        run += 1
    return run


def run_threshold(records: int) -> int:
    """Return the irrelevant run that suggests the random check: max(50, 10% of records)."""
    return max(RUN_FLOOR, math.ceil(round(RUN_SHARE * records, 9)))


def ready_for_random_check(records: int, run: int) -> bool:
    """Return whether the irrelevant run suggests drawing the random sample now."""
    return run >= run_threshold(records)


def screening_phase(
    records: int, ranked_labels: Labels, sample_size: int, stop_justified: bool
) -> Phase:
    """Return the phase from counts alone (see :class:`Phase`)."""
    labels = _labels(ranked_labels, "ranked")
    relevant = sum(labels)
    if records > 0 and len(labels) >= records:
        return Phase.COMPLETE
    if stop_justified:
        return Phase.STOPPING_JUSTIFIED
    if sample_size > 0:
        return Phase.RANDOM_CHECK
    if not labels:
        return Phase.NOT_STARTED
    if relevant == 0 or relevant == len(labels):
        return Phase.INITIAL
    if ready_for_random_check(records, irrelevant_run(labels)):
        return Phase.READY_FOR_CHECK
    return Phase.ACTIVE_LEARNING


# --- the combined report -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoppingReport:
    """Everything the dashboard, status and the paper need about stopping.

    ``p_value`` is None until a random-sample record is screened; ``estimate``
    likewise (see :func:`estimate_recall`). ``sample_needed`` is the sample size
    that would justify stopping if no further sample record were relevant.
    """

    target: float
    confidence: float
    records: int
    ranked_screened: int
    ranked_relevant: int
    urn_size: int
    sample_size: int
    sample_screened: int
    sample_relevant: int
    sample_needed: int
    p_value: float | None
    stop_justified: bool
    estimate: RecallEstimate | None
    irrelevant_run: int
    run_threshold: int
    phase: Phase

    @property
    def screened(self) -> int:
        """Records screened in all: ranked part plus random sample."""
        return self.ranked_screened + self.sample_screened

    @property
    def relevant_found(self) -> int:
        return self.ranked_relevant + self.sample_relevant

    def sentence(self) -> str:
        """Return one plain-English sentence a paper's methods or results can cite."""
        target, conf = _share(self.target), _share(self.confidence)
        done = (
            f"{self.screened:,} of {self.records:,} records ({_pct(self.screened, self.records)})"
        )
        test = "the hypergeometric test of Callaghan & Müller-Hansen (2020)"
        if self.urn_size == 0:
            return (
                f"All {self.records:,} records were screened ({self.relevant_found:,} relevant), "
                "so recall is 100% by definition."
            )
        if self.p_value is None:
            return (
                f"After {done} were screened ({self.relevant_found:,} relevant found, the last "
                f"{self.irrelevant_run:,} in a row irrelevant), no random sample of the unscreened "
                f"records had been checked, so {test} cannot yet show the {target} recall target "
                f"was reached (a random sample of {self.sample_needed:,} records with no relevant "
                "one would suffice)."
            )
        sample = (
            f"a random sample of {self.sample_screened:,} of the {self.urn_size:,} records left "
            f"unscreened after prioritised screening contained {_records(self.sample_relevant)}"
        )
        p = _p(self.p_value, self.confidence)
        estimate = ""
        if self.estimate is not None:
            estimate = (
                f"; estimated recall {_recall(self.estimate.recall)} (at least "
                f"{_recall(self.estimate.low)} with {_share(self.estimate.confidence)} confidence)"
            )
        if self.stop_justified:
            return (
                f"Screening stopped after {done} when {sample}; by {test} the {target} recall "
                f"target was reached with {conf} confidence ({p}){estimate}."
            )
        more = max(0, self.sample_needed - self.sample_screened)
        return (
            f"After {done} were screened, {sample}; by {test} the {target} recall target cannot "
            f"yet be claimed with {conf} confidence ({p}; {more:,} more random "
            f"records with no relevant one would suffice){estimate}."
        )

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (for ``review status --json``)."""
        out: dict[str, Any] = {
            "method": "hypergeometric test (Callaghan & Müller-Hansen 2020)",
            "citation": CITATION,
            "screened": self.screened,
            "relevant_found": self.relevant_found,
        }
        for item in fields(self):
            out[item.name] = getattr(self, item.name)
        out["recall"] = None if self.estimate is None else self.estimate.to_json()
        del out["estimate"]
        out["phase"] = str(self.phase)
        out["sentence"] = self.sentence()
        return out


def assess(
    records: int,
    ranked_labels: Labels,
    sample_labels: Labels = (),
    sample_size: int | None = None,
    target: float = 0.95,
    confidence: float = 0.95,
) -> StoppingReport:
    """Build the stopping report from what was screened.

    Args:
        records: Records in the review (all of them, screened or not).
        ranked_labels: 0/1 labels of the records screened before the random
            sample, in screening order (priors and initial records included).
        sample_labels: 0/1 labels of the random-sample records screened so far,
            in the order drawn. Every record not in ``ranked_labels`` was in the
            urn the sample was drawn from.
        sample_size: Records drawn into the sample, screened or not (defaults
            to those screened).
        target: Recall target, e.g. 0.95.
        confidence: e.g. 0.95; stopping needs ``p < 1 - confidence``.
    """
    _check_share("target", target, allow_one=True)
    _check_share("confidence", confidence, allow_one=False)
    ranked = _labels(ranked_labels, "ranked")
    sample = _labels(sample_labels, "sample")
    if len(ranked) > records:
        raise ScreeningError(f"{len(ranked)} records screened of only {records}")
    urn, before, found = records - len(ranked), sum(ranked), sum(sample)
    drawn = len(sample) if sample_size is None else sample_size
    if drawn < len(sample):
        raise ScreeningError(f"{len(sample)} sample records screened of {drawn} drawn")
    _check_counts(urn, before, drawn, found)
    if urn == 0:
        p: float | None = 0.0
    elif sample:
        p = hypergeometric_p(urn, before, len(sample), found, target)
    else:
        p = None
    justified = p is not None and p < 1.0 - confidence
    return StoppingReport(
        target=target,
        confidence=confidence,
        records=records,
        ranked_screened=len(ranked),
        ranked_relevant=before,
        urn_size=urn,
        sample_size=int(drawn),
        sample_screened=len(sample),
        sample_relevant=found,
        sample_needed=required_sample(urn, before, target, confidence, found),
        p_value=p,
        stop_justified=justified,
        estimate=estimate_recall(urn, before, len(sample), found, confidence),
        irrelevant_run=irrelevant_run(ranked),
        run_threshold=run_threshold(records),
        phase=screening_phase(records, ranked, int(drawn), justified),
    )


# --- formatting ------------------------------------------------------------------


def _share(value: float) -> str:
    """A setting as a percentage: 95% for 0.95, 97.5% for 0.975."""
    return f"{round(value * 100, 1):g}%"


def _recall(value: float) -> str:
    """A recall to one decimal, 96.2%; never rounded up to 100%, which means exactly 1."""
    if value >= 1.0:
        return "100%"
    return f"{min(round(value * 100, 1), 99.9):.1f}%"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def _records(count: int) -> str:
    return f"{count:,} relevant record" + ("" if count == 1 else "s")


def _p(value: float | None, confidence: float | None = None) -> str:
    if value is None:
        return "p not yet computed"
    return format_p(value, None if confidence is None else 1.0 - confidence)

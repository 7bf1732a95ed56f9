"""What every stopping rule takes and gives: :class:`Run` in, :class:`Verdict` out.

asreview's ``models/stoppers.py`` shape: one small class per rule, each with
the same method, ``check(run) -> Verdict``. A rule sees the labels in
screening order, the size of the review and, where it is model-based, the
classifier's probabilities; it never sees the labels of unscreened records,
so the same class runs in a review and in ``review simulate``. The rules and
when to pick which: ``docs/methods/stopping.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Assumption(StrEnum):
    """What a rule's claim rests on (said in the methods text)."""

    #: Valid however the ranking behaved: only a random sample enters the test.
    MODEL_FREE = "model-free"
    #: Valid if the fitted model of where relevant records fall is right.
    MODEL_BASED = "model-based"
    #: A rule of thumb with no recall estimate behind it.
    HEURISTIC = "heuristic"


@dataclass(frozen=True, slots=True)
class Run:
    """One moment of prioritised screening, as a stopping rule may see it.

    Attributes:
        labels: 0/1 labels (1 = relevant) of the screened records in
            screening order; records of a random sample are not in it.
        total: Records in the review (screened or not).
        target: Recall the review promises, a share in (0, 1].
        confidence: Confidence of a bound, a share in (0, 1).
        screened_probs: The classifier's probability of relevance of each
            screened record, in ``labels``' order (model-based rules).
        unscreened_probs: The same for each unscreened record, in the
            ranking's order (best first).
        sample: 0/1 labels of a simple random sample of the unscreened
            records, in the order drawn (the certified test).
        sample_urn: How many records were unscreened when the sample was drawn.
    """

    labels: Sequence[int]
    total: int
    target: float = 0.95
    confidence: float = 0.95
    screened_probs: Sequence[float] | None = None
    unscreened_probs: Sequence[float] | None = None
    sample: Sequence[int] = ()
    sample_urn: int = 0

    @property
    def screened(self) -> int:
        """Records screened, the random sample included."""
        return len(self.labels) + len(self.sample)

    @property
    def found(self) -> int:
        """Relevant records found, the random sample included."""
        return int(sum(self.labels)) + int(sum(self.sample))


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's answer: stop or not, the estimated recall, its bound, the sentence.

    ``recall`` and ``low`` are None where the rule gives no estimate (the
    heuristics) or cannot yet (too few records).
    """

    rule: str
    stop: bool
    assumption: Assumption
    citation: str
    recall: float | None = None
    low: float | None = None
    #: Estimated relevant records in the whole review, and its upper bound.
    total_relevant: float | None = None
    total_high: float | None = None
    #: The sentence for a paper's methods or results section.
    sentence: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain values for ``--json`` output."""
        return {
            "rule": self.rule,
            "stop": self.stop,
            "assumption": str(self.assumption),
            "recall": self.recall,
            "recall_low": self.low,
            "total_relevant": self.total_relevant,
            "total_high": self.total_high,
            "sentence": self.sentence,
            "citation": self.citation,
            **self.details,
        }


class Stopper(Protocol):
    """A stopping rule: a name, what it assumes, and one method."""

    name: str
    assumption: Assumption
    citation: str
    #: Whether ``check`` needs ``Run.screened_probs``/``unscreened_probs``.
    needs_probs: bool

    def check(self, run: Run) -> Verdict:
        """Return whether screening may stop at ``run``."""
        ...


# --- wording shared by the rules' sentences -----------------------------------------

def percent(value: float) -> str:
    """A share as a percentage to one decimal (96.2%); 100% only for exactly 1."""
    if value >= 1.0:
        return "100%"
    return f"{min(round(value * 100, 1), 99.9):.1f}%"


def setting(value: float) -> str:
    """A target or confidence as a percentage: 95% for 0.95, 97.5% for 0.975."""
    return f"{round(value * 100, 1):g}%"


def progress(run: Run) -> str:
    """``610 of 2,247 records``."""
    return f"{run.screened:,} of {run.total:,} records"

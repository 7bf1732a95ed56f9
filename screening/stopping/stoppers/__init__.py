"""Stopping rules behind one interface: ``check(run) -> Verdict`` (see ``base``).

:data:`STOPPERS` names every rule; :func:`stopper` looks one up and
:func:`check_all` asks several at once. Importing this package loads neither
numpy nor scipy (the point process imports them when it fits). The rules and
when to pick which: ``docs/methods/stopping.md``.
"""

from __future__ import annotations

from collections.abc import Iterable

from protocols.vocabulary import StoppingRule
from screening.stopping.pvalue import format_p
from screening.stopping.stoppers.base import Assumption, Run, Stopper, Verdict
from screening.stopping.stoppers.certified import Certified
from screening.stopping.stoppers.knee import Budget, Knee
from screening.stopping.stoppers.point_process import PointProcess, PointProcessScores
from screening.stopping.stoppers.quant import Quant, QuantCI

STOPPERS: dict[str, Stopper] = {
    rule.name: rule
    for rule in (
        Certified(),
        Knee(),
        Budget(),
        PointProcess(),
        PointProcessScores(),
        Quant(),
        QuantCI(),
    )
}
# The protocol layer names the rules without importing screening: keep both lists one.
assert list(STOPPERS) == list(StoppingRule), "STOPPERS and protocols.vocabulary.StoppingRule differ"


def stopper(name: str) -> Stopper:
    """Return the rule called ``name``; a ValueError lists the names there are."""
    try:
        return STOPPERS[name]
    except KeyError:
        raise ValueError(
            f"no stopping rule {name!r}; the rules are: {', '.join(STOPPERS)}"
        ) from None


def has_probs(run: Run) -> bool:
    """Whether ``run`` carries the classifier's probabilities the model-based rules need."""
    return run.screened_probs is not None and run.unscreened_probs is not None


def check_all(run: Run, names: Iterable[str] | None = None) -> dict[str, Verdict]:
    """Ask each rule in ``names`` (default: all) whether screening may stop at ``run``.

    With ``names`` left out, rules that need probabilities are skipped (absent
    from the result) when the run has none: a rule that cannot judge gives no
    verdict. Naming such a rule for a run without probabilities is a ValueError.
    """
    chosen = [stopper(name) for name in (STOPPERS if names is None else names)]
    verdicts: dict[str, Verdict] = {}
    for rule in chosen:
        if rule.needs_probs and not has_probs(run):
            if names is None:
                continue
            raise ValueError(f"the {rule.name} rule needs the classifier's probabilities")
        verdicts[rule.name] = rule.check(run)
    return verdicts


__all__ = [
    "STOPPERS",
    "Assumption",
    "Budget",
    "Certified",
    "Knee",
    "PointProcess",
    "PointProcessScores",
    "Quant",
    "QuantCI",
    "Run",
    "Stopper",
    "Verdict",
    "check_all",
    "format_p",
    "has_probs",
    "stopper",
]

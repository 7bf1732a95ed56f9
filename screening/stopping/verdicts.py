"""Every stopping rule's verdict on a review's stage, side by side (no UI).

:func:`stage_run` turns a stage's decisions into the :class:`Run` the rules of
``screening.stopping.stoppers`` take, from the same labels as the certified
rule of ``state`` (the ranked part in first-decision order, up to the draw
once a random sample is drawn; the sample's settled labels as ``Run.sample``,
its urn as ``Run.sample_urn``). ``stoppers.check_all`` asks the rules.

Cost: the pure-Python rules (:data:`LIVE`: certified, knee, budget) are asked
at read time (``review status``, ``review stopping``, the dashboard); the rest
(:data:`STORED`: the point process, which loads scipy, and the rules that need
the classifier's probabilities) run in the ranking job (``fitted.refresh``)
and are read back from ``stopping_verdicts``, marked stale once decisions were
made since. :func:`rule_table` merges both; :func:`attach` adds them to the
certified report's JSON and lets the protocol's chosen rule
(``[screening] stopping``) drive ``stop_justified``; for ``certified`` the
report is unchanged but for the added keys.

Blind mode: the labels combine every reviewer's decisions, so only a viewer
who may see the whole stage gets verdicts (``state.visible``), as for the
certified figures. Importing this module loads neither numpy nor scipy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database

from protocols.vocabulary import DEFAULT_STOPPING, Stage
from screening import db as sdb
from screening.blind import Viewer
from screening.stopping.state import split_stage, visible
from screening.stopping.stoppers import STOPPERS, Run, check_all

#: Rules asked at read time: pure Python, milliseconds.
LIVE: tuple[str, ...] = ("certified", "knee", "budget")
#: Rules the ranking job runs and stores (scipy, or the classifier's probabilities).
STORED: tuple[str, ...] = tuple(name for name in STOPPERS if name not in LIVE)
#: What the table says of a stored rule the ranking job has not run yet.
NOT_RUN = "not computed yet: the ranking job computes it (review rank, or screening ranked)"


@dataclass(frozen=True, slots=True)
class StageRun:
    """A stage's :class:`Run` and the studies behind its parts.

    Attributes:
        run: What the rules see.
        ranked: Group of each of ``run.labels``, in that order.
        sample: Group of each of ``run.sample``, in the order drawn.
        labels: Every decided study's 0/1 label (ranked, sample and any
            decided after the draw): what a classifier learns from.
        round: The search round (``screening.rounds``).
    """

    run: Run
    ranked: tuple[int, ...]
    sample: tuple[int, ...]
    labels: Mapping[int, int]
    eligible: tuple[int, ...]
    round: int

    def with_probs(self, probs: Mapping[int, float] | None) -> StageRun:
        """Return the same run with the classifier's probabilities (None: any study lacks one).

        ``unscreened_probs`` are those of the eligible studies outside the
        run's two parts, best first (the ranking's order).
        """
        if probs is None:
            return self
        taken = {*self.ranked, *self.sample}
        rest = [g for g in self.eligible if g not in taken]
        if any(g not in probs for g in (*self.ranked, *rest)):
            return self
        screened = [float(probs[g]) for g in self.ranked]
        unscreened = sorted((float(probs[g]) for g in rest), reverse=True)
        run = replace(self.run, screened_probs=screened, unscreened_probs=unscreened)
        return replace(self, run=run)


def stage_parts(
    db: Database,
    stage: Stage,
    viewer: Viewer,
    target: float = 0.95,
    confidence: float = 0.95,
    round_no: int | None = None,
) -> StageRun:
    """Return the stage's run and its studies (see :func:`stage_run`)."""
    split = split_stage(db, viewer, stage, round_no)
    state, sample, ranked, settled = split.state, split.sample, split.ranked, split.settled
    total = len(state.eligible)
    run = Run(
        labels=[state.labels[g] for g in ranked],
        total=total,
        target=target,
        confidence=confidence,
        sample=[state.labels[g] for g in settled],
        sample_urn=total - len(ranked) if sample is not None else 0,
    )
    return StageRun(
        run, tuple(ranked), tuple(settled), dict(state.labels), tuple(state.eligible),
        state.scope.number,
    )  # fmt: skip


def stage_run(
    db: Database,
    stage: Stage,
    viewer: Viewer,
    target: float = 0.95,
    confidence: float = 0.95,
    probs: Mapping[int, float] | None = None,
    round_no: int | None = None,
) -> Run:
    """Return a stage's decisions as the :class:`Run` the stopping rules take.

    Args:
        probs: The classifier's probability of relevance by study; the run
            carries them only when every eligible study has one.
        round_no: The search round (the newest by default).

    Raises:
        ScreeningError: while the stage is blind to the viewer.
    """
    parts = stage_parts(db, stage, viewer, target, confidence, round_no)
    return parts.with_probs(probs).run


# --- reading: live and stored side by side ------------------------------------------


def _row(verdict: dict[str, Any], chosen: str, source: str) -> dict[str, Any]:
    return {
        "rule": verdict["rule"],
        "chosen": verdict["rule"] == chosen,
        "stop": bool(verdict["stop"]),
        "assumption": verdict["assumption"],
        "recall": verdict.get("recall"),
        "recall_low": verdict.get("recall_low"),
        "source": source,
        "stale": False,
        "computed_at": None,
        "sentence": verdict.get("sentence", ""),
        "citation": verdict.get("citation", ""),
    }


def rule_table(
    db: Database,
    viewer: Viewer,
    stage: Stage,
    target: float = 0.95,
    confidence: float = 0.95,
    chosen: str = DEFAULT_STOPPING,
    round_no: int | None = None,
) -> list[dict[str, Any]] | None:
    """Return one row per rule, in the registry's order; None while the stage is hidden.

    Each row: ``rule``, ``chosen`` (the protocol's), ``stop`` (None: no
    verdict yet), ``assumption``, ``recall`` and ``recall_low`` (None where
    the rule gives none), ``source`` (``live``, ``stored`` or None),
    ``stale`` (a stored verdict from before the latest decisions, or from
    another target or confidence), ``computed_at``, ``sentence``, ``citation``.
    """
    if not visible(db, viewer, stage):
        return None
    parts = stage_parts(db, stage, viewer, target, confidence, round_no)
    live = check_all(parts.run, LIVE)
    stored = {s.rule: s for s in sdb.stored_verdicts(db, stage, parts.round)}
    events = sdb.stage_events(db, stage) if stored else 0
    rows: list[dict[str, Any]] = []
    for name, rule in STOPPERS.items():
        if name in live:
            rows.append(_row(live[name].to_json(), chosen, "live"))
        elif name in stored:
            found = stored[name]
            row = _row(found.verdict, chosen, "stored")
            row["computed_at"] = found.computed_at
            row["model_version"] = found.model_version
            row["stale"] = (
                found.decisions_count != events
                or found.verdict.get("target") != target
                or found.verdict.get("confidence") != confidence
            )
            rows.append(row)
        else:
            rows.append({
                "rule": name, "chosen": name == chosen, "stop": None,
                "assumption": str(rule.assumption), "recall": None, "recall_low": None,
                "source": None, "stale": False, "computed_at": None, "sentence": NOT_RUN,
                "citation": rule.citation,
            })  # fmt: skip
    return rows


def attach(
    report: dict[str, Any],
    rows: list[dict[str, Any]],
    chosen: str = DEFAULT_STOPPING,
) -> dict[str, Any]:
    """Add the rules' table to a certified report's JSON; the chosen rule drives the stop.

    Adds ``stopping_rule`` and ``verdicts``. For ``certified`` nothing else
    changes. For another rule, ``stop_justified`` becomes that rule's
    verdict (False while it has none or it is stale) and
    ``certified_stop_justified`` keeps the certified test's.
    """
    out = {**report, "stopping_rule": str(chosen), "verdicts": rows}
    if chosen != "certified":
        mine = next((r for r in rows if r["rule"] == chosen), None)
        out["certified_stop_justified"] = report["stop_justified"]
        out["stop_justified"] = bool(mine and mine["stop"] and not mine["stale"])
    return out

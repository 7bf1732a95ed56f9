"""Replaying every stopping rule on a labelled review (``review simulate --stopping``).

The ranked order runs past the last relevant record to the end of the review
(or until every rule has stopped): model-based rules may stop after it. Up to
the last relevant record the order is :func:`screening.simulate.replay`'s (same
priors, same retrains); after it only irrelevant records remain, so the model
retrains once per checkpoint and the next batch comes from that ranking.

**Checkpoints.** Rules are asked at a common schedule: every
:func:`checkpoint_every` screened records, ``max(10, ceil(1% of N))`` (priors
count as screened), i.e. at ``step, 2*step, ...`` below N. A rule's stop point
is the first checkpoint whose verdict says stop; a rule that never stops
screens all N records. At a checkpoint the rule sees a
:class:`~screening.stopping.stoppers.base.Run`: the screened labels in order,
N, the target and confidence, and for rules with ``needs_probs`` the
probabilities of a logistic regression (class_weight balanced, on the
ranker's TF-IDF features, trained on the screened records; see
:func:`logistic_prober`) of the screened
records and of the unscreened ones in the ranking's order (the ranking of the
last retrain). Probabilities are computed only while some rule still running
needs them.

The ``certified`` rule keeps its own two-phase replay
(:func:`screening.simulate.stopping_run`: the irrelevant-run heuristic, then a
random sample counted in the screened records).

Per rule and seed: records screened at the stop, sample size, recall then
(from the true labels), whether it reached the target, work saved
``1 - screened/N``, and ``saved_vs_random = recall - screened/N``: the work
saved against screening in random order to the same recall.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from screening import ranking
from screening import simulate as sim
from screening.errors import ScreeningError
from screening.stopping.probability import Prober, logistic_prober
from screening.stopping.stoppers.base import Run, Stopper

#: The rule replayed by :func:`screening.simulate.stopping_run`, today's default.
CERTIFIED = "certified"
DEFAULT_RULE = CERTIFIED


def checkpoint_every(total: int) -> int:
    """Records between two checkpoints: ``max(10, ceil(1% of N))``."""
    return max(10, math.ceil(round(total / 100, 9)))


def registered() -> Mapping[str, Stopper]:
    """Return the registry of stopping rules (empty until it exists)."""
    try:
        from screening.stopping.stoppers import STOPPERS  # type: ignore[attr-defined]
    except ImportError:
        return {}
    return dict(STOPPERS)


def rule_names(stoppers: Mapping[str, Stopper] | None = None) -> list[str]:
    """Every rule name the replay knows: ``certified`` first, then the registry's."""
    known = registered() if stoppers is None else stoppers
    return [CERTIFIED] + [name for name in known if name != CERTIFIED]


def parse_rules(text: str, stoppers: Mapping[str, Stopper] | None = None) -> list[str]:
    """Parse ``all`` or ``NAME[,NAME]`` into rule names.

    Raises:
        ScreeningError: for an unknown name (one line, listing the known ones).
    """
    known = rule_names(stoppers)
    if text.strip() == "all":
        return known
    names = [part.strip() for part in text.split(",") if part.strip()]
    bad = [name for name in names if name not in known]
    if bad or not names:
        raise ScreeningError(
            f"unknown stopping rule {', '.join(bad) or text!r}; choose all or any of "
            + ", ".join(known)
        )
    return list(dict.fromkeys(names))


# --- the replay ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What the rules see at one checkpoint.

    ``probs`` holds the screened records' probabilities in screening order and
    then the unscreened ones' in the ranking's order (N values), or None.
    """

    screened: int
    labels: np.ndarray
    probs: np.ndarray | None

    def run(self, total: int, target: float, confidence: float, with_probs: bool) -> Run:
        screened_probs = unscreened_probs = None
        if with_probs and self.probs is not None:
            screened_probs = self.probs[: self.screened].tolist()
            unscreened_probs = self.probs[self.screened :].tolist()
        return Run(
            labels=self.labels.tolist(),
            total=total,
            target=target,
            confidence=confidence,
            screened_probs=screened_probs,
            unscreened_probs=unscreened_probs,
        )


def checkpoints(
    labels: np.ndarray,
    scorer: sim.Scorer,
    seed: int,
    retrain_every: int = 1,
    prober: Prober | None = None,
    wants_probs: Callable[[], bool] = lambda: True,
    order_out: list[int] | None = None,
) -> Iterator[Checkpoint]:
    """Replay one review to its end, yielding a :class:`Checkpoint` on the schedule.

    The caller may stop consuming at any time. ``order_out`` (if given) is
    filled with the screening order as it grows; up to the last relevant
    record it is :func:`screening.simulate.replay`'s order.
    """
    total = int(labels.size)
    step = checkpoint_every(total)
    rng = np.random.default_rng(seed)
    first = int(rng.choice(np.flatnonzero(labels == 1)))
    second = int(rng.choice(np.flatnonzero(labels == 0)))
    order = [first, second] if order_out is None else order_out
    order[:] = [first, second]
    screened = np.zeros(total, dtype=bool)
    screened[order] = True
    remaining = int(labels.sum()) - 1
    queue: list[int] = []
    scores = np.zeros(total)
    mark = step
    while len(order) < total:
        if not queue:
            idx = np.asarray(order)
            scores = np.where(screened, -np.inf, scorer(idx, labels[idx]))
            # Past the last relevant record: one retrain per checkpoint.
            batch = retrain_every if remaining > 0 else max(1, mark - len(order))
            take = min(batch, total - len(order))
            queue = [int(i) for i in np.argsort(-scores, kind="stable")[:take]]
        nxt = queue.pop(0)
        order.append(nxt)
        screened[nxt] = True
        remaining -= int(labels[nxt])
        if len(order) == mark and mark < total:
            mark += step
            idx = np.asarray(order)
            probs = None
            if prober is not None and wants_probs():
                p = prober(idx, labels[idx])
                rest = np.flatnonzero(~screened)
                ranked = rest[np.argsort(-scores[rest], kind="stable")]
                probs = np.r_[p[idx], p[ranked]]
            yield Checkpoint(len(order), labels[idx], probs)


# --- outcomes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """Where one rule stopped in one simulated review."""

    seed: int
    screened: int
    sample: int
    recall: float
    target_met: bool
    saved: float
    saved_vs_random: float


def outcome(
    seed: int, screened: int, sample: int, found: int, relevant: int, total: int, target: float
) -> RuleOutcome:
    """Build a :class:`RuleOutcome` from counts (recall from the true labels)."""
    recall = found / relevant
    return RuleOutcome(
        seed=seed,
        screened=screened,
        sample=sample,
        recall=recall,
        target_met=recall >= target - 1e-12,
        saved=1.0 - screened / total,
        saved_vs_random=recall - screened / total,
    )


def summarise(outcomes: Sequence[RuleOutcome]) -> dict[str, Any]:
    """Per rule: the seeds, their means, the 5th-percentile recall, the share at target."""
    keys = ("screened", "sample", "recall", "saved", "saved_vs_random")
    recalls = [o.recall for o in outcomes]
    share = float(np.mean([o.target_met for o in outcomes]))
    return {
        "seeds": [asdict(o) for o in outcomes],
        "mean": {k: float(np.mean([getattr(o, k) for o in outcomes])) for k in keys},
        "p05_recall": float(np.percentile(recalls, 5)),
        "share_at_target": share,
        "reliable": share >= 0.95,
    }


def default_block(result: sim.Simulation) -> dict[str, Any]:
    """The default rule's block, from the ``stop_*`` fields a plain simulation has."""
    return summarise(
        [
            RuleOutcome(
                seed=r.seed,
                screened=r.stop_screened,
                sample=r.stop_sample,
                recall=r.stop_recall,
                target_met=r.stop_recall >= result.target - 1e-12,
                saved=r.stop_saved,
                saved_vs_random=r.stop_recall - r.stop_screened / result.records,
            )
            for r in result.seeds
        ]
    )


def apply_rules(
    stream: Iterator[Checkpoint],
    labels: np.ndarray,
    seed: int,
    rules: Mapping[str, Stopper],
    target: float = 0.95,
    confidence: float = 0.95,
    active: set[str] | None = None,
) -> dict[str, RuleOutcome]:
    """Ask each rule at each checkpoint of ``stream``; stop consuming once all stopped.

    ``active`` (if given) is kept up to date with the rules still running, so
    that the stream computes probabilities only while one of them needs them.
    """
    total, relevant = int(labels.size), int(labels.sum())
    running = set(rules) if active is None else active
    running.clear()
    running.update(rules)
    result: dict[str, RuleOutcome] = {}
    for point in stream if running else ():
        for name in sorted(running):
            rule = rules[name]
            verdict = rule.check(point.run(total, target, confidence, rule.needs_probs))
            if verdict.stop:
                found = int(point.labels.sum())
                result[name] = outcome(seed, point.screened, 0, found, relevant, total, target)
                running.discard(name)
        if not running:
            break
    for name in running:
        result[name] = outcome(seed, total, 0, relevant, relevant, total, target)
    running.clear()
    return result


def certified(
    order: Sequence[int], labels: np.ndarray, seed: int, target: float, confidence: float
) -> RuleOutcome:
    """The certified rule's outcome from its two-phase replay (heuristic, then sample)."""
    total, relevant = int(labels.size), int(labels.sum())
    seen = np.cumsum(labels[np.asarray(order, dtype=np.int64)])
    last = int(np.flatnonzero(seen == relevant)[0]) + 1
    stop = sim.stopping_run(order[:last], labels, seed, target, confidence)
    found = round(stop.recall * relevant)
    return outcome(seed, stop.screened, stop.sample, found, relevant, total, target)


def replay_rules(
    labels: np.ndarray,
    scorer: sim.Scorer,
    seed: int,
    names: Sequence[str],
    stoppers: Mapping[str, Stopper],
    prober: Prober | None,
    retrain_every: int = 1,
    target: float = 0.95,
    confidence: float = 0.95,
) -> tuple[list[int], dict[str, RuleOutcome]]:
    """Replay one seed for the named rules; return the order (to the last relevant
    record at least) and each rule's outcome."""
    relevant = int(labels.sum())
    rules = {name: stoppers[name] for name in names if name != CERTIFIED}
    active: set[str] = set()
    order: list[int] = []
    wants = lambda: any(rules[n].needs_probs for n in active)  # noqa: E731
    stream = checkpoints(labels, scorer, seed, retrain_every, prober, wants, order)
    outcomes = apply_rules(stream, labels, seed, rules, target, confidence, active)
    # The metrics need the order to the last relevant record.
    while int(labels[np.asarray(order, dtype=np.int64)].sum()) < relevant:
        if next(stream, None) is None:
            break
    if CERTIFIED in names:
        outcomes[CERTIFIED] = certified(order, labels, seed, target, confidence)
    return order, {name: outcomes[name] for name in names}


def simulate_rules(
    data: sim.LabelledSet,
    seeds: Sequence[int],
    names: Sequence[str],
    stoppers: Mapping[str, Stopper] | None = None,
    model: str | ranking.ModelSpec = ranking.DEFAULT_MODEL,
    embeddings: np.ndarray | None = None,
    retrain_every: int = 1,
    features: Any = None,
    target: float = 0.95,
    confidence: float = 0.95,
    progress: Callable[[sim.SeedResult, float], None] | None = None,
) -> tuple[sim.Simulation, dict[str, dict[str, Any]]]:
    """:func:`screening.simulate.simulate` plus every named rule, from one replay per seed.

    Returns the simulation (its ``stop_*`` fields are the certified rule's, as
    without rules) and, per rule, :func:`summarise`'s block.
    """
    known = registered() if stoppers is None else stoppers
    spec = ranking.model_spec(model)
    if features is None:
        features = ranking.tfidf_features(data.texts)

    def scorer(idx: np.ndarray, lab: np.ndarray) -> np.ndarray:
        return ranking.score(features, idx, lab, model=spec, embeddings=embeddings)

    needs = any(known[n].needs_probs for n in names if n != CERTIFIED)
    prober = logistic_prober(features) if needs else None
    results: list[sim.SeedResult] = []
    per_rule: dict[str, list[RuleOutcome]] = {name: [] for name in names}
    for seed in seeds:
        start = time.perf_counter()
        order, outcomes = replay_rules(
            data.labels, scorer, seed, names, known, prober, retrain_every, target, confidence
        )
        relevant = int(data.labels.sum())
        seen = np.cumsum(data.labels[np.asarray(order, dtype=np.int64)])
        last = int(np.flatnonzero(seen == relevant)[0]) + 1
        results.append(sim.evaluate(order[:last], data.labels, seed, target, confidence))
        for name, item in outcomes.items():
            per_rule[name].append(item)
        if progress is not None:
            progress(results[-1], time.perf_counter() - start)
    simulation = sim.Simulation(
        len(data.texts), data.relevant, spec.name, results, target, confidence
    )
    return simulation, {name: summarise(items) for name, items in per_rule.items()}

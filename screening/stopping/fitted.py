"""The stopping rules that need a fitted model, run by the ranking job and stored.

:func:`relevance_probs` fits the classifier of ``screening.stopping.probability``
(the replay's too) on the TF-IDF rows the ranker uses, trained on every
screened study's stopping label (``verdicts.StageRun.labels``), and gives
each study its probability of relevance. :func:`refresh` runs the rules of
``verdicts.STORED`` (the point process, and Quant, QuantCI and the scored
point process when there are probabilities) and stores each verdict in
``stopping_verdicts``. numpy, scipy and scikit-learn load inside the
functions: the ranking worker runs this, never ``review status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import db as sdb
from screening.blind import Viewer
from screening.stopping.probability import PROBABILITY_MODEL, logistic_prober
from screening.stopping.stoppers import STOPPERS, Verdict, check_all
from screening.stopping.verdicts import STORED, stage_parts, visible

#: The classifier behind the probabilities, as stored with each verdict.


def relevance_probs(
    matrix: Any, group_ids: Any, labels: Mapping[int, int]
) -> dict[int, float] | None:
    """Return each study's probability of relevance; None without both classes.

    Args:
        matrix: One feature row per study (sparse or dense).
        group_ids: The group of each row, ascending (``Features.group_ids``).
        labels: 0/1 label of each screened study.
    """
    import numpy as np

    ids = np.asarray(group_ids, dtype=np.int64)
    groups = np.asarray(sorted(labels), dtype=np.int64)
    if not len(ids) or not len(groups):
        return None
    pos = np.minimum(np.searchsorted(ids, groups), len(ids) - 1)
    known = ids[pos] == groups
    rows = pos[known]
    y = np.asarray([labels[int(g)] for g in groups[known]], dtype=np.int64)
    if len(set(y.tolist())) < 2:
        return None
    probs = logistic_prober(matrix)(rows, y)
    return {int(g): float(p) for g, p in zip(ids, probs, strict=True)}


def refresh(
    db: Database,
    who: Viewer,
    stage: Stage,
    features: Any,
    target: float = 0.95,
    confidence: float = 0.95,
    model_version: str | None = None,
) -> dict[str, Verdict] | None:
    """Run the stored rules on the stage's newest round and store their verdicts.

    Returns:
        The verdicts stored, or None when the stage is hidden from ``who`` (a
        blind review's non-lead) or nothing is screened there.
    """
    if not visible(db, who, stage):
        return None
    events = sdb.stage_events(db, stage)
    parts = stage_parts(db, stage, who, target, confidence)
    if not parts.labels:
        return None
    probs = relevance_probs(features.matrix, features.group_ids, parts.labels)
    run = parts.with_probs(probs).run
    has = run.screened_probs is not None
    verdicts = check_all(run, [n for n in STORED if has or not STOPPERS[n].needs_probs])
    extra: dict[str, Any] = {"target": target, "confidence": confidence}
    if has:
        extra["probability_model"] = PROBABILITY_MODEL
    sdb.store_verdicts(
        db, stage, parts.round, events, model_version,
        {name: {**v.to_json(), **extra} for name, v in verdicts.items()}, sdb.now(),
    )  # fmt: skip
    return verdicts

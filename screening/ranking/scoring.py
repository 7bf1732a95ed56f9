"""Score every record for relevance: features + labels -> one float per record.

Pure functions with no database and no UI, so the same code ranks in the
screening worker (``train``) and in ``review simulate``
(``screening.simulate``). Scores only order records; they are not
probabilities. With one class labelled (cold start) every score is 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from screening.ranking.catalogue import DEFAULT_MODEL, ModelSpec, model_spec
from screening.ranking.fusion import rank_fusion, zscore_fusion
from screening.ranking.learners import (
    EMB_WEIGHT,
    centroid_weight,
    learner_scores,
    zscore,
)


def score(
    features: Any,
    labelled: np.ndarray,
    labels: np.ndarray,
    model: str | ModelSpec = DEFAULT_MODEL,
    embeddings: np.ndarray | None = None,
) -> np.ndarray:
    """Score every record for relevance from the labels given so far.

    Args:
        features: TF-IDF matrix (rows = records).
        labelled: Row indices with a decision.
        labels: 1 include / 0 exclude, aligned with ``labelled``.
        model: A name of ``catalogue.MODELS`` or any :class:`ModelSpec` (the
            bench's experiments); one with ``features="text+embeddings"`` also
            needs ``embeddings``.
        embeddings: L2-normalised dense vectors, one row per record.

    Returns:
        One float per record; higher means screen sooner.

    Raises:
        ValueError: for an unknown model, or one that needs embeddings without them.
    """
    spec = model_spec(model)
    labelled = np.asarray(labelled, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    if np.unique(labels).size < 2:
        # One class only (cold start): nothing to learn yet, keep input order.
        return np.zeros(features.shape[0], dtype=np.float64)
    if spec.needs_embeddings and embeddings is None:
        raise ValueError(f"model {spec.name!r} needs sentence embeddings")
    dense = embeddings if spec.needs_embeddings else None
    runs = [
        score(features, labelled, labels, learner, dense)
        if isinstance(learner, ModelSpec)
        else learner_scores(learner, features, labelled, labels, dense)
        for learner in spec.learners
    ]
    if spec.fusion == "single":
        (only,) = runs
        return only
    if spec.fusion == "mean-z":
        return zscore_fusion(runs, exclude=labelled)
    if spec.fusion == "rrf":
        return rank_fusion(runs, exclude=labelled)
    return _sum_z(spec, runs, int(labels.sum()))


#: Weights of learners added by ``sum-z`` (the first counts 1, unlisted ones 1).
_SUM_WEIGHTS: dict[str, Callable[[int], float]] = {
    "svm-emb-balanced": lambda _relevant: EMB_WEIGHT,
    "centroid": centroid_weight,
}


def _sum_z(spec: ModelSpec, runs: list[np.ndarray], relevant: int) -> np.ndarray:
    """The first learner's z-score plus the others', each at its weight (``sum-z``).

    z-scores put the margins on one scale before adding them; the embedding
    SVM counts ``EMB_WEIGHT``, the centroid fades as includes are found.
    """
    total = zscore(runs[0])
    for learner, run in zip(spec.learners[1:], runs[1:], strict=True):
        weigh = _SUM_WEIGHTS.get(learner) if isinstance(learner, str) else None
        total = total + (weigh(relevant) if weigh else 1.0) * zscore(run)
    return total

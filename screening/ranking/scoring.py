"""Score every record for relevance: features + labels -> one float per record.

Pure functions with no database and no UI, so the same code ranks in the
screening worker (``train``) and in ``review simulate``
(``screening.simulate``). Scores only order records; they are not
probabilities. With one class labelled (cold start) every score is 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from screening.ranking.catalogue import (
    DEFAULT_MODEL,
    FUSION_LEARNERS,
    MODELS,
    TEXT_FUSION_LEARNERS,
    needs_embeddings,
)
from screening.ranking.fusion import rank_fusion, zscore_fusion
from screening.ranking.learners import (
    EMB_WEIGHT,
    centroid_scores,
    centroid_weight,
    fit_linear,
    learner_scores,
    margin,
    zscore,
)


def score(
    features: Any,
    labelled: np.ndarray,
    labels: np.ndarray,
    model: str = DEFAULT_MODEL,
    embeddings: np.ndarray | None = None,
) -> np.ndarray:
    """Score every record for relevance from the labels given so far.

    Args:
        features: TF-IDF matrix (rows = records).
        labelled: Row indices with a decision.
        labels: 1 include / 0 exclude, aligned with ``labelled``.
        model: One of ``MODELS``; ``hedge``, ``fusion``, ``fusion-rrf``, ``ensemble`` and
            ``*+emb`` also need ``embeddings`` (``needs_embeddings``).
        embeddings: L2-normalised dense vectors, one row per record.

    Returns:
        One float per record; higher means screen sooner.

    Raises:
        ValueError: for an unknown model, or one that needs embeddings without them.
    """
    if model not in MODELS:
        raise ValueError(f"unknown ranking model {model!r}; choose one of {', '.join(MODELS)}")
    labelled = np.asarray(labelled, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    if np.unique(labels).size < 2:
        # One class only (cold start): nothing to learn yet, keep input order.
        return np.zeros(features.shape[0], dtype=np.float64)
    if needs_embeddings(model) and embeddings is None:
        raise ValueError(f"model {model!r} needs sentence embeddings")
    if model in ("hedge", "hedge-text"):
        # elas_u4 and our ensemble, equally weighted: each covers the other's misses.
        partner = "ensemble" if model == "hedge" else "svm+cen"
        runs = [
            learner_scores("elas_u4", features, labelled, labels),
            score(features, labelled, labels, partner, embeddings),
        ]
        return zscore_fusion(runs, exclude=labelled)
    if model.startswith("fusion"):
        names = TEXT_FUSION_LEARNERS if model == "fusion-text" else FUSION_LEARNERS
        runs = [learner_scores(n, features, labelled, labels, embeddings) for n in names]
        fuse = rank_fusion if model == "fusion-rrf" else zscore_fusion
        return fuse(runs, exclude=labelled)
    if model in ("elas_u4", "nb"):
        return learner_scores(model, features, labelled, labels, embeddings)
    text_kind = "lr" if model.startswith("lr") else "svm"
    text = margin(fit_linear(text_kind, features[labelled], labels), features)
    if model in ("svm", "lr"):
        return text
    total = zscore(text)
    if embeddings is not None and needs_embeddings(model):
        dense = margin(fit_linear("svm", embeddings[labelled], labels), embeddings)
        # z-scores put the margins on one scale before adding them.
        total = total + EMB_WEIGHT * zscore(dense)
    if model in ("ensemble", "svm+cen"):
        total = total + centroid_weight(int(labels.sum())) * zscore(
            centroid_scores(features, labelled, labels)
        )
    return total

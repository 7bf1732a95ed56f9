"""Fusing several learners' scores into one: by mean z-score or by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Reciprocal rank fusion constant, from Cormack, Clarke & Buettcher (SIGIR 2009);
#: not tuned here.
RRF_K = 60.0


def zscore_fusion(scores: Sequence[np.ndarray], exclude: np.ndarray | None = None) -> np.ndarray:
    """Fuse scores by their mean z-score, each standardised over the open records.

    Standardising puts an SVM margin and NB log odds on one scale; adding them
    lets one learner that is sure of a record (far above its mean) lift it even
    when the others are lukewarm, which is what finds the last, atypical
    includes. The screened records (``exclude``) are left out of the mean and
    spread: their scores are extreme by construction.
    """
    first = np.asarray(scores[0])
    open_rows = np.ones(first.shape[0], dtype=bool)
    if exclude is not None:
        open_rows[np.asarray(exclude, dtype=np.int64)] = False
    if not open_rows.any():
        open_rows[:] = True
    fused = np.zeros(first.shape[0], dtype=np.float64)
    for values in scores:
        values = np.asarray(values, dtype=np.float64)
        spread = values[open_rows].std()
        fused += (values - values[open_rows].mean()) / (spread if spread > 0 else 1.0)
    return fused / len(scores)


def rank_fusion(
    scores: Sequence[np.ndarray], exclude: np.ndarray | None = None, k: float = RRF_K
) -> np.ndarray:
    """Fuse rankings by reciprocal rank fusion: ``sum over learners of 1 / (k + rank)``.

    Ranks, not scores, are added, so no learner's scale (an SVM margin, NB log
    odds) dominates, and a record that one learner puts near the top rises even
    when another does not see it. Records in ``exclude`` (already screened) are
    ranked by no one and score 0, so the ranks count open records only. Tied
    scores share their mean rank.
    """
    from scipy.stats import rankdata

    first = np.asarray(scores[0])
    open_rows = np.ones(first.shape[0], dtype=bool)
    if exclude is not None:
        open_rows[np.asarray(exclude, dtype=np.int64)] = False
    fused = np.zeros(first.shape[0], dtype=np.float64)
    for values in scores:
        ranks = rankdata(-np.asarray(values, dtype=np.float64)[open_rows], method="average")
        fused[open_rows] += 1.0 / (k + ranks)
    return fused

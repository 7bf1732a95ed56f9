"""The classifier the model-based stopping rules read: one place for the review and the replay.

A logistic regression (``class_weight="balanced"``, liblinear) on the ranker's
TF-IDF rows of the screened records, as the rules' papers use, giving every
record a probability of relevance. Columns of terms found in one record only
are left out: no weight learnt on them can reach another record, and without
them (about 3/4 of the 1-2-gram columns) a fit takes some 40 ms instead of
0.2-0.7 s at 2,000 records. numpy and scikit-learn load on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: How the probabilities are made, as the methods text and stored verdicts say it.
PROBABILITY_MODEL = "logistic-regression (balanced, liblinear) on TF-IDF"

Prober = Callable[[Any, Any], Any]


def logistic_prober(features: Any) -> Prober:
    """Return ``(screened row indices, their 0/1 labels) -> P(relevant) per row``."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    in_two = np.flatnonzero(np.asarray((features > 0).sum(axis=0)).ravel() >= 2)
    matrix = features[:, in_two] if in_two.size else features

    def probe(idx: Any, lab: Any) -> Any:
        model = LogisticRegression(class_weight="balanced", solver="liblinear")
        model.fit(matrix[idx], lab)
        return np.asarray(model.predict_proba(matrix)[:, 1], dtype=np.float64)

    return probe

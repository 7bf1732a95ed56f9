"""The learners the ranking models are built from, with ASReview's settings.

Each learner fits on the labelled rows and scores every record; scores only
order records, they are not probabilities. elas_u4's and nb's settings are
ASReview's (tuned by its authors on the SYNERGY sets), not tuned here; the
centroid's fade was picked on the bench sets. See ``docs/methods/ranking.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: ASReview LAB 3's elas_u4 SVM (tuned by its authors on the SYNERGY sets): C and
#: the balancer ratio. Their SVMs on sentence embeddings (elas_l2, elas_h3) landed on
#: nearly the same values (C 0.067-0.106, ratio 9.7), so ``svm-emb`` reuses them.
ELAS_C = 0.11
ELAS_RATIO = 9.8
#: ASReview's elas_u3 naive Bayes (its version-1 model): smoothing and balancer ratio.
NB_ALPHA = 3.822
NB_RATIO = 1.2
#: Weight of the embedding model in the ``+emb`` ensembles (text model = 1).
EMB_WEIGHT = 1.0
#: The centroid's weight is ``min(1, (CENTROID_FADE / relevant found) ** 2)``.
CENTROID_FADE = 20.0
#: Share of the mean irrelevant vector the centroid subtracts (Rocchio's gamma).
CENTROID_NEGATIVE = 0.25


def fit_linear(kind: str, x: Any, y: np.ndarray) -> Any:
    """Fit one classifier on the labelled rows; balanced because includes are rare.

    The SVM's solver seed is fixed so that the same labels give the same ranking.
    """
    if kind == "svm":
        from sklearn.svm import LinearSVC

        return LinearSVC(C=0.11, class_weight="balanced", random_state=0).fit(x, y)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear").fit(x, y)


def margin(model: Any, x: Any) -> np.ndarray:
    """Return the signed margin: it orders records, no calibration needed."""
    return np.asarray(model.decision_function(x), dtype=np.float64)


def zscore(values: np.ndarray) -> np.ndarray:
    """Return ``values`` standardised to mean 0 and spread 1 (spread 0 counts as 1)."""
    spread = values.std()
    return (values - values.mean()) / (spread if spread > 0 else 1.0)


def centroid_weight(relevant: int) -> float:
    """Return the centroid's weight in the ensemble: 1 at first, fading as includes grow."""
    return min(1.0, (CENTROID_FADE / max(relevant, 1)) ** 2)


def centroid_scores(features: Any, labelled: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return Rocchio scores: similarity to the relevant centroid minus a share of the rest's.

    Rows of a TF-IDF matrix are L2-normalised, so the dot product with the
    centroid difference ranks by mean cosine similarity.
    """
    positive = np.asarray(features[labelled[labels == 1]].mean(axis=0)).ravel()
    negative = np.asarray(features[labelled[labels == 0]].mean(axis=0)).ravel()
    return np.asarray(features @ (positive - CENTROID_NEGATIVE * negative)).ravel()


def learner_scores(
    name: str,
    features: Any,
    labelled: np.ndarray,
    labels: np.ndarray,
    embeddings: np.ndarray | None = None,
) -> np.ndarray:
    """Return one learner's scores for every record (both classes must be labelled).

    Learners (each with settings taken from elsewhere, none tuned on the bench sets):

    - ``elas_u4``: ASReview LAB 3's default, a LinearSVC (C=0.11) on TF-IDF with its
      balancer (ratio 9.8); record for record the same screening order as ASReview's
      own simulation under the same priors (checked on wilson);
    - ``nb``: ASReview's elas_u3, multinomial naive Bayes (alpha 3.822, ratio 1.2), on
      the same TF-IDF; scored by the log odds, which orders like its probability but
      does not saturate at 1.0 into ties on long abstracts;
    - ``svm-emb``: the elas_u4 SVM on the sentence embeddings;
    - ``centroid``: the Rocchio score of ``centroid_scores``;
    - ``svm`` / ``lr``: a LinearSVC (C=0.11) / logistic regression on TF-IDF with
      sklearn's "balanced" weights (``fit_linear``), the ensemble's text model;
    - ``svm-emb-balanced``: that SVM on the sentence embeddings, the ensemble's.

    Raises:
        ValueError: for an unknown learner, or an embedding one without embeddings.
    """
    if name == "elas_u4":
        return margin(_fit_elas_svm(features[labelled], labels), features)
    if name == "nb":
        from sklearn.naive_bayes import MultinomialNB

        weights = asreview_weights(labels, NB_RATIO)
        nb = MultinomialNB(alpha=NB_ALPHA).fit(features[labelled], labels, sample_weight=weights)
        joint = nb.predict_joint_log_proba(features)
        return np.asarray(joint[:, 1] - joint[:, 0], dtype=np.float64)
    if name == "svm-emb":
        if embeddings is None:
            raise ValueError("learner 'svm-emb' needs sentence embeddings")
        return margin(_fit_elas_svm(embeddings[labelled], labels), embeddings)
    if name == "centroid":
        return centroid_scores(features, labelled, labels)
    if name in ("svm", "lr"):
        return margin(fit_linear(name, features[labelled], labels), features)
    if name == "svm-emb-balanced":
        if embeddings is None:
            raise ValueError("learner 'svm-emb-balanced' needs sentence embeddings")
        return margin(fit_linear("svm", embeddings[labelled], labels), embeddings)
    raise ValueError(f"unknown learner {name!r}")


def asreview_weights(labels: np.ndarray, ratio: float) -> np.ndarray:
    """Return ASReview's "balanced" sample weights: relevant 1, irrelevant R / (ratio * I).

    Rescaled to sum to the number of labels, as ASReview does: without that the
    weights shrink the data term, which acts as a smaller C (on wilson, that
    alone moves elas_u4's WSS@95 from 0.812 to 0.853).
    """
    labels = np.asarray(labels)
    relevant = int((labels == 1).sum())
    irrelevant = int((labels == 0).sum())
    weights = np.where(labels == 1, 1.0, relevant / (ratio * max(irrelevant, 1)))
    return weights * (labels.size / weights.sum())


def _fit_elas_svm(x: Any, y: np.ndarray) -> Any:
    """Fit elas_u4's SVM; a fixed solver seed makes the same labels give the same ranking.

    (ASReview leaves the seed unset; the fits then differ by the solver's tolerance only.)
    """
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=ELAS_C, random_state=0)
    return svm.fit(x, y, sample_weight=asreview_weights(y, ELAS_RATIO))

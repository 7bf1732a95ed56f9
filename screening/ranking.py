"""Active-learning ranking: features + labels -> a relevance score per record.

Pure functions with no database and no UI, so the same code ranks in the
screening worker and in ``review simulate``. Scores only order records; they
are not probabilities.

The default, ``ensemble``, adds three z-scored scores:

- a LinearSVC on TF-IDF word 1-2 grams (C=0.11, balanced: ASReview's elas_u4
  setting), the discriminative part that carries reviews with many relevant
  records;
- a LinearSVC on the sentence embeddings, which matches paraphrases the
  TF-IDF misses;
- a Rocchio centroid score on TF-IDF (mean relevant vector minus a quarter of
  the mean irrelevant one, dotted with each record), weighted by
  ``min(1, (20 / relevant found)^2)``. While few relevant records are known a
  centroid generalises better than a margin: on wilson (23 relevant) the
  last hard records are typical of the relevant set but share few rare
  bigrams with it, and the SVM ranks them late. Once many are known the
  centroid blurs a heterogeneous set (nudging, 100 relevant), so its weight
  fades. The decay was picked on these two sets only; it sits on a plateau
  (squared, k = 15 / 20 / 30: nudging 0.723 / 0.724 / 0.720, wilson 0.843 /
  0.848 / 0.848; linear k=20: 0.709 / 0.849). Unseen reviews are the real test.

Measured with ``bench/simulate_bench.py`` (protocol of
``shared/bench/README.md``: 1 random prior relevant + 1 irrelevant, seeds 1-5,
retrain after every label, mean over seeds; WSS@95 / RRF@10 / ATD):

==========  ==================  ==================
model       nudging (1847/100)  wilson (2333/23)
==========  ==================  ==================
ensemble    0.724 0.672 0.089   0.848 0.930 0.040
svm+cen     0.708 0.640 0.092   0.834 0.913 0.035
svm+emb     0.725 0.668 0.089   0.821 0.878 0.049
svm         0.715 0.642 0.094   0.798 0.913 0.042
elas_u4     0.715 0.640 0.090   0.837 0.948 0.039  (ASReview LAB 3.0.8)
==========  ==================  ==================

Tried and dropped (WSS@95 nudging / wilson): centroid alone 0.570 / 0.850;
svm + emb + centroid at a fixed weight 0.68 / 0.85 (the centroid hurts
nudging late); embedding weight 1.5 0.713 / 0.839; a fourth, unigram SVM
0.729 / 0.834; a Hedge-weighted mix of the three (0.58 / 0.85); unigrams only
0.646 / 0.821; English stop words -- / 0.769; min_df=2 -- / 0.790; C=1
0.725 / 0.772; class weights 3x or 0.3x balanced and fixed ratios 3-30:
0.79-0.80 on wilson; an SVM on TF-IDF stacked with the embeddings 0.659 /
0.812; kNN over embeddings 0.798 on wilson; multinomial NB ranked badly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

ModelName = Literal[
    "fusion",
    "fusion-text",
    "ensemble",
    "svm+cen",
    "elas_u4",
    "nb",
    "svm",
    "lr",
    "svm+emb",
    "lr+emb",
]
MODELS: tuple[str, ...] = (
    "fusion",
    "fusion-text",
    "ensemble",
    "svm+cen",
    "elas_u4",
    "nb",
    "svm",
    "lr",
    "svm+emb",
    "lr+emb",
)
DEFAULT_MODEL: ModelName = "fusion"
#: The model to use when the review has no sentence embeddings.
TEXT_ONLY_MODEL: ModelName = "fusion-text"
#: Learners whose rankings ``fusion`` fuses; ``fusion-text`` drops the embedding one.
FUSION_LEARNERS: tuple[str, ...] = ("elas_u4", "nb", "svm-emb")
TEXT_FUSION_LEARNERS: tuple[str, ...] = ("elas_u4", "nb")
#: Reciprocal rank fusion constant, from Cormack, Clarke & Buettcher (SIGIR 2009);
#: not tuned here.
RRF_K = 60.0
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


def needs_embeddings(model: str) -> bool:
    """Return whether ``model`` needs one sentence-embedding row per record."""
    return model in ("fusion", "ensemble") or model.endswith("+emb")


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
        model: One of ``MODELS``; ``ensemble`` and ``*+emb`` also need ``embeddings``.
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
    if model in ("fusion", "fusion-text"):
        names = FUSION_LEARNERS if model == "fusion" else TEXT_FUSION_LEARNERS
        runs = [learner_scores(n, features, labelled, labels, embeddings) for n in names]
        return rank_fusion(runs, exclude=labelled)
    if model in ("elas_u4", "nb"):
        return learner_scores(model, features, labelled, labels, embeddings)
    text_kind = "lr" if model.startswith("lr") else "svm"
    text = _margin(_fit_linear(text_kind, features[labelled], labels), features)
    if model in ("svm", "lr"):
        return text
    total = _zscore(text)
    if embeddings is not None and needs_embeddings(model):
        dense = _margin(_fit_linear("svm", embeddings[labelled], labels), embeddings)
        # z-scores put the margins on one scale before adding them.
        total = total + EMB_WEIGHT * _zscore(dense)
    if model in ("ensemble", "svm+cen"):
        total = total + centroid_weight(int(labels.sum())) * _zscore(
            centroid_scores(features, labelled, labels)
        )
    return total


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
    - ``centroid``: the Rocchio score of ``centroid_scores``.

    Raises:
        ValueError: for an unknown learner, or ``svm-emb`` without embeddings.
    """
    if name == "elas_u4":
        return _margin(_fit_elas_svm(features[labelled], labels), features)
    if name == "nb":
        from sklearn.naive_bayes import MultinomialNB

        weights = asreview_weights(labels, NB_RATIO)
        nb = MultinomialNB(alpha=NB_ALPHA).fit(features[labelled], labels, sample_weight=weights)
        joint = nb.predict_joint_log_proba(features)
        return np.asarray(joint[:, 1] - joint[:, 0], dtype=np.float64)
    if name == "svm-emb":
        if embeddings is None:
            raise ValueError("learner 'svm-emb' needs sentence embeddings")
        return _margin(_fit_elas_svm(embeddings[labelled], labels), embeddings)
    if name == "centroid":
        return centroid_scores(features, labelled, labels)
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
    from sklearn.svm import LinearSVC

    return LinearSVC(C=ELAS_C).fit(x, y, sample_weight=asreview_weights(y, ELAS_RATIO))


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

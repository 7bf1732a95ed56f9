"""Active-learning ranking: order the studies a reviewer has not screened yet.

Without UI. ``scoring.score`` turns features and labels into one relevance
score per record with a model spec of the ``catalogue``; ``train.retrain`` learns
from the decisions a reviewer may see (their own only in a blind review, see
``labels``) on the cached TF-IDF ``features`` and stores a ranking under their
name with a model version; the queue's ``ranked`` order reads it, and
``decide`` logs the rank and score each study was shown with. ``explain``
says why a study ranks high; ``query`` is the cold-start query. Callers run
retrains off the UI thread (the TUI in ``review.tui.workers.ranking``).

numpy, scipy and scikit-learn load with this package: import it inside the
functions of start-up paths. Method: ``docs/methods/ranking.md``; figures and
budgets: ``bench/README.md`` (Ranking).
"""

from screening.ranking.catalogue import (
    DEFAULT_MODEL,
    ELAS_U4,
    ENSEMBLE,
    HEDGE,
    HEDGE_TEXT,
    MODELS,
    SVM_CEN,
    TEXT_ONLY_MODEL,
    ModelSpec,
    model_spec,
    needs_embeddings,
)
from screening.ranking.explain import Neighbour, Why, explain, question_terms
from screening.ranking.features import Features, load_features
from screening.ranking.fusion import rank_fusion, zscore_fusion
from screening.ranking.labels import LabelView, label_view
from screening.ranking.learners import (
    asreview_weights,
    centroid_scores,
    centroid_weight,
    learner_scores,
)
from screening.ranking.query import Spec
from screening.ranking.scoring import score
from screening.ranking.text import record_text, tfidf_features
from screening.ranking.train import COLD_START, Ranked, cold_start, retrain, short_version

__all__ = [
    "COLD_START",
    "DEFAULT_MODEL",
    "ELAS_U4",
    "ENSEMBLE",
    "HEDGE",
    "HEDGE_TEXT",
    "MODELS",
    "SVM_CEN",
    "TEXT_ONLY_MODEL",
    "Features",
    "LabelView",
    "ModelSpec",
    "Neighbour",
    "Ranked",
    "Spec",
    "Why",
    "asreview_weights",
    "centroid_scores",
    "centroid_weight",
    "cold_start",
    "explain",
    "label_view",
    "learner_scores",
    "load_features",
    "model_spec",
    "needs_embeddings",
    "question_terms",
    "rank_fusion",
    "record_text",
    "retrain",
    "score",
    "short_version",
    "tfidf_features",
    "zscore_fusion",
]

"""The ranking models as a table of specs: name, learners, features, fusion, description.

A :class:`ModelSpec` says what ``scoring.score`` computes: which learners of
``learners`` (or nested specs) run, on which features, and how their scores
are fused. Scoring dispatches on these fields, never on a model's name.

:data:`MODELS` holds the models the tool offers (``review simulate --model``,
the screening worker): the default ``hedge``, ``hedge-text`` for a review
without sentence vectors (``TEXT_ONLY_MODEL``), and ``elas_u4``, ASReview
LAB 3's default, for comparison. ``ENSEMBLE`` and ``SVM_CEN`` are the hedges'
components, not offered alone. The experiments measured on the way there
(``fusion``, ``nb``, ``svm``...) are specs in ``bench/ranking_models.py``;
``score`` takes a spec as well as a name, so the bench scripts rerun them.

Why the default is the default: ``docs/methods/ranking.md``; the figures of
every model: ``bench/README.md`` (Ranking).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

#: The features a model reads: TF-IDF only, or TF-IDF and sentence embeddings.
Features = Literal["text", "text+embeddings"]
#: How a model combines its learners' scores (see ``scoring.score``):
#: ``single`` one learner's raw scores; ``mean-z`` the mean z-score over the open
#: records (``zscore_fusion``); ``rrf`` reciprocal rank fusion (``rank_fusion``);
#: ``sum-z`` the first learner's z-score plus the others' weighted z-scores (the
#: embedding SVM by ``EMB_WEIGHT``, the centroid by the fading ``centroid_weight``).
Fusion = Literal["single", "mean-z", "rrf", "sum-z"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One ranking model: what ``scoring.score`` runs and how it fuses the scores.

    Attributes:
        name: The model's name (stored in the ranking's version, shown in reports).
        learners: Learner names of ``learners.learner_scores``, or nested specs
            (scored by ``score`` and fused like a learner).
        features: ``text`` or ``text+embeddings`` (needs one sentence vector per record).
        fusion: How the learners' scores combine (:data:`Fusion`).
        description: One line for help texts and the bench tables.
    """

    name: str
    learners: tuple[str | ModelSpec, ...]
    features: Features
    fusion: Fusion
    description: str

    @property
    def needs_embeddings(self) -> bool:
        """Whether the model needs one sentence-embedding row per record."""
        return self.features == "text+embeddings"


ELAS_U4 = ModelSpec(
    "elas_u4",
    ("elas_u4",),
    "text",
    "single",
    "ASReview LAB 3's default: LinearSVC on TF-IDF with its balancer (for comparison)",
)
#: The former default and ``hedge``'s second half: TF-IDF SVM + embedding SVM +
#: a fading Rocchio centroid.
ENSEMBLE = ModelSpec(
    "ensemble",
    ("svm", "svm-emb-balanced", "centroid"),
    "text+embeddings",
    "sum-z",
    "TF-IDF SVM + embedding SVM + a fading Rocchio centroid",
)
#: ``ENSEMBLE`` less its embedding SVM: ``hedge-text``'s second half.
SVM_CEN = ModelSpec(
    "svm+cen",
    ("svm", "centroid"),
    "text",
    "sum-z",
    "TF-IDF SVM + a fading Rocchio centroid",
)
HEDGE = ModelSpec(
    "hedge",
    (ELAS_U4, ENSEMBLE),
    "text+embeddings",
    "mean-z",
    "the default: mean z-score of elas_u4 and the ensemble (embeds the texts)",
)
HEDGE_TEXT = ModelSpec(
    "hedge-text",
    (ELAS_U4, SVM_CEN),
    "text",
    "mean-z",
    "mean z-score of elas_u4 and svm+cen (no sentence vectors needed)",
)

#: The models the tool offers, by name.
MODELS: Mapping[str, ModelSpec] = {spec.name: spec for spec in (HEDGE, HEDGE_TEXT, ELAS_U4)}
DEFAULT_MODEL = HEDGE.name
#: The model to use when the review has no sentence embeddings.
TEXT_ONLY_MODEL = HEDGE_TEXT.name


def model_spec(model: str | ModelSpec) -> ModelSpec:
    """Return the spec of a model given by name (one of :data:`MODELS`) or as a spec.

    Raises:
        ValueError: for a name that is not in :data:`MODELS`.
    """
    if isinstance(model, ModelSpec):
        return model
    spec = MODELS.get(model)
    if spec is None:
        raise ValueError(f"unknown ranking model {model!r}; choose one of {', '.join(MODELS)}")
    return spec


def needs_embeddings(model: str | ModelSpec) -> bool:
    """Return whether ``model`` needs one sentence-embedding row per record."""
    return model_spec(model).needs_embeddings

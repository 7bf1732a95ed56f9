"""The ranking models: which exist, the default, and which need sentence embeddings.

A model name picks how ``scoring.score`` combines the learners of
``learners`` (see ``fusion``):

- ``hedge`` (default): the mean z-score of ``elas_u4`` and ``ensemble``;
  ``hedge-text`` (``TEXT_ONLY_MODEL``, for a review without sentence
  vectors) averages ``elas_u4`` and ``svm+cen``;
- ``elas_u4``: ASReview LAB 3's default (LinearSVC on TF-IDF with its
  balancer); ``nb``: ASReview's elas_u3 naive Bayes;
- ``ensemble``: TF-IDF SVM + embedding SVM + a fading Rocchio centroid;
  ``svm+cen`` drops the embedding SVM;
- ``fusion`` / ``fusion-rrf`` / ``fusion-text``: the learners of
  ``FUSION_LEARNERS`` fused by z-score or by reciprocal rank;
- ``svm``, ``lr``, ``svm+emb``, ``lr+emb``: single linear models.

Why the default is the default: ``docs/methods/ranking.md``; the figures of
every model: ``bench/README.md`` (Ranking).
"""

from __future__ import annotations

from typing import Literal, get_args

ModelName = Literal[
    "hedge",
    "hedge-text",
    "fusion",
    "fusion-text",
    "fusion-rrf",
    "ensemble",
    "svm+cen",
    "elas_u4",
    "nb",
    "svm",
    "lr",
    "svm+emb",
    "lr+emb",
]
MODELS: tuple[str, ...] = get_args(ModelName)
DEFAULT_MODEL: ModelName = "hedge"
#: The model to use when the review has no sentence embeddings.
TEXT_ONLY_MODEL: ModelName = "hedge-text"
#: Learners ``fusion`` (and ``fusion-rrf``) fuse; ``fusion-text`` drops the embedding one.
#: (``hedge``, the default, averages ``elas_u4`` and ``ensemble``; ``hedge-text``
#: averages ``elas_u4`` and ``svm+cen``.)
FUSION_LEARNERS: tuple[str, ...] = ("elas_u4", "nb", "svm-emb", "centroid")
TEXT_FUSION_LEARNERS: tuple[str, ...] = ("elas_u4", "nb", "centroid")


def needs_embeddings(model: str) -> bool:
    """Return whether ``model`` needs one sentence-embedding row per record."""
    return model in ("hedge", "fusion", "fusion-rrf", "ensemble") or model.endswith("+emb")

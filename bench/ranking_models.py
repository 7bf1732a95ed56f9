"""Every ranking model measured: the tool's own (``screening.ranking.MODELS``) and the experiments.

The tool offers the models ``docs/methods/ranking.md`` defends (``hedge``,
``hedge-text``, ``elas_u4``). The others, measured on the way to that choice,
live here as specs, so the figures in ``bench/README.md`` (Ranking) can be
rerun: ``ranking.score`` and ``screening.simulate.simulate`` take a
``ModelSpec`` as well as a name.

    .venv/bin/python bench/simulate_bench.py --models elas_u4,hedge,fusion,nb

The learners are those of ``screening.ranking.learners.learner_scores``; the
fusions those of ``screening.ranking.catalogue.Fusion``.
"""

from __future__ import annotations

from screening.ranking import ENSEMBLE, MODELS, SVM_CEN, ModelSpec

#: Learners ``fusion`` (and ``fusion-rrf``) fuse; ``fusion-text`` drops the embedding one.
FUSION_LEARNERS: tuple[str, ...] = ("elas_u4", "nb", "svm-emb", "centroid")
TEXT_FUSION_LEARNERS: tuple[str, ...] = ("elas_u4", "nb", "centroid")

EXPERIMENTS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "fusion",
        FUSION_LEARNERS,
        "text+embeddings",
        "mean-z",
        "mean z-score of elas_u4, naive Bayes, the embedding SVM and the centroid (no fade)",
    ),
    ModelSpec(
        "fusion-text",
        TEXT_FUSION_LEARNERS,
        "text",
        "mean-z",
        "fusion less the embedding SVM",
    ),
    ModelSpec(
        "fusion-rrf",
        FUSION_LEARNERS,
        "text+embeddings",
        "rrf",
        "fusion's four learners by reciprocal rank fusion (k = 60)",
    ),
    # The hedges' halves, alone.
    ENSEMBLE,
    SVM_CEN,
    ModelSpec("nb", ("nb",), "text", "single", "ASReview's elas_u3 naive Bayes"),
    ModelSpec("svm", ("svm",), "text", "single", "LinearSVC on TF-IDF, balanced weights"),
    ModelSpec("lr", ("lr",), "text", "single", "logistic regression on TF-IDF, balanced"),
    ModelSpec(
        "svm+emb",
        ("svm", "svm-emb-balanced"),
        "text+embeddings",
        "sum-z",
        "TF-IDF SVM + embedding SVM",
    ),
    ModelSpec(
        "lr+emb",
        ("lr", "svm-emb-balanced"),
        "text+embeddings",
        "sum-z",
        "TF-IDF logistic regression + embedding SVM",
    ),
)

#: Every model by name: the tool's first, then the experiments.
ALL_MODELS: dict[str, ModelSpec] = {**MODELS, **{spec.name: spec for spec in EXPERIMENTS}}


def spec_for(name: str) -> ModelSpec:
    """Return the spec of any measured model by name.

    Raises:
        SystemExit: naming the models there are.
    """
    spec = ALL_MODELS.get(name)
    if spec is None:
        raise SystemExit(f"unknown model {name!r}; choose from {', '.join(ALL_MODELS)}")
    return spec

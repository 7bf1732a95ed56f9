"""Why a study ranks where it does: its nearest includes and its top terms.

Reviewers trust (and catch the mistakes of) a ranking they can read, so the
screening card says why a study came up: the most similar studies the
reviewer's view already counts as relevant (cosine on sentence vectors, or
on TF-IDF rows without them), and the words that pushed it up. In a blind
review the includes are the reviewer's own (``labels``), so an explanation
never shows another reviewer's vote.

``scoring.score`` keeps its fitted model to itself and its features have no
term names, so the terms come from a small readable model of our own:
TF-IDF unigrams and logistic regression on the labelled studies only (a few
hundred texts: well under a second), each term weighted by its coefficient
times its TF-IDF value in the study. Before there is both an include and an
exclude, the terms are the question's and include terms' words the study
contains.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import db as sdb
from screening.blind import Viewer
from screening.ranking.features import Features, GroupVectors, load_features, load_vectors
from screening.ranking.labels import LabelView, label_view
from screening.ranking.query import Spec

if TYPE_CHECKING:
    import numpy as np

#: Words of three letters or more, no digits: terms a reviewer can read.
TOKENS = r"(?u)\b[^\W\d_]{3,}\b"
#: Labelled studies the term model learns from at most, per class.
MAX_INCLUDES, MAX_EXCLUDES = 1000, 1500


@dataclass(frozen=True, slots=True)
class Neighbour:
    """An included study close to the one explained."""

    group_id: int
    title: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Why:
    """Why a study ranks where it does.

    Attributes:
        group_id: The study explained.
        nearest: Up to three of the viewer's includes, closest first.
        terms: Its words that count most for relevance.
        terms_from: ``model`` (weights learnt from decisions) or ``question``
            (cold start: words shared with the question and include terms).
        basis: What ``nearest`` was measured on: ``embeddings`` or ``tf-idf``.
    """

    group_id: int
    nearest: tuple[Neighbour, ...] = ()
    terms: tuple[str, ...] = ()
    terms_from: str = "question"
    basis: str = "tf-idf"


def explain(
    db: Database,
    who: Viewer,
    stage: Stage,
    group_id: int,
    spec: Spec,
    *,
    cache_dir: Path | None = None,
    k: int = 3,
    n_terms: int = 5,
) -> Why | None:
    """Explain a study's relevance to a reviewer (None: not a study, or the stage is closed).

    Args:
        db: The review database.
        who: The reviewer; blind rules decide whose includes may be shown.
        stage: ``title_abstract`` or ``full_text``.
        group_id: The study.
        spec: The protocol's question, include terms and embedding model.
        cache_dir: The review's ``cache/`` folder (the feature matrix).
        k: Nearest includes to return.
        n_terms: Terms to return.
    """
    features = load_features(db, spec, cache_dir)
    row = int(features.rows([group_id])[0])
    view = label_view(db, who, stage)
    if row < 0 or view is None:
        return None
    vectors = load_vectors(db, features, spec.embedding_model)
    includes = [g for g in view.includes if g != group_id]
    nearest = _nearest(db, features, vectors, row, includes, k)
    text = " ".join(next(iter(sdb.group_texts(db, [group_id])), (0, "", ""))[1:])
    model = _term_model(db, who, stage, view) if len(set(view.labels.values())) == 2 else None
    if model is not None:
        terms, terms_from = model.top_terms(text, n_terms), "model"
    else:
        terms, terms_from = question_terms(spec, text, n_terms), "question"
    basis = "embeddings" if vectors is not None else "tf-idf"
    return Why(group_id, nearest, terms, terms_from, basis)


def _nearest(
    db: Database,
    features: Features,
    vectors: GroupVectors | None,
    row: int,
    includes: list[int],
    k: int,
) -> tuple[Neighbour, ...]:
    import numpy as np

    rows = features.rows(includes)
    ids = np.asarray(includes, dtype=np.int64)[rows >= 0]
    rows = rows[rows >= 0]
    if not len(rows) or k <= 0:
        return ()
    if vectors is not None:
        sims = vectors.matrix[rows] @ vectors.matrix[row]
    else:
        sims = np.asarray((features.matrix[rows] @ features.matrix[row].T).toarray()).ravel()
    best = [i for i in np.argsort(-sims, kind="stable")[:k] if sims[i] > 0]
    titles = {g: t for g, t, _ in sdb.group_texts(db, [int(ids[i]) for i in best])}
    return tuple(
        Neighbour(int(ids[i]), titles.get(int(ids[i]), "") or "(no title)", float(sims[i]))
        for i in best
    )


def _analyzer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(stop_words="english", token_pattern=TOKENS).build_analyzer()


def question_terms(spec: Spec, text: str, n: int = 5) -> tuple[str, ...]:
    """Return the words of ``text`` the question and include terms share, most frequent first."""
    analyze = _analyzer()
    wanted = set(analyze(spec.text()))
    counts = Counter(t for t in analyze(text) if t in wanted)
    pattern = spec.wildcard_pattern()
    if pattern is not None:
        counts.update(m.group(0).lower() for m in pattern.finditer(text))
    return tuple(term for term, _ in counts.most_common(n))


@dataclass(eq=False)
class TermModel:
    """A readable linear model: TF-IDF unigram weights learnt from the labelled studies."""

    vectorizer: Any
    coef: np.ndarray
    names: np.ndarray

    def top_terms(self, text: str, n: int) -> tuple[str, ...]:
        """Return the terms of ``text`` that raise its relevance most."""
        import numpy as np

        x = self.vectorizer.transform([text]).tocsr()
        contribution = x.data * self.coef[x.indices]
        order = np.argsort(-contribution, kind="stable")[:n]
        return tuple(str(self.names[x.indices[i]]) for i in order if contribution[i] > 0)


#: The last term model per (review, stage, reviewer), with the labels it learnt.
_TERM_MODELS: dict[tuple[str, str, str], tuple[dict[int, int], TermModel | None]] = {}
#: Refit once this many labels changed (or this share of them): a refit per
#: decision would cost ~0.5 s at a few thousand decisions, for the same words.
REFIT_CHANGES, REFIT_SHARE = 10, 0.05


def _stale(old: dict[int, int], new: dict[int, int]) -> bool:
    if set(old.values()) != set(new.values()):
        return True
    changed = sum(1 for g, y in new.items() if old.get(g) != y) + len(old.keys() - new.keys())
    return changed >= max(REFIT_CHANGES, REFIT_SHARE * len(new)) or changed == len(new)


def _term_model(db: Database, who: Viewer, stage: Stage, view: LabelView) -> TermModel | None:
    key = (sdb.database_path(db), stage, who.name)
    have = _TERM_MODELS.get(key)
    if have is not None and not _stale(have[0], view.labels):
        return have[1]
    model = _fit_terms(db, view)
    while len(_TERM_MODELS) >= 4:
        _TERM_MODELS.pop(next(iter(_TERM_MODELS)))
    _TERM_MODELS[key] = (dict(view.labels), model)
    return model


def _fit_terms(db: Database, view: LabelView) -> TermModel | None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    items = sorted(view.labels.items())
    rng = random.Random(0)
    chosen = {}
    for label, cap in ((1, MAX_INCLUDES), (0, MAX_EXCLUDES)):
        groups = [g for g, y in items if y == label]
        for g in rng.sample(groups, cap) if len(groups) > cap else groups:
            chosen[g] = label
    texts, labels = [], []
    for gid, title, abstract in sdb.group_texts(db, list(chosen)):
        texts.append(f"{title} {abstract}")
        labels.append(chosen[gid])
    if len(set(labels)) < 2:
        return None
    vectorizer = TfidfVectorizer(
        stop_words="english", token_pattern=TOKENS, sublinear_tf=True, strip_accents="unicode"
    )
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError:  # no readable word at all
        vectorizer = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b")
        x = vectorizer.fit_transform([t or "empty" for t in texts])
    fitted = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear")
    fitted.fit(x, np.asarray(labels))
    return TermModel(vectorizer, fitted.coef_[0], vectorizer.get_feature_names_out())

"""Retrain and rerank: decisions in, a stored ranking with its model version out.

One retrain reads the reviewer's training labels (``labels``), scores every
study with ``scoring.score`` on the cached features, and stores
the open studies best first with ``screening.db.store_ranking`` under the
reviewer's name. The queue (``order = "ranked"``) walks the newest stored
ranking, so a screen never waits for a model: it shows the best open study
of the last ranking while the next one trains.

Cold start (no include, or no exclude, yet: ``scoring.score`` has one class
and returns zeros): studies are ranked by cosine similarity to the
protocol's question and include terms (and to the includes so far), on
TF-IDF and, when every record has a sentence vector, on embeddings too.

Budget (``bench/rank_bench.py``): < 1 s at 10k studies, < 5 s at 100k, once
the features are cached.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening import db as sdb
from screening.blind import Viewer
from screening.ranking.catalogue import DEFAULT_MODEL, TEXT_ONLY_MODEL, model_spec
from screening.ranking.features import Features, GroupVectors, load_features, load_vectors
from screening.ranking.labels import LabelView, label_view
from screening.ranking.query import Spec
from screening.ranking.scoring import score

if TYPE_CHECKING:
    import numpy as np

COLD_START = "cold-start"
#: Rankings kept per reviewer and stage: the newest and the one a queue may
#: have read just before it was replaced.
KEEP = 2


@dataclass(frozen=True, slots=True)
class Ranked:
    """A stored ranking: what trained it and its first groups.

    Attributes:
        model_version: ``<model>@<labels>#<UTC time>``, saved with each decision shown.
        stage: The stage ranked.
        reviewer: Whose decisions trained it (whose queue reads it).
        model: The model's name (``hedge``, ``hedge-text``...) or ``cold-start``.
        labelled: Decisions learnt from.
        included: Of which relevant (include or maybe).
        size: Studies ranked (open to the reviewer when it was trained).
        top: ``(group id, score)`` of the first ten.
        timings: Seconds per step (``features``, ``labels``, ``score``, ``store``).
    """

    model_version: str
    stage: Stage
    reviewer: str
    model: str
    labelled: int
    included: int
    size: int
    top: tuple[tuple[int, float], ...] = ()
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def short_version(model_version: str) -> str:
    """Return a model version without its time (``svm@57``), for display."""
    return model_version.split("#", 1)[0]


def retrain(
    db: Database,
    who: Viewer,
    stage: Stage,
    spec: Spec,
    *,
    cache_dir: Path | None = None,
    keep: int = KEEP,
) -> Ranked | None:
    """Retrain the reviewer's model on the decisions they may see and store its ranking.

    Args:
        db: The review database.
        who: The reviewer (their blind rules decide what is learnt from).
        stage: ``title_abstract`` or ``full_text``.
        spec: The protocol's question, include terms and embedding model.
        cache_dir: The review's ``cache/`` folder for the feature matrix.
        keep: Newest rankings of the reviewer and stage to keep.

    Returns:
        The stored ranking, or None when nothing was stored: the stage is
        closed to the reviewer, no study is open, or a cold start has no
        question, include term or include to go by.
    """
    clock = _Clock()
    features = load_features(db, spec, cache_dir)
    clock.lap("features")
    view = label_view(db, who, stage)
    if view is None:
        return None
    vectors = load_vectors(db, features, spec.embedding_model)
    rows, labels = _labelled(features, view)
    clock.lap("labels")
    chosen = model_spec(spec.model or DEFAULT_MODEL)
    if chosen.needs_embeddings and vectors is None:
        chosen = model_spec(TEXT_ONLY_MODEL)
    model = chosen.name
    scores: np.ndarray | None
    if len(set(labels.tolist())) == 2:
        dense = vectors.matrix if vectors is not None and chosen.needs_embeddings else None
        scores = score(features.matrix, rows, labels, model=chosen, embeddings=dense)
    else:
        model = COLD_START
        scores = cold_start(features, vectors, spec, rows[labels == 1])
    clock.lap("score")
    if scores is None:
        return None
    ranked = _order(features, view, scores)
    if not ranked:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    version = f"{model}@{len(labels)}#{stamp}"
    sdb.store_ranking(db, version, stage, ranked, reviewer=who.name, keep=keep)
    clock.lap("store")
    return Ranked(
        version,
        stage,
        who.name,
        model,
        len(labels),
        int(labels.sum()),
        len(ranked),
        tuple(ranked[:10]),
        clock.laps,
    )


def _labelled(features: Features, view: LabelView) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    groups = sorted(view.labels)
    rows = features.rows(groups)
    labels = np.asarray([view.labels[g] for g in groups], dtype=np.int64)
    known = rows >= 0
    return rows[known], labels[known]


def _order(features: Features, view: LabelView, scores: np.ndarray) -> list[tuple[int, float]]:
    """Return the open groups best first; ties broken by a fixed hash, not import order."""
    import numpy as np

    ids = features.group_ids
    mask = ~np.isin(ids, np.fromiter(view.closed, dtype=np.int64, count=len(view.closed)))
    if view.eligible is not None:
        eligible = np.fromiter(view.eligible, dtype=np.int64, count=len(view.eligible))
        mask &= np.isin(ids, eligible)
    ids, scores = ids[mask], np.asarray(scores, dtype=np.float64)[mask]
    tiebreak = (ids * 2654435761) % 4294967296
    order = np.lexsort((tiebreak, -scores))
    return [(int(g), float(s)) for g, s in zip(ids[order], scores[order], strict=True)]


def cold_start(
    features: Features, vectors: GroupVectors | None, spec: Spec, include_rows: np.ndarray
) -> np.ndarray | None:
    """Score studies by similarity to the question, include terms and includes so far.

    TF-IDF cosine catches the exact include terms; sentence vectors (when
    every study has one) catch the same meaning in other words. With both,
    their z-scores are added, as ``ranking`` does for its ensembles.

    Returns:
        One score per row, or None when there is nothing to compare with.
    """
    import numpy as np

    text = _similarity(features.matrix, features.query, include_rows)
    if vectors is None:
        return text
    query = _query_vector(spec)
    dense = _similarity(vectors.matrix, query, include_rows)
    if text is None or dense is None:
        return text if dense is None else dense
    return np.asarray(_z(text) + _z(dense))


def _similarity(matrix: Any, query: Any, include_rows: np.ndarray) -> np.ndarray | None:
    """Return each row's cosine to the query plus the includes' centroid (unit vectors).

    Sparse rows stay sparse: a dense TF-IDF row at 100k studies would have
    millions of columns.
    """
    import numpy as np
    import scipy.sparse as sp

    sparse = sp.issparse(matrix)
    parts: list[Any] = []
    if query is not None and (query.nnz if sp.issparse(query) else np.any(query)):
        parts.append(_unit(sp.csr_matrix(query) if sparse else np.asarray(query).ravel()))
    if len(include_rows):
        if sparse:
            centroid = sp.csr_matrix(np.ones((1, len(include_rows)))) @ matrix[include_rows]
        else:
            centroid = matrix[include_rows].sum(axis=0)
        parts.append(_unit(centroid))
    if not parts:
        return None
    target = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    if sparse:
        sims = np.asarray((matrix @ target.T).toarray()).ravel()
    else:
        sims = np.asarray(matrix @ target, dtype=np.float64).ravel()
    return sims if np.any(sims) else None


def _unit(row: Any) -> Any:
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.linalg import norm as sparse_norm

    norm = float(sparse_norm(row)) if sp.issparse(row) else float(np.linalg.norm(row))
    return row / norm if norm > 0 else row


def _z(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / (spread if spread > 0 else 1.0)


#: Encoded questions by (model, text): loading torch costs seconds, once.
_QUERIES: dict[tuple[str, str], Any] = {}


def _query_vector(spec: Spec) -> np.ndarray | None:
    """Return the question's sentence vector (None without a question or a model)."""
    from corpus.embeddings import Embedder, encode_query
    from corpus.errors import ModelError

    text = spec.text()
    if not text.strip():
        return None
    key = (spec.embedding_model, text)
    if key not in _QUERIES:
        try:
            _QUERIES[key] = encode_query(Embedder(spec.embedding_model), text)[0]
        except ModelError:
            _QUERIES[key] = None  # no model offline: TF-IDF alone ranks
    return _QUERIES[key]  # type: ignore[no-any-return]


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now

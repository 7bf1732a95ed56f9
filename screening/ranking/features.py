"""The studies' feature matrix and sentence vectors, built once per review and cached.

TF-IDF over 100k abstracts takes a minute or more on two cores, far over the
retrain budget (< 5 s at 100k), so the matrix is built once and kept: in
memory per review (the ranking worker lives as long as the screening
session) and under ``cache/ranking/`` for the next session. The cache key is
a fingerprint of which records are in which group, of the cold-start query
and of the source of ``text.tfidf_features``, so a merge, an import, a
new question or a retuned vectorizer rebuilds it.

The query is one more row of the same TF-IDF fit: ``text.tfidf_features``
does not expose its vectorizer, and a row of the fit is the query in the
same space at no cost.
"""

from __future__ import annotations

import hashlib
import inspect
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.embeddings import load_matrix
from screening import db as sdb
from screening.ranking.query import Spec
from screening.ranking.text import record_text, tfidf_features

if TYPE_CHECKING:
    import numpy as np

#: Bump when the cached representation changes.
FEATURES_VERSION = 1
CACHE_FOLDER = "ranking"


@dataclass(eq=False)
class Features:
    """TF-IDF rows of every study, and the cold-start query in the same space.

    Attributes:
        fingerprint: The cache key (see the module doc).
        group_ids: Group id of each row, ascending.
        matrix: Sparse CSR matrix, one L2-normalised row per group.
        query: 1-row CSR matrix: the protocol's question and include terms.
        records: How many records the groups hold.
    """

    fingerprint: str
    group_ids: np.ndarray
    matrix: Any
    query: Any
    records: int = 0

    def rows(self, group_ids: Any) -> np.ndarray:
        """Return the row of each group id (-1 for a group with no row)."""
        import numpy as np

        wanted = np.asarray(group_ids, dtype=np.int64)
        if not len(self.group_ids):
            return np.full(wanted.shape, -1, dtype=np.int64)
        pos = np.searchsorted(self.group_ids, wanted)
        pos = np.minimum(pos, len(self.group_ids) - 1)
        return np.where(self.group_ids[pos] == wanted, pos, -1)


@dataclass(eq=False)
class GroupVectors:
    """One L2-normalised sentence vector per study (the mean of its records')."""

    key: str
    matrix: np.ndarray


#: Per review (database path): the latest features and vectors built.
_FEATURES: dict[str, Features] = {}
_VECTORS: dict[str, GroupVectors] = {}


@cache
def _source_hash() -> str:
    """Hash the vectorizer this process runs (read once: the code in memory is what counts)."""
    try:
        source = inspect.getsource(tfidf_features)
    except (OSError, TypeError):
        source = "screening.ranking"
    return hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


def fingerprint(groups: str, spec: Spec) -> str:
    """Return the key the feature matrix is cached under.

    Args:
        groups: ``screening.db.groups_fingerprint`` (one scan of ``records``).
        spec: The query's makings.
    """
    raw = f"{FEATURES_VERSION}|{groups}|{spec.key}|{_source_hash()}"
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()


def load_features(db: Database, spec: Spec, cache_dir: Path | None = None) -> Features:
    """Return the review's features: from memory, from ``cache_dir``, or built anew.

    Args:
        db: The review database.
        spec: The protocol's question and include terms (the query row).
        cache_dir: The review's ``cache/`` folder; None keeps them in memory only.
    """
    key = sdb.database_path(db)
    groups = sdb.groups_fingerprint(db)
    fp = fingerprint(groups, spec)
    have = _FEATURES.get(key)
    if have is not None and have.fingerprint == fp:
        return have
    path = None if cache_dir is None else cache_dir / CACHE_FOLDER / f"tfidf-{fp}.npz"
    features = _read(path, fp) if path is not None else None
    if features is None:
        features = build_features(db, spec, fp)
        if path is not None:
            _write(path, features)
    features.records = int(groups.split(":")[0])
    _FEATURES[key] = features
    return features


def build_features(db: Database, spec: Spec, fp: str = "") -> Features:
    """Build the TF-IDF rows of every study plus the query row (the slow step)."""
    import numpy as np
    import scipy.sparse as sp

    ids: list[int] = []
    texts: list[str] = []
    for gid, title, abstract in sdb.group_texts(db):
        ids.append(gid)
        texts.append(record_text(title, abstract))
    if not texts:  # nothing imported yet: no vocabulary to fit
        empty = sp.csr_matrix((0, 1))
        return Features(fp, np.zeros(0, dtype=np.int64), empty, sp.csr_matrix((1, 1)))
    query = spec.text(spec.expand(texts))
    matrix = tfidf_features([*texts, query or "."]).tocsr()
    return Features(fp, np.asarray(ids, dtype=np.int64), matrix[:-1], matrix[-1:])


def _write(path: Path, f: Features) -> None:
    """Save the matrix (float32 halves the file) atomically; drop older caches."""
    import numpy as np
    import scipy.sparse as sp

    both = sp.vstack([f.matrix, f.query], format="csr")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            np.savez(
                handle,
                data=both.data.astype(np.float32),
                indices=both.indices,
                indptr=both.indptr,
                shape=np.asarray(both.shape, dtype=np.int64),
                group_ids=f.group_ids,
            )
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # the cache is an optimisation: no disk, no cache
        return
    for old in path.parent.glob("tfidf-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)


def _read(path: Path, fp: str) -> Features | None:
    import numpy as np
    import scipy.sparse as sp

    if not path.is_file():
        return None
    try:
        with np.load(path) as saved:
            shape = tuple(int(v) for v in saved["shape"])
            data = saved["data"].astype(np.float64)
            both = sp.csr_matrix((data, saved["indices"], saved["indptr"]), shape=shape)
            ids = np.asarray(saved["group_ids"], dtype=np.int64)
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache is rebuilt
    if both.shape[0] != len(ids) + 1:
        return None
    return Features(fp, ids, both[:-1], both[-1:])


def load_vectors(db: Database, features: Features, model: str) -> GroupVectors | None:
    """Return one sentence vector per study, or None unless every record has one.

    The vectors are the embedding cache the import filled (search uses the
    same); a study's vector is the normalised mean of its records'.
    """
    import numpy as np

    if not model:
        return None
    embedded = corpus_db.embedded_fingerprint(db, model)
    done = int(embedded.split(":")[0])
    if done == 0 or done < features.records:
        return None
    key = f"{model}|{embedded}|{features.fingerprint}"
    path = sdb.database_path(db)
    have = _VECTORS.get(path)
    if have is not None and have.key == key:
        return have
    record_ids, vectors = load_matrix(db, model)
    mapping = np.asarray(sdb.record_groups(db), dtype=np.int64).reshape(-1, 2)
    pos = np.searchsorted(mapping[:, 0], record_ids)
    rows = features.rows(mapping[pos, 1])
    keep = rows >= 0
    rows, vectors = rows[keep], vectors[keep]
    order = np.argsort(rows, kind="stable")
    rows, vectors = rows[order], vectors[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    out = np.zeros((len(features.group_ids), vectors.shape[1]), dtype=np.float32)
    if len(rows):
        out[rows[starts]] = np.add.reduceat(vectors, starts, axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    if np.any(norms == 0):
        return None  # a study without a vector: rank by text only
    result = GroupVectors(key, out / norms)
    _VECTORS[path] = result
    return result

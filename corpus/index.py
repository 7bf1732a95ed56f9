"""The FAISS index over record vectors, kept under ``cache/`` and rebuilt when stale.

Exact inner product (vectors are L2-normalised, so it is cosine similarity)
up to :data:`EXACT_LIMIT` records: at that size a flat scan still answers in
milliseconds and never misses a neighbour. Above it, HNSW. The index is only
a cache: deleting ``cache/`` loses nothing, the next search rebuilds it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.embeddings import load_matrix

if TYPE_CHECKING:
    import numpy as np

EXACT_LIMIT = 200_000
HNSW_M = 32


@dataclass
class VectorIndex:
    """A FAISS index whose ids are record ids."""

    model: str
    index: Any
    fingerprint: str

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(similarities, record ids)`` of the ``k`` nearest records per query."""
        import numpy as np

        if self.size == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        import faiss

        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if len(queries) >= 16:
            return self.index.search(queries, min(k, self.size))  # type: ignore[no-any-return]
        # One interactive query scans memory faster on one thread than with
        # OpenMP's start-up cost (9 ms vs 14 ms at 100k records here).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self.index.search(queries, min(k, self.size))  # type: ignore[no-any-return]
        finally:
            faiss.omp_set_num_threads(threads)

    def vectors_of(self, record_ids: list[int]) -> np.ndarray:
        """Return the stored vectors of some records (for "more like this")."""
        import numpy as np

        return np.vstack([self.index.reconstruct(int(r)) for r in record_ids])


def _paths(cache_dir: Path, model: str) -> tuple[Path, Path]:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model)[-80:]
    return cache_dir / f"faiss-{slug}.index", cache_dir / f"faiss-{slug}.json"


def build(ids: np.ndarray, vectors: np.ndarray) -> Any:
    """Build an index over ``vectors`` with ``ids`` as their labels."""
    import faiss

    dim = vectors.shape[1] if vectors.size else 384
    base = (
        faiss.IndexFlatIP(dim)
        if len(ids) <= EXACT_LIMIT
        else faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    )
    index = faiss.IndexIDMap2(base)
    if len(ids):
        index.add_with_ids(vectors, ids)
    return index


def open_index(db: Database, model: str, cache_dir: Path) -> VectorIndex:
    """Return the index for ``model``, loading it from ``cache_dir`` or rebuilding it.

    The saved index is used only if its fingerprint (which records have
    vectors) matches the database; otherwise it is rebuilt and saved.
    """
    import faiss

    fingerprint = corpus_db.embedded_fingerprint(db, model)
    index_path, meta_path = _paths(cache_dir, model)
    if index_path.exists() and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            if meta.get("fingerprint") == fingerprint and meta.get("model") == model:
                return VectorIndex(model, faiss.read_index(str(index_path)), fingerprint)
        except (OSError, ValueError, RuntimeError):
            pass  # a damaged cache is rebuilt below
    ids, vectors = load_matrix(db, model)
    index = build(ids, vectors)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_path.with_suffix(".tmp")
    faiss.write_index(index, str(tmp))
    tmp.replace(index_path)
    meta_path.write_text(json.dumps({"model": model, "fingerprint": fingerprint}), "utf-8")
    return VectorIndex(model, index, fingerprint)

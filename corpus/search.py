"""Keyword, semantic and hybrid search over a review's records.

Keyword search is SQLite FTS5 (phrases, AND/OR/NOT, ``prefix*``, bm25);
semantic search is the FAISS index; hybrid fuses both rankings by reciprocal
rank fusion (Cormack et al. 2009), which needs no score calibration between
bm25 and cosine similarity. Hits are studies: several records of one group
count once, at their best rank.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.embeddings import Embedder, encode_query
from corpus.errors import SearchError
from corpus.index import VectorIndex, open_index

Mode = Literal["hybrid", "semantic", "keyword"]
RRF_K = 60
#: Candidates taken from each ranking before fusion and filtering.
POOL = 100


@dataclass
class Hit:
    """One study found, with how each ranking placed it."""

    group_id: int
    record_id: int
    score: float
    keyword_rank: int | None = None
    semantic_rank: int | None = None
    similarity: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "record_id": self.record_id,
            "score": round(self.score, 6),
            "keyword_rank": self.keyword_rank,
            "semantic_rank": self.semantic_rank,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
            **{k: v for k, v in self.details.items() if k not in ("record_id", "group_id")},
        }


@dataclass
class Searcher:
    """Answers queries over one review; holds the model and index between queries."""

    db: Database
    cache_dir: Path
    embedder: Embedder
    _index: VectorIndex | None = None
    #: A thread with its own connection, so FTS5 runs beside query encoding.
    _worker: Any = None
    _worker_db: Any = None

    def index(self) -> VectorIndex:
        if self._index is None:
            self._index = open_index(self.db, self.embedder.name, self.cache_dir)
        return self._index

    def keyword(
        self, query: str, limit: int = POOL, years: tuple[int | None, int | None] = (None, None)
    ) -> list[int]:
        """Return record ids matching an FTS5 query, best first."""
        corpus_db.sync_fts(self.db)
        try:
            rows = corpus_db.fts_search(self.db, query, limit, years[0], years[1])
        except sqlite3.OperationalError as exc:
            raise SearchError(
                f'query {query!r}: {exc}; use words, "phrases", AND/OR/NOT, prefix*'
            ) from None
        return [rid for rid, _ in rows]

    def semantic(
        self,
        query: str | None = None,
        like: list[int] | None = None,
        limit: int = POOL,
    ) -> list[tuple[int, float]]:
        """Return ``(record id, cosine similarity)`` nearest to a text or to records."""
        index = self.index()
        if like:
            known = self._known_ids(index, like)
            missing = [r for r in like if r not in known]
            if missing:
                raise SearchError(f"record {missing[0]} has no embedding yet; run `review embed`")
            vectors = index.vectors_of(like).mean(axis=0, keepdims=True)
        else:
            vectors = encode_query(self.embedder, query or "")
        sims, ids = index.search(vectors, limit)
        return [(int(i), float(s)) for i, s in zip(ids[0], sims[0], strict=True) if i >= 0]

    def _file_backed(self) -> bool:
        return bool(corpus_db.database_path(self.db))

    def _both(
        self, query: str, pool: int, years: tuple[int | None, int | None]
    ) -> tuple[list[int], list[tuple[int, float]]]:
        if self._worker is None:
            from concurrent.futures import ThreadPoolExecutor

            path = corpus_db.database_path(self.db)
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fts")
            self._worker_db = self._worker.submit(corpus_db.connect, path).result()
        worker_db = self._worker_db

        def keyword_in_thread() -> list[int]:
            return Searcher(worker_db, self.cache_dir, self.embedder).keyword(query, pool, years)

        future = self._worker.submit(keyword_in_thread)
        semantic = self.semantic(query, None, _semantic_pool(pool, years))
        return future.result(), semantic

    def close(self) -> None:
        """Release the keyword worker thread and its connection."""
        if self._worker is not None:
            self._worker.submit(self._worker_db.close).result()
            self._worker.shutdown()
            self._worker = None

    def _known_ids(self, index: VectorIndex, ids: list[int]) -> set[int]:
        known = set()
        for rid in ids:
            try:
                index.index.reconstruct(int(rid))
                known.add(rid)
            except RuntimeError:
                pass
        return known

    def search(
        self,
        query: str | None,
        mode: Mode = "hybrid",
        k: int = 10,
        like: list[int] | None = None,
        years: tuple[int | None, int | None] = (None, None),
        groups: set[int] | None = None,
    ) -> list[Hit]:
        """Search and return the top ``k`` studies.

        Args:
            query: The query text (FTS5 syntax for keyword mode).
            mode: ``hybrid`` (default), ``semantic`` or ``keyword``.
            k: How many studies to return.
            like: Record ids for "more like this" (semantic; their groups are excluded).
            years: Inclusive year range; None for open ends.
            groups: Only these groups (e.g. a screening state), or None for all.
        """
        keyword_ids: list[int] = []
        semantic_hits: list[tuple[int, float]] = []
        pool = max(POOL, k * 5)
        wants_keyword = mode in ("keyword", "hybrid") and bool(query) and not like
        wants_semantic = mode in ("semantic", "hybrid") or bool(like)
        if wants_keyword:
            corpus_db.sync_fts(self.db)
        if wants_semantic:
            self.index()
        if wants_keyword and wants_semantic and self._file_backed():
            # Query encoding (torch) and FTS5 (SQLite) both release the GIL:
            # run them side by side on the two cores, each on its own connection.
            keyword_ids, semantic_hits = self._both(query or "", pool, years)
        else:
            if wants_keyword:
                keyword_ids = self.keyword(query or "", pool, years)
            if wants_semantic:
                semantic_hits = self.semantic(query, like, _semantic_pool(pool, years))
        candidates = set(keyword_ids) | {rid for rid, _ in semantic_hits}
        info = corpus_db.record_summaries(self.db, sorted(candidates))
        excluded = (
            {s["group_id"] for s in corpus_db.record_summaries(self.db, like).values()}
            if like
            else set()
        )

        def keep(rid: int) -> bool:
            row = info.get(rid)
            if row is None or row["group_id"] in excluded:
                return False
            if groups is not None and row["group_id"] not in groups:
                return False
            year = row["year"]
            if years[0] is not None and (year is None or year < years[0]):
                return False
            return not (years[1] is not None and (year is None or year > years[1]))

        hits: dict[int, Hit] = {}
        for rank, rid in enumerate(_filtered(keyword_ids, keep), start=1):
            _add(hits, info[rid], 1.0 / (RRF_K + rank), keyword_rank=rank)
        sims = dict(semantic_hits)
        for rank, rid in enumerate(_filtered([r for r, _ in semantic_hits], keep), start=1):
            _add(hits, info[rid], 1.0 / (RRF_K + rank), semantic_rank=rank, similarity=sims[rid])
        ranked = sorted(hits.values(), key=lambda h: (-h.score, h.group_id))
        return ranked[:k]


def _semantic_pool(pool: int, years: tuple[int | None, int | None]) -> int:
    """Neighbours to fetch: more when a year filter will drop some of them."""
    return pool * 3 if years != (None, None) else pool


def _filtered(ids: Iterable[int], keep: Any) -> list[int]:
    return [rid for rid in ids if keep(rid)]


def _add(hits: dict[int, Hit], row: dict[str, Any], score: float, **ranks: Any) -> None:
    """Fuse one ranking's vote into the group's hit (best rank per ranking counts once)."""
    gid = row["group_id"]
    hit = hits.get(gid)
    if hit is None:
        hit = hits[gid] = Hit(group_id=gid, record_id=row["record_id"], score=0.0, details=row)
    for name, value in ranks.items():
        if getattr(hit, name) is None:
            setattr(hit, name, value)
            if name.endswith("_rank"):
                hit.score += score

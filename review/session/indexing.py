"""Keeping the search indexes current after imports (shared by CLI and TUI)."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.embeddings import Embedder, embed_missing
from protocols import loader
from review.core.project import Project

Progress = Callable[[int, int], None]


def embedder_for(project: Project, model: str | None = None, batch_size: int = 32) -> Embedder:
    """Return the embedder the review is configured for (``--model`` wins)."""
    name = model or loader.load(project.protocol_path).embedding_model
    return Embedder(name=name, batch_size=batch_size)


def refresh(
    project: Project,
    db: Database,
    *,
    embed: bool = True,
    model: str | None = None,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Bring the search indexes (full-text index, embedding cache) up to date.

    With ``embed`` False nothing is indexed now: both indexes catch up on
    their own at the first search (``review import --no-embed`` for bulk
    imports, where the embeddings alone would take long).

    Returns:
        ``{"fts_added": n, "embedded": m}``.
    """
    if not embed:
        return {"fts_added": 0, "embedded": 0}
    added = corpus_db.sync_fts(db)
    embedded = embed_missing(db, embedder_for(project, model, batch_size), progress)
    return {"fts_added": added, "embedded": embedded}

"""Keeping the search indexes current after imports (shared by CLI and TUI)."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.embeddings import Embedder, embed_missing
from protocols import loader
from review.project import Project

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
    """Bring the full-text index and the embedding cache up to date.

    Returns:
        ``{"fts_added": n, "embedded": m}``.
    """
    added = corpus_db.sync_fts(db)
    embedded = 0
    if embed:
        embedded = embed_missing(db, embedder_for(project, model, batch_size), progress)
    return {"fts_added": added, "embedded": embedded}

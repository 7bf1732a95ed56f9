"""A review project on disk and how commands find it.

Like git finds a repository: ``--project DIR``, else ``REVIEW_PROJECT``, else
the nearest parent folder holding ``review.db``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from corpus import db as corpus_db
from protocols import loader
from review.core import db as review_db
from review.core.errors import ProjectError, UsageError
from review.core.reviewer import resolve_reviewer

DB_NAME = "review.db"
PROTOCOL_NAME = "protocol.toml"
ENV_VAR = "REVIEW_PROJECT"


@dataclass(frozen=True, slots=True)
class Project:
    """A review folder: ``review.db``, ``protocol.toml``, ``fulltext/``, ``cache/``."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def protocol_path(self) -> Path:
        return self.root / PROTOCOL_NAME

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    def open_db(self) -> Database:
        """Open the review database with every layer's migrations applied."""
        from review.core.migrations import apply_all

        db = corpus_db.connect(self.db_path, migrate=False)
        try:
            apply_all(db)
        except BaseException:
            db.close()
            raise
        return db

    @contextmanager
    def connect(self) -> Iterator[Database]:
        """Open the review database (as :meth:`open_db`) and close it on leaving the block."""
        db = self.open_db()
        try:
            yield db
        finally:
            db.close()


def find_project(
    explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None
) -> Project:
    """Locate the review a command works on.

    Raises:
        ProjectError: when no review is found, with what to do.
    """
    if explicit:
        root = Path(explicit)
        if not (root / DB_NAME).is_file():
            raise ProjectError(f"{root}: no {DB_NAME} here; run `review init {root}` first")
        return Project(root.resolve())
    env = os.environ.get(ENV_VAR)
    if env:
        root = Path(env)
        if not (root / DB_NAME).is_file():
            raise ProjectError(
                f"{ENV_VAR}={env}: no {DB_NAME} there; run `review init {env}` or unset it"
            )
        return Project(root.resolve())
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DB_NAME).is_file():
            return Project(folder)
    raise ProjectError(
        f"no review found in {here} or its parents; run `review init DIR` or pass --project DIR"
    )


def init_project(root: Path, template: str = "generic", title: str | None = None) -> Project:
    """Create a new review folder with its database and protocol.

    Raises:
        ProjectError: if a review already exists there.
        protocols.loader.ProtocolError: for an unknown template.
    """
    project = Project(root.resolve())
    if project.db_path.exists():
        raise ProjectError(f"{root}: a review already exists here ({DB_NAME})")
    text = loader.template_text(template)
    if title:
        escaped = title.replace("\\", "\\\\").replace('"', '\\"')
        text = text.replace('title = "Untitled systematic review"', f'title = "{escaped}"', 1)
    parsed = loader.parse(text, f"template {template}")
    try:
        author = resolve_reviewer(None, parsed.screening.default_reviewer)
    except UsageError:
        # A container with no login name can still create a review; decisions
        # later need a name (--reviewer or default_reviewer), creation does not.
        author = "unknown"
    root.mkdir(parents=True, exist_ok=True)
    (root / "fulltext").mkdir(exist_ok=True)
    if not project.protocol_path.exists():
        project.protocol_path.write_text(text, "utf-8")
    # review.db holds confidential screening data: readable by its owner only.
    # Created empty here with that mode (SQLite gives -wal and -shm the same).
    os.close(os.open(project.db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with project.connect() as db:
        # Version 1 is the protocol as created, so the first amendment has a
        # version to point back to.
        raw = project.protocol_path.read_bytes()
        review_db.log_protocol_version(
            db,
            raw.decode("utf-8", errors="replace"),
            loader.version_of(raw),
            reason=f"initial protocol (template {template})",
            reviewer=author,
        )
    return project

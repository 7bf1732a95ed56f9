"""The review a command or a screen works on: built in exactly one place.

A :class:`ReviewContext` bundles the project folder, its protocol, the open
database, the acting reviewer and that reviewer's :class:`~screening.blind.Viewer`
(what blind mode lets them see). The CLI, the TUI and the benchmark scripts
all go through :func:`open_context` (or :func:`resolve_reviewer` where no
database is open yet), so "who is acting" is answered the same way
everywhere: ``--reviewer``, else the protocol's ``default_reviewer``, else
``$REVIEW_REVIEWER``, else the login name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlite_utils import Database

from protocols import loader
from protocols.model import Protocol
from review.core.project import Project, find_project
from review.core.reviewer import REVIEWER_ENV, resolve_reviewer
from screening import blind
from screening.blind import Viewer


@dataclass(slots=True)
class ReviewContext:
    """One open review and who is acting on it.

    Attributes:
        project: The review folder.
        protocol: Its protocol as loaded when the context was built.
        db: The review database, every layer's migrations applied.
        reviewer: The acting reviewer's name.
    """

    project: Project
    protocol: Protocol
    db: Database
    reviewer: str
    _viewer: Viewer | None = field(default=None, repr=False)

    @property
    def viewer(self) -> Viewer:
        """The reviewer's rights (blind mode, lead), computed on first use."""
        if self._viewer is None:
            self._viewer = viewer_in(self.db, self.protocol, self.reviewer)
        return self._viewer

    def viewer_of(self, name: str | None) -> Viewer:
        """Return another reviewer's viewer (or the acting one's for None)."""
        if not name or name.strip() == self.reviewer:
            return self.viewer
        return viewer_in(self.db, self.protocol, name.strip())

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()


def viewer_in(db: Database, protocol: Protocol, name: str) -> Viewer:
    """Return the viewer of ``name`` under ``protocol``'s screening settings."""
    settings = protocol.screening
    return blind.viewer(db, name, blind=settings.blind, required=settings.reviewers_per_record)


def open_context(
    project: Project | str | os.PathLike[str] | None = None, reviewer: str | None = None
) -> ReviewContext:
    """Find the review, load its protocol, open its database, name the reviewer.

    Args:
        project: A :class:`Project`, a folder, or None to search as git does.
        reviewer: ``--reviewer`` if given.

    Raises:
        ProjectError: no review found.
        ProtocolError: protocol.toml is invalid.
        UsageError: no reviewer name can be found.
    """
    found = project if isinstance(project, Project) else find_project(project)
    protocol = loader.load(found.protocol_path)
    name = resolve_reviewer(reviewer, protocol.screening.default_reviewer)
    return ReviewContext(found, protocol, found.open_db(), name)


def viewer_for(project: Project, db: Database, name: str | None) -> Viewer:
    """Return the viewer whose rights (blind mode, lead) govern what a command shows."""
    protocol = loader.load(project.protocol_path)
    return viewer_in(db, protocol, resolve_reviewer(name, protocol.screening.default_reviewer))


__all__ = [
    "REVIEWER_ENV",
    "ReviewContext",
    "open_context",
    "resolve_reviewer",
    "viewer_for",
    "viewer_in",
]


"""The review a command works on, with its database open: built in exactly one place.

A :class:`ReviewContext` is a :class:`~review.core.review.Review` (project,
protocol, acting reviewer, form) plus its open database and that reviewer's
:class:`~screening.blind.Viewer` (what blind mode lets them see). The CLI and
the reports go through :func:`open_context`; the TUI jobs and the benchmark
scripts hold a :class:`Review` and open the database with
:meth:`Review.connect`. "Who is acting" is answered the same way everywhere
(:meth:`Review.open`): ``--reviewer``, else the protocol's
``default_reviewer``, else ``$REVIEW_REVIEWER``, else the login name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlite_utils import Database

from protocols.form import Form
from protocols.model import Protocol
from review.core.project import Project
from review.core.review import Review, viewer_in
from review.core.reviewer import REVIEWER_ENV, resolve_reviewer
from screening.blind import Viewer


@dataclass(slots=True)
class ReviewContext:
    """One open review and who is acting on it.

    Attributes:
        review: The review and its acting reviewer.
        db: The review database, every layer's migrations applied.
    """

    review: Review
    db: Database
    _viewer: Viewer | None = field(default=None, repr=False)

    @property
    def project(self) -> Project:
        """The review folder."""
        return self.review.project

    @property
    def protocol(self) -> Protocol:
        """Its protocol as loaded when the context was built."""
        return self.review.protocol

    @property
    def reviewer(self) -> str:
        """The acting reviewer's name."""
        return self.review.reviewer

    @property
    def form(self) -> Form:
        """The protocol's extraction form (built once)."""
        return self.review.form

    @property
    def viewer(self) -> Viewer:
        """The reviewer's rights (blind mode, lead), computed on first use."""
        if self._viewer is None:
            self._viewer = self.review.viewer(self.db)
        return self._viewer

    def viewer_of(self, name: str | None) -> Viewer:
        """Return another reviewer's viewer (or the acting one's for None)."""
        if not name or name.strip() == self.reviewer:
            return self.viewer
        return self.review.viewer_of(self.db, name.strip())

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()


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
    review = Review.open(project, reviewer)
    return ReviewContext(review, review.project.open_db())


def viewer_for(project: Project, db: Database, name: str | None) -> Viewer:
    """Return the viewer whose rights (blind mode, lead) govern what a command shows."""
    return Review.open(project, name).viewer(db)


__all__ = [
    "REVIEWER_ENV",
    "Review",
    "ReviewContext",
    "open_context",
    "resolve_reviewer",
    "viewer_for",
    "viewer_in",
]

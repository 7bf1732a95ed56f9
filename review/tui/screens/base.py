"""What every screen of the app shares (:class:`ReviewScreen`).

A screen reaches the review (its project, protocol, form and the reviewer at
the keyboard: one :class:`~review.core.review.Review`) through these
properties rather than through ``self.app`` casts, queues every write on the
app's one write queue (so writes from all screens are serialised and a quit
waits for them), and tells the reviewer what happened with the same few words
everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlite_utils import Database
from textual.screen import Screen

from review.session.writes import Job, WriteResult

if TYPE_CHECKING:
    from review.core.project import Project
    from review.core.review import Review
    from review.tui.app import ReviewApp
    from screening.blind import Viewer


class ReviewScreen(Screen[None]):
    """A screen of the review app: the review's data, the write queue, notifications.

    Subclasses set ``registry_name`` when the screen is in the screen table
    (:mod:`review.tui.registry`), so the app does not stack it on itself.
    """

    #: The screen's name in the screen table ("" for screens opened otherwise).
    registry_name: str = ""

    @property
    def review_app(self) -> ReviewApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def review(self) -> Review:
        """The review open in the app and who acts on it (protocol read once per app)."""
        return self.review_app.review

    @property
    def project(self) -> Project:
        """The review open in the app."""
        return self.review_app.project

    @property
    def reviewer(self) -> str:
        """Who takes the decisions made in this session."""
        return self.review_app.reviewer

    @property
    def db(self) -> Database:
        """The UI thread's connection, for small indexed reads only."""
        return self.review_app.db

    def viewer(self, db: Database | None = None) -> Viewer:
        """Return the reviewer as the blind rules see them (on ``db`` or the UI connection)."""
        return self.review.viewer(db if db is not None else self.db)

    # --- writes -------------------------------------------------------------------------

    def queue_write(self, job: Job) -> None:
        """Queue a write on the app's one write queue; :meth:`write_landed` gets its result."""
        self.review_app.queue_write(job, self)

    def write_landed(self, result: WriteResult) -> None:
        """React to one of this screen's writes (on the UI thread); by default warn if refused."""
        if not result.ok:
            self.warn(result.message, title="Not saved")

    def data_changed(self) -> None:
        """Another screen's write landed while this one is on top (the dashboard recounts)."""

    # --- telling the reviewer ---------------------------------------------------------

    def tell(self, message: str, timeout: float = 3) -> None:
        """Say briefly what happened."""
        self.notify(message, timeout=timeout)

    def warn(self, message: str, title: str = "Not done") -> None:
        """Say that something was refused or impossible, and why."""
        self.notify(message, title=title, severity="warning")

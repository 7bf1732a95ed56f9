"""The Textual app shell: the screen stack, the command palette, the one write queue.

Build the app with :func:`make_app`, which the CLI and the tests share, so a
test drives exactly what ``review tui`` runs. Screens are listed once, in
:mod:`review.tui.registry`; the palette, the dashboard and ``--start`` all
read that table, and the ``open`` action opens any of its screens.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from sqlite_utils import Database
from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.widgets import HelpPanel

from protocols.model import Stage
from review.core.project import Project
from review.core.review import Review
from review.session.dedup import DedupSession
from review.session.writes import Done, Job, WriteQueue
from review.tui import registry
from review.tui.screens.base import ReviewScreen
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.detail import RecordDetailScreen
from review.tui.screens.registry import build
from review.tui.workers.idle_gc import IdleCollector
from review.tui.workers.ranking import RankingWorker

#: Kept for callers of the old name: the screens ``make_app`` may start on.
START_SCREENS = registry.NAMES
#: The worker group of the write queue (a quit waits for it).
WRITES = "writes"

__all__ = ["HomeScreen", "ReviewApp", "make_app"]


class ReviewCommands(Provider):
    """Command palette entries: one per screen of the screen table."""

    async def discover(self) -> Hits:
        for entry in registry.SCREENS:
            yield DiscoveryHit(
                entry.title, partial(self.app.run_action, entry.action), help=entry.description
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in registry.SCREENS:
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(entry.title),
                    partial(self.app.run_action, entry.action),
                    help=entry.description,
                )


class ReviewApp(App[None]):
    """The review assistant's terminal UI.

    Args:
        review: The review to open, its protocol as read once per app, and
            who takes every decision made in this session.
        start: The screen table's name of the screen to open on.
        served: Whether a browser session of ``review serve`` runs this app: its
            user does not own the server's files or its Zotero key, so adding
            sources is for leads only, pickers stay in the review's ``inbox/``
            and Zotero goes only to the review's configured endpoint.
    """

    CSS_PATH = "app.tcss"
    TITLE = "Review"
    COMMANDS = App.COMMANDS | {ReviewCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    @dataclass
    class Wrote(Message):
        """A job of the write queue ran (posted by its worker, handled on the UI thread)."""

        done: Done[ReviewScreen]

    def __init__(
        self,
        review: Review,
        start: str = registry.HOME,
        served: bool = False,
    ) -> None:
        super().__init__()
        self.review = review
        self.served = served
        self.review_title = review.protocol.title
        self.start = registry.entry(start).name
        #: The duplicate queue's decisions of this app run (its undo undoes only these merges).
        self.dedup = DedupSession(review.project, review.reviewer)
        self.writes: WriteQueue[ReviewScreen] = WriteQueue()
        self._db: Database | None = None
        self._ranking: RankingWorker | None = None
        self.collector = IdleCollector()
        #: Stages whose "stopping is justified" notice this app run has shown (once each).
        self.stopping_told: set[Stage] = set()

    @property
    def project(self) -> Project:
        """The review folder open in the app."""
        return self.review.project

    @property
    def reviewer(self) -> str:
        """Who takes the decisions made in this session."""
        return self.review.reviewer

    @property
    def db(self) -> Database:
        """The UI thread's connection, for the small reads screens make."""
        if self._db is None:
            self._db = self.project.open_db()
        return self._db

    @property
    def ranking_worker(self) -> RankingWorker:
        """The reviewer's ranking worker process, started on first use."""
        if self._ranking is None:
            self._ranking = RankingWorker(self.project.root, self.reviewer)
        return self._ranking

    def on_mount(self) -> None:
        self.sub_title = self.review_title
        self.collector.start()
        self.set_interval(0.25, self.collector.tick)
        self.push_screen(build(registry.HOME))
        if self.start != registry.HOME:
            self.action_open(self.start)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.collector.key()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.collector.stop()
        if self._ranking is not None:
            self._ranking.close()  # a worker thread waiting on it ends, so exit does not wait
        if self._db is not None:
            self._db.close()

    # --- opening screens -------------------------------------------------------------

    def action_open(self, name: str) -> None:
        """Open a screen of the screen table (not stacked on itself).

        Args:
            name: Its name in :data:`review.tui.registry.SCREENS`.
        """
        entry = registry.entry(name)
        if name == registry.HOME:
            self.action_dashboard()
            return
        if isinstance(self.screen, ReviewScreen) and self.screen.registry_name == name:
            return
        if entry.via_dashboard:
            self.action_dashboard()
        self.push_screen(build(name))

    def open_detail(self, group_id: int) -> None:
        """Show one study in full (from search, conflicts or the screening screen)."""
        self.push_screen(RecordDetailScreen(group_id))

    def action_dashboard(self) -> None:
        """Go back to the dashboard, whatever is open above it."""
        while not isinstance(self.screen, HomeScreen) and len(self.screen_stack) > 2:
            self.pop_screen()

    def action_help(self) -> None:
        """Toggle the panel listing the keys that work on this screen."""
        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    async def action_quit(self) -> None:
        """Quit once every write already queued has landed: a quit loses nothing."""
        writers = [w for w in self.workers if w.group == WRITES]
        if writers:
            await self.workers.wait_for_complete(writers)
        self.exit()

    # --- the one write queue -----------------------------------------------------------

    def queue_write(self, job: Job, origin: ReviewScreen) -> None:
        """Queue a write for ``origin`` and start the worker that runs the oldest job."""
        self.writes.submit(job, origin)
        self._write_next()

    # Not exclusive: every worker runs one queued job, so none may be cancelled.
    @work(thread=True, group=WRITES)
    def _write_next(self) -> None:
        self.post_message(self.Wrote(self.writes.run_next()))

    def on_review_app_wrote(self, message: Wrote) -> None:
        """Hand a landed write to the screen that queued it; others may recount."""
        result, origin = message.done.result, message.done.origin
        if origin in self.screen_stack:
            origin.write_landed(result)
        elif not result.ok:  # its screen is closed: still say what was not saved
            self.notify(result.message, title="Not saved", severity="warning")
        top = self.screen
        if isinstance(top, ReviewScreen) and top is not origin:
            top.data_changed()


def make_app(
    project: Project,
    reviewer: str | None,
    start: str = registry.HOME,
    stage: Stage = Stage.TITLE_ABSTRACT,
    served: bool = False,
) -> ReviewApp:
    """Build the app for a review (shared by ``review tui`` and the tests).

    Args:
        project: The review to open.
        reviewer: Who takes the decisions made in this session; None for the
            protocol's ``default_reviewer``, else ``$REVIEW_REVIEWER``, else the login.
        start: A name of the screen table (:data:`review.tui.registry.NAMES`):
            ``home`` (dashboard), ``duplicates``, ``screening``, ...
        stage: The stage ``screening`` opens on (``title_abstract`` or ``full_text``);
            ``full_text`` makes it the ``full-text`` screen.
        served: Run as a ``review serve`` browser session (see :class:`ReviewApp`).

    Raises:
        ValueError: for an unknown start screen or stage.
        protocols.loader.ProtocolError: if ``protocol.toml`` cannot be read.
    """
    registry.entry(start)  # raises for an unknown name before the protocol is read
    try:
        stage = Stage(stage)
    except ValueError:
        choices = ", ".join(s.value for s in Stage)
        raise ValueError(f"unknown stage {stage!r}; choose one of {choices}") from None
    if start == "screening" and stage == Stage.FULL_TEXT:
        start = "full-text"
    return ReviewApp(Review.open(project, reviewer), start, served=served)

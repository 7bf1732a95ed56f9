"""The Textual app shell: dashboard, key bindings, command palette, writers.

Build the app with :func:`make_app`, which the CLI and the tests share, so a
test drives exactly what ``review tui`` runs.
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

from review.core.project import Project
from review.core.reviewer import resolve_reviewer
from review.session.data import Settings
from review.session.dedup import Action, DedupSession, Outcome
from review.session.screening import ScreeningSession, Written
from review.tui.screens.conflicts import ConflictsScreen
from review.tui.screens.dashboard import HomeScreen, dashboard_data
from review.tui.screens.dedup import DedupScreen
from review.tui.screens.detail import RecordDetailScreen, SearchScreen
from review.tui.screens.screening import ScreeningScreen
from review.tui.workers.idle_gc import IdleCollector
from review.tui.workers.ranking import RankingWorker
from screening.stages import STAGES, TITLE_ABSTRACT

START_SCREENS = ("home", "duplicates", "screening")

__all__ = ["HomeScreen", "ReviewApp", "dashboard_data", "make_app"]


class ReviewCommands(Provider):
    """Command palette entries for the app's screens."""

    def _commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Screen titles and abstracts", "screen('title_abstract')", "Start screening"),
            ("Screen full texts", "screen('full_text')", "Screen the attached reports"),
            ("Conflicts", "conflicts", "Settle studies the reviewers disagree on"),
            ("Search this review", "search", "Keyword search; Enter opens a study"),
            ("Review duplicates", "duplicates", "Decide the queued duplicate pairs"),
            ("Dashboard", "dashboard", "Records, screening, agreement at a glance"),
        ]

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action),
                    help=help_text,
                )


class ReviewApp(App[None]):
    """The review assistant's terminal UI.

    Args:
        project: The review to open.
        reviewer: Name recorded with every decision taken in this session.
        review_title: The protocol's title, shown under the screen titles.
        start: ``home`` (the dashboard) or ``duplicates`` (the review queue).
    """

    CSS_PATH = ["app.tcss", "screens/screening.tcss"]
    TITLE = "Review"
    COMMANDS = App.COMMANDS | {ReviewCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "duplicates", "Duplicates", id="app.duplicates"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    @dataclass
    class Applied(Message):
        """A queued decision was written (or refused, with why)."""

        outcome: Outcome

    @dataclass
    class Screened(Message):
        """A screening write landed (or was refused, with why)."""

        written: Written
        session: ScreeningSession

    def __init__(
        self,
        project: Project,
        reviewer: str,
        settings: Settings,
        start: str,
        stage: str = TITLE_ABSTRACT,
    ) -> None:
        super().__init__()
        self.project = project
        self.reviewer = reviewer
        self.settings = settings
        self.review_title = settings.protocol.title
        self.start = start
        self.stage = stage
        self.session = DedupSession(project, reviewer)
        self._db: Database | None = None
        self._ranking: RankingWorker | None = None
        self.collector = IdleCollector()

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
        self.push_screen(HomeScreen())
        if self.start == "duplicates":
            self.push_screen(DedupScreen())
        elif self.start == "screening":
            self.push_screen(ScreeningScreen(self.stage))

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show "Duplicates" on the dashboard only, leaving the footer room at 80 columns."""
        if action == "duplicates" and not isinstance(self.screen, HomeScreen):
            return False
        return True

    def action_duplicates(self) -> None:
        """Open the duplicate review queue (once: it is not stacked on itself)."""
        if not isinstance(self.screen, DedupScreen):
            self.push_screen(DedupScreen())

    def action_screen(self, stage: str = TITLE_ABSTRACT) -> None:
        """Open the screening screen for a stage (replacing one already open)."""
        if isinstance(self.screen, ScreeningScreen) and self.screen.stage == stage:
            return
        self.action_dashboard()
        self.push_screen(ScreeningScreen(stage))

    def action_conflicts(self) -> None:
        """Open the conflicts of the title/abstract stage (t switches stage)."""
        if not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen())

    def action_search(self) -> None:
        """Open the keyword search over this review."""
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

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
        """Quit once every decision already taken is written: a quit loses nothing."""
        writers = [w for w in self.workers if w.group == "writes"]
        if writers:
            await self.workers.wait_for_complete(writers)
        self.exit()

    def submit(self, action: Action) -> None:
        """Queue a decision and start the worker that writes it."""
        self.session.submit(action)
        self._write_next()

    # Not exclusive: each worker writes one queued action, so none may be cancelled.
    @work(thread=True, group="writes")
    def _write_next(self) -> None:
        self.post_message(self.Applied(self.session.apply_next()))

    def write_screening(self, session: ScreeningSession) -> None:
        """Start the worker that writes the screening action just queued."""
        self._write_screening(session)

    @work(thread=True, group="writes")
    def _write_screening(self, session: ScreeningSession) -> None:
        self.post_message(self.Screened(session.apply_next(), session))

    def on_review_app_screened(self, message: Screened) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ScreeningScreen) and screen.session is message.session:
                screen.written(message.written)

    def on_review_app_applied(self, message: Applied) -> None:
        outcome = message.outcome
        if outcome.ok:
            self.notify(outcome.message, timeout=3)
        else:
            self.notify(outcome.message, title="Not done", severity="warning")
        if isinstance(self.screen, DedupScreen):
            self.screen.applied(outcome)
        elif isinstance(self.screen, HomeScreen):
            self.screen.refresh_data()


def make_app(
    project: Project, reviewer: str | None, start: str = "home", stage: str = TITLE_ABSTRACT
) -> ReviewApp:
    """Build the app for a review (shared by ``review tui`` and the tests).

    Args:
        project: The review to open.
        reviewer: Who takes the decisions made in this session; None for the
            protocol's ``default_reviewer``, else ``$REVIEW_REVIEWER``, else the login.
        start: ``home`` (dashboard), ``duplicates`` (review queue) or ``screening``.
        stage: The stage ``screening`` opens on (``title_abstract`` or ``full_text``).

    Raises:
        ValueError: for an unknown start screen.
        protocols.loader.ProtocolError: if ``protocol.toml`` cannot be read.
    """
    if start not in START_SCREENS:
        raise ValueError(f"unknown start screen {start!r}; choose one of {START_SCREENS}")
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; choose one of {STAGES}")
    settings = Settings.load(project)
    name = resolve_reviewer(reviewer, settings.protocol.screening.default_reviewer)
    return ReviewApp(project, name, settings, start, stage)

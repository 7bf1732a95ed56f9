"""The Textual app shell: dashboard, key bindings, command palette, writers.

Build the app with :func:`make_app`, which the CLI and the tests share, so a
test drives exactly what ``review tui`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from sqlite_utils import Database
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, HelpPanel, Static

from corpus import db as corpus_db
from protocols import loader
from review.project import Project
from review.status import collect
from review.tui.dedup_screen import DedupScreen
from review.tui.dedup_session import Action, DedupSession, Outcome

START_SCREENS = ("home", "duplicates")


def dashboard_data(project: Project) -> dict[str, Any]:
    """Gather what the dashboard shows (runs in a worker with its own connection)."""
    data = collect(project)
    db = project.open_db()
    try:
        merges = corpus_db.merges(db)
        data["merges"] = sum(1 for m in merges if m["undone_at"] is None)
        data["merges_undone"] = len(merges) - data["merges"]
        data["queued"] = len(corpus_db.pairs(db, "queued"))
        data["skipped"] = len(corpus_db.pairs(db, "skipped"))
    finally:
        db.close()
    return data


def _lines(rows: list[tuple[str, object]], width: int = 24) -> str:
    return "\n".join(f"{name[:width]:<{width}} {value!s:>7}" for name, value in rows)


class HomeScreen(Screen[None]):
    """The dashboard: what was imported, what deduplication did, what waits."""

    TITLE = "Dashboard"

    @dataclass
    class Loaded(Message):
        """Fresh dashboard numbers, read off the UI thread."""

        data: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            yield Static(id="review-title")
            with Horizontal(id="panels"):
                yield Static(id="identified", classes="panel")
                yield Static(id="dedup", classes="panel")
            yield Static(id="next-step")
            yield Button("Review duplicates (d)", id="open-duplicates", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#identified").border_title = "Records identified"
        self.query_one("#dedup").border_title = "Deduplication"

    def on_screen_resume(self) -> None:
        self.refresh_data()

    @work(thread=True, exclusive=True)
    def refresh_data(self) -> None:
        """Reload the numbers (a count over every record: not on the UI thread)."""
        app: ReviewApp = self.app  # type: ignore[assignment]
        self.post_message(self.Loaded(dashboard_data(app.project)))

    def on_home_screen_loaded(self, message: Loaded) -> None:
        self.data = data = message.data
        self.query_one("#review-title", Static).update(data["title"])
        by_db = list(data["identified_by_database"].items())
        self.query_one("#identified", Static).update(
            _lines([*by_db, ("Total", data["records"])]) if by_db else "No records imported yet."
        )
        waiting = data["queued"] + data["skipped"]
        self.query_one("#dedup", Static).update(
            _lines(
                [
                    ("Studies (groups)", data["groups"]),
                    ("Merges so far", data["merges"]),
                    ("Pairs waiting in queue", waiting),
                    ("Records lacking title", data["missing_title"]),
                    ("Records lacking abstract", data["missing_abstract"]),
                ]
            )
        )
        if not data["records"]:
            hint = "Next: review import FILE... (RIS, BibTeX, MEDLINE, CSV, ...)"
        elif waiting:
            pairs = "1 pair waits" if waiting == 1 else f"{waiting} pairs wait"
            hint = f"{pairs} for a decision: press d to review."
        else:
            hint = "No pairs wait. Find candidates with: review dedup (or review dedup --auto)"
        self.query_one("#next-step", Static).update(hint)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "open-duplicates":
            await self.app.run_action("duplicates")


class ReviewCommands(Provider):
    """Command palette entries for the app's screens."""

    def _commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Review duplicates", "duplicates", "Decide the queued duplicate pairs"),
            ("Dashboard", "dashboard", "Records, studies, merges and the queue at a glance"),
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

    CSS_PATH = "app.tcss"
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

    def __init__(self, project: Project, reviewer: str, review_title: str, start: str) -> None:
        super().__init__()
        self.project = project
        self.reviewer = reviewer
        self.review_title = review_title
        self.start = start
        self.session = DedupSession(project, reviewer)
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        """The UI thread's connection, for the small reads screens make."""
        if self._db is None:
            self._db = self.project.open_db()
        return self._db

    def on_mount(self) -> None:
        self.sub_title = self.review_title
        self.push_screen(HomeScreen())
        if self.start == "duplicates":
            self.push_screen(DedupScreen())

    def on_unmount(self) -> None:
        if self._db is not None:
            self._db.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide "Duplicates" on the queue itself, leaving the footer room at 80 columns."""
        if action == "duplicates" and isinstance(self.screen, DedupScreen):
            return False
        return True

    def action_duplicates(self) -> None:
        """Open the duplicate review queue (once: it is not stacked on itself)."""
        if not isinstance(self.screen, DedupScreen):
            self.push_screen(DedupScreen())

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


def make_app(project: Project, reviewer: str, start: str = "home") -> ReviewApp:
    """Build the app for a review (shared by ``review tui`` and the tests).

    Args:
        project: The review to open.
        reviewer: Who takes the decisions made in this session.
        start: ``home`` for the dashboard, ``duplicates`` for the review queue.

    Raises:
        ValueError: for an unknown start screen.
        protocols.loader.ProtocolError: if ``protocol.toml`` cannot be read.
    """
    if start not in START_SCREENS:
        raise ValueError(f"unknown start screen {start!r}; choose one of {START_SCREENS}")
    title = loader.load(project.protocol_path).title
    return ReviewApp(project, reviewer, title, start)

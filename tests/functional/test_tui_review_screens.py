"""One screen table, one write queue, one-key exclusions: the review screens' contracts."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Button, Static

from review.cli.commands.tui import tui
from review.core.project import Project
from review.core.review import Review
from review.session import conflicts as session_conflicts
from review.session.writes import WriteQueue
from review.tui import make_app, registry
from review.tui.app import ReviewCommands
from review.tui.screens.base import ReviewScreen
from review.tui.screens.conflicts import ConflictsScreen
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.registry import BUILDERS
from review.tui.screens.screening import ScreeningScreen
from review.tui.widgets.modals import ReasonPicker
from screening import blind, decide
from tests.tui_support import current, drive, make_project, settle

REVIEW = Path(__file__).resolve().parents[2] / "review"
REASONS = ("No online element", "Adults only", "No empirical data")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Five studies, two reviewers per record, blind, three title/abstract reasons."""
    return make_project(tmp_path)


def history(project: Project) -> list[tuple[str, str | None]]:
    """Return every event of the review (label, reason), oldest first, as a lead sees them."""
    db = project.open_db()
    try:
        lead = blind.viewer(db, "lead", blind=False)
        return [(e.label, e.reason) for e in blind.events(db, lead, history=True)]
    finally:
        db.close()


# --- excluding at title/abstract takes one key ---------------------------------------


def test_e_excludes_at_once_without_a_reason(project: Project) -> None:
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        first = screen.card.group_id
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen  # no picker
        assert screen.card is not None and screen.card.group_id != first  # the next one
        await settle(pilot)

    drive(app, script)
    assert [(e.label, e.reason) for e in current(project)] == [("exclude", None)]


def test_digit_excludes_with_that_reason_and_r_changes_it(project: Project) -> None:
    app = make_app(project, "ana", start="screening")
    excluded: list[int] = []

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        excluded.append(screen.card.group_id)
        await pilot.press("2")
        await settle(pilot)
        assert app.screen is screen and screen.card is not None
        assert screen.card.group_id != excluded[0]
        assert [(e.label, e.reason) for e in current(project)] == [("exclude", REASONS[1])]
        await pilot.press("r")  # the study just excluded, no longer on screen
        await pilot.pause()
        assert isinstance(app.screen, ReasonPicker)
        assert str(excluded[0]) in app.screen.title_text
        await pilot.press("3")
        await settle(pilot)
        assert app.screen is screen

    drive(app, script)
    rows = current(project)
    assert [(e.group_id, e.label, e.reason) for e in rows] == [(excluded[0], "exclude", REASONS[2])]
    assert history(project) == [("exclude", REASONS[1]), ("exclude", REASONS[2])]


def test_e_then_r_gives_the_reason_afterwards(project: Project) -> None:
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("e", "r")
        await pilot.pause()
        assert isinstance(app.screen, ReasonPicker)
        await pilot.press("1")
        await settle(pilot)

    drive(app, script)
    assert [(e.label, e.reason) for e in current(project)] == [("exclude", REASONS[0])]


def test_a_digit_without_a_reason_is_refused(project: Project) -> None:
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        first = screen.card.group_id
        await pilot.press("7")  # three reasons in this protocol
        await settle(pilot)
        assert screen.card is not None and screen.card.group_id == first
        assert any("no reason 7" in n.message for n in app._notifications)

    drive(app, script)
    assert current(project) == []


def full_text_project(tmp_path: Path) -> tuple[Project, list[int]]:
    """One reviewer, open: two studies included at title/abstract, so full text has two."""
    project = make_project(tmp_path, blind_mode=False, required=1)
    db = project.open_db()
    who = blind.viewer(db, "ana", blind=False, required=1)
    groups = [g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id LIMIT 2")]
    for g in groups:
        decide.decide(db, who, g, "title_abstract", "include")
    db.close()
    return project, groups


def test_full_text_e_asks_for_the_reason_and_digits_do_nothing(tmp_path: Path) -> None:
    project, _ = full_text_project(tmp_path)
    app = make_app(project, "ana", start="screening", stage="full_text")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        first = screen.card.group_id
        await pilot.press("1")  # no one-key exclusion at full text
        await settle(pilot)
        assert app.screen is screen and screen.card.group_id == first
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ReasonPicker)
        assert "0  no reason" not in [str(o.prompt) for o in app.screen.query("Option")]
        await pilot.press("0")  # a full-text exclusion needs its reason
        await pilot.pause()
        assert isinstance(app.screen, ReasonPicker)
        await pilot.press("2")
        await settle(pilot)
        assert app.screen is screen

    drive(app, script)
    rows = current(project, stage="full_text")
    assert [(e.label, e.reason) for e in rows] == [("exclude", "No full text")]


# --- the unblind message --------------------------------------------------------------


def test_closed_full_text_names_the_real_unblind_command(project: Project) -> None:
    app = make_app(project, "ana", start="screening", stage="full_text")
    shown: list[str] = []

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is None
        shown.append(str(screen.query_one("#card", Static).content))

    drive(app, script)
    assert "review unblind --stage title-abstract" in shown[0]
    assert "review screening unblind" not in shown[0]


def test_no_text_names_a_review_screening_unblind_command() -> None:
    """The command is ``review unblind``: no message may send a reviewer elsewhere."""
    stale = [
        str(path.relative_to(REVIEW.parent))
        for path in REVIEW.rglob("*.py")
        if "review screening unblind" in path.read_text("utf-8")
    ]
    assert stale == []


# --- one screen table -----------------------------------------------------------------


def test_every_screen_of_the_table_has_a_builder_and_opens() -> None:
    assert set(BUILDERS) == set(registry.NAMES)
    assert len(set(registry.NAMES)) == len(registry.NAMES)
    for entry in registry.SCREENS:
        assert entry.title and entry.description
        assert isinstance(BUILDERS[entry.name](), ReviewScreen)


def test_cli_start_choices_are_the_table_names() -> None:
    choices = next(p for p in tui.params if p.name == "start").type.choices  # type: ignore[attr-defined]
    assert tuple(choices) == registry.NAMES
    result = CliRunner().invoke(tui, ["--start", "nowhere"])
    assert result.exit_code != 0 and "conflicts" in result.output


def test_the_tui_command_module_loads_without_textual() -> None:
    code = (
        "import sys\n"
        "import review.cli.commands.tui\n"
        "import review.tui.registry\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_palette_dashboard_keys_and_buttons_come_from_the_table(project: Project) -> None:
    app = make_app(project, "ana")
    found: dict[str, Any] = {}

    async def script(pilot: Pilot[Any]) -> None:
        home = app.screen
        assert isinstance(home, HomeScreen)
        found["buttons"] = [b.id for b in home.query(Button)]
        found["keys"] = {b.key: b.action for b in HomeScreen.BINDINGS if isinstance(b, Binding)}
        provider = ReviewCommands(home)
        found["palette"] = [hit.text async for hit in provider.discover()]

    drive(app, script)
    assert found["buttons"] == [f"open-{e.name}" for e in registry.SCREENS if e.button]
    for entry in registry.SCREENS:
        if entry.key:
            assert found["keys"][entry.key] == f"app.{entry.action}"
    assert found["palette"] == [e.title for e in registry.SCREENS]


@pytest.mark.parametrize("name", ["conflicts", "search", "full-text", "duplicates"])
def test_start_opens_the_named_screen(project: Project, name: str) -> None:
    app = make_app(project, "ana", start=name)

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.registry_name == name
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

    drive(app, script)


def test_unknown_start_screen_is_refused(project: Project) -> None:
    with pytest.raises(ValueError, match="unknown screen"):
        make_app(project, "ana", start="nowhere")


# --- one write queue ------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    ok: bool
    message: str


def test_write_queue_runs_jobs_in_submit_order_one_at_a_time() -> None:
    queue: WriteQueue[str] = WriteQueue()
    ran: list[int] = []
    busy = threading.Lock()

    def job(n: int) -> Note:
        assert busy.acquire(blocking=False), "two jobs ran at once"
        time.sleep(0.01)
        ran.append(n)
        busy.release()
        return Note(True, str(n))

    for n in range(8):
        queue.submit(lambda n=n: job(n), "dedup" if n % 2 else "screening")
    threads = [threading.Thread(target=queue.run_next) for _ in range(8)]
    for t in reversed(threads):  # threads starting in any order still write in key order
        t.start()
    for t in threads:
        t.join()
    assert ran == list(range(8)) and queue.pending == 0


def test_quit_waits_for_a_conflict_resolution(project: Project) -> None:
    db = project.open_db()
    decide.add_reviewer(db, "lead", "lead")
    for name, label in (("ana", "include"), ("ben", "exclude")):
        decide.decide(
            db, blind.viewer(db, name, blind=True, required=2), 1, "title_abstract", label
        )
    db.close()
    app = make_app(project, "lead", start="conflicts")

    async def script(pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, ConflictsScreen)
        await pilot.press("i", "q")  # the resolution is queued; the quit waits for it
        await pilot.pause()
        assert not app.is_running

    drive(app, script)
    assert _resolved(project)


def _resolved(project: Project) -> bool:
    from screening.stages import outcome

    db = project.open_db()
    try:
        found = outcome(db, blind.viewer(db, "lead", blind=True, required=2), 1, "title_abstract")
        return found is not None and found.outcome == "resolved_include"
    finally:
        db.close()


def test_conflicts_load_in_a_constant_number_of_queries(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Titles of every conflict come from one query, not one per conflict."""
    db = project.open_db()
    decide.add_reviewer(db, "lead", "lead")
    groups = [g for (g,) in db.execute("SELECT group_id FROM records ORDER BY id")]
    for g in groups:
        for name, label in (("ana", "include"), ("ben", "exclude")):
            who = blind.viewer(db, name, blind=True, required=2)
            decide.decide(db, who, g, "title_abstract", label)
    db.close()
    statements: list[str] = []
    opened = Project.open_db

    def traced(self: Project) -> Database:
        found = opened(self)
        found.conn.set_trace_callback(statements.append)
        return found

    monkeypatch.setattr(Project, "open_db", traced)
    listing = session_conflicts.load(Review.open(project, "lead"), "title_abstract")
    assert listing.rows is not None and [r.group_id for r in listing.rows] == groups
    assert all(r.title and r.labels == {"ana": "include", "ben": "exclude"} for r in listing.rows)
    reads = [s for s in statements if "FROM records" in s]
    assert not [s for s in reads if re.search(r"\bgroup_id = \d", s)], "a query per conflict"
    assert len(reads) < len(groups), reads

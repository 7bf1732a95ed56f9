"""Wellbeing practices (breaks, masked terms) and the mouse, on a real review."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from corpus.importer import import_file
from review.core.project import Project, init_project
from review.tui import make_app
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.screening import ScreeningScreen
from review.tui.widgets import wellbeing
from review.tui.widgets.modals import Notice, ReasonPicker
from tests.tui_support import PROTOCOL, SIZE, current, drive, ris, settle

MASK = "█"


def wellbeing_project(tmp_path: Path, wellbeing: str, ris_text: str | None = None) -> Project:
    """Five studies, one reviewer per record, open, with a ``[wellbeing]`` section."""
    proj = init_project(tmp_path / "rev", title="Grooming review")
    text = PROTOCOL.format(required=1, blind="false") + "\n[wellbeing]\n" + wellbeing
    proj.protocol_path.write_text(text, "utf-8")
    (tmp_path / "search.ris").write_text(ris_text or ris(5), "utf-8")
    db = proj.open_db()
    import_file(db, tmp_path / "search.ris", database="PubMed")
    db.close()
    return proj


def notice_text(app: Any) -> str:
    return str(app.screen.query_one("#notice-text", Static).content)


def card_text(screen: ScreeningScreen) -> str:
    return str(screen.query_one("#card", Static).content)


def footer_key(app: Any, key: str) -> FooterKey:
    """Return the footer key of the screen on top bound to ``key``."""
    return next(k for k in app.screen.query(FooterKey) if k.key == key)


# --- breaks ---------------------------------------------------------------------------


def test_break_after_records_then_screening_goes_on(tmp_path: Path) -> None:
    project = wellbeing_project(tmp_path, "break_every_records = 2\n")
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        await pilot.press("i")
        await settle(pilot)
        assert app.screen is screen  # no break after one record
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, Notice)
        assert app.screen.title_text == "Take a break"
        assert "You have screened 2 records." in notice_text(app)
        assert "already saved" in notice_text(app)
        await pilot.press("i")  # keys do not reach the screen under the reminder
        await settle(pilot)
        assert len(current(project)) == 2
        before = screen.last_break
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.card is not None
        assert screen.last_break >= before  # the break timer starts again
        await pilot.press("i")  # the third: no reminder
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("1")  # the fourth: the reminder again
        await settle(pilot)
        assert isinstance(app.screen, Notice)
        assert "You have screened 4 records." in notice_text(app)
        await pilot.click("#go-on")  # the button closes it too
        await settle(pilot)
        assert app.screen is screen

    drive(app, script)
    labels = sorted((e.label, e.reason) for e in current(project))
    assert labels == [
        ("exclude", "No online element"),
        ("include", None),
        ("include", None),
        ("maybe", None),
    ]


def test_break_after_minutes(tmp_path: Path) -> None:
    project = wellbeing_project(tmp_path, "break_every_minutes = 1\n")
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        wellbeing.check_break_time(screen)  # what the timer calls: too early, nothing
        await pilot.pause()
        assert app.screen is screen
        screen.last_break = time.monotonic() - 61
        wellbeing.check_break_time(screen)
        await pilot.pause()
        assert isinstance(app.screen, Notice)
        assert "You have been screening for 1 minute" in notice_text(app)
        wellbeing.check_break_time(screen)  # one reminder at a time
        await pilot.pause()
        assert sum(isinstance(s, Notice) for s in app.screen_stack) == 1
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert time.monotonic() - screen.last_break < 60  # counted from the break
        wellbeing.check_break_time(screen)
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("i")
        await settle(pilot)

    drive(app, script)
    assert [e.label for e in current(project)] == ["include"]


# --- the mouse ------------------------------------------------------------------------


def test_clicks_on_footer_keys_and_reason_record_decisions(tmp_path: Path) -> None:
    project = wellbeing_project(tmp_path, "")
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        assert tuple(app.size) == SIZE  # every footer key used here fits in 80 columns
        first = screen.card.group_id
        assert await pilot.click(footer_key(app, "i"))
        await settle(pilot)
        assert screen.card is not None and screen.card.group_id != first
        second = screen.card.group_id
        assert await pilot.click(footer_key(app, "e"))  # excluded at once, no reason yet
        await settle(pilot)
        assert app.screen is screen
        assert screen.card is not None and screen.card.group_id != second
        assert await pilot.click(footer_key(app, "r"))  # the reason, afterwards
        await pilot.pause()
        assert isinstance(app.screen, ReasonPicker)
        await pilot.click("#reasons", offset=(2, 2))  # the second reason, by the mouse
        await settle(pilot)
        assert app.screen is screen
        assert await pilot.click(footer_key(app, "m"))
        await settle(pilot)

    drive(app, script)
    labels = sorted((e.label, e.reason) for e in current(project))
    assert labels == [("exclude", "Adults only"), ("include", None), ("maybe", None)]


def test_dashboard_screen_button_opens_screening(tmp_path: Path) -> None:
    project = wellbeing_project(tmp_path, "")
    app = make_app(project, "ana")

    async def script(pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, HomeScreen)
        assert await pilot.click("#open-screening")
        await settle(pilot)
        assert isinstance(app.screen, ScreeningScreen)
        assert app.screen.card is not None
        await pilot.click(footer_key(app, "i"))
        await settle(pilot)
        await pilot.click(footer_key(app, "escape"))  # Back, by the mouse
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

    drive(app, script)
    assert [e.label for e in current(project)] == ["include"]


# --- masked terms ---------------------------------------------------------------------


def abuse_ris(n: int) -> str:
    return "\n".join(
        f"TY  - JOUR\nID  - a{i}\nTI  - Abuse reported online ({i})\nAU  - Author, A{i}\n"
        f"PY  - 2020\nJO  - Child Abuse Negl\nKW  - abuse\nAB  - Children described abuse.\n"
        "ER  - \n"
        for i in range(n)
    )


def test_masked_terms_until_reveal(tmp_path: Path) -> None:
    project = wellbeing_project(tmp_path, 'mask_terms = ["abuse"]\n', abuse_ris(3))
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        hidden = card_text(screen)
        assert "abuse" not in hidden.lower()
        assert MASK * len("abuse") in hidden
        assert "reported online" in hidden  # only the term is masked
        assert any(k.key == "v" for k in app.screen.query(FooterKey))
        await pilot.press("v")
        await pilot.pause()
        shown = card_text(screen)
        assert "Abuse reported online" in shown and "described abuse" in shown
        assert MASK not in shown
        await pilot.press("v")  # masked again
        await pilot.pause()
        assert "abuse" not in card_text(screen).lower()
        await pilot.press("v", "i")  # the next study starts masked
        await settle(pilot)
        assert screen.card is not None and not screen.reveal
        assert "abuse" not in card_text(screen).lower()

    drive(app, script)
    assert [e.label for e in current(project)] == ["include"]


def test_masked_term_in_the_journal_only(tmp_path: Path) -> None:
    """A term only in the journal line is masked too, and v reveals it."""
    project = wellbeing_project(tmp_path, 'mask_terms = ["negl*"]\n')
    app = make_app(project, "ana", start="screening")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen) and screen.card is not None
        assert "Child Abuse ████" in card_text(screen)
        assert "negl" not in card_text(screen).lower()
        assert any(k.key == "v" for k in app.screen.query(FooterKey))
        await pilot.press("v")
        await pilot.pause()
        assert "Child Abuse Negl" in card_text(screen)

    drive(app, script)

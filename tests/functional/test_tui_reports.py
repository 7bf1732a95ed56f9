"""The reports in the TUI: the dashboard's live PRISMA flow and the gap map screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from review.core.context import open_context
from review.core.errors import ReviewError
from review.core.project import Project
from review.reports.prisma import collect
from review.session import dashboard
from review.tui import make_app
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.gapmap import GapMapScreen, axis_fields, shade
from review.tui.widgets.prisma_flow import FlowDiagram
from tests.extraction_support import included_review, invoke
from tests.gapmap_support import GROOMING, JUSTICE, LIVE, build_review
from tests.tui_extraction_support import SMALL, WIDE, drive, settle

# --- the dashboard's PRISMA flow ----------------------------------------------------------


def screened_review(folder: Path) -> Project:
    """Six studies: three included at full text, one excluded at title/abstract."""
    project, _ = included_review(folder, include=3)
    invoke(project, "decide", "source:s4", "exclude", "--stage", "title-abstract",
           "--reviewer", "lead")  # fmt: skip
    return Project(project)


def expected_counts(project: Project) -> dict[str, Any]:
    ctx = open_context(project, "lead")
    try:
        s = ctx.protocol.screening
        counts = collect(ctx.db, ctx.viewer, target=s.stopping_target,
                         confidence=s.stopping_confidence)  # fmt: skip
        counts.check()
        return counts.to_json()
    finally:
        ctx.close()


def flow_text(app: Any) -> tuple[str, int]:
    block = app.screen.query_one("#prisma", FlowDiagram)
    return str(block.content), block.content_size.width


def test_dashboard_draws_the_flow_with_the_reviews_counts(tmp_path: Path) -> None:
    project = screened_review(tmp_path)
    data = expected_counts(project)
    assert (data["records_screened"], data["records_excluded"], data["new_studies"]) == (4, 1, 3)
    app = make_app(project, "lead")

    async def script(pilot: Pilot[Any]) -> None:
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#prisma").border_title == "PRISMA 2020 flow"
        text, width = flow_text(app)
        flat = re.sub(r"[│\s]+", " ", text)
        for words in (
            f"Databases (n = {data['database_results']})",
            f"Records screened (n = {data['records_screened']})",
            f"Records excluded (n = {data['records_excluded']})",
            f"Reports assessed for eligibility (n = {data['dbr_assessed']})",
            f"Studies included in review (n = {data['new_studies']})",
        ):
            assert words in flat, words
        assert "──▶" in text  # side by side at 120 columns
        assert max(map(len, text.splitlines())) <= width
        # Narrower: the exclusions go under their stage, every line fits the block.
        await pilot.resize_terminal(60, 30)
        await settle(pilot)
        narrow, width = flow_text(app)
        assert narrow != text and "──▶" not in narrow
        assert max(map(len, narrow.splitlines())) <= width < 60
        # A new decision shows once the dashboard counts again.
        invoke(project.root, "decide", "source:s5", "exclude", "--stage", "title-abstract",
               "--reviewer", "lead")  # fmt: skip
        app.screen.refresh_data()  # type: ignore[attr-defined]
        await settle(pilot)
        assert "Records excluded (n = 2)" in re.sub(r"[│\s]+", " ", flow_text(app)[0])

    drive(app, script)


def test_counts_that_do_not_add_up_show_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = screened_review(tmp_path)

    class Broken:
        def check(self) -> None:
            raise ReviewError("PRISMA counts do not add up: screened 4 != 5")

    monkeypatch.setattr(dashboard, "collect_prisma", lambda *a, **k: Broken())
    app = make_app(project, "lead")

    async def script(pilot: Pilot[Any]) -> None:
        text, _ = flow_text(app)
        assert text == "PRISMA counts do not add up: screened 4 != 5"

    drive(app, script)


def test_flow_hidden_while_nothing_is_imported(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from review.cli.root import cli

    assert CliRunner().invoke(cli, ["init", str(tmp_path / "rev")]).exit_code == 0
    app = make_app(Project(tmp_path / "rev"), "lead")

    async def script(pilot: Pilot[Any]) -> None:
        assert not app.screen.query_one("#prisma").display

    drive(app, script)


# --- the gap map screen ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def csea(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The gap map report's CSEA review: four studies extracted, s1-s3 in grooming x justice."""
    folder, _ = build_review(tmp_path_factory.mktemp("tui-gapmap"))
    return Project(folder)


def table_of(app: Any) -> DataTable[Any]:
    screen = app.screen
    assert isinstance(screen, GapMapScreen)
    return screen.query_one("#gap-table", DataTable)


def studies(app: Any) -> str:
    return str(app.screen.query_one("#gap-studies", Static).content)


def axes_line(app: Any) -> str:
    return str(app.screen.query_one("#gap-axes", Static).content)


def test_g_opens_the_heat_table_and_enter_lists_a_cells_studies(csea: Project) -> None:
    app = make_app(csea, "lead")

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("g")
        await settle(pilot)
        table = table_of(app)
        assert "Rows: Harm type" in axes_line(app) and "4 studies on the map" in axes_line(app)
        cell = table.get_cell(GROOMING, JUSTICE)
        assert isinstance(cell, Text) and cell.plain == "3" and cell.style == shade(3, 3)
        assert table.get_cell(LIVE, "Industry").plain == "1"
        assert table.get_cell(LIVE, JUSTICE).plain == "·"  # a gap
        screen = app.screen
        assert isinstance(screen, GapMapScreen) and screen.found is not None
        rows, cols = screen.found.rows.values, screen.found.cols.values
        table.cursor_coordinate = Coordinate(rows.index(GROOMING), cols.index(JUSTICE) + 1)
        await pilot.press("enter")
        await settle(pilot)
        listed = studies(app)
        assert listed.startswith(f"{GROOMING} × {JUSTICE}: 3 studies")
        assert "Qualitative study (2)" in listed and "Cross-sectional survey (1)" in listed
        for n in (1, 2, 3):
            assert f"Author{n}, A. 201{n} — " in listed
        assert "Survey of grooming" in listed and "Author4" not in listed
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

    drive(app, script)


def test_r_c_s_cycle_the_fields(csea: Project) -> None:
    app = make_app(csea, "lead", start="gapmap")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, GapMapScreen)
        assert screen.axes == ("harm_type", "mnr_domain", "study_design")
        fields = axis_fields(screen.form)
        assert not any(f.startswith("mmat_") for f in fields)
        await pilot.press("r")
        await settle(pilot)
        after = fields[fields.index("harm_type") + 1]
        assert screen.axes[0] == after and screen.found is not None
        assert screen.found.rows.name == after
        await pilot.press("c", "s")
        await settle(pilot)
        rows, cols, segment = screen.axes
        assert len({rows, cols, segment}) == 3 and cols != "mnr_domain"
        assert screen.found is not None and screen.found.cols.name == cols

    drive(app, script)


def test_a_form_without_the_csea_fields_and_a_blind_review(tmp_path: Path) -> None:
    folder, _ = included_review(tmp_path, include=3)
    app = make_app(Project(folder), "lead", start="gapmap")

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, GapMapScreen)
        fields = axis_fields(screen.form)
        assert screen.axes[:2] == (fields[0], fields[1])
        assert table_of(app).display and "0 studies on the map" in axes_line(app)

    drive(app, script)
    path = folder / "protocol.toml"
    text = path.read_text("utf-8").replace("blind = false", "blind = true", 1)
    path.write_text(text.replace("reviewers_per_record = 1", "reviewers_per_record = 2", 1))
    app = make_app(Project(folder), "ana", start="gapmap")

    async def blind(pilot: Pilot[Any]) -> None:
        assert "the gap map opens when a lead unblinds" in axes_line(app)
        assert not table_of(app).display

    drive(app, blind)


# --- snapshots ----------------------------------------------------------------------------


async def scroll_to_flow(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    pilot.app.screen.query_one("#home").scroll_end(animate=False)
    await settle(pilot)


def test_snapshot_dashboard_flow_small(tmp_path: Path, snap_compare: Any) -> None:
    app = make_app(screened_review(tmp_path), "lead")
    assert snap_compare(app, terminal_size=SMALL, run_before=scroll_to_flow)


def test_snapshot_dashboard_flow_wide(tmp_path: Path, snap_compare: Any) -> None:
    app = make_app(screened_review(tmp_path), "lead")
    assert snap_compare(app, terminal_size=WIDE, run_before=scroll_to_flow)


async def open_cell(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, GapMapScreen) and screen.found is not None
    rows, cols = screen.found.rows.values, screen.found.cols.values
    table_of(pilot.app).cursor_coordinate = Coordinate(
        rows.index(GROOMING), cols.index(JUSTICE) + 1
    )
    await pilot.press("enter")
    await settle(pilot)


def test_snapshot_gapmap_small(csea: Project, snap_compare: Any) -> None:
    app = make_app(csea, "lead", start="gapmap")
    assert snap_compare(app, terminal_size=SMALL, run_before=open_cell)


def test_snapshot_gapmap_wide(csea: Project, snap_compare: Any) -> None:
    app = make_app(csea, "lead", start="gapmap")
    assert snap_compare(app, terminal_size=WIDE, run_before=open_cell)

"""The dashboard: imports, deduplication and screening progress at a glance.

Every number is read in a worker with its own connection (counts run over
every record) by :func:`review.session.dashboard.dashboard_data`; screening
figures come from ``screening.progress`` for the reviewer at the keyboard, so
in a blind review a reviewer sees only their own.
The stopping rule's lines (``review.tui.widgets.stopping_view``) show once a stage has
decisions the viewer may see whole; ``k`` draws its random sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Footer, Header, Static

from review.extraction.overview import Overview
from review.session.dashboard import DashboardData, dashboard_data
from review.session.data import STAGE_NAMES
from review.tui import registry
from review.tui.screens.base import ReviewScreen
from review.tui.widgets import stopping_view
from review.tui.widgets.prisma_flow import FlowDiagram
from screening.progress import StageProgress
from screening.stages import STAGES

BAR = 20


def _lines(rows: list[tuple[str, object]], width: int = 24) -> str:
    return "\n".join(f"{name[:width]:<{width}} {value!s:>7}" for name, value in rows)


def _bar(done: int, total: int) -> Content:
    filled = round(BAR * done / total) if total else 0
    pct = f" {100 * done / total:3.0f}%" if total else ""
    return Content.assemble(("█" * filled, "$success"), ("░" * (BAR - filled), "$text-muted"), pct)


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def stage_lines(name: str, p: StageProgress) -> Content:
    """Return one stage's block: bar, outcomes, reviewers, agreement, rate."""
    eligible, screened = p.eligible, p.screened
    parts: list[Content | str | tuple[str, str]] = [(f"{name:<15}", "bold")]
    if eligible is None or screened is None:
        parts.append("opens when the lead unblinds title/abstract\n")
    else:
        parts += [_bar(screened, eligible), f"  {screened:,}/{eligible:,} screened\n"]
    if p.included is not None:
        outcome = [f"included {p.included:,}", f"excluded {p.excluded or 0:,}"]
        outcome += [f"maybe {p.maybe or 0:,}", f"conflicts {p.conflicts or 0:,}"]
        if p.not_retrieved is not None:
            outcome.append(f"not retrieved {p.not_retrieved:,}")
        parts.append("  " + " · ".join(outcome) + "\n")
    elif eligible is not None:
        parts.append(("  outcomes hidden while screening is blind\n", "italic"))
    for who, labels in sorted(p.reviewers.items()):
        counts = ", ".join(f"{labels.get(k, 0)} {k}" for k in ("include", "exclude", "maybe"))
        parts.append(f"  {who}: {counts}\n")
    agreement = p.agreement
    two = agreement["two_categories"] if agreement else None
    if two and two["n"]:
        parts.append(
            f"  agreement {_num(two['percent'], 1)}% · kappa {_num(two['kappa'])} · "
            f"AC1 {_num(two['ac1'])} (n {two['n']})\n"
        )
    rate = p.rate
    if rate and rate.decisions:
        per_hour = f", {rate.per_hour:.0f}/h" if rate.per_hour else ""
        parts.append(f"  your last session: {rate.decisions} records{per_hour}\n")
    return Content.assemble(*parts)


def extraction_lines(found: Overview) -> str:
    """Return the extraction block: studies by status, conflicts, each extractor's counts."""
    statuses = found.statuses
    rows: list[tuple[str, object]] = [
        ("Studies to extract", statuses.get("to_extract", 0)),
        ("In progress", statuses.get("in_progress", 0)),
        ("To verify", statuses.get("to_verify", 0)),
        ("Complete", statuses.get("complete", 0)),
        ("Studies in conflict", statuses.get("conflicts", 0)),
        ("Field conflicts", len(found.conflicts)),
    ]
    people = [
        f"  {name}: {counts.in_progress} in progress, {counts.complete} complete"
        for name, counts in sorted(found.extractors.items())
    ]
    mode = f"{found.included} included studies, {found.mode} extraction. Press x to extract."
    return "\n".join([_lines(rows), *people, mode])


def _screen_bindings() -> list[BindingType]:
    """Return a key per screen of the screen table that has one (its ``key``)."""
    return [
        Binding(e.key, f"app.{e.action}", e.footer, show=bool(e.footer), id=e.binding_id)
        for e in registry.SCREENS
        if e.key is not None
    ]


class HomeScreen(ReviewScreen):
    """The dashboard: what was imported, what deduplication and screening did, what waits."""

    CSS_PATH = "dashboard.tcss"
    TITLE = "Dashboard"

    BINDINGS: ClassVar[list[BindingType]] = [
        *_screen_bindings(),
        Binding(stopping_view.KEY, "random_check", "Random check", show=False, id="home.sample"),
    ]

    @dataclass
    class Loaded(Message):
        """Fresh dashboard numbers, read off the UI thread."""

        data: DashboardData

    def __init__(self) -> None:
        super().__init__()
        self.data: DashboardData | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="home"):
            yield Static(id="review-title")
            yield Static(id="screening", classes="panel")
            yield Static(id="extraction", classes="panel")
            with Horizontal(id="panels"):
                yield Static(id="identified", classes="panel")
                yield Static(id="dedup", classes="panel")
            yield Static(id="next-step")
            with Horizontal(id="home-buttons"):
                for entry in registry.SCREENS:
                    if entry.button is not None:
                        key = f" ({entry.key_display})" if entry.key else ""
                        yield Button(f"{entry.button}{key}", id=f"open-{entry.name}", compact=True)
            yield FlowDiagram(id="prisma", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#identified").border_title = "Records identified"
        self.query_one("#dedup").border_title = "Deduplication"
        self.query_one("#screening").border_title = "Screening"
        self.query_one("#extraction").border_title = "Extraction"
        self.query_one("#extraction").display = False
        self.query_one("#prisma").border_title = "PRISMA 2020 flow"
        self.query_one("#prisma").display = False

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def data_changed(self) -> None:
        """A write of a closed screen landed: the numbers moved."""
        self.refresh_data()

    @work(thread=True, exclusive=True)
    def refresh_data(self) -> None:
        """Reload the numbers (a count over every record: not on the UI thread)."""
        self.post_message(self.Loaded(dashboard_data(self.review)))

    def on_home_screen_loaded(self, message: Loaded) -> None:
        self.data = data = message.data
        status = data.status
        self.query_one("#review-title", Static).update(status.title)
        by_db = list(status.identified_by_database.items())
        self.query_one("#identified", Static).update(
            _lines([*by_db, ("Total", status.records)]) if by_db else "No records imported yet."
        )
        waiting = data.queued + data.skipped
        self.query_one("#dedup", Static).update(
            _lines(
                [
                    ("Studies (groups)", status.groups),
                    ("Merges so far", data.merges),
                    ("Pairs waiting in queue", waiting),
                    ("Records lacking title", status.missing_title),
                    ("Records lacking abstract", status.missing_abstract),
                ]
            )
        )
        stages = status.screening.stages
        rounds = status.screening.rounds
        self.query_one("#screening").border_title = (
            f"Screening · round {status.screening.round} of {rounds} (new studies)"
            if rounds > 1
            else "Screening"
        )
        self.query_one("#prisma").border_title = (
            f"PRISMA 2020 flow · update round {status.screening.round}"
            if rounds > 1
            else "PRISMA 2020 flow"
        )
        self.query_one("#screening", Static).update(
            Content("\n").join(
                Content.assemble(
                    stage_lines(STAGE_NAMES[s], stages[s]),
                    stopping_view.stage_block(stages[s].stopping),
                )
                for s in STAGES
            )
        )
        found = data.extraction
        block = self.query_one("#extraction", Static)
        block.display = found is not None and found.open and found.included > 0
        if found is not None and block.display:
            block.update(extraction_lines(found))
        flow = self.query_one("#prisma", FlowDiagram)
        flow.display = bool(status.records)
        flow.show(data.prisma, data.prisma_error)
        if not status.records:
            hint = (
                "Next: press o to add files (RIS, BibTeX, MEDLINE, CSV, ...) or a Zotero"
                " library, or run review import FILE"
            )
        elif waiting:
            pairs = "1 pair waits" if waiting == 1 else f"{waiting} pairs wait"
            hint = f"{pairs} for a decision: press d to review. Press s to screen."
        else:
            hint = "Press s to screen titles and abstracts, f for full texts, c for conflicts."
        self.query_one("#next-step", Static).update(hint)

    def action_random_check(self) -> None:
        """Draw the random sample the stopping rule needs (after a confirmation)."""
        if self.data is not None:
            stopping_view.ask_to_draw(self.review_app, self.data.status, self.refresh_data)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        """Open the screen of the button's table entry (``open-<name>``)."""
        name = (event.button.id or "").removeprefix("open-")
        if name in registry.NAMES:
            await self.app.run_action(registry.entry(name).action)

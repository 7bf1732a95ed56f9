"""The screening screen: one study, the criteria, and a key per decision.

The next study is read on the UI thread (a few index look-ups) the moment a
key is pressed, while the decision itself is written by an app worker in key
order (:class:`~review.session.screening.ScreeningSession`), so the next
record shows well within 50 ms at 100k studies (``bench/screen_bench.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Static, TextArea
from textual.widgets.text_area import Selection

from review.session.data import (
    STAGE_NAMES,
    Card,
    Progress,
    load_card,
    stage_progress,
)
from review.session.screening import ScreeningSession, Tally, Write, Written
from review.tui.widgets import wellbeing
from review.tui.widgets.card import card_content, criteria_content, decision_text, has_masked
from review.tui.widgets.modals import ReasonPicker, TextPrompt
from review.tui.widgets.relevance import RelevancePanel
from review.tui.widgets.stopping_view import record_title
from screening import queue
from screening.decide import Shown
from screening.stages import FULL_TEXT

if TYPE_CHECKING:
    from review.tui.app import ReviewApp

#: Below this width the criteria go under the card instead of beside it.
NARROW = 100
#: Seconds without a landed write before the progress line is recounted.
COUNT_IDLE_S = 1.0


class ScreeningScreen(Screen[None]):
    """Screen studies at one stage by key: include, exclude (with reason), maybe, undo."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "decide('include')", "Include", id="screen.include"),
        Binding("e", "exclude", "Exclude", id="screen.exclude"),
        Binding("m", "decide('maybe')", "Maybe", id="screen.maybe"),
        Binding("u", "undo", "Undo", id="screen.undo"),
        Binding("n", "note", "Note", id="screen.note"),
        Binding("r", "reason", "Reason", id="screen.reason"),
        Binding("x", "not_retrieved", "Not retrieved", id="screen.not_retrieved"),
        Binding("v", "reveal", "Reveal", id="screen.reveal"),
        Binding("slash", "search", "Search", id="screen.search"),
        Binding("o", "detail", "Details", show=False, id="screen.detail"),
        Binding("escape", "leave(False)", "Back", id="screen.back"),
        Binding("q", "leave(True)", "Quit", id="screen.quit"),
    ]

    @dataclass
    class Counted(Message):
        """Fresh progress counts, read off the UI thread."""

        progress: Progress
        seconds: float = 0.0

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage
        self.card: Card | None = None
        self.shown = Shown()
        self.reveal = False
        self.note: str | None = None  # a note typed before deciding, for the card on screen
        self.history: list[tuple[int, str, Shown]] = []
        self.skipped: set[int] = set()
        self.tally = Tally()
        self.counts: Progress | None = None
        self.last_break = time.monotonic()
        self.find = ""
        self.started = False
        self._counting = self._count_again = False
        self._count_timer: Timer | None = None
        self.session: ScreeningSession

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="progress")
        with Horizontal(id="body"):
            with Vertical(id="card-pane"):
                with VerticalScroll(id="card-scroll"):
                    if self.review_app.settings.protocol.screening.order == "ranked":
                        yield RelevancePanel(self.stage, id="relevance")
                    yield Static(id="card")
                    yield Static(id="own")
                    yield Static(id="criteria-inline", classes="criteria")
                if self.stage == FULL_TEXT:
                    yield TextArea(id="fulltext", read_only=True, soft_wrap=True)
            with VerticalScroll(id="criteria-pane"):
                yield Static(id="criteria", classes="criteria")
        yield Footer()

    def on_mount(self) -> None:
        app = self.review_app
        self.title = f"Screening: {STAGE_NAMES[self.stage]}"
        self.session = ScreeningSession(app.project, app.settings, app.reviewer, self.stage)
        self.who = app.settings.viewer(app.db, app.reviewer)
        criteria = criteria_content(app.settings.protocol, self.stage)
        for widget in self.query(".criteria").results(Static):
            widget.update(criteria)
        self.query_one("#criteria-pane").border_title = "Criteria"
        self.query_one("#card-scroll").border_title = "Record"
        self._layout(self.app.size.width)
        wellbeing.before_session(self, app.settings.protocol.wellbeing, self.begin)
        minutes = app.settings.protocol.wellbeing.break_every_minutes
        if minutes:
            self.set_interval(30, self._check_break_time)

    def begin(self) -> None:
        """Show the first study (after any content notice was accepted)."""
        self.started = True
        self.advance()
        self.count()

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that mean something for this stage and study."""
        if action == "not_retrieved":
            return self.stage == FULL_TEXT
        if action == "reveal":
            return self.card is not None and has_masked(self.card, self.review_app.settings)
        return True

    # --- showing studies -------------------------------------------------------------

    def advance(self) -> None:
        """Show the next open study (a few index look-ups on the UI connection)."""
        app = self.review_app
        protocol = app.settings.protocol
        skip = [*self.session.pending_groups(), *self.skipped]
        if self.card is not None:
            skip.append(self.card.group_id)
        for _ in range(50):  # skip reports already marked not retrieved
            pick = queue.next_group(
                app.db,
                self.who,
                self.stage,
                order=protocol.screening.order,
                seed=protocol.screening.seed,
                skip=skip,
            )
            if pick is None:
                self.show(None)
                return
            card = load_card(app.db, self.who, pick.group_id, self.stage)
            if card is not None and card.report_flag != "not_retrieved":
                self.shown = pick.shown
                self.show(card)
                return
            skip.append(pick.group_id)
        self.show(None)

    def show_group(self, group_id: int, shown: Shown) -> None:
        """Show a given study again (after an undo)."""
        self.shown = shown
        self.show(load_card(self.review_app.db, self.who, group_id, self.stage))

    def show(self, card: Card | None) -> None:
        self.card = card
        self.reveal = False
        self.note = None
        self.render_card()
        group = card.group_id if card is not None else None
        title = record_title(self.review_app.db, self.stage, group)
        self.query_one("#card-scroll").border_title = title
        for panel in self.query(RelevancePanel):
            panel.show_study(card.group_id if card else None, self.shown)
        self.refresh_bindings()
        self.query_one("#card-scroll").scroll_home(animate=False)
        if self.stage == FULL_TEXT:
            self._show_fulltext()

    def render_card(self) -> None:
        settings = self.review_app.settings
        card_widget = self.query_one("#card", Static)
        own = self.query_one("#own", Static)
        if self.card is None:
            card_widget.update(self._done_text())
            own.update("")
            return
        card_widget.update(card_content(self.card, settings, self.reveal))
        lines: list[str] = []
        if self.card.own is not None:
            o = self.card.own
            own.update(decision_text(f"Your decision: {o.label}", o.reason, o.note))
            return
        if self.note:
            lines.append(f"Note for your decision: {self.note}")
        own.update("\n".join(lines))

    def _done_text(self) -> str:
        if self.stage == FULL_TEXT and self.counts is not None and self.counts.remaining is None:
            return (
                "Full-text screening opens when the lead unblinds title/abstract screening "
                "(review screening unblind)."
            )
        return (
            f"Nothing left for you to screen at {STAGE_NAMES[self.stage].lower()}. "
            "Press Esc for the dashboard."
        )

    def _show_fulltext(self) -> None:
        area = self.query_one("#fulltext", TextArea)
        card = self.card
        if card is None:
            area.load_text("")
        elif not card.fulltexts:
            first = card.records[0]["id"]
            area.load_text(
                "No full-text report is attached to this study.\n\n"
                f"Attach one with:  review attach {first} FILE.pdf\n"
                "or press x if the report cannot be retrieved."
            )
        else:
            report = card.fulltexts[0]
            text = (
                self.review_app.settings.masked(report["text"])
                if not self.reveal
                else report["text"]
            )
            area.load_text(text)
            area.border_title = f"{report['file_name']} ({report['pages']} pages)"

    # --- keys -----------------------------------------------------------------------

    def _current(self) -> Card | None:
        if self.card is None:
            self.notify("No study on screen.", severity="warning")
        return self.card

    def action_decide(self, label: str, reason: str | None = None) -> None:
        """Record a decision on the study on screen and show the next one at once."""
        card = self._current()
        if card is None:
            return
        self._submit(Write("decide", card.group_id, label, reason, self.note, self.shown))
        self.tally.add(label, 1)
        self.history.append((card.group_id, label, self.shown))
        self.advance()
        self._check_break_records()

    def action_exclude(self) -> None:
        reasons = self.review_app.settings.reasons(self.stage)
        if not reasons:
            self.action_decide("exclude")
            return
        if self._current() is not None:
            self._pick_reason(lambda reason: self.action_decide("exclude", reason or None))

    def action_reason(self) -> None:
        """Set the reason of your exclusion on screen, or exclude the study with one."""
        card = self._current()
        if card is None:
            return
        if not self.review_app.settings.reasons(self.stage):
            self.notify("The protocol lists no exclusion reasons for this stage.")
            return
        own = card.own
        if own is not None and own.label == "exclude":

            def amend(reason: str) -> None:
                self._submit(Write("reason", card.group_id, reason=reason or None))
                own_now = card.own
                if own_now is not None:
                    self.query_one("#own", Static).update(
                        decision_text("Your decision: exclude", reason, own_now.note)
                    )

            self._pick_reason(amend)
        else:
            self._pick_reason(lambda reason: self.action_decide("exclude", reason or None))

    def _pick_reason(self, callback: Callable[[str], None]) -> None:
        reasons = self.review_app.settings.reasons(self.stage)

        def answered(reason: str | None) -> None:
            if reason is not None:
                callback(reason)

        title = f"Exclusion reason ({STAGE_NAMES[self.stage].lower()})"
        self.app.push_screen(ReasonPicker(reasons, title, self.stage != FULL_TEXT), answered)

    def action_note(self) -> None:
        """Write a note: on your decision on screen, else with the decision to come."""
        card = self._current()
        if card is None:
            return
        current = card.own.note if card.own is not None else self.note

        def answered(text: str | None) -> None:
            if text is None:
                return
            if card.own is not None:
                self._submit(Write("note", card.group_id, note=text))
            else:
                self.note = text.strip() or None
            self.render_card()

        self.app.push_screen(TextPrompt("Note on this study", current or ""), answered)

    def action_undo(self) -> None:
        """Take back your last decision at this stage and show that study again."""
        self._submit(Write("undo"))
        if self.history:
            group, label, shown = self.history.pop()
            self.tally.add(label, -1)
            self.show_group(group, shown)

    def action_not_retrieved(self) -> None:
        """Mark the study's report as not retrieved (a PRISMA count) and move on."""
        card = self._current()
        if card is None or self.stage != FULL_TEXT:
            return
        self._submit(Write("not_retrieved", card.group_id))
        self.skipped.add(card.group_id)
        self.advance()

    def action_reveal(self) -> None:
        """Show the masked terms of the study on screen (masked again on the next one)."""
        self.reveal = not self.reveal
        self.render_card()
        if self.stage == FULL_TEXT:
            self._show_fulltext()

    def action_search(self) -> None:
        """Search the review (title/abstract) or the report on screen (full text)."""
        if self.stage != FULL_TEXT:
            self.review_app.action_search()
            return
        self.app.push_screen(TextPrompt("Find in the report", self.find), self._find)

    def _find(self, text: str | None) -> None:
        if not text:
            return
        area = self.query_one("#fulltext", TextArea)
        again = text == self.find
        self.find = text
        body = area.text
        lower, needle = body.lower(), text.lower()
        start = _index(body, area.selection.end) if again else 0
        found = lower.find(needle, start)
        if found < 0:
            found = lower.find(needle)
        if found < 0:
            self.notify(f"{text!r} is not in the report.", severity="warning")
            return
        area.selection = Selection(_location(body, found), _location(body, found + len(text)))
        area.scroll_cursor_visible(center=True)
        self.notify(f"{lower.count(needle)} matches; press / and Enter for the next.", timeout=2)

    def action_detail(self) -> None:
        if self.card is not None:
            self.review_app.open_detail(self.card.group_id)

    def action_leave(self, quit_app: bool) -> None:
        """Leave the session (Esc: to the dashboard, q: quit), with the summary if asked."""
        wellbeing.after_session(self, quit_app)

    # --- writes and counts -------------------------------------------------------------

    def _submit(self, write: Write) -> None:
        self.session.submit(write)
        self.review_app.write_screening(self.session)

    def written(self, result: Written) -> None:
        """A write landed: warn if refused, bring back an undone study, recount."""
        if result.ok and result.write.kind in ("decide", "undo"):
            for panel in self.query(RelevancePanel):
                panel.retrain()  # coalesced: one more retrain after the running one
        if not result.ok:
            self.notify(result.message, title="Not saved", severity="warning")
        elif result.write.kind == "undo" and result.group_id is not None:
            current = self.card.group_id if self.card is not None else None
            if current != result.group_id and not self.history:
                self.show_group(result.group_id, Shown())
            elif current == result.group_id:
                self.show_group(result.group_id, self.shown)
        self.count_when_idle()

    def count_when_idle(self) -> None:
        """Recount once the keys pause for ``COUNT_IDLE_S``, not after every key.

        A count is a scan in a thread; during a fast run of keys it would
        share the GIL with the UI thread and stretch key-to-card times, while
        the progress line stays right meanwhile (pending writes are
        subtracted from the last count).
        """
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = self.set_timer(COUNT_IDLE_S, self.count)

    def count(self) -> None:
        """Recount soon: now if idle, else once after the running count.

        A count scans every study (~0.3 s at 100k on two cores). One thread
        per key would pile up (a cancelled thread worker still runs) and
        starve the UI thread; back-to-back counts would still hold a core,
        so a follow-up count first rests as long as the last count took.
        """
        if self._counting:
            self._count_again = True
            return
        self._counting = True
        self._count(0.0)

    @work(thread=True, group="counts")
    def _count(self, rest: float) -> None:
        """Recount what is left (a count over every study: not on the UI thread)."""
        time.sleep(rest)
        start = time.perf_counter()
        db = self.review_app.project.open_db()
        try:
            who = self.review_app.settings.viewer(db, self.review_app.reviewer)
            progress = stage_progress(db, who, self.stage)
            self.post_message(self.Counted(progress, time.perf_counter() - start))
        finally:
            db.close()

    def on_screening_screen_counted(self, message: Counted) -> None:
        self._counting = self._count_again
        if self._count_again:
            self._count_again = False
            self._count(min(message.seconds, 2.0))
        self.counts = message.progress
        self.update_progress()
        if self.card is None and self.started:
            self.render_card()

    def update_progress(self) -> None:
        p = self.counts
        rate = self.tally.per_hour
        parts = [f"{self.review_app.reviewer}"]
        if p is not None and p.eligible is not None:
            done = p.mine
            parts.append(f"screened {done:,} of {p.eligible:,}")
        if p is not None and p.remaining is not None:
            left = max(p.remaining - len(self.session.pending_groups()), 0)
            parts.append(f"{left:,} left")
        parts.append(f"this session {self.tally.decided}" + (f" ({rate}/h)" if rate else ""))
        self.query_one("#progress", Static).update(" · ".join(parts))

    # --- wellbeing ----------------------------------------------------------------------

    def _check_break_records(self) -> None:
        every = self.review_app.settings.protocol.wellbeing.break_every_records
        if every and self.tally.decided and self.tally.decided % every == 0:
            wellbeing.suggest_break(self, f"You have screened {self.tally.decided} records.")

    def _check_break_time(self) -> None:
        every = self.review_app.settings.protocol.wellbeing.break_every_minutes
        if every and time.monotonic() - self.last_break >= every * 60:
            unit = "minute" if every == 1 else "minutes"
            wellbeing.suggest_break(self, f"You have been screening for {every} {unit}.")


def _location(text: str, index: int) -> tuple[int, int]:
    """Return the (row, column) of a character offset in a text."""
    row = text.count("\n", 0, index)
    return row, index - (text.rfind("\n", 0, index) + 1)


def _index(text: str, location: tuple[int, int]) -> int:
    """Return the character offset of a (row, column) location in a text."""
    row, column = location
    offset = 0
    for _ in range(row):
        offset = text.index("\n", offset) + 1
    return offset + column

"""The screening screen: one study, the criteria, and a key per decision.

The next study is read on the UI thread (a few index look-ups) the moment a
key is pressed, while the decision itself goes on the app's one write queue
and is written by a worker in key order
(:class:`~review.session.screening.ScreeningSession`), so the next record
shows well within 50 ms at 100k studies (``bench/screen_bench.py``).

Excluding is the most frequent key, so at title/abstract it takes one: ``e``
excludes without a reason, a digit excludes with that reason of the
protocol, and ``r`` adds or changes the reason afterwards. At full text
PRISMA reports the reasons, so ``e`` asks for one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.widgets import Footer, Header, Static, TextArea

from protocols.model import Stage
from review.session.data import STAGE_NAMES, Card, load_card
from review.session.screening import ScreeningSession, Tally, Write, Written
from review.session.sources import JobResult, attach_one
from review.session.status import stopping_report
from review.session.stopping_text import justified_notice
from review.session.writes import WriteResult
from review.tui.screens.base import ReviewScreen
from review.tui.served import allowed_path, refuse_plain_reviewer
from review.tui.widgets import wellbeing
from review.tui.widgets.card import (
    card_content,
    criteria_content,
    decision_text,
    done_text,
    has_masked,
)
from review.tui.widgets.modals import ReasonPicker, TextPrompt
from review.tui.widgets.progress_line import ProgressLine
from review.tui.widgets.relevance import RelevancePanel
from review.tui.widgets.report import find_next, show_report
from review.tui.widgets.stopping_view import record_title
from screening import db as sdb
from screening import queue
from screening.decide import Shown
from screening.errors import ScreeningError
from screening.stopping import visible

#: Below this width the criteria go under the card instead of beside it.
NARROW = 100


def _reason_keys() -> list[BindingType]:
    """Return ``1``..``9``: exclude with that exclusion reason (title/abstract)."""
    return [
        Binding(
            str(n),
            f"exclude_with({n})",
            f"Exclude, reason {n}",
            show=False,
            id=f"screen.exclude_{n}",
        )
        for n in range(1, 10)
    ]


class ScreeningScreen(ReviewScreen):
    """Screen studies at one stage by key: include, exclude (reason by digit), maybe, undo."""

    CSS_PATH = "screening.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "decide('include')", "Include", id="screen.include"),
        Binding("e", "exclude", "Exclude", id="screen.exclude"),
        *_reason_keys(),
        Binding("m", "decide('maybe')", "Maybe", id="screen.maybe"),
        Binding("u", "undo", "Undo", id="screen.undo"),
        Binding("n", "note", "Note", id="screen.note"),
        Binding("r", "reason", "Reason", id="screen.reason"),
        Binding("x", "not_retrieved", "Not retrieved", id="screen.not_retrieved"),
        Binding("a", "attach", "Attach PDF", id="screen.attach"),
        Binding("v", "reveal", "Reveal", id="screen.reveal"),
        Binding("slash", "search", "Search", id="screen.search"),
        Binding("o", "detail", "Details", show=False, id="screen.detail"),
        Binding("escape", "leave(False)", "Back", id="screen.back"),
        Binding("q", "leave(True)", "Quit", id="screen.quit"),
    ]

    def __init__(self, stage: Stage) -> None:
        super().__init__()
        self.stage = Stage(stage)
        self.card: Card | None = None
        self.shown = Shown()
        self.reveal = False
        self.note: str | None = None  # a note typed before deciding, for the card on screen
        self.history: list[tuple[int, str, Shown]] = []
        self.skipped: set[int] = set()
        self.tally = Tally()
        self.last_break = time.monotonic()
        self.find = ""
        self.started = False
        self.session: ScreeningSession

    @property
    def progress(self) -> ProgressLine:
        """The progress line (it keeps the last counts)."""
        return self.query_one("#progress", ProgressLine)

    def compose(self) -> ComposeResult:
        pending = lambda: len(self.session.pending_groups())  # noqa: E731
        yield Header()
        yield ProgressLine(self.stage, self.tally, pending, id="progress")
        with Horizontal(id="body"):
            with Vertical(id="card-pane"):
                with VerticalScroll(id="card-scroll"):
                    if self.review.protocol.screening.order == "ranked":
                        yield RelevancePanel(self.stage, id="relevance")
                    yield Static(id="card")
                    yield Static(id="own")
                    yield Static(id="criteria-inline", classes="criteria")
                if self.stage == Stage.FULL_TEXT:
                    yield TextArea(id="fulltext", read_only=True, soft_wrap=True)
            with VerticalScroll(id="criteria-pane"):
                yield Static(id="criteria", classes="criteria")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Screening: {STAGE_NAMES[self.stage]}"
        self.session = ScreeningSession(self.review, self.stage)
        self.who = self.viewer()
        criteria = criteria_content(self.review.protocol, self.stage)
        for widget in self.query(".criteria").results(Static):
            widget.update(criteria)
        self.query_one("#criteria-pane").border_title = "Criteria"
        self.query_one("#card-scroll").border_title = "Record"
        self._layout(self.app.size.width)
        wellbeing.before_session(self, self.review.protocol.wellbeing, self.begin)
        minutes = self.review.protocol.wellbeing.break_every_minutes
        if minutes:
            self.set_interval(30, lambda: wellbeing.check_break_time(self))

    def begin(self) -> None:
        """Show the first study (after any content notice was accepted)."""
        self.started = True
        self.advance()
        self.progress.count()

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that mean something for this stage and study."""
        if action in ("not_retrieved", "attach"):
            return self.stage == Stage.FULL_TEXT
        if action == "exclude_with":  # at full text a reason is picked after e, on purpose
            return self.stage == Stage.TITLE_ABSTRACT
        if action == "reveal":
            return self.card is not None and has_masked(self.card, self.review)
        return True

    # --- showing studies -------------------------------------------------------------

    def advance(self) -> None:
        """Show the next open study (a few index look-ups on the UI connection)."""
        protocol = self.review.protocol
        skip = [*self.session.pending_groups(), *self.skipped]
        if self.card is not None:
            skip.append(self.card.group_id)
        for _ in range(50):  # skip reports already marked not retrieved
            pick = queue.next_group(
                self.db,
                self.who,
                self.stage,
                order=protocol.screening.order,
                seed=protocol.screening.seed,
                skip=skip,
            )
            if pick is None:
                self.show(None)
                return
            card = load_card(self.db, self.who, pick.group_id, self.stage)
            if card is not None and card.report_flag != "not_retrieved":
                self.shown = pick.shown
                self.show(card)
                return
            skip.append(pick.group_id)
        self.show(None)

    def show_group(self, group_id: int, shown: Shown) -> None:
        """Show a given study again (after an undo)."""
        self.shown = shown
        self.show(load_card(self.db, self.who, group_id, self.stage))

    def show(self, card: Card | None) -> None:
        self.card = card
        self.reveal = False
        self.note = None
        self.render_card()
        group = card.group_id if card is not None else None
        title = record_title(self.db, self.stage, group)
        self.query_one("#card-scroll").border_title = title
        for panel in self.query(RelevancePanel):
            panel.show_study(card.group_id if card else None, self.shown)
        self.refresh_bindings()
        self.query_one("#card-scroll").scroll_home(animate=False)
        if self.stage == Stage.FULL_TEXT:
            self._show_fulltext()

    def render_card(self) -> None:
        card_widget = self.query_one("#card", Static)
        own = self.query_one("#own", Static)
        if self.card is None:
            card_widget.update(done_text(self.stage, self.progress.counts))
            own.update("")
            return
        card_widget.update(card_content(self.card, self.review, self.reveal))
        if self.card.own is not None:
            o = self.card.own
            own.update(decision_text(f"Your decision: {o.label}", o.reason, o.note))
        else:
            own.update(f"Note for your decision: {self.note}" if self.note else "")

    def _show_fulltext(self) -> None:
        show_report(self.query_one("#fulltext", TextArea), self.card, self.review, self.reveal)

    # --- keys -----------------------------------------------------------------------

    def _current(self) -> Card | None:
        if self.card is None:
            self.warn("No study on screen.")
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
        wellbeing.check_break_records(self)

    def action_exclude(self) -> None:
        """Exclude the study on screen: at once at title/abstract, with a reason at full text.

        Title/abstract exclusions need no reason (``r`` or a digit gives one),
        so the most frequent decision takes one key; PRISMA reports full-text
        reasons, so there the picker asks for one.
        """
        reasons = self.review.reasons(self.stage)
        if self.stage == Stage.TITLE_ABSTRACT or not reasons:
            self.action_decide("exclude")
        elif self._current() is not None:
            self._pick_reason(
                "Exclusion reason (full text)",
                lambda reason: self.action_decide("exclude", reason or None),
            )

    def action_exclude_with(self, number: int) -> None:
        """Exclude the study on screen with the protocol's reason ``number`` (one key)."""
        reasons = self.review.reasons(self.stage)
        if not reasons:
            self.warn("The protocol lists no exclusion reasons at this stage; e excludes.")
        elif not 1 <= number <= len(reasons):
            self.warn(f"There is no reason {number}: this stage has 1 to {len(reasons)}.")
        else:
            self.action_decide("exclude", reasons[number - 1])

    def action_reason(self) -> None:
        """Set or change the reason of the exclusion you just made (or the one on screen).

        The target is the study on screen if you excluded it, else the last
        study you decided if that was an exclusion (``e`` shows the next
        study at once, so the reason usually comes after); otherwise the
        study on screen is excluded with the reason picked.
        """
        if not self.review.reasons(self.stage):
            self.tell("The protocol lists no exclusion reasons for this stage.")
            return
        card = self.card
        if card is not None and card.own is not None and card.own.label == "exclude":
            group = card.group_id
            self._pick_reason(f"Reason for study {group}", lambda r: self._amend(group, r))
        elif self.history and self.history[-1][1] == "exclude":
            group = self.history[-1][0]
            title = f"Reason for study {group}, just excluded"
            self._pick_reason(title, lambda r: self._amend(group, r))
        elif card is not None:
            title = f"Exclude study {card.group_id} with a reason"
            self._pick_reason(title, lambda r: self.action_decide("exclude", r or None))
        else:
            self._current()  # says there is no study

    def _amend(self, group_id: int, reason: str) -> None:
        """Queue a new reason (``""``: none) on your exclusion of ``group_id``."""
        self._submit(Write("reason", group_id, reason=reason or None))
        card = self.card
        if card is not None and card.group_id == group_id:
            note = card.own.note if card.own is not None else None
            own = decision_text("Your decision: exclude", reason or None, note)
            self.query_one("#own", Static).update(own)
        else:
            self.tell(f"Study {group_id}: reason {reason or 'removed'}", timeout=2)

    def _pick_reason(self, title: str, callback: Callable[[str], None]) -> None:
        """Ask for a reason by digit (``0``: none, except at full text), then call back."""
        reasons = self.review.reasons(self.stage)

        def answered(reason: str | None) -> None:
            if reason is not None:
                callback(reason)

        allow_none = self.stage != Stage.FULL_TEXT
        self.app.push_screen(ReasonPicker(reasons, title, allow_none), answered)

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
        if card is None or self.stage != Stage.FULL_TEXT:
            return
        self._submit(Write("not_retrieved", card.group_id))
        self.skipped.add(card.group_id)
        self.advance()

    def action_attach(self) -> None:
        """Attach a PDF to the study on screen by its path (to the study's first record)."""
        card = self._current()
        if card is None or self.stage != Stage.FULL_TEXT:
            return
        if refuse_plain_reviewer(self, "attach files"):
            return
        group = card.group_id

        def answered(text: str | None) -> None:
            typed = (text or "").strip()
            path = allowed_path(self, typed) if typed else None  # served: inside inbox/ only
            if path is None:
                return
            review = self.review
            self.queue_write(lambda: attach_one(review, group, path))
            self.tell(f"Attaching {path.name} to study {group}…", timeout=2)

        title = f"Attach a PDF to study {group}: its path"
        where = "report.pdf in the review's inbox/" if self.review_app.served else ""
        prompt = TextPrompt(title, placeholder=where or "~/papers/report.pdf")
        self.app.push_screen(prompt, answered)

    def action_reveal(self) -> None:
        """Show the masked terms of the study on screen (masked again on the next one)."""
        self.reveal = not self.reveal
        self.render_card()
        if self.stage == Stage.FULL_TEXT:
            self._show_fulltext()

    def action_search(self) -> None:
        """Search the review (title/abstract) or the report on screen (full text)."""
        if self.stage != Stage.FULL_TEXT:
            self.review_app.action_open("search")
            return
        self.app.push_screen(TextPrompt("Find in the report", self.find), self._find)

    def _find(self, text: str | None) -> None:
        if not text:
            return
        again = text == self.find
        self.find = text
        matches = find_next(self.query_one("#fulltext", TextArea), text, again)
        if matches:
            self.tell(f"{matches} matches; press / and Enter for the next.", timeout=2)
        else:
            self.warn(f"{text!r} is not in the report.")

    def action_detail(self) -> None:
        if self.card is not None:
            self.review_app.open_detail(self.card.group_id)

    def action_leave(self, quit_app: bool) -> None:
        """Leave the session (Esc: to the dashboard, q: quit), with the summary if asked."""
        wellbeing.after_session(self, quit_app)

    # --- writes and counts -------------------------------------------------------------

    def _submit(self, write: Write) -> None:
        """Queue the write in this screen's session and on the app's one write queue."""
        self.session.submit(write)
        self.queue_write(self.session.apply_next)

    def write_landed(self, result: WriteResult) -> None:
        """A write landed: warn if refused, bring back an undone study, recount."""
        if isinstance(result, JobResult):
            self._attached(result)
            return
        if not isinstance(result, Written):
            super().write_landed(result)
            return
        if result.ok and result.write.kind in ("decide", "undo"):
            for panel in self.query(RelevancePanel):
                panel.retrain()  # coalesced: one more retrain after the running one
        if not result.ok:
            self.warn(result.message, title="Not saved")
        elif result.write.kind == "undo" and result.group_id is not None:
            current = self.card.group_id if self.card is not None else None
            if current != result.group_id and not self.history:
                self.show_group(result.group_id, Shown())
            elif current == result.group_id:
                self.show_group(result.group_id, self.shown)
        self.progress.count_when_idle()

    def _attached(self, result: JobResult) -> None:
        """A PDF attached by path landed: show it if its study is on screen, recount."""
        if not result.ok:
            line = result.message.splitlines()[0] if result.message else "not attached"
            self.warn(line, title="Not attached")
            return
        self.tell(result.message)
        if self.card is not None and self.card.group_id == result.group_id:
            self.show_group(result.group_id, self.shown)
        self.progress.count()

    def on_progress_line_counted(self, message: ProgressLine.Counted) -> None:
        """Fresh counts: the "nothing left" text depends on them; so may the stopping notice."""
        if self.card is None and self.started:
            self.render_card()
        self._check_stopping()

    # --- the stopping notice -----------------------------------------------------------

    def _check_stopping(self) -> None:
        """Say once per stage and app run that stopping is justified (see ``justified_notice``).

        Under the certified rule only a drawn random sample can justify stopping,
        so without one this is a single look-up; otherwise the report, with the
        protocol's rule deciding, is assessed off the UI thread.
        """
        if self.stage in self.review_app.stopping_told:
            return
        certified = self.review.protocol.screening.stopping == "certified"
        if certified and sdb.stopping_sample(self.db, self.stage) is None:
            return
        self._assess_stopping()

    @work(thread=True, exclusive=True, group="stopping-notice")
    def _assess_stopping(self) -> None:
        settings = self.review.protocol.screening
        with self.review.connect() as db:
            who = self.review.viewer(db)
            if not visible(db, who, self.stage):
                return
            try:
                report = stopping_report(db, who, self.stage, settings, None)
            except ScreeningError:
                return
        text = justified_notice(self.stage, report)
        if text is not None:
            self.app.call_from_thread(self._tell_stopping, text)

    def _tell_stopping(self, text: str) -> None:
        told = self.review_app.stopping_told
        if self.stage in told:
            return
        told.add(self.stage)
        self.notify(text, title="Stopping justified", timeout=30)

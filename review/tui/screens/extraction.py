"""The extraction screen: a study's full text beside its form, filled in from the keyboard.

The reviewer's list is the included studies (``review.extraction.eligible``),
starting at the first they have not finished; F7/F8 move along it. The form
shows only what the viewer may see: the study's state is built for them, and
the values edited are :func:`~review.extraction.state.working_values` (a
verifier edits the consensus copy, pre-filled by the extractor). Each value
is checked on the UI thread (the same one-line messages as the CLI) and
written at once as a job of the app's one write queue; leaving the screen
sends the field being typed in first, so nothing typed is lost.

Keys: Tab/Shift+Tab between fields; digits pick a choice (1 yes, 2 no);
Backspace clears it; Enter or leaving an Input saves it; ctrl+s takes the
source from the text selected in the full text, ctrl+g asks for a page;
ctrl+o comments on the current value; ctrl+r adds a row to a repeating
group; ctrl+n goes to the next empty
required field (checklist items show for the chosen category only); ctrl+d
marks the study complete;
ctrl+f finds in the full text; ctrl+t switches text and form when stacked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import DescendantFocus, Resize
from textual.widgets import Footer, Header, Input, Static

from protocols.form import Form
from review.core.errors import ReviewError
from review.extraction.db import CONSENSUS
from review.extraction.eligible import included_studies
from review.extraction.parse import Source, check_value, field_of, parse_source
from review.extraction.render import format_value
from review.extraction.state import Key, study_state, study_states
from review.session.extraction import (
    STATUS_NAMES,
    Saved,
    Study,
    complete_job,
    is_done,
    load_study,
    save_job,
)
from review.session.writes import WriteResult
from review.tui.screens.base import ReviewScreen
from review.tui.widgets.form_fields import (
    ChoiceField,
    FieldCell,
    FieldEdited,
    GroupRows,
    TextField,
)
from review.tui.widgets.fulltext import ReportArea
from review.tui.widgets.modals import TextPrompt

#: Below this width the full text and the form are stacked, one shown at a time.
NARROW = 100


# --- the screen -------------------------------------------------------------------------


class ExtractionScreen(ReviewScreen):
    """Extract data from the included studies, one at a time."""

    CSS_PATH = "extraction.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "source_from_selection", "Source", priority=True, id="extract.source"),
        Binding("ctrl+g", "source_by_page", "Page", priority=True, id="extract.page"),
        Binding("ctrl+d", "complete", "Complete", priority=True, id="extract.complete"),
        Binding("ctrl+n", "next_missing", "Next empty", priority=True, id="extract.missing"),
        Binding("ctrl+o", "comment", "Comment", priority=True, id="extract.comment"),
        Binding("ctrl+r", "add_row", "Add row", priority=True, id="extract.row"),
        Binding("ctrl+f", "find", "Find", priority=True, id="extract.find"),
        Binding("ctrl+t", "toggle_pane", "Text/form", priority=True, id="extract.toggle"),
        Binding("f7", "move(-1)", "Prev", priority=True, id="extract.previous"),
        Binding("f8", "move(1)", "Next", priority=True, id="extract.next"),
        Binding("escape", "leave(False)", "Back", id="extract.back"),
        Binding("q", "leave(True)", "Quit", show=False, id="extract.quit"),
    ]

    def __init__(self, group_id: int | None = None) -> None:
        super().__init__()
        self.form: Form = Form("single", ())
        self.studies: list[int] = []
        self.index = 0
        self.study: Study | None = None
        self.cells: dict[Key, FieldCell] = {}
        self.current: Key | None = None
        self.start_group = group_id
        self.find_text = ""
        #: Inputs typed in since the study was shown (read again when the screen closes).
        self.typed: dict[Key, TextField] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="study-line", markup=False)
        with Horizontal(id="body"):
            with Vertical(id="text-pane"):
                yield ReportArea(self.review.include, id="fulltext")
                yield Input(placeholder="find in the text; Enter: next match", id="find")
                yield Static(id="terms", markup=False)
            yield VerticalScroll(id="form-pane")
        yield Static(id="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Extraction"
        self.form = self.review.form
        self.query_one("#find").display = False
        self.query_one("#text-pane").border_title = "Full text"
        self.query_one("#form-pane").border_title = "Form"
        self._layout(self.app.size.width)
        who = self.viewer()
        ids = included_studies(self.db, self.review.protocol, who)
        if ids is None:
            self._empty(
                "Extraction opens when a lead unblinds full-text screening "
                "(review unblind --stage full-text)."
            )
            return
        if not ids:
            self._empty("No study is included at full text yet: nothing to extract.")
            return
        self.studies = ids
        if self.start_group in ids:
            self.index = ids.index(self.start_group)
        else:
            states = study_states(self.db, self.form, ids, who.name, is_lead=who.is_lead)
            self.index = next((i for i, g in enumerate(ids) if not is_done(states[g], who.name)), 0)
        self.call_after_refresh(self.show_study)

    def _empty(self, message: str) -> None:
        self.query_one("#study-line", Static).update(message)
        self.query_one("#fulltext", ReportArea).show(None, message)
        self.query_one("#form-pane").mount(Static(message, classes="empty"))

    # --- layout -----------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    def action_toggle_pane(self) -> None:
        """When stacked, show the full text or the form (the other is hidden)."""
        self.toggle_class("show-text")
        if not self.has_class("narrow"):
            self.tell("Text and form are side by side at this width.")
            return
        if self.has_class("show-text"):
            self.query_one("#fulltext").focus()
        else:
            self._focus_current()

    # --- one study ------------------------------------------------------------------------

    async def show_study(self) -> None:
        """Read the study at ``index`` and build its form."""
        group = self.studies[self.index]
        study = load_study(self.db, self.review, group)
        self.study = study
        self.cells = {}
        self.typed = {}
        self.current = None
        self._study_line()
        card = study.card
        area = self.query_one("#fulltext", ReportArea)
        if card is not None and card.fulltexts:
            report = card.fulltexts[0]
            area.show(self.review.masked(report["text"] or ""))
            area.border_title = f"{report['file_name']} ({report['pages']} pages)"
        else:
            abstract = (card.fields.get("abstract") if card else None) or "(no abstract)"
            first = card.records[0]["id"] if card else "RECORD"
            area.show(
                None,
                f"{study.title}\n\n{self.review.masked(str(abstract))}\n\n"
                f"No full text attached (review attach {first} FILE.pdf).",
            )
            area.border_title = "Title and abstract"
        lines = area.term_lines()
        terms = self.query_one("#terms", Static)
        terms.display = bool(lines)
        if lines:
            shown = ", ".join(map(str, lines[:12])) + (" ..." if len(lines) > 12 else "")
            terms.update(f"highlight terms on lines {shown}")
        pane = self.query_one("#form-pane", VerticalScroll)
        await pane.remove_children()
        await pane.mount_all(self._form_widgets(study))
        if not self.has_class("show-text"):
            self.query(".editor").first().focus(scroll_visible=False)
        self.call_after_refresh(pane.scroll_home, animate=False)

    def _study_line(self) -> None:
        study = self.study
        if study is None:
            return
        state = study.state
        status = STATUS_NAMES.get(state.status, state.status)
        copy = "" if study.copy is None else (" · verifying" if study.copy == CONSENSUS else "")
        self.query_one("#study-line", Static).update(
            f"Study {study.group_id} ({self.index + 1}/{len(self.studies)}) · {status}{copy} · "
            f"{study.title[:70]}"
        )

    def _form_widgets(self, study: Study) -> list[Any]:
        widgets: list[Any] = []
        if study.copy is None:
            widgets.append(
                Static(
                    "Nothing to verify yet: the extractor has not marked this study complete.",
                    classes="empty",
                )  # fmt: skip
            )
        for section, items in self.form.sections():
            widgets.append(Static(section, classes="section", markup=False))
            for item in items:
                if item.type == "group":
                    widgets.append(GroupRows(item, study.values, study.sources))
                    continue
                key = (item.name, 0, "")
                source = study.sources.get(key, (None, None))
                cell = FieldCell(key, item, study.values.get(key), source)
                cell.comment = study.comments.get(key, "")
                cell.display = self._applies(item)
                self.cells[key] = cell
                widgets.append(cell)
        return widgets

    def _applies(self, item: Any) -> bool:
        """Whether a field applies given the values so far (MMAT: the chosen category's items)."""
        if self.study is None or not item.domain or not self.form.domain_field:
            return True
        return self.study.values.get((self.form.domain_field, 0, "")) == item.domain

    def _refresh_applicable(self) -> None:
        """Show the checklist items of the domain just chosen, hide the others."""
        for cell in self.cells.values():
            if cell.item.domain:
                cell.display = self._applies(cell.item)

    def action_next_missing(self) -> None:
        """Go to the next required field that applies and has no value (after the current)."""
        study = self.study
        if study is None:
            return
        self.flush()
        keys = [k for k, c in self.cells.items() if c.display and c.item.required]
        empty = [k for k in keys if study.values.get(k) in (None, "", [])]
        if not empty:
            self.say("Every required field has a value: ctrl+d marks the study complete.")
            return
        order = list(self.cells)
        after = order.index(self.current) if self.current in order else -1
        target = next((k for k in empty if order.index(k) > after), empty[0])
        self.cells[target].editor.focus()

    def _cell(self, key: Key) -> FieldCell | None:
        found = self.cells.get(key)
        if found is not None:
            return found
        for cell in self.query(FieldCell):
            if cell.key == key:
                self.cells[key] = cell
                return cell
        return None

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        """Remember the field last focused: ctrl+s and ctrl+g set its source."""
        widget = event.widget
        if isinstance(widget, ChoiceField | TextField):
            self.current = widget.key
            if isinstance(widget.parent, FieldCell):  # its label and source too
                widget.parent.scroll_visible(animate=False)

    def _focus_current(self) -> None:
        cell = self._cell(self.current) if self.current else None
        if cell is not None:
            cell.editor.focus()
        else:
            editors = self.query(".editor")
            if editors:
                editors.first().focus()

    # --- values -------------------------------------------------------------------------

    def on_field_edited(self, message: FieldEdited) -> None:
        """Check a value on the spot and queue its write (an invalid one is not written)."""
        self.field_edited(message.key, message.raw)

    def field_edited(self, key: Key, raw: Any) -> None:
        """An editor of this screen was given a value (called by the editor directly)."""
        self.save(key, raw)

    def save(
        self, key: Key, raw: Any, source: Source | None = None, comment: str | None = None
    ) -> bool:
        """Check and queue a value (with a source, if given); False if refused at once."""
        study = self.study
        if study is None:
            return False
        try:
            check_value(field_of(self.form, key), raw)
        except ReviewError as exc:
            self.say(str(exc), warn=True)
            cell = self._cell(key)
            if cell is not None:
                cell.set_value(study.values.get(key))
                if isinstance(cell.editor, TextField):
                    cell.editor.saved = format_value(study.values.get(key))
            return False
        cell = self._cell(key)
        if cell is not None and isinstance(cell.editor, TextField) and isinstance(raw, str):
            cell.editor.saved = raw  # sent: not pending any more
        self.queue_write(_job(save_job, self.review, study.group_id, key, raw, source, comment))
        return True

    def write_landed(self, result: WriteResult) -> None:
        """Show what a write did: the saved value and source, or why it was refused."""
        if not isinstance(result, Saved):
            super().write_landed(result)
            return
        study = self.study
        here = study is not None and study.group_id == result.group_id
        if not result.ok:
            self.say(result.message, warn=True, title="Not saved")
            if here and result.key is not None and study is not None:
                cell = self._cell(result.key)
                if cell is not None:
                    cell.set_value(study.values.get(result.key))
            return
        if result.kind == "complete":
            self.say(result.message)
            if here and study is not None:
                self.show_study_status(result.status)
            return
        if not here or study is None or result.key is None:
            return
        key = result.key
        study.values[key] = result.value
        if key[0] == self.form.domain_field:
            self._refresh_applicable()
        if study.state.status == "to_extract":
            self.show_study_status("in_progress")
        cell = self._cell(key)
        if result.comment is not None:
            study.comments[key] = result.comment
            if cell is not None:
                cell.set_comment(result.comment)
            self.say(f"comment on {cell.item.label if cell else key[0]} saved")
        elif result.source is not None:
            study.sources[key] = (result.source.page, result.source.quote)
            if cell is not None:
                cell.set_source(result.source.page, result.source.quote)
            self.say(f"source of {cell.item.label if cell else key[0]} set")
        else:
            label = cell.item.label if cell else key[0]
            self.say(f"{label}: {format_value(result.value) or '(cleared)'} saved")
            if cell is not None and isinstance(cell.editor, TextField):
                cell.editor.set_value(result.value)

    def show_study_status(self, status: str) -> None:
        """Show a status the study now has (after ctrl+d)."""
        if self.study is not None:
            who, group = self.viewer(), self.study.group_id
            self.study.state = study_state(self.db, self.form, group, who.name, is_lead=who.is_lead)
            self._study_line()

    def say(self, message: str, warn: bool = False, title: str = "Not done") -> None:
        """Put a one-line message in the status line (and a notification if refused)."""
        self.query_one("#status-line", Static).update(message)
        self.set_class(warn, "refused")
        if warn:
            self.warn(message, title=title)

    def flush(self) -> None:
        """Send the value being typed in the focused Input (before leaving or moving on)."""
        focused = self.focused
        if isinstance(focused, TextField) and focused.pending:
            focused.saved = focused.value
            self.save(focused.key, focused.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, TextField):
            self.typed[event.input.key] = event.input

    def pending_fields(self) -> list[TextField]:
        """Return the fields with typed text not yet sent."""
        return [f for f in self.typed.values() if f.pending]

    # --- sources -------------------------------------------------------------------------

    def _current_raw(self, key: Key) -> Any:
        cell = self._cell(key)
        if cell is not None and isinstance(cell.editor, TextField):
            cell.editor.saved = cell.editor.value  # sent with the source
            return cell.editor.value
        if cell is not None:
            return cell.editor.value
        return self.study.values.get(key) if self.study else None

    def action_source_from_selection(self) -> None:
        """Set the current field's source to the text selected in the full text."""
        if self.current is None:
            self.say("Go to a field first (Tab), then select its source in the text.", warn=True)
            return
        area = self.query_one("#fulltext", ReportArea)
        card = self.study.card if self.study else None
        if card is None or not card.fulltexts:
            self.say("No full text attached: ctrl+g sets a page by hand.", warn=True)
            return
        found = area.selected_source()
        if found is None:
            self.say(
                "Select the passage in the full text first (shift+arrows or the mouse).", warn=True
            )
            return
        page, quote = found
        self.save(self.current, self._current_raw(self.current), Source(page, quote))

    def action_source_by_page(self) -> None:
        """Ask for the current field's source: a page and an optional quote."""
        if self.current is None:
            self.say("Go to a field first (Tab), then set its source.", warn=True)
            return
        key = self.current
        self.flush()

        def answered(text: str | None) -> None:
            if text is None:
                return
            try:
                source = parse_source(text)
            except ReviewError as exc:
                self.say(str(exc), warn=True)
                return
            self.save(key, self._current_raw(key), source)

        self.app.push_screen(
            TextPrompt("Source: page, then an optional quote", placeholder='4: "the quote"'),
            answered,
        )

    def action_comment(self) -> None:
        """Ask for a comment on the current field's value (empty clears it)."""
        if self.current is None or self.study is None:
            self.say("Go to a field first (Tab), then comment on it.", warn=True)
            return
        key = self.current
        self.flush()
        cell = self._cell(key)
        label = cell.item.label if cell else key[0]

        def answered(text: str | None) -> None:
            if text is not None:
                self.save(key, self._current_raw(key), comment=text.strip())

        self.app.push_screen(
            TextPrompt(
                f"Comment on {label}"[:70],
                self.study.comments.get(key, ""),
                placeholder="why this answer, a caveat",
            ),
            answered,
        )

    # --- rows, find, complete, move, leave -------------------------------------------------

    async def action_add_row(self) -> None:
        """Add a row to the repeating group being filled in (or the form's first group)."""
        groups = list(self.query(GroupRows))
        if not groups:
            self.say("This form has no repeating group.", warn=True)
            return
        group = next(
            (g for g in groups if self.current and g.item.name == self.current[0]), groups[0]
        )
        cell = await group.add_row()
        cell.editor.focus()
        cell.scroll_visible()

    def action_find(self) -> None:
        """Open the find line under the full text (Enter finds the next match)."""
        if self.has_class("narrow") and not self.has_class("show-text"):
            self.add_class("show-text")
        find = self.query_one("#find", Input)
        find.display = True
        find.value = self.find_text
        find.focus()

    @on(Input.Submitted, "#find")
    def _find_next(self, event: Input.Submitted) -> None:
        event.stop()
        self.find_text = event.value
        if not event.value:
            return
        matches = self.query_one("#fulltext", ReportArea).find_next(event.value)
        if matches:
            found = "1 match" if matches == 1 else f"{matches} matches"
            self.say(f"{found}; Enter for the next, ctrl+s takes it as the source.")
        else:
            self.say(f"{event.value!r} is not in the text.", warn=True)

    def action_complete(self) -> None:
        """Mark the study complete (refused, naming them, while required fields are empty)."""
        study = self.study
        if study is None:
            return
        self.flush()
        self.queue_write(_job(complete_job, self.review, study.group_id))

    async def action_move(self, step: int) -> None:
        """Go to the previous or next study of the list (the typed value is saved first)."""
        if not self.studies:
            return
        self.flush()
        self.index = (self.index + step) % len(self.studies)
        await self.show_study()

    async def action_leave(self, quit_app: bool) -> None:
        """Leave (Esc: back, q: quit), sending the value being typed first."""
        find = self.query_one("#find", Input)
        if not quit_app and find.has_focus:
            find.display = False
            self.remove_class("show-text")  # stacked: back to the form
            self._focus_current()
            return
        self.flush()
        if quit_app:
            await self.review_app.action_quit()
        else:
            self.app.pop_screen()

    def on_unmount(self) -> None:
        """Last resort (ctrl+q, a closed terminal): write what is still typed, here and now."""
        pending = self.pending_fields()
        study = self.study
        if not pending or study is None:
            return
        for item in pending:
            result = save_job(self.review, study.group_id, item.key, item.value)
            item.saved = item.value
            if not result.ok:
                self.app.notify(result.message, title="Not saved", severity="warning")


def _job(function: Callable[..., Saved], *args: Any) -> Callable[[], Saved]:
    """Bind a job's arguments (the queue calls it without any)."""
    return lambda: function(*args)

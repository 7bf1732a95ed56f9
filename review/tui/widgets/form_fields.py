"""The extraction form's widgets: one cell per field (or group cell), keyboard first.

Every editor posts :class:`FieldEdited` with the raw value the reviewer gave;
the screen checks it (the one-line messages of ``review.extraction.parse``)
and queues the write. Choice and boolean fields are a focusable list picked
with the digit keys (a multi choice toggles); text, number and date fields
are :class:`~textual.widgets.Input` s, sent when they lose focus or on Enter.
Each cell shows its label, its instructions while focused, and its source
(``p. 4 "quote"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.dom import NoScreen
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from protocols.model import ExtractionField
from review.extraction.render import format_value
from review.extraction.state import Key

#: Labels of a boolean field's two choices (1 = yes, 2 = no).
BOOLEAN = ("Yes", "No")


def source_text(page: int | None, quote: str | None) -> str:
    """Return a source as the form shows it: ``p. 4 "quote"``."""
    parts = []
    if page is not None:
        parts.append(f"p. {page}")
    if quote:
        parts.append(f'"{quote}"')
    return " ".join(parts)


@dataclass
class FieldEdited(Message):
    """The reviewer gave a field a value (raw: text, a choice label, a list, a bool, None)."""

    key: Key
    raw: Any


def emit(widget: Widget, key: Key, raw: Any) -> None:
    """Hand an edit to the screen: at once if it takes edits (``field_edited``), else a message.

    The direct call saves the message's bubbling through every container
    between the field and the screen, a few milliseconds of each key-to-saved.
    """
    try:
        handler = getattr(widget.screen, "field_edited", None)
    except NoScreen:  # not on a screen (being removed): the message path
        handler = None
    if callable(handler):
        handler(key, raw)
    else:
        widget.post_message(FieldEdited(key, raw))


class ChoiceField(Widget, can_focus=True):
    """A numbered list of choices: digits choose (multi choice: toggle), Backspace clears."""

    DEFAULT_CSS = """
    ChoiceField { height: auto; padding: 0 1; }
    ChoiceField:focus { background: $boost; }
    """

    def __init__(self, key: Key, item: ExtractionField, value: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.item = item
        self.choices = BOOLEAN if item.type == "boolean" else item.choices
        self.value = value

    def set_value(self, value: Any) -> None:
        """Show a value (the saved one, or the one just picked)."""
        self.value = value
        self.refresh(layout=True)

    def _chosen(self, index: int) -> bool:
        label = self.choices[index]
        if self.item.type == "boolean":
            return self.value is (index == 0)
        if self.item.type == "multi_choice":
            return label in (self.value or [])
        return bool(self.value == label)

    def render(self) -> Content:
        multi = self.item.type == "multi_choice"
        lines = []
        for index, label in enumerate(self.choices):
            on = self._chosen(index)
            mark = ("[x]" if on else "[ ]") if multi else ("(•)" if on else "( )")
            number = str(index + 1) if index < 9 else " "
            lines.append(Content.assemble((f"{number} {mark} ", "bold" if on else ""), label))
        return Content("\n").join(lines)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return max(1, len(self.choices))

    def on_key(self, event: events.Key) -> None:
        """Digits pick, Backspace clears; other keys go on to the screen."""
        if event.key == "backspace":
            event.stop()
            event.prevent_default()
            self._edit(None)
            return
        char = event.character or ""
        if len(char) == 1 and char in "123456789":
            event.stop()
            event.prevent_default()
            number = int(char)
            if self.item.type == "boolean":
                if number <= 2:
                    self._edit(number == 1)
                else:
                    emit(self, self.key, str(number))  # refused: 1 or 2
            elif number > len(self.choices):
                emit(self, self.key, char)  # the screen says which exist
            elif self.item.type == "multi_choice":
                label = self.choices[number - 1]
                now = list(self.value or [])
                now = [c for c in now if c != label] if label in now else [*now, label]
                self._edit([c for c in self.choices if c in now] or None)
            else:
                self._edit(self.choices[number - 1])

    def _edit(self, value: Any) -> None:
        self.set_value(value)
        emit(self, self.key, value)


class TextField(Input):
    """A text, number or date field: sent when it loses focus or on Enter, if changed."""

    def __init__(self, key: Key, item: ExtractionField, value: Any, **kwargs: Any) -> None:
        placeholder = {
            "integer": "a whole number",
            "number": "a number",
            "date": "YYYY-MM-DD",
        }.get(item.type, "")
        if item.type in ("choice", "multi_choice"):
            placeholder = f"1-{len(item.choices)} or the label"
        super().__init__(format_value(value), placeholder=placeholder, compact=True, **kwargs)
        self.key = key
        self.item = item
        #: The text of the value last saved (or loaded): unchanged text is not sent again.
        self.saved = format_value(value)

    @property
    def pending(self) -> bool:
        """Whether the reviewer typed something not yet sent."""
        return self.value != self.saved

    def send(self) -> None:
        """Send the typed value if it changed (the screen checks and writes it)."""
        if self.pending:  # the screen marks it sent when it queues the write
            emit(self, self.key, self.value)

    def set_value(self, value: Any) -> None:
        """Show a saved value (not while the reviewer is typing in the field)."""
        text = format_value(value)
        if not self.has_focus or self.value == self.saved:
            self.value = text
        self.saved = text

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.send()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.send()

    def on_input_blurred(self, event: Input.Blurred) -> None:
        event.stop()  # sent already, on the blur itself


Editor = ChoiceField | TextField


def editor_for(key: Key, item: ExtractionField, value: Any) -> Editor:
    """Return the editor of a field: a choice list or an Input."""
    if item.type in ("choice", "multi_choice", "boolean"):
        return ChoiceField(key, item, value, classes="editor")
    return TextField(key, item, value, classes="editor")


class FieldCell(Vertical):
    """One field (or one cell of a repeating group): label, editor, instructions, source."""

    DEFAULT_CSS = """
    FieldCell { height: auto; margin-bottom: 1; }
    FieldCell .label { color: $text-accent; }
    FieldCell:focus-within .label { text-style: bold reverse; }
    FieldCell .instructions { display: none; color: $text-muted; text-style: italic; }
    FieldCell:focus-within .instructions { display: block; }
    FieldCell .source { color: $text-muted; height: auto; }
    FieldCell .source.none { display: none; }
    FieldCell TextField { margin: 0 1; }
    """

    def __init__(
        self,
        key: Key,
        item: ExtractionField,
        value: Any,
        source: tuple[int | None, str | None] = (None, None),
        label: str = "",
    ) -> None:
        super().__init__(classes="field")
        self.key = key
        self.item = item
        self.editor = editor_for(key, item, value)
        self.label_text = label or item.label + (" *" if item.required else "")
        self.source = source
        self.comment = ""

    def compose(self) -> ComposeResult:
        yield Static(self.label_text, classes="label", markup=False)
        yield self.editor
        if self.item.instructions:
            yield Static(self.item.instructions, classes="instructions", markup=False)
        line = self._source_line()
        yield Static(line, classes="source", markup=False).set_class(not line, "none")

    def _source_line(self) -> str:
        shown = source_text(*self.source)
        parts = [f"source: {shown}"] if shown else []
        if self.comment:
            parts.append(f"comment: {self.comment}")
        return " · ".join(parts)

    def set_value(self, value: Any) -> None:
        """Show a saved value."""
        self.editor.set_value(value)

    def set_source(self, page: int | None, quote: str | None) -> None:
        """Show a saved source."""
        self.source = (page, quote)
        self._show_line()

    def set_comment(self, comment: str) -> None:
        """Show a saved comment (an appraisal's reasoning, a caveat)."""
        self.comment = comment
        self._show_line()

    def _show_line(self) -> None:
        if self.is_mounted:
            line = self._source_line()
            shown = self.query_one(".source", Static)
            shown.update(line)
            shown.set_class(not line, "none")


class GroupRows(Vertical):
    """A repeating group: its label, then one block of column cells per row."""

    DEFAULT_CSS = """
    GroupRows { height: auto; margin-bottom: 1; }
    GroupRows .group-label { color: $text-accent; text-style: bold; }
    GroupRows .group-help { color: $text-muted; text-style: italic; }
    GroupRows .row-label { text-style: underline; }
    GroupRows .row { height: auto; padding-left: 2; }
    """

    def __init__(
        self,
        item: ExtractionField,
        values: dict[Key, Any],
        sources: dict[Key, tuple[int | None, str | None]],
    ) -> None:
        super().__init__(classes="group")
        self.item = item
        self.values = values
        self.sources = sources
        numbers = {row for (name, row, _), v in values.items() if name == item.name and row}
        self.rows = max(numbers, default=1)

    def compose(self) -> ComposeResult:
        required = " *" if self.item.required else ""
        yield Static(
            f"{self.item.label}{required} (ctrl+r adds a row)", classes="group-label", markup=False
        )
        if self.item.instructions:
            yield Static(self.item.instructions, classes="group-help", markup=False)
        for row in range(1, self.rows + 1):
            yield self._row(row)

    def _row(self, row: int) -> Vertical:
        cells = []
        for column in self.item.fields:
            key = (self.item.name, row, column.name)
            cells.append(
                FieldCell(key, column, self.values.get(key), self.sources.get(key, (None, None)))
            )
        return Vertical(Static(f"Row {row}", classes="row-label"), *cells, classes="row")

    async def add_row(self) -> FieldCell:
        """Add an empty row and return its first cell (nothing is written until typed in)."""
        self.rows += 1
        block = self._row(self.rows)
        await self.mount(block)
        return block.query(FieldCell).first()

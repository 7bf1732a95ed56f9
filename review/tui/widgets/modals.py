"""Small dialogs of the screening screens: reason picker, text input, notices.

Each is a ``ModalScreen`` that answers through ``dismiss``, so a screen
pushes it with a callback and never waits (keys stay responsive).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

#: What a reason picker answers for "exclude without a reason".
NO_REASON = ""

R = TypeVar("R")


class Dialog(ModalScreen[R]):
    """A small box in the middle of the screen; the screen below stays visible.

    The rules live here rather than in a screen's .tcss because any screen
    may push a dialog.
    """

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }
    Dialog .dialog {
        width: 70;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    Dialog .dialog-title {
        text-style: bold;
        color: $text-accent;
        margin-bottom: 1;
    }
    Dialog .dialog-hint {
        color: $text-muted;
    }
    Dialog .dialog #reasons {
        height: auto;
        max-height: 12;
    }
    Dialog .notice-body {
        height: auto;
        max-height: 14;
    }
    Dialog .dialog-buttons {
        height: auto;
        margin-top: 1;
    }
    Dialog .dialog-buttons Button {
        margin-right: 2;
    }
    """


class ReasonPicker(Dialog[str | None]):
    """Pick an exclusion reason with a digit key (or the mouse).

    Answers the reason, :data:`NO_REASON` (``0``, when allowed), or None (Esc).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="reason.cancel"),
    ]

    def __init__(self, reasons: tuple[str, ...], title: str, allow_none: bool) -> None:
        super().__init__()
        self.reasons = reasons
        self.title_text = title
        self.allow_none = allow_none

    def compose(self) -> ComposeResult:
        options = [Option(f"{i}  {r}", id=str(i)) for i, r in enumerate(self.reasons, 1)]
        if self.allow_none:
            options.append(Option("0  no reason", id="0"))
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*options, id="reasons")
            yield Label("Press a digit, or Esc to cancel.", classes="dialog-hint")

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit():
            event.stop()
            self._choose(event.character)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id or "")

    def _choose(self, digit: str) -> None:
        if digit == "0" and self.allow_none:
            self.dismiss(NO_REASON)
        elif digit.isdigit() and 1 <= int(digit) <= len(self.reasons):
            self.dismiss(self.reasons[int(digit) - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(Dialog[str | None]):
    """Ask for one line of text (a note, a search); Enter answers it, Esc answers None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self, title: str, value: str = "", placeholder: str = "", *, password: bool = False
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(
                self.value, placeholder=self.placeholder, password=self.password, id="prompt-input"
            )
            yield Label("Enter to save, Esc to cancel.", classes="dialog-hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Notice(Dialog[bool]):
    """A text to read before going on: answers True to continue, False to leave.

    Used for the content notice, the break reminder and the session summary
    (the last two with ``leave=""``: one button only).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go_on", "Continue", id="notice.continue"),
        Binding("escape", "leave", "Leave", id="notice.leave"),
    ]

    def __init__(self, title: str, text: str, go_on: str = "Continue", leave: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.go_on = go_on
        self.leave = leave

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog notice"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="notice-body"):
                yield Static(self.text, id="notice-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.go_on} (Enter)", id="go-on", variant="primary", compact=True)
                if self.leave:
                    yield Button(f"{self.leave} (Esc)", id="leave", compact=True)

    @on(Button.Pressed, "#go-on")
    def action_go_on(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#leave")
    def action_leave(self) -> None:
        self.dismiss(not self.leave)

"""The app's screens in one table: name, title, key, what they are for.

Plain data, with no textual import, so that ``review tui --start`` can offer
the names without loading the UI (``review --help`` stays fast). Everything
that lists screens reads this table: the ``--start`` choices, the command
palette, the dashboard's keys and buttons. ``review.tui.screens.registry``
maps each name to the screen it opens; a test checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    """One screen of the app.

    Attributes:
        name: The screen's name: a ``review tui --start`` choice, the
            argument of the app's ``open`` action.
        title: What the command palette lists.
        description: One line saying what it is for (palette help).
        key: The dashboard key that opens it (None: palette only).
        footer: The key's short label in the dashboard's footer ("": the key
            works but the footer does not list it).
        button: The label of its dashboard button (None: no button).
        via_dashboard: Close whatever is open down to the dashboard first, so
            that two screening sessions are never stacked.
    """

    name: str
    title: str
    description: str
    key: str | None = None
    footer: str = ""
    button: str | None = None
    via_dashboard: bool = False

    @property
    def action(self) -> str:
        """The app action that opens the screen (for bindings and the palette)."""
        return f"open('{self.name}')"

    @property
    def binding_id(self) -> str:
        """The id of the dashboard key's binding, for keymaps: ``home.full_text``."""
        return "home." + self.name.replace("-", "_")

    @property
    def key_display(self) -> str:
        """The key as shown on a button: ``/`` rather than ``slash``."""
        return {"slash": "/"}.get(self.key or "", self.key or "")


#: Every screen, in the order of the palette and the dashboard's footer.
SCREENS: tuple[ScreenEntry, ...] = (
    ScreenEntry(
        "screening",
        "Screen titles and abstracts",
        "Start screening",
        key="s",
        footer="Screen",
        button="Screen",
        via_dashboard=True,
    ),
    ScreenEntry(
        "full-text",
        "Screen full texts",
        "Screen the attached reports",
        key="f",
        footer="Full text",
        via_dashboard=True,
    ),
    ScreenEntry(
        "conflicts",
        "Conflicts",
        "Settle studies the reviewers disagree on",
        key="c",
        footer="Conflicts",
        button="Conflicts",
    ),
    ScreenEntry(
        "extraction",
        "Extract data",
        "Fill in the extraction form of the included studies",
        key="x",
    ),
    ScreenEntry(
        "gapmap",
        "Evidence gap map",
        "Included studies per cell of two choice fields; Enter lists a cell's studies",
        key="g",
    ),
    ScreenEntry(
        "search",
        "Search this review",
        "Keyword search; Enter opens a study",
        key="slash",
        footer="Search",
    ),
    ScreenEntry(
        "duplicates",
        "Review duplicates",
        "Decide the queued duplicate pairs",
        key="d",
        footer="Duplicates",
        button="Review duplicates",
    ),
    ScreenEntry(
        "sources",
        "Sources",
        "Every import; add a file, a Zotero library or a folder of PDFs",
        key="o",
    ),
    ScreenEntry("home", "Dashboard", "Records, screening, agreement at a glance"),
)

#: The names, in table order (the ``--start`` choices).
NAMES: tuple[str, ...] = tuple(entry.name for entry in SCREENS)
#: The screen the app opens on unless told otherwise.
HOME = "home"


def entry(name: str) -> ScreenEntry:
    """Return the entry called ``name``.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    for found in SCREENS:
        if found.name == name:
            return found
    raise ValueError(f"unknown screen {name!r}; choose one of {', '.join(NAMES)}")

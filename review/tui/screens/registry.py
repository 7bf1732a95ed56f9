"""The screen table's names mapped to the screens they open.

The table itself (titles, keys, descriptions) is plain data in
:mod:`review.tui.registry`, which the CLI reads without textual; this module
adds what only the UI needs: how to build each screen.
"""

from __future__ import annotations

from collections.abc import Callable

from protocols.model import Stage
from review.tui.registry import HOME, NAMES
from review.tui.screens.base import ReviewScreen
from review.tui.screens.conflicts import ConflictsScreen
from review.tui.screens.dashboard import HomeScreen
from review.tui.screens.dedup import DedupScreen
from review.tui.screens.detail import SearchScreen
from review.tui.screens.extraction import ExtractionScreen
from review.tui.screens.gapmap import GapMapScreen
from review.tui.screens.screening import ScreeningScreen
from review.tui.screens.sources import SourcesScreen

#: Name -> a new screen of that kind (``home`` is the dashboard at the bottom of the stack).
BUILDERS: dict[str, Callable[[], ReviewScreen]] = {
    "screening": lambda: ScreeningScreen(Stage.TITLE_ABSTRACT),
    "full-text": lambda: ScreeningScreen(Stage.FULL_TEXT),
    "conflicts": ConflictsScreen,
    "extraction": ExtractionScreen,
    "gapmap": GapMapScreen,
    "search": SearchScreen,
    "duplicates": DedupScreen,
    "sources": SourcesScreen,
    HOME: HomeScreen,
}

if set(BUILDERS) != set(NAMES):  # pragma: no cover - a table edit without a builder
    raise RuntimeError(f"screen table {sorted(NAMES)} and builders {sorted(BUILDERS)} differ")


def build(name: str) -> ReviewScreen:
    """Return a new screen for the table entry ``name``, tagged with that name.

    Raises:
        KeyError: for a name not in the table.
    """
    screen = BUILDERS[name]()
    screen.registry_name = name
    return screen

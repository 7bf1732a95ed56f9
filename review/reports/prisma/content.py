"""What each box of the PRISMA 2020 flow diagram says, shared by every renderer.

The SVG, HTML, Markdown, Mermaid and terminal renderers all draw the same
boxes; keeping their wording here means the diagram, the table under it and
the live dashboard can never disagree. Counts arrive keyed by the PRISMA2020
R package's data names (``database_results``, ``dbr_assessed``...) so a
review's numbers can be checked against that package's output.

A count of ``None`` means blind screening hides it: it renders as
"hidden (blind screening)", never as 0, so nobody mistakes a hidden count
for an empty stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HIDDEN = "hidden (blind screening)"

PHASES = ("Identification", "Screening", "Included")

HEADERS = {
    "previous": "Previous studies",
    "dbr": "Identification of new studies via databases and registers",
    "other": "Identification of new studies via other methods",
}

# Shorter column names for tables, where the headers would repeat on every row.
SOURCES = {
    "previous": "Previous studies",
    "dbr": "Databases and registers",
    "other": "Other methods",
}


@dataclass(frozen=True)
class Item:
    """One statement in a box: a heading (no value) or a labelled count.

    ``colon`` writes "label: n = 5" instead of "label (n = 5)", for labels
    that already end in a parenthesis (the named automation tool).
    """

    label: str
    value: str | None = None
    heading: bool = False
    indent: bool = False
    colon: bool = False

    @property
    def text(self) -> str:
        """The item as the diagram prints it."""
        if self.heading or self.value is None:
            return self.label
        if self.value == HIDDEN:
            return f"{self.label}: {HIDDEN}"
        if self.colon:
            return f"{self.label}: n = {self.value}"
        return f"{self.label} (n = {self.value})"


@dataclass(frozen=True)
class Box:
    """A box of the diagram: where it sits (phase, column) and what it says."""

    key: str
    phase: str
    column: str
    items: tuple[Item, ...]


def count(value: Any) -> str:
    """Format a count; ``None`` (hidden by blind screening) gets the hidden text."""
    if value is None:
        return HIDDEN
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return str(value)


def has_previous(data: Mapping[str, Any]) -> bool:
    """Whether the previous-studies column is drawn (an update of a review).

    Drawn for any update round (``round`` > 1), even when no earlier study
    was included, and whenever previous studies are counted.
    """
    value = data.get("previous_studies")
    update = isinstance(data.get("round"), int) and data["round"] > 1
    return update or (isinstance(value, int) and not isinstance(value, bool) and value != 0)


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``keys`` with a value, else ``None`` (hidden)."""
    return next((data[k] for k in keys if data.get(k) is not None), None)


def _awaiting(data: Mapping[str, Any], key: str) -> tuple[Item, ...]:
    value = data.get(key)
    if isinstance(value, int) and value > 0:
        return (Item("Awaiting classification", str(value)),)
    return ()


def _sum_reasons(reasons: list[Mapping[str, Any]]) -> str:
    values = [r.get("n") for r in reasons]
    if any(v is None for v in values):
        return HIDDEN
    return str(sum(int(v) for v in values if v is not None))


def _excluded(data: Mapping[str, Any], key: str) -> tuple[Item, ...]:
    reasons = data.get(key)
    if reasons is None:
        return (Item("Reports excluded", HIDDEN),)
    if not reasons:
        return (Item("Reports excluded", "0"),)
    head = Item("Reports excluded", _sum_reasons(reasons), colon=False)
    rows = tuple(Item(str(r.get("reason", "")), count(r.get("n")), indent=True) for r in reasons)
    return (head, *rows)


def _identified_dbr(data: Mapping[str, Any]) -> tuple[Item, ...]:
    items = [
        Item("Records identified from:", heading=True),
        Item("Databases", count(data.get("database_results"))),
    ]
    for db in data.get("database_specific_results") or []:
        items.append(Item(str(db.get("database", "")), count(db.get("n")), indent=True))
    items.append(Item("Registers", count(data.get("register_results"))))
    return tuple(items)


def _removed(data: Mapping[str, Any]) -> tuple[Item, ...]:
    tool = data.get("automation_tool")
    automatic = count(data.get("excluded_automatic"))
    if tool:
        auto = Item(f"Records removed by automation tools ({tool})", automatic, colon=True)
    else:
        auto = Item("Records marked as ineligible by automation tools", automatic)
    return (
        Item("Records removed before screening:", heading=True),
        Item("Duplicate records removed", count(data.get("duplicates"))),
        auto,
        Item("Records removed for other reasons", count(data.get("excluded_other"))),
    )


def diagram_boxes(data: Mapping[str, Any]) -> dict[str, Box]:
    """Every box of the diagram, keyed, in reading order (the table's order)."""
    previous = has_previous(data)
    ident, screen, incl = PHASES
    boxes: list[Box] = []
    if previous:
        boxes.append(
            Box(
                "previous",
                ident,
                "previous",
                (
                    Item(
                        "Studies included in previous version of review",
                        count(data.get("previous_studies")),
                    ),
                    Item(
                        "Reports of studies included in previous version of review",
                        count(data.get("previous_reports")),
                    ),
                ),
            )
        )
    boxes += [
        Box("dbr_identified", ident, "dbr", _identified_dbr(data)),
        Box("dbr_removed", ident, "dbr", _removed(data)),
        Box(
            "other_identified",
            ident,
            "other",
            (
                Item("Records identified from:", heading=True),
                Item("Websites", count(data.get("website_results"))),
                Item("Organisations", count(data.get("organisation_results"))),
                Item("Citation searching", count(data.get("citations_results"))),
            ),
        ),
        Box(
            "dbr_screened",
            screen,
            "dbr",
            (
                Item("Records screened", count(data.get("records_screened"))),
                *_awaiting(data, "awaiting_screening"),
            ),
        ),
        Box(
            "dbr_screen_excluded",
            screen,
            "dbr",
            (Item("Records excluded", count(data.get("records_excluded"))),),
        ),
        Box(
            "dbr_sought",
            screen,
            "dbr",
            (Item("Reports sought for retrieval", count(data.get("dbr_sought_reports"))),),
        ),
        Box(
            "dbr_notretrieved",
            screen,
            "dbr",
            (Item("Reports not retrieved", count(data.get("dbr_notretrieved_reports"))),),
        ),
        Box(
            "dbr_assessed",
            screen,
            "dbr",
            (
                Item("Reports assessed for eligibility", count(data.get("dbr_assessed"))),
                *_awaiting(data, "awaiting_assessment"),
            ),
        ),
        Box("dbr_excluded", screen, "dbr", _excluded(data, "dbr_excluded")),
        Box(
            "other_sought",
            screen,
            "other",
            (Item("Reports sought for retrieval", count(data.get("other_sought_reports"))),),
        ),
        Box(
            "other_notretrieved",
            screen,
            "other",
            (Item("Reports not retrieved", count(data.get("other_notretrieved_reports"))),),
        ),
        Box(
            "other_assessed",
            screen,
            "other",
            (Item("Reports assessed for eligibility", count(data.get("other_assessed"))),),
        ),
        Box("other_excluded", screen, "other", _excluded(data, "other_excluded")),
    ]
    if previous:
        boxes.append(
            Box(
                "included",
                incl,
                "dbr",
                (
                    Item("New studies included in review", count(data.get("new_studies"))),
                    Item("Reports of new included studies", count(data.get("new_reports"))),
                ),
            )
        )
        boxes.append(
            Box(
                "total",
                incl,
                "previous",
                (
                    Item("Total studies included in review", count(data.get("total_studies"))),
                    Item("Reports of total included studies", count(data.get("total_reports"))),
                ),
            )
        )
    else:
        # Without earlier studies the total is the new studies; take whichever is given.
        studies = _first(data, "total_studies", "new_studies")
        reports = _first(data, "total_reports", "new_reports")
        boxes.append(
            Box(
                "included",
                incl,
                "dbr",
                (
                    Item("Studies included in review", count(studies)),
                    Item("Reports of included studies", count(reports)),
                ),
            )
        )
    return {b.key: b for b in boxes}


def table_rows(data: Mapping[str, Any]) -> list[tuple[str, str, Item]]:
    """(phase, column header, item) for every counted item, in diagram order.

    Headings without a count are kept so the nesting of per-database and
    per-reason rows under them stays readable in a manuscript table.
    """
    return [
        (box.phase, SOURCES[box.column], item)
        for box in diagram_boxes(data).values()
        for item in box.items
    ]

"""What ``review check`` reports: one finding, naming the table and row."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing ``review check`` found wrong.

    Attributes:
        check: Which check found it: ``integrity``, ``foreign_keys``, ``derived``,
            ``audit``, ``chain`` or ``triggers``.
        table: The table concerned ("" when SQLite does not say).
        row: The row's id, or its key for a table without ids, or None.
        message: One line for the user, naming the table and row.
    """

    check: str
    table: str
    row: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

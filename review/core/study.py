"""Naming a study the way a user knows it: group id, record id or source id.

Every command that takes a ``STUDY`` (``review decide``, ``review extract``)
reads it here: its group id (what the TUI and the exports show), the
record's id in this review, or the record's own ID in the file it came from
(``source_id``). When those readings point at different studies, the user is
told and shown how to say which one (``group:12``, ``record:12``,
``source:12``), rather than a guess being acted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from review.core import db as cdb
from review.core.errors import UsageError

PREFIXES = ("group", "record", "source")


@dataclass(frozen=True, slots=True)
class Study:
    """The study a user named, and how the name was read.

    Attributes:
        group_id: The study (group) id.
        found_as: How the name matched, e.g. ``source id 1095 in wilson.csv``.
        title: The study's title, for the confirmation line.
    """

    group_id: int
    found_as: str
    title: str | None


def find_study(db: Database, text: str) -> Study:
    """Return the study ``text`` names: a group id, a record id or a source id.

    ``group:ID``, ``record:ID`` and ``source:ID`` name one reading only.

    Raises:
        UsageError: in one line, when nothing matches or readings disagree.
    """
    name = text.strip()
    kind, _, value = name.partition(":")
    if kind.lower() in PREFIXES and value.strip():
        readings = _readings(db, value.strip(), (kind.lower(),))
    else:
        readings = _readings(db, name, PREFIXES)
    groups = sorted({group for group, _ in readings})
    if not groups:
        raise UsageError(
            f"no study {name!r} in this review: not a group id, record id or source id"
            " (find one with `review search` or `review export records`)"
        )
    if len(groups) > 1:
        hows: dict[int, list[str]] = {}
        for group, how in readings:
            hows.setdefault(group, []).append(how)
        shown = "; ".join(f"group {g} as {' and '.join(hows[g])}" for g in groups[:5])
        more = f"; and {len(groups) - 5} more studies" if len(groups) > 5 else ""
        bare = value.strip() if kind.lower() in PREFIXES else name
        raise UsageError(
            f"study {name!r} is ambiguous: {shown}{more}; say which with"
            f" group:{bare}, record:{bare} or source:{bare}"
        )
    return Study(groups[0], readings[0][1], cdb.group_title(db, groups[0]))


def _readings(db: Database, value: str, kinds: Sequence[str]) -> list[tuple[int, str]]:
    """Return ``(group, how)`` for every way ``value`` names a study."""
    found: list[tuple[int, str]] = []
    number = int(value) if value.isdigit() and len(value) < 19 else None
    if "group" in kinds and number is not None and cdb.group_has_records(db, number):
        found.append((number, f"group id {number}"))
    if "record" in kinds and number is not None:
        ref = cdb.record(db, number)
        if ref is not None:
            found.append((ref.group_id, f"record id {number}"))
    if "source" in kinds:
        for ref in cdb.by_source_id(db, value):
            found.append((ref.group_id, f"source id {value} in {ref.file_name}"))
    return found

"""Attached full-text reports (their text only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from corpus.db.schema import transaction


def add_fulltext(
    db: Database,
    record_id: int,
    sha256: str,
    file_name: str,
    stored_as: str,
    pages: int,
    text: str,
    by: str,
    at: str,
    limited: str | None = None,
) -> int:
    """Store an attached report's text; returns its id.

    ``limited`` names the reading limit that cut the text short, if any.
    """
    with transaction(db) as conn:
        cur = conn.execute(
            "INSERT INTO fulltexts (record_id, sha256, file_name, stored_as, pages, text, "
            "attached_by, attached_at, limited) VALUES (?,?,?,?,?,?,?,?,?)",
            (record_id, sha256, file_name, stored_as, pages, text, by, at, limited),
        )
        return int(cur.lastrowid or 0)


def fulltexts_of_group(db: Database, group_id: int) -> list[dict[str, Any]]:
    """Return the reports attached to any record of a study, newest first."""
    cursor = db.execute(
        "SELECT f.id, f.record_id, f.file_name, f.stored_as, f.pages, f.text, f.attached_by, "
        "f.attached_at, f.limited FROM fulltexts f JOIN records r ON r.id = f.record_id "
        "WHERE r.group_id = ? ORDER BY f.id DESC",
        [group_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def match_candidates(db: Database) -> list[dict[str, Any]]:
    """Return every record's id, study, DOI, PMID, title, authors (JSON) and year.

    What bulk attach matches PDFs against; a few fields per record, so a
    review of tens of thousands of records reads in well under a second.
    """
    cursor = db.execute(
        "SELECT id, group_id, doi, pmid, title, authors, year FROM records ORDER BY id"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def attached_hashes(db: Database) -> dict[str, list[tuple[int, int]]]:
    """Return ``sha256 -> [(group id, record id)]`` of every attached report."""
    found: dict[str, list[tuple[int, int]]] = {}
    cursor = db.execute(
        "SELECT f.sha256, r.group_id, f.record_id FROM fulltexts f "
        "JOIN records r ON r.id = f.record_id ORDER BY f.id"
    )
    for sha, group, record in cursor:
        found.setdefault(sha, []).append((int(group), int(record)))
    return found


def groups_with_fulltext(db: Database, group_ids: Sequence[int]) -> set[int]:
    """Return those of ``group_ids`` (studies) with a report attached to any of their records."""
    ids = list(dict.fromkeys(int(g) for g in group_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        cursor = db.execute(
            "SELECT DISTINCT r.group_id FROM fulltexts f JOIN records r ON r.id = f.record_id "
            f"WHERE r.group_id IN ({marks})",
            chunk,
        )
        found.update(int(row[0]) for row in cursor)
    return found

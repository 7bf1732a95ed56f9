"""Attached full-text reports (their text only)."""

from __future__ import annotations

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
) -> int:
    """Store an attached report's text; returns its id."""
    with transaction(db) as conn:
        cur = conn.execute(
            "INSERT INTO fulltexts (record_id, sha256, file_name, stored_as, pages, text, "
            "attached_by, attached_at) VALUES (?,?,?,?,?,?,?,?)",
            (record_id, sha256, file_name, stored_as, pages, text, by, at),
        )
        return int(cur.lastrowid or 0)


def fulltexts_of_group(db: Database, group_id: int) -> list[dict[str, Any]]:
    """Return the reports attached to any record of a study, newest first."""
    cursor = db.execute(
        "SELECT f.id, f.record_id, f.file_name, f.stored_as, f.pages, f.text, f.attached_by, "
        "f.attached_at FROM fulltexts f JOIN records r ON r.id = f.record_id "
        "WHERE r.group_id = ? ORDER BY f.id DESC",
        [group_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]

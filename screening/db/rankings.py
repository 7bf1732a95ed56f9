"""What the ranking service reads: study texts, a fingerprint of the groups, titles.

Screening ranks studies (groups), so a group's text is its records' most
complete title and abstract, as the screening card shows them
(``corpus.dedup.merged_view`` takes the longest value of each field).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlite_utils import Database

from protocols.vocabulary import Stage


def groups_fingerprint(db: Database) -> str:
    """Return a cheap fingerprint of which records are in which group.

    Records are immutable except for their group (merges and their undo
    move them), so counts and sums over ids and group ids change whenever
    the feature matrix would: one scan, ~30 ms at 100k records.
    """
    row = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(MAX(id), 0), "
        "COALESCE(SUM(group_id), 0), COALESCE(SUM((id * group_id) % 1000003), 0) FROM records"
    ).fetchone()
    return ":".join(str(v) for v in row)


def _merge(rows: Iterator[tuple[int, str | None, str | None]]) -> Iterator[tuple[int, str, str]]:
    group: int | None = None
    title = abstract = ""
    for gid, t, a in rows:
        if gid != group:
            if group is not None:
                yield group, title, abstract
            group, title, abstract = gid, "", ""
        if t and len(t) > len(title):
            title = t
        if a and len(a) > len(abstract):
            abstract = a
    if group is not None:
        yield group, title, abstract


def group_texts(
    db: Database, group_ids: Sequence[int] | None = None
) -> Iterator[tuple[int, str, str]]:
    """Yield ``(group id, title, abstract)`` per study, group ids ascending.

    Args:
        group_ids: Only these groups (None: every group that has records).
    """
    if group_ids is None:
        rows = db.execute("SELECT group_id, title, abstract FROM records ORDER BY group_id")
        yield from _merge(rows)
        return
    ids = sorted({int(g) for g in group_ids})
    for start in range(0, len(ids), 500):
        chunk = "[" + ",".join(str(g) for g in ids[start : start + 500]) + "]"
        rows = db.execute(
            "SELECT group_id, title, abstract FROM records "
            "WHERE group_id IN (SELECT value FROM json_each(?)) ORDER BY group_id",
            [chunk],
        )
        yield from _merge(rows)


def record_groups(db: Database) -> list[tuple[int, int]]:
    """Return ``(record id, group id)`` of every record, record ids ascending."""
    return [(int(r), int(g)) for r, g in db.execute("SELECT id, group_id FROM records ORDER BY id")]


def ranking_size(db: Database, model_version: str, stage: Stage) -> int:
    """Return how many groups a stored ranking orders (the "of N" of a rank)."""
    row = db.execute(
        "SELECT COUNT(*) FROM rankings WHERE model_version = ? AND stage = ?",
        [model_version, stage],
    ).fetchone()
    return int(row[0])


def ranking_top(
    db: Database, model_version: str, stage: Stage, limit: int
) -> list[tuple[int, float]]:
    """Return ``(group id, score)`` of a stored ranking's first ``limit`` groups."""
    rows = db.execute(
        "SELECT group_id, score FROM rankings WHERE model_version = ? AND stage = ? "
        "ORDER BY rank LIMIT ?",
        [model_version, stage, limit],
    ).fetchall()
    return [(int(g), float(s) if s is not None else 0.0) for g, s in rows]


def database_path(db: Database) -> str:
    """Return the file behind a connection ("" in memory): the key of per-review caches."""
    for _, name, path in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return str(path or "")
    return ""

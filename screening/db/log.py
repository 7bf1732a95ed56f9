"""Reading and appending events: reviewers, sessions, unblinding, flags, decisions.

Functions named ``raw_*`` return what other reviewers decided; only
``screening.blind`` calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening.db.schema import LABELS

# --- reviewers, sessions, unblinding (no decisions revealed) -------------------


def reviewer_role(db: Database, name: str) -> str | None:
    """Return a reviewer's role, or None for a name not seen before."""
    row = db.execute("SELECT role FROM reviewers WHERE name = ?", [name]).fetchone()
    return None if row is None else str(row[0])


def reviewers(db: Database) -> list[dict[str, str]]:
    """Return every reviewer with role and creation time, by name."""
    rows = db.execute("SELECT name, role, created FROM reviewers ORDER BY name").fetchall()
    return [{"name": n, "role": r, "created": c} for n, r, c in rows]


def ensure_reviewer(db: Database, name: str, role: str | None, at: str) -> None:
    """Register a reviewer; with a role, set it (call inside a transaction)."""
    db.execute(
        "INSERT INTO reviewers (name, role, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [name, role or "reviewer", at],
    )
    if role is not None:
        db.execute("UPDATE reviewers SET role = ? WHERE name = ?", [role, name])


def insert_session(db: Database, reviewer: str, stage: Stage, at: str, client: str | None) -> int:
    """Append a screening session (call inside a transaction)."""
    cur = db.execute(
        "INSERT INTO screening_sessions (reviewer, stage, started, client) VALUES (?, ?, ?, ?)",
        [reviewer, stage, at, client],
    )
    return int(cur.lastrowid or 0)


def last_session(db: Database, reviewer: str, stage: Stage) -> tuple[int, str] | None:
    """Return ``(id, started)`` of the reviewer's latest session at a stage."""
    row = db.execute(
        "SELECT id, started FROM screening_sessions WHERE reviewer = ? AND stage = ? "
        "ORDER BY id DESC LIMIT 1",
        [reviewer, stage],
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def session_decisions(db: Database, session_id: int) -> tuple[int, str | None]:
    """Return ``(groups decided, time of the last decision)`` in a session.

    Groups, not events: a note added or a decision changed is not a record more.
    """
    row = db.execute(
        "SELECT COUNT(DISTINCT group_id), MAX(time) FROM decisions "
        "WHERE session_id = ? AND label != 'undo'",
        [session_id],
    ).fetchone()
    return int(row[0]), row[1]


def unblinded(db: Database) -> dict[str, dict[str, str]]:
    """Return stage -> {by, time} of the first unblinding of each unblinded stage."""
    rows = db.execute("SELECT stage, by, time FROM unblinded ORDER BY id").fetchall()
    out: dict[str, dict[str, str]] = {}
    for stage, by, time in rows:
        out.setdefault(stage, {"by": by, "time": time})
    return out


def insert_unblind(db: Database, stage: Stage, by: str, at: str) -> int:
    """Append an unblinding event (the trigger refuses a non-lead)."""
    cur = db.execute("INSERT INTO unblinded (stage, by, time) VALUES (?, ?, ?)", [stage, by, at])
    return int(cur.lastrowid or 0)


# --- groups and report flags ----------------------------------------------------


def group_has_records(db: Database, group_id: int) -> bool:
    """Tell whether a group is a current study (merges can leave groups empty)."""
    row = db.execute("SELECT 1 FROM records WHERE group_id = ? LIMIT 1", [group_id]).fetchone()
    return row is not None


def study_count(db: Database) -> int:
    """Return the number of groups that have records (eligible at title/abstract)."""
    row = db.execute("SELECT COUNT(DISTINCT group_id) FROM records").fetchone()
    return int(row[0] or 0)


def insert_report_flag(
    db: Database, group_id: int, flag: str, reviewer: str, note: str | None, at: str
) -> int:
    """Append a full-text report flag (``not_retrieved`` or ``retrieved``)."""
    cur = db.execute(
        "INSERT INTO report_flags (group_id, flag, reviewer, note, time) VALUES (?, ?, ?, ?, ?)",
        [group_id, flag, reviewer, note, at],
    )
    return int(cur.lastrowid or 0)


def report_flag(db: Database, group_id: int) -> str | None:
    """Return the latest report flag of a group, if any."""
    row = db.execute(
        "SELECT flag FROM report_flags WHERE group_id = ? ORDER BY id DESC LIMIT 1", [group_id]
    ).fetchone()
    return None if row is None else str(row[0])


# --- decision events ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the decision log (a decision, an amendment or an undo)."""

    id: int
    group_id: int
    stage: Stage
    reviewer: str
    label: str
    reason: str | None
    note: str | None
    retracts: int | None
    time: str
    model_version: str | None
    rank_shown: int | None
    score_shown: float | None
    session_id: int | None


_EVENT_COLUMNS = (
    "d.id, d.group_id, d.stage, d.reviewer, d.label, d.reason, d.note, d.retracts, d.time, "
    "d.model_version, d.rank_shown, d.score_shown, d.session_id"
)


def insert_event(db: Database, e: Event) -> int:
    """Append a decision event (``e.id`` is ignored; call inside a transaction)."""
    cur = db.execute(
        "INSERT INTO decisions (group_id, stage, reviewer, label, reason, note, retracts, time, "
        "model_version, rank_shown, score_shown, session_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            e.group_id,
            e.stage,
            e.reviewer,
            e.label,
            e.reason,
            e.note,
            e.retracts,
            e.time,
            e.model_version,
            e.rank_shown,
            e.score_shown,
            e.session_id,
        ],
    )
    return int(cur.lastrowid or 0)


def raw_events(
    db: Database,
    *,
    reviewer: str | None,
    stage: Stage | None = None,
    group_id: int | None = None,
    history: bool = False,
) -> list[Event]:
    """Return current decisions (or, with ``history``, every event) matching the filters.

    ``reviewer`` has no default so that every caller decides whose rows it reads.
    """
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("reviewer", reviewer), ("stage", stage), ("group_id", group_id)):
        if value is not None:
            # Column names are constants of this loop; values are placeholders.
            where.append(("d." if history else "c.") + column + " = ?")
            params.append(value)
    if history:
        sql = "SELECT " + _EVENT_COLUMNS + " FROM decisions d"
        order = " ORDER BY d.id"
    else:
        sql = (
            "SELECT " + _EVENT_COLUMNS + " FROM current_decisions c "
            "JOIN decisions d ON d.id = c.event_id"
        )
        order = " ORDER BY c.group_id, c.stage, c.reviewer"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [Event(*row) for row in db.execute(sql + order, params).fetchall()]


def raw_latest_current(db: Database, stage: Stage, reviewer: str) -> Event | None:
    """Return a reviewer's most recent decision that is still current at a stage."""
    row = db.execute(
        "SELECT " + _EVENT_COLUMNS + " FROM current_decisions c "
        "JOIN decisions d ON d.id = c.event_id "
        "WHERE c.stage = ? AND c.reviewer = ? ORDER BY c.event_id DESC LIMIT 1",
        [stage, reviewer],
    ).fetchone()
    return None if row is None else Event(*row)


def raw_label_counts(db: Database, stage: Stage, reviewer: str | None) -> dict[str, dict[str, int]]:
    """Return reviewer -> label -> current decisions at a stage (one reviewer or all)."""
    rows = db.execute(
        "SELECT reviewer, label, COUNT(*) FROM current_decisions "
        "WHERE stage = ? AND (? IS NULL OR reviewer = ?) GROUP BY reviewer, label",
        [stage, reviewer, reviewer],
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for name, label, n in rows:
        out.setdefault(name, dict.fromkeys(LABELS, 0))[label] = int(n)
    return out


def raw_group_labels(db: Database, stage: Stage, group_id: int) -> dict[str, str]:
    """Return reviewer -> current label on a study at a stage, over its merged groups.

    A reviewer who labelled groups now merged into one study differently shows
    every label, ``"exclude / include"`` (see ``screening.merges``).
    """
    rows = db.execute(
        "SELECT reviewer, label FROM study_votes WHERE stage = ? AND study_id = ? "
        "ORDER BY reviewer, label",
        [stage, group_id],
    ).fetchall()
    out: dict[str, str] = {}
    for reviewer, label in rows:
        name = str(reviewer)
        out[name] = f"{out[name]} / {label}" if name in out else str(label)
    return out


def raw_pair_tables(db: Database, stage: Stage) -> list[tuple[str, str, str, str, int]]:
    """Return ``(reviewer a, reviewer b, label a, label b, groups)`` with a < b.

    The contingency table of every reviewer pair over the groups both decided.
    """
    return [
        (ra, rb, la, lb, int(n))
        for ra, rb, la, lb, n in db.execute(
            "SELECT a.reviewer, b.reviewer, a.label, b.label, COUNT(*) "
            "FROM current_decisions a JOIN current_decisions b "
            "ON b.stage = a.stage AND b.group_id = a.group_id AND b.reviewer > a.reviewer "
            "WHERE a.stage = ? GROUP BY 1, 2, 3, 4",
            [stage],
        ).fetchall()
    ]


# --- resolutions ------------------------------------------------------------------


def raw_resolution(db: Database, stage: Stage, group_id: int) -> dict[str, Any] | None:
    """Return the resolution in force for a group at a stage (reopened ones are not)."""
    row = db.execute(
        "SELECT s.id, s.label, s.method, s.resolver, s.note, s.time FROM current_resolutions r "
        "JOIN resolutions s ON s.id = r.event_id WHERE r.stage = ? AND r.group_id = ?",
        [stage, group_id],
    ).fetchone()
    names = ("id", "label", "method", "resolver", "note", "time")
    return None if row is None else dict(zip(names, row, strict=True))


def insert_resolution(
    db: Database,
    group_id: int,
    stage: Stage,
    resolver: str,
    label: str,
    method: str | None,
    note: str | None,
    at: str,
) -> int:
    """Append a resolution (or a ``reopen``) event; call inside a transaction."""
    cur = db.execute(
        "INSERT INTO resolutions (group_id, stage, resolver, label, method, note, time) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [group_id, stage, resolver, label, method, note, at],
    )
    return int(cur.lastrowid or 0)

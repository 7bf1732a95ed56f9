"""All SQL of the screening layer: schema, triggers, writes and reads.

The audit log is append-only: ``decisions``, ``resolutions``, ``unblinded``,
``report_flags`` and ``screening_sessions`` refuse UPDATE and DELETE in
triggers, so a change of mind is a new event and an undo is an event that
retracts the reviewer's current decision. ``current_decisions``,
``group_tallies`` and ``current_resolutions`` are derived from the log by
triggers in the same transaction, so that the next record, counts and
conflicts are index look-ups at 100k groups; :func:`rebuild_derived` can
always recompute them from the log.

Functions named ``raw_*`` return what other reviewers decided. Only
``screening.blind`` may call them (a test checks it), which is what keeps
blind screening blind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus.db import transaction

TITLE_ABSTRACT = "title_abstract"
FULL_TEXT = "full_text"
STAGES: tuple[str, ...] = (TITLE_ABSTRACT, FULL_TEXT)
LABELS: tuple[str, ...] = ("include", "exclude", "maybe")
UNDO = "undo"
ROLES: tuple[str, ...] = ("reviewer", "lead")
METHODS: tuple[str, ...] = ("third_reviewer", "consensus")

migrations = Migrations("screening")


def _append_only(table: str) -> list[str]:
    # Table names come from the constant schema below, never from input.
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    ]


_STAGE_CHECK = "CHECK (stage IN ('title_abstract', 'full_text'))"

_SCHEMA: list[str] = [
    """CREATE TABLE reviewers (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('reviewer', 'lead')),
        created TEXT NOT NULL)""",
    "CREATE TRIGGER reviewers_no_delete BEFORE DELETE ON reviewers "
    "BEGIN SELECT RAISE(ABORT, 'reviewers are kept: decisions refer to them'); END",
    f"""CREATE TABLE screening_sessions (
        id INTEGER PRIMARY KEY,
        reviewer TEXT NOT NULL REFERENCES reviewers(name),
        stage TEXT NOT NULL {_STAGE_CHECK},
        started TEXT NOT NULL,
        client TEXT)""",
    "CREATE INDEX screening_sessions_reviewer ON screening_sessions(reviewer, stage, id)",
    f"""CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        stage TEXT NOT NULL {_STAGE_CHECK},
        reviewer TEXT NOT NULL REFERENCES reviewers(name),
        label TEXT NOT NULL CHECK (label IN ('include', 'exclude', 'maybe', 'undo')),
        reason TEXT,
        note TEXT,
        retracts INTEGER REFERENCES decisions(id),
        time TEXT NOT NULL,
        model_version TEXT,
        rank_shown INTEGER,
        score_shown REAL,
        session_id INTEGER REFERENCES screening_sessions(id),
        CHECK ((label = 'undo') = (retracts IS NOT NULL)),
        CHECK (reason IS NULL OR label = 'exclude'))""",
    "CREATE INDEX decisions_key ON decisions(stage, group_id, reviewer, id)",
    "CREATE INDEX decisions_reviewer ON decisions(reviewer, stage, id)",
    "CREATE UNIQUE INDEX decisions_retracts ON decisions(retracts) WHERE retracts IS NOT NULL",
    "CREATE INDEX decisions_session ON decisions(session_id) WHERE session_id IS NOT NULL",
    *_append_only("decisions"),
    """CREATE TABLE current_decisions (
        stage TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        reviewer TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        PRIMARY KEY (stage, group_id, reviewer)) WITHOUT ROWID""",
    "CREATE INDEX current_decisions_reviewer ON current_decisions(stage, reviewer, event_id)",
    """CREATE TABLE group_tallies (
        stage TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        n INTEGER NOT NULL DEFAULT 0,
        n_include INTEGER NOT NULL DEFAULT 0,
        n_exclude INTEGER NOT NULL DEFAULT 0,
        n_maybe INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (stage, group_id)) WITHOUT ROWID""",
    "CREATE INDEX group_tallies_passing ON group_tallies(stage, n_exclude, n)",
    """CREATE TRIGGER current_decisions_in AFTER INSERT ON current_decisions BEGIN
        INSERT INTO group_tallies (stage, group_id) VALUES (NEW.stage, NEW.group_id)
            ON CONFLICT DO NOTHING;
        UPDATE group_tallies SET n = n + 1, n_include = n_include + (NEW.label = 'include'),
            n_exclude = n_exclude + (NEW.label = 'exclude'),
            n_maybe = n_maybe + (NEW.label = 'maybe')
            WHERE stage = NEW.stage AND group_id = NEW.group_id;
    END""",
    """CREATE TRIGGER current_decisions_out AFTER DELETE ON current_decisions BEGIN
        UPDATE group_tallies SET n = n - 1, n_include = n_include - (OLD.label = 'include'),
            n_exclude = n_exclude - (OLD.label = 'exclude'),
            n_maybe = n_maybe - (OLD.label = 'maybe')
            WHERE stage = OLD.stage AND group_id = OLD.group_id;
    END""",
    # An undo must retract exactly the reviewer's current decision: with this
    # check in the database, two windows of one reviewer cannot undo twice.
    """CREATE TRIGGER decisions_undo_check BEFORE INSERT ON decisions
        WHEN NEW.label = 'undo' BEGIN
        SELECT RAISE(ABORT, 'an undo must retract the current decision')
        WHERE NEW.retracts IS NOT (SELECT event_id FROM current_decisions
            WHERE stage = NEW.stage AND group_id = NEW.group_id AND reviewer = NEW.reviewer);
    END""",
    """CREATE TRIGGER decisions_label AFTER INSERT ON decisions
        WHEN NEW.label != 'undo' BEGIN
        DELETE FROM current_decisions
            WHERE stage = NEW.stage AND group_id = NEW.group_id AND reviewer = NEW.reviewer;
        INSERT INTO current_decisions (stage, group_id, reviewer, event_id, label)
            VALUES (NEW.stage, NEW.group_id, NEW.reviewer, NEW.id, NEW.label);
    END""",
    """CREATE TRIGGER decisions_undo AFTER INSERT ON decisions
        WHEN NEW.label = 'undo' BEGIN
        DELETE FROM current_decisions
            WHERE stage = NEW.stage AND group_id = NEW.group_id AND reviewer = NEW.reviewer;
        INSERT INTO current_decisions (stage, group_id, reviewer, event_id, label)
            SELECT d.stage, d.group_id, d.reviewer, d.id, d.label FROM decisions d
            WHERE d.stage = NEW.stage AND d.group_id = NEW.group_id
              AND d.reviewer = NEW.reviewer AND d.label != 'undo'
              AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.retracts = d.id)
            ORDER BY d.id DESC LIMIT 1;
    END""",
    f"""CREATE TABLE resolutions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        stage TEXT NOT NULL {_STAGE_CHECK},
        resolver TEXT NOT NULL REFERENCES reviewers(name),
        label TEXT NOT NULL CHECK (label IN ('include', 'exclude', 'reopen')),
        method TEXT CHECK (method IN ('third_reviewer', 'consensus')),
        note TEXT,
        time TEXT NOT NULL,
        CHECK ((label = 'reopen') = (method IS NULL)))""",
    "CREATE INDEX resolutions_key ON resolutions(stage, group_id, id)",
    *_append_only("resolutions"),
    """CREATE TABLE current_resolutions (
        stage TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        PRIMARY KEY (stage, group_id)) WITHOUT ROWID""",
    """CREATE TRIGGER resolutions_current AFTER INSERT ON resolutions BEGIN
        DELETE FROM current_resolutions WHERE stage = NEW.stage AND group_id = NEW.group_id;
        INSERT INTO current_resolutions (stage, group_id, event_id, label)
            SELECT NEW.stage, NEW.group_id, NEW.id, NEW.label WHERE NEW.label != 'reopen';
    END""",
    f"""CREATE TABLE unblinded (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL {_STAGE_CHECK},
        by TEXT NOT NULL REFERENCES reviewers(name),
        time TEXT NOT NULL)""",
    """CREATE TRIGGER unblinded_by_lead BEFORE INSERT ON unblinded BEGIN
        SELECT RAISE(ABORT, 'only a lead unblinds a stage')
        WHERE (SELECT role FROM reviewers WHERE name = NEW.by) IS NOT 'lead';
    END""",
    *_append_only("unblinded"),
    """CREATE TABLE report_flags (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        flag TEXT NOT NULL CHECK (flag IN ('not_retrieved', 'retrieved')),
        reviewer TEXT NOT NULL REFERENCES reviewers(name),
        note TEXT,
        time TEXT NOT NULL)""",
    "CREATE INDEX report_flags_group ON report_flags(group_id, id)",
    *_append_only("report_flags"),
    *_append_only("screening_sessions"),
    # The hook for active learning: one ranking per model version and stage.
    f"""CREATE TABLE rankings (
        id INTEGER PRIMARY KEY,
        model_version TEXT NOT NULL,
        stage TEXT NOT NULL {_STAGE_CHECK},
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        rank INTEGER NOT NULL,
        score REAL,
        created TEXT NOT NULL)""",
    "CREATE INDEX rankings_walk ON rankings(model_version, stage, rank)",
    # Random order: a stable hash key per (seed, group), walked by index.
    """CREATE TABLE queue_keys (
        seed TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        key INTEGER NOT NULL,
        PRIMARY KEY (seed, group_id)) WITHOUT ROWID""",
    "CREATE INDEX queue_keys_walk ON queue_keys(seed, key, group_id)",
]


@migrations()
def m001_screening(db: Database) -> None:
    """Reviewers, the decision log with its derived tables, resolutions, rankings."""
    for statement in _SCHEMA:  # one by one: executescript would commit mid-migration
        db.execute(statement)


def apply(db: Database) -> None:
    """Apply pending screening migrations (after the corpus ones ``connect`` applies).

    Migrations run under the write lock so that two processes opening a new
    review at once do not both create the tables.
    """
    if not migrations.pending(db):
        return
    with transaction(db):
        migrations.apply(db)


def now() -> str:
    """Return the current UTC time as stored in every event (milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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


def insert_session(db: Database, reviewer: str, stage: str, at: str, client: str | None) -> int:
    """Append a screening session (call inside a transaction)."""
    cur = db.execute(
        "INSERT INTO screening_sessions (reviewer, stage, started, client) VALUES (?, ?, ?, ?)",
        [reviewer, stage, at, client],
    )
    return int(cur.lastrowid or 0)


def last_session(db: Database, reviewer: str, stage: str) -> tuple[int, str] | None:
    """Return ``(id, started)`` of the reviewer's latest session at a stage."""
    row = db.execute(
        "SELECT id, started FROM screening_sessions WHERE reviewer = ? AND stage = ? "
        "ORDER BY id DESC LIMIT 1",
        [reviewer, stage],
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def session_decisions(db: Database, session_id: int) -> tuple[int, str | None]:
    """Return ``(decision events, time of the last one)`` of a session (undos not counted)."""
    row = db.execute(
        "SELECT COUNT(*), MAX(time) FROM decisions WHERE session_id = ? AND label != 'undo'",
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


def insert_unblind(db: Database, stage: str, by: str, at: str) -> int:
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
    stage: str
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
    stage: str | None = None,
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


def raw_latest_current(db: Database, stage: str, reviewer: str) -> Event | None:
    """Return a reviewer's most recent decision that is still current at a stage."""
    row = db.execute(
        "SELECT " + _EVENT_COLUMNS + " FROM current_decisions c "
        "JOIN decisions d ON d.id = c.event_id "
        "WHERE c.stage = ? AND c.reviewer = ? ORDER BY c.event_id DESC LIMIT 1",
        [stage, reviewer],
    ).fetchone()
    return None if row is None else Event(*row)


def raw_label_counts(db: Database, stage: str, reviewer: str | None) -> dict[str, dict[str, int]]:
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


def raw_group_labels(db: Database, stage: str, group_id: int) -> dict[str, str]:
    """Return reviewer -> current label for one group at a stage."""
    rows = db.execute(
        "SELECT reviewer, label FROM current_decisions WHERE stage = ? AND group_id = ?",
        [stage, group_id],
    ).fetchall()
    return {str(r): str(label) for r, label in rows}


def raw_pairs(db: Database, stage: str) -> list[tuple[int, str, str, str, str]]:
    """Return ``(group, reviewer a, label a, reviewer b, label b)`` with a < b, per group."""
    return [
        (int(g), ra, la, rb, lb)
        for g, ra, la, rb, lb in db.execute(
            "SELECT a.group_id, a.reviewer, a.label, b.reviewer, b.label "
            "FROM current_decisions a JOIN current_decisions b "
            "ON b.stage = a.stage AND b.group_id = a.group_id AND b.reviewer > a.reviewer "
            "WHERE a.stage = ? ORDER BY a.group_id",
            [stage],
        ).fetchall()
    ]


# --- outcomes and resolutions -----------------------------------------------------

#: The outcome of a group at a stage, in SQL; ``screening.stages.classify`` is
#: the same rule in Python (a test checks they agree on every combination).
_OUTCOME = (
    "CASE WHEN r.label IS NOT NULL THEN 'resolved_' || r.label "
    "WHEN t.n < :required THEN 'undecided' "
    "WHEN t.n_include = t.n THEN 'include' "
    "WHEN t.n_exclude = t.n THEN 'exclude' "
    "WHEN t.stage = 'title_abstract' AND t.n_exclude = 0 THEN 'maybe' "
    "ELSE 'conflict' END"
)
_OUTCOME_FROM = (
    " FROM group_tallies t LEFT JOIN current_resolutions r "
    "ON r.stage = t.stage AND r.group_id = t.group_id "
    "WHERE t.stage = :stage AND EXISTS (SELECT 1 FROM records x WHERE x.group_id = t.group_id)"
)


def raw_outcome_counts(db: Database, stage: str, required: int) -> dict[str, int]:
    """Return outcome -> number of studies, for studies with at least one tally row."""
    rows = db.execute(
        "SELECT " + _OUTCOME + " AS outcome, COUNT(*)" + _OUTCOME_FROM + " GROUP BY outcome",
        {"stage": stage, "required": required},
    ).fetchall()
    return {str(o): int(n) for o, n in rows}


def raw_outcomes(
    db: Database, stage: str, required: int, outcome: str | None = None
) -> list[tuple[int, str]]:
    """Return ``(group, outcome)`` for decided studies, optionally of one outcome."""
    rows = db.execute(
        "SELECT t.group_id, "
        + _OUTCOME
        + " AS outcome"
        + _OUTCOME_FROM
        + " AND (:outcome IS NULL OR outcome = :outcome) ORDER BY t.group_id",
        {"stage": stage, "required": required, "outcome": outcome},
    ).fetchall()
    return [(int(g), str(o)) for g, o in rows]


def raw_resolution(db: Database, stage: str, group_id: int) -> dict[str, Any] | None:
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
    stage: str,
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


# --- eligibility and the queue -------------------------------------------------------

#: Studies that passed title/abstract: agreed include or maybe, or resolved include.
_PASSED_CTE = (
    "WITH passed(group_id) AS ("
    "SELECT t.group_id FROM group_tallies t WHERE t.stage = 'title_abstract' "
    "AND t.n_exclude = 0 AND t.n >= :required AND NOT EXISTS (SELECT 1 FROM "
    "current_resolutions r WHERE r.stage = 'title_abstract' AND r.group_id = t.group_id) "
    "UNION ALL SELECT r.group_id FROM current_resolutions r "
    "WHERE r.stage = 'title_abstract' AND r.label = 'include') "
)
_STUDY = "EXISTS (SELECT 1 FROM records x WHERE x.group_id = o.group_id)"
_NOT_RETRIEVED = (
    "COALESCE((SELECT f.flag FROM report_flags f WHERE f.group_id = o.group_id "
    "ORDER BY f.id DESC LIMIT 1), '') = 'not_retrieved'"
)
#: Open to :reviewer at :stage: a study, not decided by them, not yet full.
_OPEN = (
    _STUDY + " AND NOT EXISTS (SELECT 1 FROM current_decisions c WHERE c.stage = :stage "
    "AND c.group_id = o.group_id AND c.reviewer = :reviewer) "
    "AND COALESCE((SELECT t.n FROM group_tallies t WHERE t.stage = :stage "
    "AND t.group_id = o.group_id), 0) < :required "
    "AND o.group_id NOT IN (SELECT value FROM json_each(:skip))"
)
_OPEN_FULL_TEXT = (
    _OPEN + " AND o.group_id IN (SELECT group_id FROM passed) AND NOT " + _NOT_RETRIEVED
)


def _params(stage: str, reviewer: str, required: int, skip: Sequence[int]) -> dict[str, Any]:
    return {
        "stage": stage,
        "reviewer": reviewer,
        "required": required,
        "skip": "[" + ",".join(str(int(g)) for g in skip) + "]",
    }


def raw_passed(db: Database, required: int, group_id: int) -> bool:
    """Tell whether a study passed title/abstract screening."""
    row = db.execute(
        _PASSED_CTE + "SELECT 1 FROM passed WHERE group_id = :g",
        {"required": required, "g": group_id},
    ).fetchone()
    return row is not None


def raw_full_text_counts(db: Database, required: int) -> tuple[int, int]:
    """Return ``(reports sought, reports not retrieved)``: studies that passed title/abstract."""
    row = db.execute(
        _PASSED_CTE + "SELECT COUNT(*), COALESCE(SUM(" + _NOT_RETRIEVED + "), 0) FROM passed o "
        "WHERE " + _STUDY,
        {"required": required},
    ).fetchone()
    return int(row[0]), int(row[1])


def screened_counts(db: Database, stage: str, required: int) -> tuple[int, int]:
    """Return ``(studies screened by anyone, studies screened by ``required`` reviewers)``.

    Counts only, no labels: what a blind reviewer may know about progress.
    """
    row = db.execute(
        "SELECT COALESCE(SUM(o.n >= 1), 0), COALESCE(SUM(o.n >= ?), 0) FROM group_tallies o "
        "WHERE o.stage = ? AND o.n > 0 AND " + _STUDY,
        [required, stage],
    ).fetchone()
    return int(row[0]), int(row[1])


def ensure_queue_keys(db: Database, seed: str) -> int:
    """Give every group a stable random key for ``seed`` (new groups only).

    Group ids only grow (imports append), so comparing maxima is enough to
    know whether any group lacks a key; the check costs two index look-ups.

    Returns:
        How many keys were added.
    """
    have = db.execute(
        "SELECT COALESCE(MAX(group_id), 0) FROM queue_keys WHERE seed = ?", [seed]
    ).fetchone()[0]
    top = db.execute("SELECT COALESCE(MAX(id), 0) FROM record_groups").fetchone()[0]
    if have >= top:
        return 0
    with transaction(db) as conn:
        ids = [g for (g,) in conn.execute("SELECT id FROM record_groups WHERE id > ?", [have])]
        conn.executemany(
            "INSERT INTO queue_keys (seed, group_id, key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            ((seed, g, _key(seed, g)) for g in ids),
        )
    return len(ids)


def _key(seed: str, group_id: int) -> int:
    digest = hashlib.blake2b(f"{seed}\0{group_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # fits SQLite's signed 64-bit INTEGER


def _walk_random(
    db: Database, open_sql: str, prefix: str, params: dict[str, Any], seed: str
) -> int | None:
    """Return the first open group in key order after the reviewer's latest event.

    Starting after the key of the group the reviewer last decided skips the
    prefix they have already screened (a full scan of it would cost ~60 ms at
    100k groups); groups left open behind that point are found by the second,
    wrapped walk.
    """
    row = db.execute(
        "SELECT k.key FROM decisions d JOIN queue_keys k ON k.seed = ? AND k.group_id = d.group_id "
        "WHERE d.reviewer = ? AND d.stage = ? ORDER BY d.id DESC LIMIT 1",
        [seed, params["reviewer"], params["stage"]],
    ).fetchone()
    starts = [int(row[0]), -1] if row is not None else [-1]
    sql = (
        prefix + "SELECT o.group_id FROM queue_keys o WHERE o.seed = :seed AND o.key > :after "
        "AND " + open_sql + " ORDER BY o.key LIMIT 1"
    )
    for after in starts:
        found = db.execute(sql, {**params, "seed": seed, "after": after}).fetchone()
        if found is not None:
            return int(found[0])
    return None


def next_random_title_abstract(
    db: Database, reviewer: str, required: int, seed: str, skip: Sequence[int] = ()
) -> int | None:
    """Return the next title/abstract group for a reviewer in random (seeded) order."""
    params = _params(TITLE_ABSTRACT, reviewer, required, skip)
    return _walk_random(db, _OPEN, "", params, seed)


def raw_next_random_full_text(
    db: Database, reviewer: str, required: int, seed: str, skip: Sequence[int] = ()
) -> int | None:
    """Return the next full-text group for a reviewer in random (seeded) order.

    Few studies pass title/abstract, so the passed set drives the query and
    is sorted whole instead of walking every group's key.
    """
    params = {**_params(FULL_TEXT, reviewer, required, skip), "seed": seed}
    row = db.execute(
        _PASSED_CTE + "SELECT o.group_id FROM passed p JOIN queue_keys o "
        "ON o.seed = :seed AND o.group_id = p.group_id WHERE "
        + _OPEN_FULL_TEXT
        + " ORDER BY o.key LIMIT 1",
        params,
    ).fetchone()
    return None if row is None else int(row[0])


def _next_ranked(
    db: Database, open_sql: str, prefix: str, params: dict[str, Any], model_version: str
) -> tuple[int, int, float | None] | None:
    row = db.execute(
        prefix + "SELECT o.group_id, o.rank, o.score FROM rankings o "
        "WHERE o.model_version = :model AND o.stage = :stage AND "
        + open_sql
        + " ORDER BY o.rank LIMIT 1",
        {**params, "model": model_version},
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), row[2])


def next_ranked_title_abstract(
    db: Database, reviewer: str, required: int, model_version: str, skip: Sequence[int] = ()
) -> tuple[int, int, float | None] | None:
    """Return ``(group, rank, score)`` of the best-ranked open title/abstract group."""
    params = _params(TITLE_ABSTRACT, reviewer, required, skip)
    return _next_ranked(db, _OPEN, "", params, model_version)


def raw_next_ranked_full_text(
    db: Database, reviewer: str, required: int, model_version: str, skip: Sequence[int] = ()
) -> tuple[int, int, float | None] | None:
    """Return ``(group, rank, score)`` of the best-ranked open full-text group."""
    params = _params(FULL_TEXT, reviewer, required, skip)
    return _next_ranked(db, _OPEN_FULL_TEXT, _PASSED_CTE, params, model_version)


def _open_among(
    db: Database, open_sql: str, prefix: str, params: dict[str, Any], ids: Sequence[int]
) -> set[int]:
    found: set[int] = set()
    sql = (
        prefix + "SELECT o.group_id FROM (SELECT value AS group_id FROM json_each(:ids)) o "
        "WHERE " + open_sql
    )
    for start in range(0, len(ids), 500):
        chunk = "[" + ",".join(str(int(g)) for g in ids[start : start + 500]) + "]"
        found.update(int(g) for (g,) in db.execute(sql, {**params, "ids": chunk}))
    return found


def open_among_title_abstract(
    db: Database, reviewer: str, required: int, ids: Sequence[int]
) -> set[int]:
    """Return which of ``ids`` are open to the reviewer at title/abstract."""
    return _open_among(db, _OPEN, "", _params(TITLE_ABSTRACT, reviewer, required, ()), ids)


def raw_open_among_full_text(
    db: Database, reviewer: str, required: int, ids: Sequence[int]
) -> set[int]:
    """Return which of ``ids`` are open to the reviewer at full text."""
    params = _params(FULL_TEXT, reviewer, required, ())
    return _open_among(db, _OPEN_FULL_TEXT, _PASSED_CTE, params, ids)


def open_count_title_abstract(db: Database, reviewer: str, required: int) -> int:
    """Return how many title/abstract groups are still open to the reviewer."""
    params = _params(TITLE_ABSTRACT, reviewer, required, ())
    sql = "SELECT COUNT(*) FROM (SELECT DISTINCT group_id FROM records) o WHERE " + _OPEN
    return int(db.execute(sql, params).fetchone()[0])


def raw_open_count_full_text(db: Database, reviewer: str, required: int) -> int:
    """Return how many full-text groups are still open to the reviewer."""
    params = _params(FULL_TEXT, reviewer, required, ())
    sql = _PASSED_CTE + "SELECT COUNT(*) FROM passed o WHERE " + _OPEN_FULL_TEXT
    return int(db.execute(sql, params).fetchone()[0])


# --- rankings (the hook active learning fills) ----------------------------------------


def store_ranking(
    db: Database,
    model_version: str,
    stage: str,
    ranked: Iterable[tuple[int, float | None]],
    at: str | None = None,
) -> int:
    """Store a model's ranking of groups, best first, replacing that version's earlier one.

    Args:
        model_version: Names the model that ranked (saved with each decision shown).
        stage: The stage the ranking orders.
        ranked: ``(group id, score)`` best first; rank is the position from 1.
        at: Creation time (now by default).

    Returns:
        How many groups were ranked.
    """
    created = at or now()
    rows = [(model_version, stage, g, i, s, created) for i, (g, s) in enumerate(ranked, 1)]
    with transaction(db) as conn:
        conn.execute(
            "DELETE FROM rankings WHERE model_version = ? AND stage = ?", [model_version, stage]
        )
        conn.executemany(
            "INSERT INTO rankings (model_version, stage, group_id, rank, score, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def latest_model_version(db: Database, stage: str) -> str | None:
    """Return the model version of the most recently stored ranking for a stage."""
    row = db.execute(
        "SELECT model_version FROM rankings WHERE stage = ? ORDER BY id DESC LIMIT 1", [stage]
    ).fetchone()
    return None if row is None else str(row[0])


# --- derived tables: check and rebuild from the log ---------------------------------------

_LOG_CURRENT = (
    "SELECT d.stage, d.group_id, d.reviewer, d.id, d.label FROM decisions d "
    "WHERE d.label != 'undo' AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.retracts = d.id) "
    "AND d.id = (SELECT MAX(e.id) FROM decisions e WHERE e.stage = d.stage "
    "AND e.group_id = d.group_id AND e.reviewer = d.reviewer AND e.label != 'undo' "
    "AND NOT EXISTS (SELECT 1 FROM decisions v WHERE v.retracts = e.id))"
)
_TALLIES = (
    "SELECT stage, group_id, COUNT(*), SUM(label = 'include'), SUM(label = 'exclude'), "
    "SUM(label = 'maybe') FROM current_decisions GROUP BY stage, group_id"
)
_LOG_RESOLUTIONS = (
    "SELECT s.stage, s.group_id, s.id, s.label FROM resolutions s WHERE s.label != 'reopen' "
    "AND s.id = (SELECT MAX(id) FROM resolutions z WHERE z.stage = s.stage "
    "AND z.group_id = s.group_id)"
)


def derived_mismatches(db: Database) -> int:
    """Return how many derived rows differ from what the log implies (0 when sound)."""
    checks = (
        (_LOG_CURRENT, "SELECT stage, group_id, reviewer, event_id, label FROM current_decisions"),
        (_TALLIES, "SELECT * FROM group_tallies WHERE n > 0"),
        (_LOG_RESOLUTIONS, "SELECT stage, group_id, event_id, label FROM current_resolutions"),
    )
    total = 0
    for a, b in checks:
        for x, y in ((a, b), (b, a)):
            total += int(
                db.execute("SELECT COUNT(*) FROM (" + x + " EXCEPT " + y + ")").fetchone()[0]
            )
    return total


def rebuild_derived(db: Database) -> None:
    """Recompute the derived tables from the append-only log."""
    with transaction(db) as conn:
        conn.execute("DELETE FROM current_decisions")
        conn.execute("DELETE FROM group_tallies")
        conn.execute("DELETE FROM current_resolutions")
        conn.execute(
            "INSERT INTO current_decisions (stage, group_id, reviewer, event_id, label) "
            + _LOG_CURRENT
        )
        conn.execute(
            "INSERT INTO current_resolutions (stage, group_id, event_id, label) " + _LOG_RESOLUTIONS
        )

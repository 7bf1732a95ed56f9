"""Group-level queries over everyone's decisions: outcomes, passing, counts, checks.

Functions named ``raw_*`` combine other reviewers' labels; only
``screening.blind`` calls them.
"""

from __future__ import annotations

from sqlite_utils import Database

from corpus.db import transaction
from protocols.vocabulary import Stage
from screening.db.schema import ANCESTORS_FROM_LOG, VOTES_FROM_CURRENT, root_of

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


def raw_outcome_counts(db: Database, stage: Stage, required: int) -> dict[str, int]:
    """Return outcome -> number of studies, for studies with at least one tally row."""
    rows = db.execute(
        "SELECT " + _OUTCOME + " AS outcome, COUNT(*)" + _OUTCOME_FROM + " GROUP BY outcome",
        {"stage": stage, "required": required},
    ).fetchall()
    return {str(o): int(n) for o, n in rows}


def raw_outcomes(
    db: Database, stage: Stage, required: int, outcome: str | None = None
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


#: Studies that passed title/abstract: agreed include or maybe, or resolved include.
PASSED_CTE = (
    "WITH passed(group_id) AS ("
    "SELECT t.group_id FROM group_tallies t WHERE t.stage = 'title_abstract' "
    "AND t.n_exclude = 0 AND t.n >= :required AND NOT EXISTS (SELECT 1 FROM "
    "current_resolutions r WHERE r.stage = 'title_abstract' AND r.group_id = t.group_id) "
    "UNION ALL SELECT r.group_id FROM current_resolutions r "
    "WHERE r.stage = 'title_abstract' AND r.label = 'include') "
)
STUDY = "EXISTS (SELECT 1 FROM records x WHERE x.group_id = o.group_id)"
NOT_RETRIEVED = (
    "COALESCE((SELECT f.flag FROM report_flags f WHERE f.group_id = o.group_id "
    "ORDER BY f.id DESC LIMIT 1), '') = 'not_retrieved'"
)


def raw_passed(db: Database, required: int, group_id: int) -> bool:
    """Tell whether a study passed title/abstract screening."""
    row = db.execute(
        PASSED_CTE + "SELECT 1 FROM passed WHERE group_id = :g",
        {"required": required, "g": group_id},
    ).fetchone()
    return row is not None


def raw_full_text_counts(db: Database, required: int) -> tuple[int, int]:
    """Return ``(reports sought, reports not retrieved)``: studies that passed title/abstract."""
    row = db.execute(
        PASSED_CTE + "SELECT COUNT(*), COALESCE(SUM(" + NOT_RETRIEVED + "), 0) FROM passed o "
        "WHERE " + STUDY,
        {"required": required},
    ).fetchone()
    return int(row[0]), int(row[1])


def screened_counts(db: Database, stage: Stage, required: int) -> tuple[int, int]:
    """Return ``(studies screened by anyone, studies screened by ``required`` reviewers)``.

    Counts only, no labels: what a blind reviewer may know about progress.
    """
    row = db.execute(
        "SELECT COALESCE(SUM(o.n >= 1), 0), COALESCE(SUM(o.n >= ?), 0) FROM group_tallies o "
        "WHERE o.stage = ? AND o.n > 0 AND " + STUDY,
        [required, stage],
    ).fetchone()
    return int(row[0]), int(row[1])


def screened_groups(db: Database, stage: Stage) -> list[tuple[int, int]]:
    """Return ``(study, votes)`` for studies anyone screened at a stage (counts, no labels).

    The per-study form of :func:`screened_counts`, for figures about a subset
    of the studies (a search round, ``screening.rounds``).
    """
    rows = db.execute(
        "SELECT o.group_id, o.n FROM group_tallies o WHERE o.stage = ? AND o.n > 0 AND " + STUDY,
        [stage],
    ).fetchall()
    return [(int(g), int(n)) for g, n in rows]


def own_studies(db: Database, reviewer: str, stage: Stage) -> set[int]:
    """Return the studies a reviewer has a current decision on at a stage (their own)."""
    rows = db.execute(
        "SELECT DISTINCT study_id FROM study_votes WHERE stage = ? AND reviewer = ?",
        [stage, reviewer],
    ).fetchall()
    return {int(g) for (g,) in rows}


def not_retrieved_groups(db: Database) -> set[int]:
    """Return the groups whose latest report flag is ``not_retrieved``."""
    rows = db.execute(
        "SELECT f.group_id FROM report_flags f WHERE f.id = "
        "(SELECT MAX(g.id) FROM report_flags g WHERE g.group_id = f.group_id) "
        "AND f.flag = 'not_retrieved'"
    ).fetchall()
    return {int(g) for (g,) in rows}


# --- derived tables: check and rebuild from the log ---------------------------------------

_LOG_CURRENT = (
    "SELECT d.stage, d.group_id, d.reviewer, d.id, d.label FROM decisions d "
    "WHERE d.label != 'undo' AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.retracts = d.id) "
    "AND d.id = (SELECT MAX(e.id) FROM decisions e WHERE e.stage = d.stage "
    "AND e.group_id = d.group_id AND e.reviewer = d.reviewer AND e.label != 'undo' "
    "AND NOT EXISTS (SELECT 1 FROM decisions v WHERE v.retracts = e.id))"
)
_TALLIES = (
    "SELECT stage, study_id, COUNT(*), SUM(label = 'include'), SUM(label = 'exclude'), "
    "SUM(label = 'maybe') FROM study_votes GROUP BY stage, study_id"
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
        (ANCESTORS_FROM_LOG, "SELECT group_id, ancestor FROM group_ancestors"),
        (VOTES_FROM_CURRENT, "SELECT stage, study_id, reviewer, label, n FROM study_votes"),
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
    """Recompute the derived tables from the append-only log and the merges in force.

    The triggers on ``current_decisions`` rebuild ``study_votes`` and
    ``group_tallies`` as the current decisions are inserted again.
    """
    with transaction(db) as conn:
        conn.execute("DELETE FROM current_decisions")
        conn.execute("DELETE FROM study_votes")
        conn.execute("DELETE FROM group_tallies")
        conn.execute("DELETE FROM current_resolutions")
        conn.execute("DELETE FROM group_ancestors")
        conn.execute("INSERT INTO group_ancestors (group_id, ancestor) " + ANCESTORS_FROM_LOG)
        conn.execute(
            "INSERT INTO current_decisions (stage, group_id, reviewer, event_id, label) "
            + _LOG_CURRENT
        )
        conn.execute(
            "INSERT INTO current_resolutions (stage, group_id, event_id, label) " + _LOG_RESOLUTIONS
        )


# --- merged studies (``screening.merges``) -------------------------------------------------


def study_of(db: Database, group_id: int) -> int:
    """Return the study a group belongs to now: the group a merge took it into, or itself."""
    return int(db.execute("SELECT " + root_of(":g"), {"g": group_id}).fetchone()[0])


def merged_away(db: Database) -> dict[int, int]:
    """Return absorbed group -> the study it belongs to now, for every merge in force."""
    rows = db.execute(
        "SELECT a.group_id, a.ancestor FROM group_ancestors a WHERE NOT EXISTS "
        "(SELECT 1 FROM group_ancestors b WHERE b.group_id = a.ancestor)"
    )
    return {int(g): int(s) for g, s in rows}


def study_members(db: Database, study_id: int) -> list[int]:
    """Return the study's own group and every group merged into it, ascending."""
    rows = db.execute(
        "SELECT ? UNION SELECT group_id FROM group_ancestors WHERE ancestor = ? ORDER BY 1",
        [study_id, study_id],
    )
    return [int(g) for (g,) in rows]


def raw_group_votes(db: Database, stage: Stage, group_id: int) -> list[tuple[str, str]]:
    """Return the study's votes, ``(reviewer, label)`` by reviewer then label.

    One per reviewer and label over the study's member groups (see ``screening.merges``).
    """
    rows = db.execute(
        "SELECT reviewer, label FROM study_votes WHERE stage = ? AND study_id = ? "
        "ORDER BY reviewer, label",
        [stage, group_id],
    ).fetchall()
    return [(str(r), str(label)) for r, label in rows]

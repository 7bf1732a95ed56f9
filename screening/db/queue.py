"""The next-group SQL: open groups, random keys, ranked walks, the rankings hook.

Full-text variants are ``raw_*``: which groups reach full text follows from
everyone's title/abstract votes, so only ``screening.blind`` calls them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlite_utils import Database

from corpus.db import transaction
from protocols.vocabulary import Stage
from screening.db.schema import FULL_TEXT, TITLE_ABSTRACT, now
from screening.db.tallies import NOT_RETRIEVED, PASSED_CTE, STUDY

#: In the open (newest) search round: always while there is one round; after an update
#: (``corpus.db.rounds``), a study first identified in the newest round, or one someone
#: already screened at title/abstract (it entered the queue in its own round and goes on).
#: A previous round's study nobody screened (its round stopped by the stopping rule)
#: stays out: only new studies enter an update's queue. Tested last, as the costliest.
IN_OPEN_ROUND = (
    "((SELECT MAX(number) FROM rounds) = 1 OR EXISTS (SELECT 1 FROM study_votes v "
    "WHERE v.stage = 'title_abstract' AND v.study_id = o.group_id) OR NOT EXISTS "
    "(SELECT 1 FROM records x JOIN sources s ON s.id = x.source_ref "
    "WHERE x.group_id = o.group_id AND s.round < (SELECT MAX(number) FROM rounds)))"
)
#: Open to :reviewer at :stage: not yet full, not decided by them, a study. "Decided"
#: counts a decision on any group merged into the study (``screening.merges``).
#: (Cheapest and most selective tests first: a walk may test thousands of rows.)
_OPEN = (
    "COALESCE((SELECT t.n FROM group_tallies t WHERE t.stage = :stage "
    "AND t.group_id = o.group_id), 0) < :required "
    "AND NOT EXISTS (SELECT 1 FROM study_votes c WHERE c.stage = :stage "
    "AND c.study_id = o.group_id AND c.reviewer = :reviewer) AND "
    + STUDY
    + " AND o.group_id NOT IN (SELECT value FROM json_each(:skip))"
    + " AND "
    + IN_OPEN_ROUND
)
#: Open at full text, for queries that already drive from the ``passed`` set.
_OPEN_PASSED = _OPEN + " AND NOT " + NOT_RETRIEVED
_OPEN_FULL_TEXT = _OPEN_PASSED + " AND o.group_id IN (SELECT group_id FROM passed)"


def _params(stage: Stage, reviewer: str, required: int, skip: Sequence[int]) -> dict[str, Any]:
    return {
        "stage": stage,
        "reviewer": reviewer,
        "required": required,
        "skip": "[" + ",".join(str(int(g)) for g in skip) + "]",
    }


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


def _after_key(db: Database, seed: str, reviewer: str, stage: Stage) -> int:
    """Return the key of the group of the reviewer's latest event at a stage (-1: none).

    Walks start there (inclusive, so a group just undone comes back first):
    what lies before is mostly screened already, and testing it row by row
    would cost ~30 ms at 100k groups.
    """
    row = db.execute(
        "SELECT k.key FROM decisions d JOIN queue_keys k ON k.seed = ? AND k.group_id = d.group_id "
        "WHERE d.reviewer = ? AND d.stage = ? ORDER BY d.id DESC LIMIT 1",
        [seed, reviewer, stage],
    ).fetchone()
    return -1 if row is None else int(row[0])


def next_random_title_abstract(
    db: Database, reviewer: str, required: int, seed: str, skip: Sequence[int] = ()
) -> int | None:
    """Return the next title/abstract group for a reviewer in random (seeded) order.

    The first open group from the reviewer's last one on; groups left open
    behind it (another's undo, a new import) are found by a second walk from
    the start.
    """
    params = {**_params(TITLE_ABSTRACT, reviewer, required, skip), "seed": seed}
    after = _after_key(db, seed, reviewer, TITLE_ABSTRACT)
    sql = (
        "SELECT o.group_id FROM queue_keys o WHERE o.seed = :seed AND o.key >= :after AND "
        + _OPEN
        + " ORDER BY o.key LIMIT 1"
    )
    for start in (after, -1) if after >= 0 else (-1,):
        found = db.execute(sql, {**params, "after": start}).fetchone()
        if found is not None:
            return int(found[0])
    return None


#: Passed title/abstract, as a probe for one group ``o``.
_PASSED_PROBE = (
    "COALESCE((SELECT r.label = 'include' FROM current_resolutions r "
    "WHERE r.stage = 'title_abstract' AND r.group_id = o.group_id), "
    "(SELECT t.n >= :required AND t.n_exclude = 0 FROM group_tallies t "
    "WHERE t.stage = 'title_abstract' AND t.group_id = o.group_id), 0)"
)
#: How many keys after the reviewer's last group the fast full-text walk looks at.
_WINDOW = 4096


def raw_next_random_full_text(
    db: Database, reviewer: str, required: int, seed: str, skip: Sequence[int] = ()
) -> int | None:
    """Return the next full-text group for a reviewer in random (seeded) order.

    First a walk over a window of keys after the reviewer's last group (a
    few passed studies are in any window, so this answers in well under a
    millisecond); when none is open there, the whole passed set is sorted
    (~20 ms at 10k passed studies), preferring keys after the last group.
    """
    params = {**_params(FULL_TEXT, reviewer, required, skip), "seed": seed}
    params["after"] = _after_key(db, seed, reviewer, FULL_TEXT)
    edge = db.execute(
        "SELECT key FROM queue_keys WHERE seed = :seed AND key >= :after "
        "ORDER BY key LIMIT 1 OFFSET :window",
        {**params, "window": _WINDOW - 1},
    ).fetchone()
    params["upto"] = None if edge is None else int(edge[0])
    row = db.execute(
        "SELECT o.group_id FROM queue_keys o WHERE o.seed = :seed AND o.key >= :after "
        "AND (:upto IS NULL OR o.key <= :upto) AND "
        + _PASSED_PROBE
        + " AND "
        + _OPEN_PASSED
        + " ORDER BY o.key LIMIT 1",
        params,
    ).fetchone()
    if row is None:
        row = db.execute(
            PASSED_CTE + "SELECT o.group_id FROM passed p JOIN queue_keys o "
            "ON o.seed = :seed AND o.group_id = p.group_id WHERE "
            + _OPEN_PASSED
            + " ORDER BY o.key < :after, o.key LIMIT 1",
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
    return _next_ranked(db, _OPEN_FULL_TEXT, PASSED_CTE, params, model_version)


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
    return _open_among(db, _OPEN_FULL_TEXT, PASSED_CTE, params, ids)


def open_count_title_abstract(db: Database, reviewer: str, required: int) -> int:
    """Return how many title/abstract groups are still open to the reviewer."""
    params = _params(TITLE_ABSTRACT, reviewer, required, ())
    sql = "SELECT COUNT(*) FROM (SELECT DISTINCT group_id FROM records) o WHERE " + _OPEN
    return int(db.execute(sql, params).fetchone()[0])


def raw_open_count_full_text(db: Database, reviewer: str, required: int) -> int:
    """Return how many full-text groups are still open to the reviewer."""
    params = _params(FULL_TEXT, reviewer, required, ())
    sql = PASSED_CTE + "SELECT COUNT(*) FROM passed o WHERE " + _OPEN_PASSED
    return int(db.execute(sql, params).fetchone()[0])


# --- rankings (the hook active learning fills) ----------------------------------------


def store_ranking(
    db: Database,
    model_version: str,
    stage: Stage,
    ranked: Iterable[tuple[int, float | None]],
    at: str | None = None,
    *,
    reviewer: str | None = None,
    keep: int | None = None,
) -> int:
    """Store a model's ranking of groups, best first, replacing that version's earlier one.

    Args:
        model_version: Names the model that ranked (saved with each decision shown).
        stage: The stage the ranking orders.
        ranked: ``(group id, score)`` best first; rank is the position from 1.
        at: Creation time (now by default).
        reviewer: Whose decisions trained it (only their queue reads it);
            None for a ranking every reviewer may use.
        keep: Keep only this many newest rankings of the reviewer and stage
            (a retrain after every decision would otherwise pile up copies).
            The one before the newest should stay: a queue may have just
            read its version.

    Returns:
        How many groups were ranked.
    """
    created = at or now()
    rows = [
        (model_version, stage, g, i, s, created, reviewer) for i, (g, s) in enumerate(ranked, 1)
    ]
    with transaction(db) as conn:
        conn.execute(
            "DELETE FROM rankings WHERE model_version = ? AND stage = ? AND reviewer IS ?",
            [model_version, stage, reviewer],
        )
        conn.executemany(
            "INSERT INTO rankings (model_version, stage, group_id, rank, score, created, "
            "reviewer) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        if keep is not None:
            firsts = conn.execute(
                "SELECT MIN(id) AS first FROM rankings WHERE stage = ? AND reviewer IS ? "
                "GROUP BY model_version ORDER BY first DESC",
                [stage, reviewer],
            ).fetchall()
            if len(firsts) > max(keep, 1):
                conn.execute(
                    "DELETE FROM rankings WHERE stage = ? AND reviewer IS ? AND id < ?",
                    [stage, reviewer, firsts[max(keep, 1) - 1][0]],
                )
    return len(rows)


def latest_model_version(db: Database, stage: Stage, reviewer: str | None = None) -> str | None:
    """Return the model version of the most recently stored ranking for a stage.

    Args:
        reviewer: Whose queue asks: their own rankings and shared ones
            (stored without a reviewer) count, never another reviewer's.
            None: any ranking.
    """
    if reviewer is None:
        row = db.execute(
            "SELECT model_version FROM rankings WHERE stage = ? ORDER BY id DESC LIMIT 1", [stage]
        ).fetchone()
    else:
        row = db.execute(
            "SELECT model_version FROM rankings WHERE id = MAX("
            "COALESCE((SELECT MAX(id) FROM rankings WHERE stage = :stage "
            "AND reviewer = :reviewer), 0), "
            "COALESCE((SELECT MAX(id) FROM rankings WHERE stage = :stage "
            "AND reviewer IS NULL), 0))",
            {"stage": stage, "reviewer": reviewer},
        ).fetchone()
    return None if row is None else str(row[0])

"""The stopping-rule SQL: random samples per stage, decision order, sample walks.

Nothing here returns a label: which groups were decided and in which order
is what any reviewer may know (like ``screened_counts``), so these functions
are not ``raw_*``. Labels come from ``screening.blind.Tallies``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from protocols.vocabulary import Stage
from screening.db.queue import _OPEN, _params
from screening.db.schema import TITLE_ABSTRACT
from screening.db.tallies import STUDY


@dataclass(frozen=True, slots=True)
class Sample:
    """A stopping sample as drawn (one per stage; it may grow in batches).

    Attributes:
        id: Row id.
        stage: The stage it was drawn at.
        drawn_by: The reviewer who drew it.
        drawn_at: When (UTC, ISO).
        target: Recall target in force when it was drawn.
        confidence: Confidence in force when it was drawn.
        seed: Seed of the draw (batch ``b`` uses ``f"{seed}:{b}"``).
        eligible: Studies eligible at the stage when it was drawn.
        ranked: Studies with a decision when it was drawn (the ranked part).
        ranked_relevant: Of those, relevant ones (conflicts count as relevant).
        last_decision: Newest decision event id when it was drawn.
        groups: The drawn groups in draw order.
        round: The search round whose new studies it was drawn from.
    """

    id: int
    stage: Stage
    drawn_by: str
    drawn_at: str
    target: float
    confidence: float
    seed: str
    eligible: int
    ranked: int
    ranked_relevant: int
    last_decision: int
    groups: tuple[int, ...]
    round: int = 1

    def position(self, group_id: int) -> int | None:
        """Return the 1-based draw position of a group, or None if not drawn."""
        try:
            return self.groups.index(group_id) + 1
        except ValueError:
            return None


_SAMPLE_COLUMNS = (
    "id, stage, drawn_by, drawn_at, target, confidence, seed, eligible, ranked, "
    "ranked_relevant, last_decision, round"
)


def stopping_sample(db: Database, stage: Stage, round_no: int | None = None) -> Sample | None:
    """Return a stage's stopping sample with its groups in draw order, or None.

    Args:
        round_no: The search round (``corpus.db.rounds``); the newest by default.
    """
    row = db.execute(
        "SELECT " + _SAMPLE_COLUMNS + " FROM stopping_samples WHERE stage = ? AND round = "
        "COALESCE(?, (SELECT MAX(number) FROM rounds))",
        [stage, round_no],
    ).fetchone()
    if row is None:
        return None
    groups = tuple(
        int(g)
        for (g,) in db.execute(
            "SELECT group_id FROM stopping_sample_groups WHERE sample_id = ? ORDER BY position",
            [row[0]],
        )
    )
    return Sample(
        int(row[0]), Stage(row[1]), str(row[2]), str(row[3]), float(row[4]), float(row[5]),
        str(row[6]), int(row[7]), int(row[8]), int(row[9]), int(row[10]), groups,
        int(row[11]),
    )  # fmt: skip


def sample_batches(db: Database, sample_id: int) -> int:
    """Return how many draws made a sample (1 + extensions)."""
    row = db.execute(
        "SELECT COALESCE(MAX(batch), 0) FROM stopping_sample_groups WHERE sample_id = ?",
        [sample_id],
    ).fetchone()
    return int(row[0])


def insert_sample(db: Database, sample: Sample) -> int:
    """Append a stage's sample and its groups (call inside a transaction).

    Returns:
        The new sample's id.
    """
    cur = db.execute(
        "INSERT INTO stopping_samples (stage, drawn_by, drawn_at, target, confidence, seed, "
        "eligible, ranked, ranked_relevant, last_decision, round) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sample.stage, sample.drawn_by, sample.drawn_at, sample.target, sample.confidence,
            sample.seed, sample.eligible, sample.ranked, sample.ranked_relevant,
            sample.last_decision, sample.round,
        ],
    )  # fmt: skip
    sample_id = int(cur.lastrowid or 0)
    insert_sample_groups(db, sample_id, 0, sample.groups, 1, sample.drawn_by, sample.drawn_at)
    return sample_id


def insert_sample_groups(
    db: Database,
    sample_id: int,
    after: int,
    groups: Sequence[int],
    batch: int,
    drawn_by: str,
    drawn_at: str,
) -> None:
    """Append drawn groups at positions ``after + 1, ...`` (call inside a transaction)."""
    db.conn.executemany(
        "INSERT INTO stopping_sample_groups (sample_id, position, group_id, batch, drawn_by, "
        "drawn_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(sample_id, after + i, g, batch, drawn_by, drawn_at) for i, g in enumerate(groups, 1)],
    )


def last_decision_id(db: Database, stage: Stage) -> int:
    """Return the id of the newest decision event at a stage (0: none)."""
    row = db.execute("SELECT COALESCE(MAX(id), 0) FROM decisions WHERE stage = ?", [stage])
    return int(row.fetchone()[0])


def decision_order(db: Database, stage: Stage) -> list[tuple[int, int]]:
    """Return ``(group, first decision id)`` for studies someone decided, first decided first.

    Only studies with a current decision count (an undone group is unscreened
    again), on their own group or one merged into them (``screening.merges``);
    the first event still in the log on any of those groups gives the order in
    which the ranked part was screened.
    """
    rows = db.execute(
        "SELECT o.group_id, (SELECT MIN(d.id) FROM decisions d WHERE d.stage = :stage "
        "AND d.group_id IN (SELECT o.group_id UNION SELECT a.group_id FROM group_ancestors a "
        "WHERE a.ancestor = o.group_id)) AS first FROM (SELECT DISTINCT study_id AS group_id "
        "FROM study_votes WHERE stage = :stage) o WHERE " + STUDY + " ORDER BY first, o.group_id",
        {"stage": stage},
    ).fetchall()
    return [(int(g), int(f)) for g, f in rows]


def study_ids(db: Database) -> list[int]:
    """Return every group that has records (the studies title/abstract screens), ascending."""
    return [int(g) for (g,) in db.execute("SELECT DISTINCT group_id FROM records ORDER BY 1")]


def next_sample_title_abstract(
    db: Database, sample_id: int, reviewer: str, required: int, skip: Sequence[int] = ()
) -> tuple[int, int] | None:
    """Return ``(group, position)`` of the first sample group open to the reviewer."""
    row = db.execute(
        "SELECT o.group_id, o.position FROM stopping_sample_groups o WHERE o.sample_id = :sample "
        "AND " + _OPEN + " ORDER BY o.position LIMIT 1",
        {**_params(TITLE_ABSTRACT, reviewer, required, skip), "sample": sample_id},
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]))

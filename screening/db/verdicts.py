"""The stored verdicts of the stopping rules the ranking job computes (``stopping_verdicts``).

A cache, replaced per (stage, round, rule) each time the ranking job runs the
model-based rules; ``decisions_count`` (:func:`stage_events`) tells a reader
whether decisions were made since. See ``screening.stopping.verdicts``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from corpus.db import transaction
from protocols.vocabulary import Stage


@dataclass(frozen=True, slots=True)
class StoredVerdict:
    """One rule's verdict as the ranking job stored it."""

    stage: Stage
    round: int
    rule: str
    computed_at: str
    decisions_count: int
    model_version: str | None
    verdict: dict[str, Any]


def stage_events(db: Database, stage: Stage) -> int:
    """Return how many decision and resolution events a stage's log holds (grows with each)."""
    row = db.execute(
        "SELECT (SELECT COUNT(*) FROM decisions WHERE stage = :s) "
        "+ (SELECT COUNT(*) FROM resolutions WHERE stage = :s)",
        {"s": stage},
    ).fetchone()
    return int(row[0])


def store_verdicts(
    db: Database,
    stage: Stage,
    round_no: int,
    decisions_count: int,
    model_version: str | None,
    verdicts: Mapping[str, dict[str, Any]],
    computed_at: str,
) -> None:
    """Replace the stored verdicts of ``verdicts``' rules at a stage and round."""
    with transaction(db):
        for rule, verdict in verdicts.items():
            db.execute(
                "INSERT OR REPLACE INTO stopping_verdicts (stage, round, rule, computed_at, "
                "decisions_count, model_version, json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [stage, round_no, rule, computed_at, decisions_count, model_version,
                 json.dumps(verdict, sort_keys=True)],
            )  # fmt: skip


def stored_verdicts(db: Database, stage: Stage, round_no: int) -> list[StoredVerdict]:
    """Return the stored verdicts of a stage and round, by rule name."""
    rows = db.execute(
        "SELECT rule, computed_at, decisions_count, model_version, json FROM stopping_verdicts "
        "WHERE stage = ? AND round = ? ORDER BY rule",
        [stage, round_no],
    ).fetchall()
    return [
        StoredVerdict(stage, round_no, rule, at, int(count), version, json.loads(text))
        for rule, at, count, version, text in rows
    ]

"""Decisions, undo, notes and reasons; the append-only log and its derived tables."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from screening import db as sdb
from screening.blind import Viewer, events, unblind, viewer
from screening.decide import (
    add_reviewer,
    decide,
    flag_report,
    report_flag,
    set_note,
    set_reason,
    start_session,
    undo,
    undo_last,
)
from screening.errors import ScreeningError
from screening.export import decision_rows
from tests.screening_support import make_review, team

TA = "title_abstract"
REASONS = ("wrong population", "wrong design")


def current(db: Database, who: Viewer, group: int) -> tuple[str, str | None, str | None] | None:
    """Return the viewer's current (label, reason, note) on a group."""
    rows = events(db, who, stage=TA, group_id=group)
    return None if not rows else (rows[0].label, rows[0].reason, rows[0].note)


def test_decide_records_label_reason_note_and_reviewer(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 3)
    (ann, _lead) = team(db, "ann")
    event = decide(
        db,
        ann,
        groups[0],
        TA,
        "exclude",
        reason="wrong design",
        note=" old ",
        allowed_reasons=REASONS,
    )
    assert event > 0
    assert current(db, ann, groups[0]) == ("exclude", "wrong design", "old")
    row = db.execute("SELECT reviewer, stage, time FROM decisions WHERE id = ?", [event]).fetchone()
    assert row[0] == "ann" and row[1] == TA and row[2].endswith("+00:00")


def test_validation_messages(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 2)
    (ann, _lead) = team(db, "ann")
    with pytest.raises(ScreeningError, match="unknown decision"):
        decide(db, ann, groups[0], TA, "yes")
    with pytest.raises(ScreeningError, match="goes with exclude"):
        decide(db, ann, groups[0], TA, "include", reason="wrong design")
    with pytest.raises(ScreeningError, match="choose one of: wrong population; wrong design"):
        decide(db, ann, groups[0], TA, "exclude", reason="too long", allowed_reasons=REASONS)
    with pytest.raises(ScreeningError, match="needs a reason"):
        decide(db, ann, groups[0], TA, "exclude", require_reason=True)
    with pytest.raises(ScreeningError, match="no study with group id 999"):
        decide(db, ann, 999, TA, "include")
    with pytest.raises(ScreeningError, match="unknown stage"):
        decide(db, ann, groups[0], "abstract", "include")
    with pytest.raises(ScreeningError, match="decide on group"):
        set_note(db, ann, groups[0], TA, "a note before deciding")
    with pytest.raises(ScreeningError, match="reviewer name"):
        viewer(db, "  ", blind=True)
    with pytest.raises(ScreeningError, match="unknown role"):
        add_reviewer(db, "zed", "boss")
    with pytest.raises(ScreeningError, match="nothing to undo"):
        undo(db, ann, groups[1], TA)
    assert db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0


def test_undo_restores_previous_state_and_history_keeps_every_event(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 3)
    (ann, lead) = team(db, "ann")
    g = groups[0]
    decide(db, ann, g, TA, "include")
    decide(db, ann, g, TA, "exclude", reason="wrong design")
    set_note(db, ann, g, TA, "checked twice")
    assert current(db, ann, g) == ("exclude", "wrong design", "checked twice")
    undo(db, ann, g, TA)  # the note goes
    assert current(db, ann, g) == ("exclude", "wrong design", None)
    undo(db, ann, g, TA)  # back to include
    assert current(db, ann, g) == ("include", None, None)
    undo(db, ann, g, TA)  # nothing left
    assert current(db, ann, g) is None
    decide(db, ann, g, TA, "maybe")
    assert current(db, ann, g) == ("maybe", None, None)
    history = list(decision_rows(db, ann, history=True))
    assert [r["label"] for r in history] == [
        "include",
        "exclude",
        "exclude",
        "undo",
        "undo",
        "undo",
        "maybe",
    ]
    # Each undo retracts the event current at the time: 3, then 2, then 1.
    assert [r["retracts"] for r in history if r["label"] == "undo"] == [
        history[2]["event_id"],
        history[1]["event_id"],
        history[0]["event_id"],
    ]
    assert [r["label"] for r in decision_rows(db, ann)] == ["maybe"]
    assert sdb.derived_mismatches(db) == 0


def test_repeated_identical_decision_writes_nothing(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 1)
    (ann, _lead) = team(db, "ann")
    first = decide(db, ann, groups[0], TA, "include")
    assert decide(db, ann, groups[0], TA, "include") == first
    assert db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1


def test_note_and_reason_carry_over(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 1)
    (ann, _lead) = team(db, "ann")
    g = groups[0]
    decide(db, ann, g, TA, "exclude", note="n1")
    set_reason(db, ann, g, TA, "wrong population", REASONS)
    assert current(db, ann, g) == ("exclude", "wrong population", "n1")
    decide(db, ann, g, TA, "exclude")  # same again: reason and note kept, nothing written
    assert current(db, ann, g) == ("exclude", "wrong population", "n1")
    decide(db, ann, g, TA, "include")  # reason dropped, note kept
    assert current(db, ann, g) == ("include", None, "n1")
    set_note(db, ann, g, TA, "")
    assert current(db, ann, g) == ("include", None, None)
    with pytest.raises(ScreeningError, match="goes with exclude"):
        set_reason(db, ann, g, TA, "wrong design")


def test_undo_last_walks_back_over_groups(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 3)
    (ann, _lead) = team(db, "ann")
    for g in groups:
        decide(db, ann, g, TA, "include")
    decide(db, ann, groups[0], TA, "exclude")  # a change of mind on the first group
    assert undo_last(db, ann, TA) == groups[0]
    assert current(db, ann, groups[0]) == ("include", None, None)
    assert undo_last(db, ann, TA) == groups[2]
    assert undo_last(db, ann, TA) == groups[1]
    assert undo_last(db, ann, TA) == groups[0]
    assert undo_last(db, ann, TA) is None


def test_append_only_triggers_refuse_update_and_delete(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 2)
    ann, lead = team(db, "ann")
    decide(db, ann, groups[0], TA, "exclude")
    start_session(db, ann, TA)
    unblind(db, lead, TA)
    statements = [
        "UPDATE decisions SET label = 'include'",
        "DELETE FROM decisions",
        "UPDATE unblinded SET by = 'ann'",
        "DELETE FROM unblinded",
        "UPDATE screening_sessions SET client = 'x'",
        "DELETE FROM reviewers WHERE name = 'ann'",
    ]
    for sql in statements:
        with pytest.raises(sqlite3.IntegrityError, match="append-only|kept"):
            db.execute(sql)
    # An undo must retract exactly the current decision, even written by hand.
    with pytest.raises(sqlite3.IntegrityError, match="must retract"):
        db.execute(
            "INSERT INTO decisions (group_id, stage, reviewer, label, retracts, time) "
            "VALUES (?, ?, 'ann', 'undo', 12345, 'now')",
            [groups[0], TA],
        )
    with pytest.raises(sqlite3.IntegrityError, match="only a lead"):
        db.execute("INSERT INTO unblinded (stage, by, time) VALUES ('full_text', 'ann', 'now')")
    assert current(db, ann, groups[0]) == ("exclude", None, None)


def test_random_operations_keep_derived_tables_in_step_with_the_log(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 12)
    people = team(db, "ann", "bob", "cat", blind=False)
    rng = random.Random(7)
    for _ in range(400):
        who = rng.choice(people)
        g = rng.choice(groups)
        action = rng.random()
        if action < 0.6:
            decide(db, who, g, TA, rng.choice(sdb.LABELS))
        elif action < 0.8:
            try:
                undo(db, who, g, TA)
            except ScreeningError:
                pass
        else:
            undo_last(db, who, TA)
    assert sdb.derived_mismatches(db) == 0
    before = db.execute("SELECT * FROM current_decisions ORDER BY 1, 2, 3").fetchall()
    sdb.rebuild_derived(db)
    assert db.execute("SELECT * FROM current_decisions ORDER BY 1, 2, 3").fetchall() == before
    assert sdb.derived_mismatches(db) == 0


def test_not_retrieved_flag_is_an_event(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 2)
    ann, bob, lead = team(db, "ann", "bob", blind=False)
    for who in (ann, bob):
        decide(db, who, groups[0], TA, "include")
        decide(db, who, groups[1], TA, "exclude")
    flag_report(db, ann, groups[0], note="no library access")
    assert report_flag(db, groups[0]) == "not_retrieved"
    flag_report(db, ann, groups[0], retrieved=True)
    assert report_flag(db, groups[0]) == "retrieved"
    with pytest.raises(ScreeningError, match="has not passed"):
        flag_report(db, ann, groups[1])
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM report_flags")

"""Exports of decisions and the progress figures of ``review status --json``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from screening import export, progress
from screening.blind import unblind
from screening.decide import decide, set_note, start_session, undo
from tests.screening_support import make_review, team

TA, FT = "title_abstract", "full_text"


def test_decision_export_current_and_history(tmp_path: Path) -> None:
    db, g = make_review(tmp_path, 3)
    ann, bob, lead = team(db, "ann", "bob")
    decide(db, ann, g[0], TA, "exclude", reason="wrong design", note="animal study")
    decide(db, ann, g[1], TA, "include")
    undo(db, ann, g[1], TA)
    decide(db, bob, g[0], TA, "maybe")
    out = io.StringIO()
    assert export.write_csv(db, lead, out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(export.COLUMNS)
    assert [(r["group_id"], r["reviewer"], r["label"], r["reason"], r["note"]) for r in rows] == [
        (str(g[0]), "ann", "exclude", "wrong design", "animal study"),
        (str(g[0]), "bob", "maybe", "", ""),
    ]
    out = io.StringIO()
    assert export.write_csv(db, lead, out, history=True) == 4
    history = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(history[0]) == list(export.HISTORY_COLUMNS)
    assert [r["label"] for r in history] == ["exclude", "include", "undo", "maybe"]
    assert history[2]["retracts"] == history[1]["event_id"]
    # A blind reviewer's export: their own rows only, undo included in history.
    out = io.StringIO()
    assert export.write_csv(db, bob, out, history=True) == 1
    assert export.group_decisions(db, bob) == {g[0]: {TA: "maybe"}}
    assert export.group_decisions(db, lead) == {g[0]: {TA: "conflict"}, g[1]: {TA: "undecided"}}


def test_progress_counts_per_stage_and_reviewer(tmp_path: Path) -> None:
    db, g = make_review(tmp_path, 8)
    ann, bob, lead = team(db, "ann", "bob")
    session = start_session(db, ann, TA, client="test")
    plan = {
        g[0]: ("include", "include"),
        g[1]: ("include", "maybe"),
        g[2]: ("exclude", "exclude"),
        g[3]: ("exclude", "include"),
        g[4]: ("maybe", None),
    }
    for group, (a, b) in plan.items():
        decide(db, ann, group, TA, a, session_id=session)
        if b:
            decide(db, bob, group, TA, b)
    set_note(db, ann, g[0], TA, "borderline")
    data = progress.progress(db, lead).to_json()
    json.dumps(data)  # JSON-ready
    ta = data["stages"][TA]
    assert ta["eligible"] == 8 and ta["screened"] == 5 and ta["fully_screened"] == 4
    assert (ta["included"], ta["maybe"], ta["excluded"], ta["conflicts"]) == (1, 1, 1, 1)
    assert ta["undecided"] == 4 and ta["resolved"] == 0
    assert ta["reviewers"] == {
        "ann": {"include": 2, "exclude": 2, "maybe": 1},
        "bob": {"include": 2, "exclude": 1, "maybe": 1},
    }
    assert ta["agreement"]["pairs"][0]["reviewers"] == ["ann", "bob"]
    # ann and bob agree on 3 of 4 (two categories, maybe = include)
    assert ta["agreement"]["two_categories"]["percent"] == 75.0
    ft = data["stages"][FT]
    assert ft["eligible"] == 2 and ft["screened"] == 0 and ft["not_retrieved"] == 0
    assert ta["rate"] is None  # the lead has no session
    rate = progress.stage_progress(db, ann, TA).to_json()["rate"]
    assert (
        rate["session_id"] == session and rate["decisions"] == 5
    )  # groups: the note is no record more
    blind_view = progress.progress(db, ann).to_json()
    assert blind_view["stages"][TA]["agreement"] is None
    assert blind_view["stages"][TA]["reviewers"] == {
        "ann": {"include": 2, "exclude": 2, "maybe": 1}
    }
    assert blind_view["stages"][FT]["eligible"] is None
    unblind(db, lead, TA)
    assert progress.progress(db, ann).to_json()["stages"][TA] == {**ta, "rate": rate}
    assert progress.progress(db, ann).to_json()["unblinded"] == [TA]

"""Decisions when a later dedup merges two screened studies (``screening.merges``).

Decisions stay on the group they were made on; the merged study pools them as
distinct (reviewer, label) votes: the same label counts once, different labels
(one reviewer's or two reviewers') are a conflict; undoing the merge gives each
group its own decisions back; blind mode still hides other reviewers' votes;
the log loses nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from corpus import dedup
from screening import conflicts, export, merges, stages
from screening import db as sdb
from screening.blind import Viewer, events
from screening.decide import decide, undo
from tests.screening_support import make_review, team

TA, FT = "title_abstract", "full_text"


def _record(db: Database, group: int) -> int:
    return int(db.execute("SELECT MIN(id) FROM records WHERE group_id = ?", [group]).fetchone()[0])


def _merge(db: Database, into: int, other: int) -> int:
    """Merge two studies as a person would in ``review dedup``; return the merge id."""
    said = dedup.decide(db, _record(db, into), _record(db, other), True, "lead")
    assert said.startswith("merge ") and f"joined group {into}" in said, said
    return int(said.split()[1].rstrip(":"))


def _outcome(db: Database, who: Viewer, group: int, stage: str = TA) -> str:
    found = stages.outcome(db, who, group, stage)
    assert found is not None
    return found.outcome


def _labels(db: Database, who: Viewer, group: int, stage: str = TA) -> dict[str, str]:
    found = stages.outcome(db, who, group, stage)
    assert found is not None
    return found.labels


def _snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the append-only logs, to show a merge and its undo rewrite none."""
    return {
        table: db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        for table in ("decisions", "resolutions")
    }


def test_same_labels_merge_to_one_decision(tmp_path: Path) -> None:
    db, (a, b, *_) = make_review(tmp_path / "r", 4)
    ana, ben, lead = team(db, "ana", "ben", blind=False, required=2)
    decide(db, ana, a, TA, "include")
    decide(db, ana, b, TA, "include")
    decide(db, ben, b, TA, "include")
    assert _outcome(db, lead, a) == "undecided"  # only ana on a so far
    _merge(db, a, b)
    assert merges.study_of(db, b) == a and merges.member_groups(db, a) == [a, b]
    found = stages.outcome(db, lead, a, TA)
    assert found is not None and found.outcome == "include"
    assert found.labels == {"ana": "include", "ben": "include"}  # ana counted once
    assert sdb.screened_counts(db, TA, 2) == (1, 1)  # one study, fully screened
    # Both decided the merged study, so it is open to neither of them any more.
    assert sdb.open_among_title_abstract(db, "ana", 2, [a]) == set()
    assert sdb.open_among_title_abstract(db, "ben", 2, [a]) == set()
    assert _outcome(db, lead, a) in sdb.PROCEEDS  # it reaches full text
    decide(db, ana, a, FT, "include")


def test_different_labels_become_a_conflict(tmp_path: Path) -> None:
    db, (a, b, *_) = make_review(tmp_path / "r", 4)
    ana, ben, lead = team(db, "ana", "ben", blind=False, required=2)
    decide(db, ana, a, TA, "include")
    decide(db, ben, b, TA, "exclude")
    _merge(db, a, b)
    found = conflicts.conflicts(db, lead, TA)
    assert found == [conflicts.Conflict(a, TA, {"ana": "include", "ben": "exclude"})]
    conflicts.resolve(db, lead, a, TA, "include", "consensus", note="same study")
    assert _outcome(db, lead, a) == "resolved_include"


def test_one_reviewer_disagreeing_with_themself_is_a_conflict(tmp_path: Path) -> None:
    db, (a, b, *_) = make_review(tmp_path / "r", 4)
    ana, lead = team(db, "ana", blind=False, required=2)
    decide(db, ana, a, TA, "include")
    decide(db, ana, b, TA, "exclude")
    _merge(db, a, b)
    assert conflicts.conflicts(db, lead, TA) == [
        conflicts.Conflict(a, TA, {"ana": "exclude / include"})
    ]
    # Include and maybe agree at title/abstract, as between two reviewers.
    db2, (c, d, *_) = make_review(tmp_path / "r2", 4)
    cat, lead2 = team(db2, "cat", blind=False, required=1)
    decide(db2, cat, c, TA, "include")
    decide(db2, cat, d, TA, "maybe")
    _merge(db2, c, d)
    assert _outcome(db2, lead2, c) == "maybe"


def test_undoing_the_merge_restores_both(tmp_path: Path) -> None:
    db, (a, b, *_) = make_review(tmp_path / "r", 4)
    ana, ben, lead = team(db, "ana", "ben", blind=False, required=1)
    decide(db, ana, a, TA, "include")
    decide(db, ben, b, TA, "exclude")
    merge = _merge(db, a, b)
    assert _outcome(db, lead, a) == "conflict"
    dedup.undo(db, merge, "lead")
    assert (_outcome(db, lead, a), _outcome(db, lead, b)) == ("include", "exclude")
    assert _labels(db, lead, b) == {"ben": "exclude"}
    assert conflicts.conflicts(db, lead, TA) == []
    assert merges.study_of(db, b) == b and merges.member_groups(db, a) == [a]
    assert sdb.derived_mismatches(db) == 0


def test_nested_merges_pool_and_undo_level_by_level(tmp_path: Path) -> None:
    db, (a, b, c, *_) = make_review(tmp_path / "r", 5)
    ana, ben, cat, lead = team(db, "ana", "ben", "cat", blind=False, required=3)
    decide(db, ana, a, TA, "include")
    decide(db, ben, b, TA, "include")
    decide(db, cat, c, TA, "exclude")
    inner = _merge(db, b, c)  # c into b
    assert _outcome(db, lead, b) == "undecided"  # two of three votes
    outer = _merge(db, a, b)  # b (holding c) into a
    assert merges.member_groups(db, a) == [a, b, c] and merges.study_of(db, c) == a
    assert _labels(db, lead, a) == {
        "ana": "include",
        "ben": "include",
        "cat": "exclude",
    }
    assert _outcome(db, lead, a) == "conflict"
    dedup.undo(db, outer, "lead")
    assert merges.member_groups(db, b) == [b, c] and _outcome(db, lead, b) == "undecided"
    assert _labels(db, lead, b) == {"ben": "include", "cat": "exclude"}
    dedup.undo(db, inner, "lead")
    assert [merges.study_of(db, g) for g in (a, b, c)] == [a, b, c]
    assert sdb.derived_mismatches(db) == 0


def test_blind_mode_still_hides_other_reviewers(tmp_path: Path) -> None:
    db, (a, b, *_) = make_review(tmp_path / "r", 4)
    ana, ben, lead = team(db, "ana", "ben", blind=True, required=2)
    decide(db, ana, a, TA, "include")
    decide(db, ben, b, TA, "exclude")
    _merge(db, a, b)
    assert conflicts.conflicts(db, ana, TA) is None
    assert stages.outcome(db, ana, a, TA) is None
    assert {e.reviewer for e in events(db, ana, history=True)} == {"ana"}
    assert {e.reviewer for e in merges.study_events(db, ana, a, history=True)} == {"ana"}
    assert export.group_decisions(db, ben) == {a: {TA: "exclude"}}  # own vote, on the study
    # The lead sees the conflict; both reviewers have decided the merged study.
    assert [c.group_id for c in conflicts.conflicts(db, lead, TA) or []] == [a]
    assert sdb.open_among_title_abstract(db, "ben", 2, [a]) == set()


def test_nothing_of_the_history_is_lost(tmp_path: Path) -> None:
    db, (a, b, *_) = make_review(tmp_path / "r", 4)
    ana, ben, lead = team(db, "ana", "ben", blind=False, required=2)
    decide(db, ana, a, TA, "include", note="RCT")
    decide(db, ana, b, TA, "exclude", reason=None, note="looked like a protocol")
    decide(db, ben, b, TA, "maybe")
    undo(db, ben, b, TA)
    decide(db, ben, b, TA, "include")
    before = _snapshot(db)
    merge = _merge(db, a, b)
    assert _snapshot(db) == before  # a merge writes and rewrites no decision
    history = merges.study_events(db, lead, a, history=True)
    assert [e.id for e in history] == [row[0] for row in before["decisions"]]
    current = merges.study_events(db, lead, a, stage=TA)
    assert {(e.group_id, e.reviewer, e.label, e.note) for e in current} == {
        (a, "ana", "include", "RCT"),
        (b, "ana", "exclude", "looked like a protocol"),
        (b, "ben", "include", None),
    }
    assert sdb.derived_mismatches(db) == 0
    counts = sdb.raw_outcome_counts(db, TA, 2)
    sdb.rebuild_derived(db)  # the derived tables follow from the log and the merges
    assert sdb.raw_outcome_counts(db, TA, 2) == counts == {"conflict": 1}
    conflicts.resolve(db, lead, a, TA, "include", "consensus")
    dedup.undo(db, merge, "lead")
    assert _snapshot(db)["decisions"] == before["decisions"]
    # The lead's resolution stays on its group; b gets its own votes back.
    assert (_outcome(db, lead, a), _outcome(db, lead, b)) == ("resolved_include", "conflict")
    assert sdb.derived_mismatches(db) == 0

"""The record of the review's triggers: releases change them, a hand-made change stays named.

``review check`` compares the triggers with those the migrations recorded in
the chained ``schema_triggers`` log, so a review created by an earlier
release (whose migrations wrote a trigger's SQL differently) checks clean,
while a trigger dropped or edited with the sqlite3 shell is named, even
after a later upgrade runs migrations over it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus import db as corpus_db
from review.core.chain.verify import record_trigger_changes, reference_triggers
from review.core.project import Project
from tests.ledger_support import busy_review, passed, run, strip_ledger, tamper

VICTIM = "dedup_merges_studies"


def trigger_sql(db_path: Path, name: str) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return str(
            conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
        )
    finally:
        conn.close()


def replace_trigger(db_path: Path, name: str, sql: str) -> None:
    tamper(db_path, f"DROP TRIGGER {name}; {sql};")


def earlier_release(db_path: Path) -> str:
    """Make the review one an earlier release wrote: no ledger, a trigger in older SQL.

    The older SQL says the same in other words (``CROSS JOIN`` as ``JOIN``),
    as when a release rewrote a migration's trigger for speed.
    """
    strip_ledger(db_path)
    current = trigger_sql(db_path, VICTIM)
    assert "CROSS JOIN" in current
    older = current.replace("CROSS JOIN", "JOIN")
    replace_trigger(db_path, VICTIM, older)
    return older


def migrate_to_this_release(db_path: Path) -> None:
    """What a later release's migration does: recreate the trigger, record the change."""
    db = corpus_db.connect(db_path, migrate=False)
    try:
        with corpus_db.transaction(db):
            db.execute(f"DROP TRIGGER {VICTIM}")
            db.execute(reference_triggers_sql())
            record_trigger_changes(db)
    finally:
        db.close()


def reference_triggers_sql() -> str:
    fresh = corpus_db.connect(":memory:", migrate=False)
    try:
        from review.core.migrations import apply_all

        apply_all(fresh)
        row = fresh.execute("SELECT sql FROM sqlite_master WHERE name = ?", [VICTIM]).fetchone()
        return str(row[0])
    finally:
        fresh.close()


def test_a_review_from_an_earlier_release_checks_clean(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    db_path = project / "review.db"
    older = earlier_release(db_path)
    assert " ".join(older.split()) != reference_triggers()[VICTIM][1]
    assert passed(run(project, "check"))  # opening it ran the ledger migrations
    assert trigger_sql(db_path, VICTIM) == older  # its own trigger, recorded as it was
    # An edit made by hand afterwards is still named.
    replace_trigger(
        db_path, VICTIM, older.replace("WHEN NEW.from_group", "WHEN 0 AND NEW.from_group")
    )
    result = run(project, "check")
    assert result[0] == 1
    assert f"trigger {VICTIM} on dedup_merges differs from the one review recorded" in result[1]


def test_a_later_migration_records_the_triggers_it_changes(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    db_path = project / "review.db"
    earlier_release(db_path)
    Project(project).open_db().close()  # the upgrade: ledger and trigger record created
    migrate_to_this_release(db_path)
    assert passed(run(project, "check"))
    # The same change made by hand, without a migration's record, is named.
    earlier_release(db_path)
    Project(project).open_db().close()
    replace_trigger(db_path, VICTIM, reference_triggers_sql())
    assert f"trigger {VICTIM} on dedup_merges differs" in run(project, "check")[1]


def test_a_trigger_dropped_by_hand_stays_named_after_migrations_run(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    db_path = project / "review.db"
    tamper(
        db_path,
        "DROP TRIGGER decisions_no_update; CREATE TRIGGER sneaky AFTER INSERT ON "
        "reviewers BEGIN SELECT 1; END;",
    )
    db = corpus_db.connect(db_path, migrate=False)
    try:
        with corpus_db.transaction(db):
            record_trigger_changes(db)  # as a later release's upgrade would
    finally:
        db.close()
    out = run(project, "check")[1]
    assert "trigger decisions_no_update on decisions is missing" in out
    assert "trigger sneaky on reviewers was not created by review" in out

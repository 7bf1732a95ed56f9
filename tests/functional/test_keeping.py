"""``review backup``, ``review restore`` and ``review check`` on real reviews.

The tamper tests do what someone with the sqlite3 shell would: drop the
append-only trigger and edit or delete a row. ``review check`` must name it.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from sqlite_utils import Database

from corpus import db as corpus_db
from review.core import db as review_db
from review.core.backup import backup
from review.core.integrity import check
from review.core.project import Project
from tests.extraction_support import invoke
from tests.ledger_support import busy_review, passed, run, strip_ledger, tamper


def test_check_passes_on_a_fresh_review(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    db = Database(project / "review.db")
    assert db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] >= 3
    assert db.execute("SELECT COUNT(*) FROM extraction_values").fetchone()[0] > 0
    assert db.execute("SELECT COUNT(*) FROM current_decisions").fetchone()[0] > 0
    db.close()
    assert passed(run(project, "check"))
    code, out = run(project, "check", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and data["problems"] == []
    assert data["chain"]["length"] > 20 and len(data["chain"]["head"]) == 64


def test_check_names_an_audit_row_edited_with_the_shell(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    db = Database(project / "review.db")
    ids = [r[0] for r in db.execute("SELECT id FROM audit ORDER BY id")]
    db.close()
    victim = ids[1]
    tamper(
        project / "review.db",
        f"DROP TRIGGER audit_no_update;UPDATE audit SET reviewer = 'mallory' WHERE id = {victim};",
    )
    code, out = run(project, "check")
    assert code == 1
    assert out.strip().splitlines()[:-1] == [
        f"audit row {victim} was changed outside review (hash mismatch)",
        f"audit row {victim} was changed outside review (differs from its chained content)",
        "trigger audit_no_update on audit is missing",
    ]
    problems = json.loads(run(project, "check", "--json")[1])["problems"]
    assert [(p["table"], p["row"]) for p in problems] == [
        ("audit", victim),
        ("audit", victim),
        ("audit", "audit_no_update"),
    ]


def test_check_names_the_gap_of_a_deleted_audit_row(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    tamper(project / "review.db", "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 2;")
    code, out = run(project, "check")
    assert code == 1
    assert "audit row 3 does not follow row 1" in out


def test_check_names_a_derived_row_that_disagrees_with_the_log(tmp_path: Path) -> None:
    project, groups = busy_review(tmp_path)
    # current_decisions has no DELETE guard; its delete trigger would fix the
    # tallies, and an outside editor may well not know about it: drop it too.
    tamper(
        project / "review.db",
        "DROP TRIGGER current_decisions_out;"
        f"DELETE FROM current_decisions WHERE group_id = {groups[0]} AND stage = 'full_text';",
    )
    code, out = run(project, "check")
    assert code == 1
    lines = out.strip().splitlines()
    assert any(
        line.startswith(
            f"current_decisions row (stage=full_text, group_id={groups[0]}, reviewer=lead)"
            " is missing; decisions implies"
        )
        for line in lines
    ), out
    assert not any(line.startswith("audit") for line in lines)


def test_check_on_a_review_from_before_the_chain(tmp_path: Path) -> None:
    """Opening an old review backfills both chains; the old rows then check clean."""
    project, _ = busy_review(tmp_path)
    strip_ledger(project / "review.db")
    tamper(
        project / "review.db",
        "DELETE FROM _sqlite_migrations WHERE name = 'm004_audit_chain';"
        "ALTER TABLE audit DROP COLUMN prev_hash; ALTER TABLE audit DROP COLUMN hash;",
    )
    assert passed(run(project, "check"))
    invoke(project, "decide", "source:s6", "exclude", "--reviewer", "lead")
    assert passed(run(project, "check"))


def test_backup_is_consistent_while_another_connection_writes(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    (project / "fulltext" / "a.pdf").write_bytes(b"%PDF-1.4 not really")
    (project / "cache").mkdir(exist_ok=True)
    (project / "cache" / "big.bin").write_bytes(b"x" * 10)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        db = corpus_db.connect(project / "review.db", migrate=False)
        try:
            while not stop.is_set():
                # Two rows per transaction: a torn copy would hold an odd count.
                with corpus_db.transaction(db):
                    review_db._insert_audit(db, review_db.now(), "w", "test.pair", {"n": 1})
                    review_db._insert_audit(db, review_db.now(), "w", "test.pair", {"n": 2})
                written.append(1)
        finally:
            db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while not written:
            time.sleep(0.001)
        dest = tmp_path / "backup"
        result = backup(Project(project), dest)
    finally:
        stop.set()
        thread.join()
    assert written
    manifest = json.loads((dest / "manifest.json").read_text("utf-8"))
    assert manifest["counts"] == result.counts
    copy = Database(dest / "review.db")
    pairs = copy.execute("SELECT COUNT(*) FROM audit WHERE action = 'test.pair'").fetchone()[0]
    others = copy.execute("SELECT COUNT(*) FROM audit WHERE action != 'test.pair'").fetchone()[0]
    assert pairs % 2 == 0  # never half of one writer's transaction
    assert pairs + others == manifest["counts"]["audit"]
    assert check(copy) == []
    copy.close()
    assert (dest / "protocol.toml").read_bytes() == (project / "protocol.toml").read_bytes()
    assert (dest / "fulltext" / "a.pdf").read_bytes() == b"%PDF-1.4 not really"
    assert not (dest / "cache").exists()
    # A second backup into the same (now full) folder is refused in one line.
    code, out = run(project, "backup", str(dest))
    assert code == 1 and out.startswith("review: error:") and "not empty" in out


def test_restore_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    dest = tmp_path / "backup"
    code, out = run(project, "backup", str(dest))
    assert code == 0, out
    before = Database(project / "review.db")
    n_audit = before.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    before.close()
    invoke(project, "decide", "source:s6", "exclude", "--reviewer", "lead")
    code, out = run(project, "restore", str(dest))
    assert code == 1 and "--force" in out and len(out.strip().splitlines()) == 1
    code, out = run(project, "restore", str(dest), "--force")
    assert code == 0, out
    after = Database(project / "review.db")
    assert after.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == n_audit
    after.close()
    assert passed(run(project, "check"))
    # Into a folder with no review yet: no --force needed.
    fresh = tmp_path / "fresh"
    code, out = run(fresh, "restore", str(dest))
    assert code == 0, out
    assert (fresh / "review.db").is_file() and (fresh / "protocol.toml").is_file()
    assert passed(run(fresh, "check"))

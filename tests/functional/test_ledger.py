"""The ledger against the attacks of issue 18, each done as with the sqlite3 shell.

Each test plays one attack from the issue on a real review (built with the
CLI), then runs ``review check``, ``--against`` or ``review restore``. On the
code before the ledger every one of them passed unnoticed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

from corpus import db as corpus_db
from corpus.db import chain_hash
from corpus.model import Record
from review.core import db as review_db
from review.core.chain import db as chain_db
from review.core.project import Project
from tests.extraction_support import invoke
from tests.ledger_support import busy_review, passed, run, strip_ledger, tamper


def decision(project: Path, label: str = "include") -> int:
    conn = sqlite3.connect(project / "review.db")
    row = conn.execute("SELECT id FROM decisions WHERE label = ? ORDER BY id", [label]).fetchone()
    conn.close()
    return int(row[0])


def tamper_fails(db_path: Path, sql: str) -> str:
    """Run SQL as :func:`tamper` does; return the error it must end with."""
    try:
        tamper(db_path, sql)
    except subprocess.CalledProcessError as exc:
        return str(exc.stderr, "utf-8")
    except sqlite3.OperationalError as exc:
        return str(exc)
    raise AssertionError(f"{sql} succeeded")


def lines(result: tuple[int, str]) -> list[str]:
    return result[1].strip().splitlines()


def test_a_label_edited_behind_a_recreated_trigger_is_named(tmp_path: Path) -> None:
    """Drop decisions_no_update, change a label, recreate it, fix every derived table."""
    project, _ = busy_review(tmp_path)
    victim = decision(project)
    tamper(
        project / "review.db",
        "DROP TRIGGER decisions_no_update;"
        f"UPDATE decisions SET label = 'exclude' WHERE id = {victim};"
        # The derived tables follow (current_decisions' triggers fix study_votes
        # and group_tallies), so the derived check finds nothing.
        f"DELETE FROM current_decisions WHERE event_id = {victim};"
        "INSERT INTO current_decisions (stage, group_id, reviewer, event_id, label)"
        f" SELECT stage, group_id, reviewer, id, 'exclude' FROM decisions WHERE id = {victim};"
        "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
        "BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END;",
    )
    result = run(project, "check")
    assert result[0] == 1
    assert lines(result)[:-1] == [
        f"decisions row {victim} was changed outside review (differs from its chained content)"
    ]


def test_a_decision_inserted_with_the_plain_shell_fails_or_is_named(tmp_path: Path) -> None:
    project, groups = busy_review(tmp_path)
    insert = (
        "INSERT INTO decisions (group_id, stage, reviewer, label, time)"
        f" VALUES ({groups[1]}, 'title_abstract', 'lead', 'exclude', '2026-01-01');"
    )
    before = run(project, "check")
    assert "no such function: ledger_entry" in tamper_fails(project / "review.db", insert)
    assert run(project, "check") == before  # nothing was written
    # The attacker drops the ledger's trigger first, inserts, and puts it back.
    trigger = chain_db.trigger_sql(chain_db.LOGS_BY_TABLE["decisions"], "insert")
    tamper(
        project / "review.db",
        f"DROP TRIGGER ledger_decisions_insert; {insert} {trigger};",
    )
    result = run(project, "check")
    assert result[0] == 1
    new = max(
        r[0] for r in sqlite3.connect(project / "review.db").execute("SELECT id FROM decisions")
    )
    assert lines(result)[:-1] == [
        f"decisions row {new} is not in the chain (written outside review)"
    ]


def test_append_only_triggers_dropped_and_left_dropped_are_named(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    tamper(
        project / "review.db",
        "DROP TRIGGER decisions_no_update; DROP TRIGGER decisions_no_delete;"
        "DROP TRIGGER extraction_values_no_update; DROP TRIGGER ledger_audit_insert;",
    )
    result = run(project, "check")
    assert result[0] == 1
    assert lines(result)[:-1] == [
        "trigger decisions_no_delete on decisions is missing",
        "trigger decisions_no_update on decisions is missing",
        "trigger extraction_values_no_update on extraction_values is missing",
        "trigger ledger_audit_insert on audit is missing",
    ]
    # A trigger changed to let updates through, and one added, are named too.
    tamper(
        project / "review.db",
        "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
        "WHEN 0 BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END;"
        "CREATE TRIGGER sneaky AFTER INSERT ON reviewers BEGIN SELECT 1; END;",
    )
    out = lines(run(project, "check"))
    assert "trigger decisions_no_update on decisions differs from the one review recorded" in out
    assert "trigger sneaky on reviewers was not created by review" in out


def rewrite_audit_row(db_path: Path, victim: int, *, ledger: bool) -> None:
    """Edit an audit row and recompute every audit hash (and, with ``ledger``, the ledger).

    The strongest attacker: the code is open, so the unkeyed hashes can be
    recomputed, in the original order, with the tool's own functions.
    """
    conn = sqlite3.connect(db_path, isolation_level=None)
    chain_hash.register(conn)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET reviewer = 'mallory' WHERE id = ?", [victim])
    previous = ""
    for id_, time, reviewer, action, details in conn.execute(
        "SELECT id, time, reviewer, action, details FROM audit ORDER BY id"
    ).fetchall():
        digest = review_db.audit_hash(previous, id_, time, reviewer, action, details)
        conn.execute(
            "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [previous, digest, id_]
        )
        previous = digest
    conn.execute(
        chain_db.trigger_sql(chain_db.LOGS_BY_TABLE["audit"], "insert").replace(
            "CREATE TRIGGER ledger_audit_insert", "CREATE TRIGGER IF NOT EXISTS ledger_audit_insert"
        )
    )
    conn.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END"
    )
    if ledger:
        conn.execute("DROP TRIGGER ledger_no_update")
        audit = chain_db.LOGS_BY_TABLE["audit"]
        content = {
            key: chain_hash.content_digest("audit", *values)
            for key, *values in conn.execute(f"SELECT id, {', '.join(audit.columns)} FROM audit")
        }
        prev = ""
        for seq, tbl, key, op, digest in conn.execute(
            "SELECT seq, tbl, row_key, op, digest FROM ledger ORDER BY seq"
        ).fetchall():
            if tbl == "audit":
                digest = content[key]
            new = chain_hash.entry_hash(prev, tbl, key, op, digest)
            conn.execute(
                "UPDATE ledger SET prev_hash = ?, entry = ? WHERE seq = ?",
                [prev, digest + new, seq],
            )
            prev = new
        conn.execute(
            "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger "
            "BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END"
        )
    conn.close()


def test_an_audit_row_rewritten_with_recomputed_hashes_is_caught(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    victim = 2
    rewrite_audit_row(project / "review.db", victim, ledger=False)
    result = run(project, "check")
    assert result[0] == 1
    assert lines(result)[:-1] == [
        f"audit row {victim} was changed outside review (differs from its chained content)"
    ]


def test_a_recomputed_ledger_is_caught_by_an_anchor(tmp_path: Path) -> None:
    """Recompute the ledger too: check passes, but a backup or a printed head says so."""
    project, _ = busy_review(tmp_path)
    assert run(project, "backup", str(tmp_path / "anchor"))[0] == 0
    printed = lines(run(project, "check"))[-1]
    head = printed.rsplit(" ", 1)[1]
    invoke(project, "decide", "source:s6", "exclude", "--reviewer", "lead")
    # Before the rewrite: the history up to both anchors is the one held now.
    result = run(project, "check", "--against", str(tmp_path / "anchor"))
    assert result[0] == 0 and lines(result)[-1].startswith("history unchanged up to the anchor")
    assert lines(result)[-1].endswith("entries added since")
    assert run(project, "check", "--against", head)[0] == 0
    rewrite_audit_row(project / "review.db", 2, ledger=True)
    assert passed(run(project, "check"))  # what the file alone cannot show
    result = run(project, "check", "--against", str(tmp_path / "anchor"))
    assert result[0] == 1
    assert lines(result)[-1].startswith("history rewritten: chain entry ")
    result = run(project, "check", "--against", head)
    assert result[0] == 1
    assert lines(result)[-1].startswith("history rewritten, or ")
    data = json.loads(run(project, "check", "--json", "--against", head[:20])[1])
    assert data["ok"] is True and data["against"]["rewritten"] is True
    # Not a folder, not a hash: one line.
    code, out = run(project, "check", "--against", "nope")
    assert code != 0 and len(out.strip().splitlines()) == 1 and "neither" in out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_restore_of_a_backup_with_a_decision_added_is_refused(tmp_path: Path) -> None:
    project, groups = busy_review(tmp_path)
    backup = tmp_path / "backup"
    assert run(project, "backup", str(backup))[0] == 0
    # One decision added to the backup's copy, by someone who keeps its chain whole.
    conn = sqlite3.connect(backup / "review.db", isolation_level=None)
    chain_hash.register(conn)
    conn.execute(
        "INSERT INTO decisions (group_id, stage, reviewer, label, time)"
        " VALUES (?, 'title_abstract', 'lead', 'exclude', '2026-01-01')",
        [groups[2]],
    )
    conn.close()
    before = sha256(project / "review.db")
    listing = sorted(p.name for p in project.iterdir())
    code, out = run(project, "restore", str(backup), "--force")
    assert code == 1
    assert out.strip().splitlines() == [
        f"review: error: {backup}/review.db: differs from the backup's manifest (SHA-256);"
        " nothing was restored"
    ]
    assert sha256(project / "review.db") == before
    assert sorted(p.name for p in project.iterdir()) == listing


def test_restore_refuses_files_the_manifest_does_not_list(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    backup = tmp_path / "backup"
    (project / "fulltext" / "a.pdf").write_bytes(b"%PDF-1.4 a")
    assert run(project, "backup", str(backup))[0] == 0
    manifest = json.loads((backup / "manifest.json").read_text("utf-8"))
    assert set(manifest["files"]) == {"review.db", "protocol.toml", "fulltext/a.pdf"}
    assert manifest["chain"]["length"] > 0 and len(manifest["chain"]["head"]) == 64
    (backup / "review.db-wal").write_bytes(b"replayed into the database")
    code, out = run(project, "restore", str(backup), "--force")
    assert code == 1 and "review.db-wal: not in the backup's manifest" in out
    (backup / "review.db-wal").unlink()
    (backup / "fulltext" / "a.pdf").write_bytes(b"%PDF-1.4 b")
    code, out = run(project, "restore", str(backup), "--force")
    assert code == 1 and "fulltext/a.pdf: differs from the backup's manifest" in out


def test_an_old_backup_is_restored_only_when_asked_with_a_warning(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    backup = tmp_path / "backup"
    assert run(project, "backup", str(backup))[0] == 0
    (backup / "NOTES.txt").write_text("a note left beside the backup is not read", "utf-8")
    manifest = json.loads((backup / "manifest.json").read_text("utf-8"))
    del manifest["files"], manifest["chain"]
    (backup / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    # Without hashes nothing can be checked: deleting them must not skip the check.
    code, out = run(project, "restore", str(backup), "--force")
    assert code == 1 and "has no file hashes" in out and "--unverified" in out
    (backup / "manifest.json").unlink()
    code, out = run(project, "restore", str(backup), "--force")
    assert code == 1 and "no manifest.json" in out and "nothing was restored" in out
    (backup / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    from click.testing import CliRunner

    from review.cli.root import cli

    result = CliRunner().invoke(
        cli, ["--project", str(project), "restore", str(backup), "--force", "--unverified"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [
        f"warning: {backup}/manifest.json has no file hashes; restoring without checking the files"
    ]
    code, out = run(project, "check", "--against", str(backup))
    assert code == 1 and "no chain head" in out and len(out.strip().splitlines()) == 1


def test_records_edited_are_named(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    # The update trigger needs the ledger's function, which the shell lacks.
    assert "ledger_entry" in tamper_fails(
        project / "review.db", "UPDATE records SET title = 'Other' WHERE id = 2;"
    )
    trigger = chain_db.trigger_sql(chain_db.LOGS_BY_TABLE["records"], "update")
    tamper(
        project / "review.db",
        "DROP TRIGGER ledger_records_update;"
        "UPDATE records SET title = 'Other', year = 1999 WHERE id = 2;"
        # A record moved to another study without a merge.
        "UPDATE records SET group_id = 1 WHERE id = 3;"
        f"{trigger};",
    )
    result = run(project, "check")
    assert result[0] == 1
    assert lines(result)[:-1] == [
        "records row 2 was changed outside review (differs from its chained content)",
        "records row 3 was changed outside review (differs from its chained content)",
    ]


def test_a_busy_review_checks_clean_after_dedup_undo_resync_and_flags(tmp_path: Path) -> None:
    """Every legitimate write (merge, its undo, a re-synced record, a flag) enters the chain."""
    project, _ = busy_review(tmp_path)
    again = tmp_path / "again.ris"
    again.write_text(
        "TY  - JOUR\nTI  - Online grooming study 4\nAU  - Author4, A.\nPY  - 2014\n"
        "DO  - 10.1000/study.4\nAB  - Abstract 4.\nID  - t4\nER  - \n\n",
        "utf-8",
    )
    invoke(project, "import", "--no-embed", str(again))
    invoke(project, "dedup", "--auto", "--no-vectors")
    db = Project(project).open_db()
    merges = corpus_db.merges(db)
    assert merges, "the duplicate was merged"
    db.close()
    invoke(project, "dedup", "undo", str(merges[0]["id"]), "--reviewer", "lead")
    invoke(project, "reviewer", "add", "ana")
    db = Project(project).open_db()
    corpus_db.update_record(db, 1, Record(title="Renamed by a re-sync", source_id="s1"))
    corpus_db.flag_record(db, 3, "deleted_in_zotero")
    ops = dict(db.execute("SELECT tbl || ':' || op, COUNT(*) FROM ledger GROUP BY 1").fetchall())
    db.close()
    moved = sum(len(m["moved_records"]) for m in merges) + len(merges[0]["moved_records"])
    assert ops["records:update"] == 2 + moved and ops["dedup_merges:update"] == 1
    assert ops["dedup_merges:insert"] == len(merges)
    assert passed(run(project, "check"))


def test_an_existing_review_is_backfilled_the_same_way_each_time(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    heads = []
    for _ in range(2):
        strip_ledger(project / "review.db")
        assert passed(run(project, "check"))
        db = Project(project).open_db()
        heads.append(chain_db.head(db))
        rows = sum(
            db.execute(f"SELECT COUNT(*) FROM {log.table}").fetchone()[0]
            for log in chain_db.ALL_LOGS
        )
        db.close()
        assert heads[-1][0] == rows
    assert heads[0] == heads[1]


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    assert mode(project / "review.db") == 0o600
    db = corpus_db.connect(project / "review.db", migrate=False)
    db.execute("SELECT COUNT(*) FROM records").fetchone()
    assert mode(Path(str(project / "review.db") + "-wal")) == 0o600
    assert mode(Path(str(project / "review.db") + "-shm")) == 0o600
    db.close()
    (project / "fulltext" / "sub").mkdir()
    (project / "fulltext" / "sub" / "a.pdf").write_bytes(b"%PDF")
    backup = tmp_path / "backup"
    assert run(project, "backup", str(backup))[0] == 0
    assert mode(backup) == 0o700 and mode(backup / "fulltext" / "sub") == 0o700
    for path in backup.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
    fresh = tmp_path / "fresh"
    assert run(fresh, "restore", str(backup))[0] == 0
    assert mode(fresh / "review.db") == 0o600 and mode(fresh / "protocol.toml") == 0o600


def test_methods_md_ends_with_the_chain_head_check_prints(tmp_path: Path) -> None:
    project, _ = busy_review(tmp_path)
    invoke(project, "report", "all", "-o", str(tmp_path / "report"))
    last = (tmp_path / "report" / "methods.md").read_text("utf-8").strip().splitlines()[-1]
    printed = lines(run(project, "check"))[-1]  # chain: N entries, head H
    length, head = printed.split()[1], printed.rsplit(" ", 1)[1]
    assert last.startswith(f"Review history: {length} logged entries, chain head `{head}`")
    assert run(project, "check", "--against", head)[0] == 0


def test_the_newest_decision_cut_off_with_its_entry_is_caught_by_an_anchor(tmp_path: Path) -> None:
    """Truncating the history leaves a valid, shorter chain: only an anchor shows it."""
    project, _ = busy_review(tmp_path)
    invoke(project, "decide", "source:s6", "exclude", "--reviewer", "lead")
    assert run(project, "backup", str(tmp_path / "anchor"))[0] == 0
    conn = sqlite3.connect(project / "review.db")
    last = conn.execute("SELECT MAX(id) FROM decisions").fetchone()[0]
    conn.close()
    tamper(
        project / "review.db",
        "DROP TRIGGER decisions_no_delete; DROP TRIGGER ledger_no_delete;"
        f"DELETE FROM current_decisions WHERE event_id = {last};"
        f"DELETE FROM decisions WHERE id = {last};"
        f"DELETE FROM ledger WHERE tbl = 'decisions' AND row_key = {last};"
        "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions "
        "BEGIN SELECT RAISE(ABORT, 'decisions is append-only'); END;"
        "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger "
        "BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;",
    )
    assert passed(run(project, "check"))
    code, out = run(project, "check", "--against", str(tmp_path / "anchor"))
    assert code == 1 and out.strip().splitlines()[-1].startswith("history rewritten: the chain")

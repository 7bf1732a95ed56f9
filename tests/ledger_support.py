"""Helpers for the ledger and ``review check`` tests: a busy review, tampering, the old schema."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from click.testing import CliRunner

from review.cli.root import cli
from review.core import db as review_db
from review.core.project import Project
from tests.extraction_support import included_review, invoke

REQUIRED = (
    "study_design=1",
    "mmat_domain=Quantitative randomized controlled trial",
    "mmat_s1=Yes",
    "mmat_s2=Yes",
    *(f"mmat_2_{n}=Yes" for n in range(1, 6)),
)


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    return result.exit_code, result.output


def busy_review(tmp_path: Path) -> tuple[Path, list[int]]:
    """A review with decisions, extraction values and audit rows."""
    project, groups = included_review(tmp_path)
    invoke(project, "extract", "set", str(groups[0]), *REQUIRED, "--reviewer", "lead")
    invoke(project, "decide", "source:s5", "exclude", "--reviewer", "lead")
    db = Project(project).open_db()
    review_db.append_audit(db, "lead", "test.note", {"text": "naïve ünïcode"})
    db.close()
    return project, groups


def passed(result: tuple[int, str]) -> bool:
    """``review check`` passed: exit 0, the one line, then the chain's length and head."""
    code, out = result
    lines = out.splitlines()
    return (
        code == 0
        and len(lines) == 2
        and lines[0] == "review.db: all checks passed"
        and re.fullmatch(r"chain: \d+ entries, head [0-9a-f]{64}", lines[1]) is not None
    )


def tamper(db_path: Path, sql: str) -> None:
    """Run SQL on review.db outside review: the sqlite3 shell when installed."""
    shell = shutil.which("sqlite3")
    if shell:
        subprocess.run([shell, str(db_path), sql], check=True, capture_output=True)
        return
    conn = sqlite3.connect(db_path)
    conn.executescript(sql)
    conn.close()


def strip_ledger(db_path: Path) -> None:
    """Take a review back to before the ledger: its triggers, tables and migrations gone."""
    conn = sqlite3.connect(db_path)
    names = [
        n
        for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        if n.startswith(("ledger_", "schema_triggers_"))
    ]
    for name in names:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE ledger")
    conn.execute("DROP TABLE schema_triggers")
    conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'ledger'")
    conn.commit()
    conn.close()

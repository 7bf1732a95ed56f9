"""The review context: who acts, one migration registry, and a busy review.

Regression tests for two defects found by trying the tool as a new user:
the TUI and several commands ignored the protocol's ``default_reviewer`` (and
failed where there is no login name), and "database is locked" was reported
as "is review.db a review created by review init?".
"""

from __future__ import annotations

import getpass
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from corpus.db import schema as corpus_schema
from review.core.context import open_context
from review.core.migrations import REGISTRY, apply_all, pending
from review.core.project import Project
from review.core.reviewer import REVIEWER_ENV, resolve_reviewer
from review.tui import make_app


def set_default_reviewer(project: Path, name: str) -> None:
    """Write ``default_reviewer`` into the review's protocol (under [screening])."""
    path = project / "protocol.toml"
    text = path.read_text("utf-8")
    assert "default_reviewer" in text
    lines = [
        f'default_reviewer = "{name}"' if line.startswith("default_reviewer") else line
        for line in text.splitlines()
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")


@pytest.fixture
def no_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container with no login name: getpass fails, no env names anyone."""

    def fail() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", fail)
    monkeypatch.delenv(REVIEWER_ENV, raising=False)


def test_reviewer_order_given_protocol_env_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REVIEWER_ENV, "env-name")
    assert resolve_reviewer("ana", "lead") == "ana"
    assert resolve_reviewer(None, "lead") == "lead"
    assert resolve_reviewer("  ", "") == "env-name"
    monkeypatch.delenv(REVIEWER_ENV)
    monkeypatch.setattr(getpass, "getuser", lambda: "login-name")
    assert resolve_reviewer(None, "") == "login-name"


@pytest.mark.usefixtures("no_login")
def test_no_login_name_is_one_clear_error(run: Callable[..., Result]) -> None:
    result = run("dedup", "mark", "1", "2", "skip")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "pass --reviewer NAME" in result.output


@pytest.mark.usefixtures("no_login")
def test_commands_and_tui_use_the_protocols_default_reviewer(
    run: Callable[..., Result],
) -> None:
    project = Path(run.project)  # type: ignore[attr-defined]
    set_default_reviewer(project, "dr-ana")
    assert make_app(Project(project), None).reviewer == "dr-ana"
    assert make_app(Project(project), "ben").reviewer == "ben"
    context = open_context(project)
    try:
        assert context.reviewer == "dr-ana" and context.viewer.name == "dr-ana"
    finally:
        context.close()
    amended = run("protocol", "amend", "--reason", "default reviewer named")
    assert amended.exit_code == 0, amended.output
    history = run("protocol", "history", "--json").output
    assert '"reviewer": "dr-ana"' in history


def test_one_registry_applies_every_layer_once(tmp_path: Path) -> None:
    db = corpus_schema.connect(tmp_path / "review.db", migrate=False)
    names = pending(db)
    assert {name.split(":")[0] for name in names} == {m.name for m in REGISTRY}
    apply_all(db)
    assert pending(db) == []
    tables = set(db.table_names())
    assert {"records", "decisions", "audit", "protocol_amendments"} <= tables
    applied = db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    apply_all(db)  # a second open changes nothing
    assert db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == applied
    assert applied == len(names)
    db.close()


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Open a second connection and take the write lock, as another reviewer's write does."""
    other = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_busy_review_is_reported_as_busy(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_schema, "BUSY_TIMEOUT_MS", 100)
    other = hold_write_lock(Path(run.project) / "review.db")  # type: ignore[attr-defined]
    try:
        result = run("reviewer", "add", "ana", "--lead")
    finally:
        other.rollback()
        other.close()
    assert result.exit_code == 1
    assert "the review is busy" in result.output and "review init" not in result.output
    assert result.output.count("\n") == 1


def test_busy_review_waits_and_retries(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus_schema, "BUSY_TIMEOUT_MS", 150)
    other = hold_write_lock(Path(run.project) / "review.db")  # type: ignore[attr-defined]

    def release() -> None:
        time.sleep(0.4)  # longer than one busy timeout: only a retry gets the lock
        other.rollback()

    thread = threading.Thread(target=release)
    thread.start()
    try:
        result = run("reviewer", "add", "ana", "--lead")
    finally:
        thread.join()
        other.close()
    assert result.exit_code == 0, result.output
    assert "ana: lead" in result.output


def test_transaction_nests_as_a_savepoint(tmp_path: Path) -> None:
    """An inner atomic write that fails is undone alone; the outer one decides the rest."""
    db = corpus_schema.connect(tmp_path / "review.db")
    db.execute("CREATE TABLE t (x INTEGER)")
    with corpus_schema.transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(ValueError), corpus_schema.transaction(db):
            db.execute("INSERT INTO t VALUES (2)")
            raise ValueError("bad line")
    assert [x for (x,) in db.execute("SELECT x FROM t")] == [1]
    with pytest.raises(ValueError), corpus_schema.transaction(db):
        with corpus_schema.transaction(db):
            db.execute("INSERT INTO t VALUES (3)")
        raise ValueError("bad file")
    assert [x for (x,) in db.execute("SELECT x FROM t")] == [1]
    db.close()

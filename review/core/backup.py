"""``review backup`` and ``review restore``: a consistent copy of a review folder and back.

The database is copied with SQLite's online backup API in one step, which
reads one snapshot: a reviewer screening in the TUI while the backup runs
neither blocks it nor leaves half a decision in the copy (copying the file
would, and would miss what is still in the WAL). ``protocol.toml`` and the
full texts go with it; ``cache/`` does not (search rebuilds it). A
``manifest.json`` records when the copy was taken and its row counts, so a
restore can be checked against it by eye.

A restore never overwrites a review unless asked (``--force``) and replaces
review.db atomically: the copy is written to a temporary file beside it and
renamed over it, so a failed restore leaves the old review as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus.db import BUSY_TIMEOUT_MS
from review.core import db as review_db
from review.core.errors import ProjectError
from review.core.project import DB_NAME, PROTOCOL_NAME, Project

MANIFEST_NAME = "manifest.json"
FULLTEXT_NAME = "fulltext"


@dataclass(frozen=True, slots=True)
class BackupResult:
    """What a backup or restore wrote: the folder, when, and the copy's row counts."""

    folder: Path
    time: str
    counts: dict[str, int]
    fulltexts: int

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "time": self.time,
            "counts": self.counts,
            "fulltexts": self.fulltexts,
        }


def backup(project: Project, dest: Path) -> BackupResult:
    """Copy a review into ``dest`` (new or empty) while others may be writing to it.

    Raises:
        ProjectError: when ``dest`` is a file or a folder that is not empty.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ProjectError(f"{dest}: not empty; back up into a new or empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    time = review_db.now()
    _copy_database(project.db_path, dest / DB_NAME)
    copy = Database(sqlite3.connect(str(dest / DB_NAME)))
    try:
        counts = review_db.table_counts(copy)
    finally:
        copy.close()
    if project.protocol_path.is_file():
        shutil.copy2(project.protocol_path, dest / PROTOCOL_NAME)
    fulltexts = 0
    source_texts = project.root / FULLTEXT_NAME
    if source_texts.is_dir():
        shutil.copytree(source_texts, dest / FULLTEXT_NAME)
        fulltexts = sum(1 for p in (dest / FULLTEXT_NAME).rglob("*") if p.is_file())
    manifest = {
        "time": time,
        "source": str(project.root),
        "counts": counts,
        "fulltexts": fulltexts,
    }
    (dest / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return BackupResult(dest, time, counts, fulltexts)


def restore(source: Path, target: Path, force: bool = False) -> BackupResult:
    """Restore the backup in ``source`` into the review folder ``target``.

    Raises:
        ProjectError: when ``source`` holds no backup, or ``target`` already
            holds a review.db and ``force`` is not given.
    """
    source_db = source / DB_NAME
    if not source_db.is_file():
        raise ProjectError(f"{source}: no {DB_NAME} here; is it a folder `review backup` wrote?")
    target_db = target / DB_NAME
    if target_db.exists() and not force:
        raise ProjectError(
            f"{target_db}: a review is already here; pass --force to overwrite it with the backup"
        )
    target.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".restore-", suffix=".db", dir=target)
    os.close(fd)
    temp = Path(temp_name)
    try:
        _copy_database(source_db, temp)
        check = Database(sqlite3.connect(str(temp)))
        try:
            bad = review_db.integrity_problems(check)
            counts = review_db.table_counts(check)
        finally:
            check.close()
        if bad:
            raise ProjectError(f"{source_db}: damaged ({bad[0]}); nothing was restored")
        # The old database's WAL and shared-memory files belong to the old file:
        # left beside the new one, SQLite would replay the old WAL into it.
        for suffix in ("-wal", "-shm"):
            Path(str(target_db) + suffix).unlink(missing_ok=True)
        os.replace(temp, target_db)
    finally:
        temp.unlink(missing_ok=True)
    if (source / PROTOCOL_NAME).is_file():
        _replace_file(source / PROTOCOL_NAME, target / PROTOCOL_NAME)
    fulltexts = 0
    if (source / FULLTEXT_NAME).is_dir():
        shutil.copytree(source / FULLTEXT_NAME, target / FULLTEXT_NAME, dirs_exist_ok=True)
        fulltexts = sum(1 for p in (source / FULLTEXT_NAME).rglob("*") if p.is_file())
    return BackupResult(target, review_db.now(), counts, fulltexts)


def _copy_database(source: Path, dest: Path) -> None:
    """Copy a database with the online backup API, all pages in one step (one snapshot)."""
    src = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(str(dest))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _replace_file(source: Path, dest: Path) -> None:
    """Copy a file over another atomically (temporary copy beside it, then rename)."""
    fd, temp_name = tempfile.mkstemp(prefix=".restore-", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copy2(source, temp_name)
        os.replace(temp_name, dest)
    finally:
        Path(temp_name).unlink(missing_ok=True)

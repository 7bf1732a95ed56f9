"""``review backup`` and ``review restore``: a consistent copy of a review folder and back.

The database is copied with SQLite's online backup API in one step, which
reads one snapshot: a reviewer screening in the TUI while the backup runs
neither blocks it nor leaves half a decision in the copy (copying the file
would, and would miss what is still in the WAL). ``protocol.toml`` and the
full texts go with it; ``cache/`` does not (search rebuilds it). A
``manifest.json`` records when the copy was taken, its row counts, the
ledger's length and head hash (an anchor for ``review check --against``)
and the SHA-256 of every file copied. The folder is the owner's only (0700,
files 0600): it holds confidential screening data.

A restore first checks every file against the manifest and writes nothing
when one differs, is missing or is not listed among those it would read (a
stray ``review.db-wal`` would be replayed into the database). A backup
without hashes (from before they were recorded, or whose manifest was
removed) is refused unless ``--unverified`` is given, since deleting the
manifest would otherwise skip the check. It never overwrites a review unless asked
(``--force``) and replaces review.db atomically: the copy is written to a
temporary file beside it (0600) and renamed over it, so a failed restore
leaves the old review as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from corpus.db import BUSY_TIMEOUT_MS
from review.core import db as review_db
from review.core.chain import db as chain_db
from review.core.errors import ProjectError
from review.core.project import DB_NAME, PROTOCOL_NAME, Project

MANIFEST_NAME = "manifest.json"
FULLTEXT_NAME = "fulltext"


@dataclass(frozen=True, slots=True)
class BackupResult:
    """What a backup or restore wrote: the folder, when, the copy's row counts and chain.

    ``warnings`` are one line each for the user (a restore of an old backup
    that could not be verified).
    """

    folder: Path
    time: str
    counts: dict[str, int]
    fulltexts: int
    chain: tuple[int, str] = (0, "")
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "time": self.time,
            "counts": self.counts,
            "fulltexts": self.fulltexts,
            "chain": {"length": self.chain[0], "head": self.chain[1]},
            "warnings": self.warnings,
        }


def backup(project: Project, dest: Path) -> BackupResult:
    """Copy a review into ``dest`` (new or empty) while others may be writing to it.

    Raises:
        ProjectError: when ``dest`` is a file or a folder that is not empty.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ProjectError(f"{dest}: not empty; back up into a new or empty folder")
    project.open_db().close()  # an old review gets its ledger before it is copied
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)
    time = review_db.now()
    _create_private(dest / DB_NAME)
    _copy_database(project.db_path, dest / DB_NAME)
    copy = Database(sqlite3.connect(str(dest / DB_NAME)))
    try:
        counts = review_db.table_counts(copy)
        chain = chain_db.head(copy)
    finally:
        copy.close()
    if project.protocol_path.is_file():
        _copy_private(project.protocol_path, dest / PROTOCOL_NAME)
    fulltexts = 0
    source_texts = project.root / FULLTEXT_NAME
    if source_texts.is_dir():
        fulltexts = _copy_tree_private(source_texts, dest / FULLTEXT_NAME)
    manifest = {
        "time": time,
        "source": str(project.root),
        "counts": counts,
        "fulltexts": fulltexts,
        "chain": {"length": chain[0], "head": chain[1]},
        "files": {name: _sha256(dest / name) for name in _backup_files(dest)},
    }
    _create_private(dest / MANIFEST_NAME)
    (dest / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return BackupResult(dest, time, counts, fulltexts, chain)


def restore(
    source: Path, target: Path, force: bool = False, unverified: bool = False
) -> BackupResult:
    """Restore the backup in ``source`` into the review folder ``target``.

    Args:
        source: The backup folder.
        target: The review folder.
        force: Overwrite a review.db already in ``target``.
        unverified: Restore a backup that has no file hashes (with a warning).

    Raises:
        ProjectError: when ``source`` holds no backup, fails its manifest, or
            has no hashes and ``unverified`` is not given; or ``target``
            already holds a review.db and ``force`` is not given.
    """
    source_db = source / DB_NAME
    if not source_db.is_file():
        raise ProjectError(f"{source}: no {DB_NAME} here; is it a folder `review backup` wrote?")
    target_db = target / DB_NAME
    if target_db.exists() and not force:
        raise ProjectError(
            f"{target_db}: a review is already here; pass --force to overwrite it with the backup"
        )
    warnings = verify_backup(source, unverified)
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
            chain = chain_db.head(check) if chain_db.has_ledger(check) else (0, "")
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
    return BackupResult(target, review_db.now(), counts, fulltexts, chain, warnings)


def verify_backup(source: Path, unverified: bool = False) -> list[str]:
    """Check every file of a backup against its manifest before anything is written.

    Files a restore does not read (a note left in the folder) are not checked.

    Returns:
        Warnings (one line each) for a backup without file hashes restored
        with ``unverified``.

    Raises:
        ProjectError: naming the first file that differs, is missing or is not
            listed, or a backup without file hashes when not ``unverified``.
    """
    try:
        manifest = json.loads((source / MANIFEST_NAME).read_text("utf-8"))
        listed = manifest["files"]
        if not isinstance(listed, dict):
            raise TypeError
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        why = (
            f"{source}: no {MANIFEST_NAME}"
            if not (source / MANIFEST_NAME).exists()
            else f"{source}/{MANIFEST_NAME} has no file hashes"
        )
        if not unverified:
            raise ProjectError(
                f"{why}, so its files cannot be checked (a backup from before hashes were"
                " recorded, or one whose manifest was changed); nothing was restored; pass"
                " --unverified to restore it unchecked if you trust it"
            ) from None
        return [f"warning: {why}; restoring without checking the files"]
    present = {name for name in _backup_files(source) if _restored(name)}
    for name in sorted(present | set(listed)):
        path = source / name
        if name not in listed:
            raise ProjectError(f"{path}: not in the backup's manifest; nothing was restored")
        if name not in present:
            raise ProjectError(f"{path}: missing from the backup; nothing was restored")
        if not path.is_file():
            raise ProjectError(f"{path}: not a regular file; nothing was restored")
        if _sha256(path) != listed[name]:
            raise ProjectError(
                f"{path}: differs from the backup's manifest (SHA-256); nothing was restored"
            )
    return []


def _restored(name: str) -> bool:
    """Whether a restore reads this file of a backup (SQLite reads review.db's -wal too)."""
    return (
        name == PROTOCOL_NAME
        or name.startswith(f"{FULLTEXT_NAME}/")
        or name == DB_NAME
        or name.startswith(f"{DB_NAME}-")
    )


def _backup_files(folder: Path) -> list[str]:
    """Every file of a backup folder but its manifest, as POSIX paths relative to it."""
    names = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())
    return sorted(name for name in names if name != MANIFEST_NAME)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _create_private(path: Path) -> None:
    """Create an empty file readable by its owner only, before anything is written to it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    path.chmod(0o600)


def _copy_private(source: Path, dest: Path) -> None:
    """Copy a file's bytes into a new file that only its owner can read (0600)."""
    _create_private(dest)
    with source.open("rb") as src, dest.open("wb") as dst:
        shutil.copyfileobj(src, dst)


def _copy_tree_private(source: Path, dest: Path) -> int:
    """Copy a folder tree: folders 0700, files 0600; return the number of files."""
    count = 0
    dest.mkdir(mode=0o700)
    for path in sorted(source.rglob("*")):
        target = dest / path.relative_to(source)
        if path.is_dir():
            target.mkdir(mode=0o700, exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _copy_private(path, target)
            count += 1
    return count


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
        shutil.copyfile(source, temp_name)  # mkstemp made it 0600; keep that
        os.replace(temp_name, dest)
    finally:
        Path(temp_name).unlink(missing_ok=True)

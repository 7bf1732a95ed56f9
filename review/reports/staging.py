"""The staging folder ``review report all`` builds a report in, and cleaning up after killed runs.

A report is built in a hidden folder beside its target and renamed into
place at the end. A run killed on the way (``kill -9``, a power cut) leaves
that folder behind, holding confidential screening data; the next run
beside it removes it. To be sure never to remove anything else, the folder's
name says whose it is: ``.<target>.review-staging.<host>.<pid>.<random>``.
A folder with that name, owned by the current user, is removed when its
process is gone (same host) or it is older than :data:`MAX_AGE` (a run on
another machine sharing the folder, or a process id used again).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path

MARK = "review-staging"
#: Older than this, a staging folder is stale whoever made it: no report takes a day.
MAX_AGE = 24 * 3600.0
_NAME = re.compile(rf"^\..+\.{MARK}\.([0-9a-f]{{8}})\.(\d+)\.[a-z0-9_]{{8}}$")


def host_tag() -> str:
    """Return a short tag of this machine's name (process ids mean nothing elsewhere)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def make_staging(parent: Path, target: str) -> Path:
    """Create a private (0700) staging folder in ``parent`` for the report ``target``."""
    prefix = f".{target[:100]}.{MARK}.{host_tag()}.{os.getpid()}."
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def remove_stale(parent: Path, *, now: float | None = None) -> list[Path]:
    """Remove the staging folders in ``parent`` that killed runs left behind.

    Returns:
        The folders removed.
    """
    now = time.time() if now is None else now
    host = host_tag()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        found = _NAME.match(entry.name)
        if found is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        gone = found.group(1) == host and not _alive(int(found.group(2)))
        if gone or now - info.st_mtime > MAX_AGE:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    """Tell whether a process runs (a zombie, killed but not yet reaped, does not)."""
    if pid <= 0:
        return True  # not a process id this module writes: leave it to the age rule
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True
    return status.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def make_private(folder: Path) -> None:
    """Make every file under ``folder`` owner-only (0600; folders 0700)."""
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o700)
        for name in files:
            os.chmod(os.path.join(root, name), 0o600)

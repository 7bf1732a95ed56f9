"""Writing output files so that a failure leaves nothing half-written, and nothing is clobbered.

Every export is written to a temporary file first. What happens then depends
on the target:

- a regular file, or a new name: the temporary file, beside the target, is
  renamed over it (``os.replace`` is atomic on one file system), so a reader
  never sees half an export and an error leaves the previous file, or none.
  A new file is readable by its owner only (0600): exports hold confidential
  screening data. A file replaced keeps its mode.
- a symbolic link: the same, done to the file the link points to; the link stays.
- a device, a FIFO or anything else that is not a regular file (``/dev/null``,
  a named pipe): written through, in place. Renaming over ``/dev/null`` as
  root would replace the device with a regular file.
- ``-``: standard output, as bytes (an XLSX workbook too).

A review's own ``review.db`` or ``protocol.toml`` is never an output.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from review.core.errors import UsageError

#: The ``-o`` values that mean standard output (``/dev/stdout`` too, so that
#: ``>> log`` keeps appending instead of the log being replaced).
STDOUT = ("-", "/dev/stdout")
#: A review's own files, which an export must never replace.
REVIEW_FILES = frozenset({"review.db", "review.db-wal", "review.db-shm", "protocol.toml"})


def is_stdout(path: Path | str | None) -> bool:
    """Tell whether an output path means standard output (``-``)."""
    return path is not None and str(path) in STDOUT


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path whose content becomes ``path`` when the block succeeds.

    For writers that need a path (XlsxWriter). See the module doc for what
    each kind of target gets; a failure removes the temporary file and
    leaves the target as it was.

    Raises:
        UsageError: the target is a folder or cannot be written (one line
            naming it and why).
    """
    try:
        if is_stdout(path):
            with _spooled(path.name) as tmp:
                yield tmp
                sys.stdout.flush()
                _copy_into(tmp, sys.stdout.buffer)
            return
        try:  # through links, /dev/fd/N included
            found: os.stat_result | None = os.stat(path)
        except FileNotFoundError:
            found = None
        if found is not None and stat.S_ISDIR(found.st_mode):
            raise UsageError(f"{path}: is a folder; name a file")
        if found is not None and not stat.S_ISREG(found.st_mode):
            with _spooled(path.name) as tmp:
                yield tmp
                _write_through(tmp, path)
            return
        real = Path(os.path.realpath(path))
        if real.name in REVIEW_FILES and (real.parent / "review.db").exists():
            raise UsageError(f"{path}: is this review's own {real.name}; name another file")
        with _beside(real) as tmp:
            yield tmp
            if found is not None:
                os.chmod(tmp, stat.S_IMODE(found.st_mode))
            os.replace(tmp, real)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


def write_atomically(path: Path, write: Callable[[TextIO], int]) -> int:
    """Write a text file through ``write`` (UTF-8, no newline translation), atomically.

    ``path`` may be ``-`` or a special file (see the module doc).

    Returns:
        What ``write`` returns (the rows written).
    """
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        return write(handle)


@contextmanager
def _beside(target: Path) -> Iterator[Path]:
    """Yield a private temporary file in ``target``'s folder, removed unless renamed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def _spooled(name: str) -> Iterator[Path]:
    """Yield a private temporary file for output that is copied elsewhere afterwards."""
    with tempfile.TemporaryDirectory(prefix="review-out.") as folder:
        yield Path(folder) / (Path(name).name or "output")


def _write_through(source: Path, target: Path) -> None:
    """Copy ``source`` into an existing special file, opened in place (never created)."""
    fd = os.open(target, os.O_WRONLY | os.O_NOCTTY)
    with os.fdopen(fd, "wb") as out:
        _copy_into(source, out)


def _copy_into(source: Path, out: BinaryIO) -> None:
    with source.open("rb") as handle:
        shutil.copyfileobj(handle, out)
    out.flush()


def umask() -> int:
    """Return the process's umask (reading it means setting it, so set it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

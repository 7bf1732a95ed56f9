"""Writing files so that a failure leaves nothing half-written.

Every export writes to a temporary file beside its target and renames it
into place only when the whole file is written (``os.replace`` is atomic on
one file system), so a reader never sees a half-written export and an error
leaves the previous file, or none, behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``, renamed onto it when the block succeeds.

    For writers that need a path (XlsxWriter); a failure removes the temporary file.
    """
    folder = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=folder)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); the export gets the usual mode.
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, write: Callable[[TextIO], int]) -> int:
    """Write a text file through ``write`` (UTF-8, no newline translation), atomically.

    Returns:
        What ``write`` returns (the rows written).
    """
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        return write(handle)


def umask() -> int:
    """Return the process's umask (reading it means setting it, so set it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

"""Keeping a served session's file reads inside the review's ``inbox/`` folder.

``review serve`` runs the TUI for people in a browser who do not own the
server's files, so its pickers must not read the server's other reviews,
backups or home folder. Every path a served session would read goes through
:func:`confine` (a file) or :func:`confine_tree` (a folder whose files are
read recursively): a path that resolves outside the root, by ``..``, an
absolute path or a symlink pointing out, is refused with one line. Plain
functions, no UI, so the rule is tested on its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from review.core.errors import ReviewError

#: The folder inside a review that a served session's pickers open on.
INBOX = "inbox"


class OutsideFolderError(ReviewError):
    """A path that resolves outside the folder a served session may read."""


def inbox(root: Path) -> Path:
    """Return the review's ``inbox/`` folder, created owner-only if missing.

    Args:
        root: The review folder.

    Returns:
        The inbox folder (not resolved: its name is what the picker shows).
    """
    folder = root / INBOX
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _inside(base: Path, resolved: Path) -> bool:
    return resolved == base or base in resolved.parents


def confine(root: Path, path: Path | str) -> Path:
    """Return ``path`` fully resolved, if it lies inside ``root``.

    A relative path is taken relative to ``root``; every symlink on the way is
    followed before the check, so a link pointing out is refused too.

    Args:
        root: The folder reads are confined to.
        path: The path picked or typed.

    Returns:
        The resolved path, inside ``root``.

    Raises:
        OutsideFolderError: the path resolves outside ``root``.
    """
    base = root.resolve()
    candidate = Path(path).expanduser() if str(path).startswith("~") else Path(path)
    if not candidate.is_absolute():
        candidate = base / candidate
    resolved = candidate.resolve()
    if not _inside(base, resolved):
        raise OutsideFolderError(
            f"{path}: outside the review's {root.name}/ folder; a served session reads "
            f"files only from there: refused"
        )
    return resolved


def confine_tree(root: Path, folder: Path | str) -> Path:
    """Return ``folder`` resolved, if it and every link below it stay inside ``root``.

    Attaching a folder reads its subfolders too, so one symlink inside it
    pointing out would read outside ``root``: the whole folder is refused.

    Raises:
        OutsideFolderError: the folder, or a link below it, resolves outside ``root``.
    """
    resolved = confine(root, folder)
    for here, dirs, files in os.walk(resolved):
        for name in [*dirs, *files]:
            entry = Path(here) / name
            if entry.is_symlink():
                try:
                    confine(root, entry)
                except OutsideFolderError:
                    inner = entry.relative_to(resolved)
                    raise OutsideFolderError(
                        f"{folder}: {inner} links outside the review's {root.name}/ folder; "
                        "a served session reads files only from there: refused"
                    ) from None
    return resolved

"""The checker every protocol section is read with: types, ranges, choices, unknown keys.

Each method reads one key of a table and raises :class:`~protocols.errors.ProtocolError`
as ``FILE:LINE: message naming the key`` on the first mistake (the line is
computed only then, by :mod:`protocols.locate`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection
from typing import Any, NoReturn

from protocols.errors import ProtocolError
from protocols.locate import KeyPath, dotted, key_lines, line_of
from protocols.terms import term_problem


def show(value: Any) -> str:
    """Write a value as it would look in TOML, shortened, for ``(got ...)``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '..."'
    return str(value)


class Checker:
    """Reads typed values out of TOML tables, failing with file, line and key."""

    def __init__(self, text: str, file: str) -> None:
        self.source = text
        self.file = file
        self._lines: dict[KeyPath, int] | None = None

    def fail(self, path: KeyPath, message: str) -> NoReturn:
        """Raise a ProtocolError located at ``path`` (or its nearest table)."""
        if self._lines is None:
            self._lines = key_lines(self.source)
        line = line_of(self._lines, path)
        where = f"{self.file}:{line}" if line else self.file
        raise ProtocolError(f"{where}: {message}")

    def line(self, path: KeyPath) -> int | None:
        """Return the line of a key path (for messages that point elsewhere)."""
        if self._lines is None:
            self._lines = key_lines(self.source)
        return line_of(self._lines, path)

    def table(
        self, parent: dict[str, Any], path: KeyPath, allowed: Collection[str] | None
    ) -> dict[str, Any]:
        """Return the table at ``path`` ({} if absent), refusing unknown keys."""
        value = parent.get(str(path[-1]), {}) if path else parent
        if not isinstance(value, dict):
            self.fail(path, f"key {dotted(path)} must be a table [{dotted(path)}]")
        if allowed is not None:
            self.known_keys(value, path, allowed)
        return value

    def known_keys(self, table: dict[str, Any], path: KeyPath, allowed: Collection[str]) -> None:
        """Fail on the first key of ``table`` that is not in ``allowed``."""
        for key in table:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(allowed)}"
            self.fail(path + (key,), f"unknown key {dotted(path + (key,))} ({hint})")

    def text(
        self,
        table: dict[str, Any],
        path: KeyPath,
        key: str,
        default: str = "",
        *,
        required: bool = False,
    ) -> str:
        """Return a text value; ``required`` also refuses empty text."""
        where = path + (key,)
        if key not in table:
            if required:
                self.fail(path, f"missing key {dotted(where)} (text)")
            return default
        value = table[key]
        if not isinstance(value, str) or (required and not value.strip()):
            kind = "non-empty text" if required else "text"
            self.fail(where, f"key {dotted(where)} must be {kind} (got {show(value)})")
        return value

    def texts(self, table: dict[str, Any], path: KeyPath, key: str) -> tuple[str, ...]:
        """Return a list of distinct non-empty texts (empty tuple if absent)."""
        where = path + (key,)
        value = table.get(key, [])
        if not isinstance(value, list):
            self.fail(where, f"key {dotted(where)} must be a list of texts (got {show(value)})")
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            at = where + (index,)
            if not isinstance(item, str) or not item.strip():
                self.fail(at, f"key {dotted(at)} must be non-empty text (got {show(item)})")
            if item.strip().casefold() in seen:
                self.fail(at, f"key {dotted(at)} repeats {show(item)}")
            seen[item.strip().casefold()] = index
        return tuple(item.strip() for item in value)

    def terms(self, table: dict[str, Any], path: KeyPath, key: str) -> tuple[str, ...]:
        """Return highlight or mask terms, each checked by :func:`term_problem`."""
        values = self.texts(table, path, key)
        for index, term in enumerate(values):
            problem = term_problem(term)
            if problem:
                at = path + (key, index)
                self.fail(at, f"key {dotted(at)} {show(term)}: {problem}")
        return values

    def boolean(self, table: dict[str, Any], path: KeyPath, key: str, default: bool) -> bool:
        """Return a true/false value."""
        value = table.get(key, default)
        if not isinstance(value, bool):
            where = path + (key,)
            self.fail(where, f"key {dotted(where)} must be true or false (got {show(value)})")
        return value

    def integer(
        self, table: dict[str, Any], path: KeyPath, key: str, default: int, minimum: int
    ) -> int:
        """Return an integer at least ``minimum`` (TOML booleans are refused)."""
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            where = path + (key,)
            self.fail(
                where, f"key {dotted(where)} must be an integer ≥ {minimum} (got {show(value)})"
            )
        return value

    def choice(
        self, table: dict[str, Any], path: KeyPath, key: str, options: Collection[str], default: str
    ) -> str:
        """Return one of ``options``."""
        value = table.get(key, default)
        if value not in options:
            where = path + (key,)
            allowed = ", ".join(json.dumps(o) for o in options)
            self.fail(where, f"key {dotted(where)} must be one of {allowed} (got {show(value)})")
        return str(value)

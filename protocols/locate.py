"""Find the line of a key in TOML text.

tomllib reports where the syntax is wrong but gives no positions for the
values it returns, so a protocol that parses but holds a wrong value would be
reported without a line. This scanner walks the (already valid) text once and
records the line of every key path: table headers, dotted keys, arrays of
tables (``[[extraction.fields]]``), inline tables and array items, e.g.
``("extraction", "fields", 2, "type")``.
"""

from __future__ import annotations

import re

Key = str | int
KeyPath = tuple[Key, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map every key path in a TOML document to the line (1-based) it starts on.

    Args:
        text: TOML text that tomllib accepts (on other text the result is a
            best effort, never an exception).

    Returns:
        Paths of keys, tables and array items to their first line.
    """
    scanner = _Scanner(text)
    scanner.document()
    return scanner.found


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """Return the line of ``path``, else of its nearest enclosing key or table.

    A missing key is best reported at the table that should hold it.
    """
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def dotted(path: KeyPath) -> str:
    """Write a key path as users read it: ``extraction.fields[2].type``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class _Scanner:
    """A forgiving TOML walker that only tracks keys and lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.found: dict[KeyPath, int] = {}
        self.arrays: dict[KeyPath, int] = {}  # array-of-tables path -> last index

    def _peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def _advance_to(self, pos: int) -> None:
        pos = min(max(pos, self.pos), len(self.text))
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos

    def _at_end(self) -> bool:
        return self.pos >= len(self.text)

    def _skip_space(self, newlines: bool) -> None:
        while not self._at_end():
            char = self.text[self.pos]
            if char in " \t\r" or (newlines and char == "\n"):
                self._advance_to(self.pos + 1)
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self._advance_to(len(self.text) if end == -1 else end)
            else:
                return

    def _skip_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self._advance_to(len(self.text) if end == -1 else end + 1)

    def _note(self, path: KeyPath) -> None:
        for end in range(1, len(path) + 1):
            self.found.setdefault(path[:end], self.line)

    def _string(self) -> str:
        """Skip a string at the cursor and return its raw content."""
        quote = self.text[self.pos]
        start = self.pos
        if self._peek(3) == quote * 3:
            end = self.text.find(quote * 3, self.pos + 3)
            while quote == '"' and end != -1 and _escaped(self.text, end):
                end = self.text.find(quote * 3, end + 1)
            end = len(self.text) if end == -1 else end + 3
            extra = 0
            while end < len(self.text) and self.text[end] == quote and extra < 2:
                end += 1  # up to two quotes may sit just before the closing delimiter
                extra += 1
            self._advance_to(end)
            return self.text[start + 3 : end - 3]
        pos = self.pos + 1
        while pos < len(self.text) and self.text[pos] not in (quote, "\n"):
            pos += 2 if quote == '"' and self.text[pos] == "\\" else 1
        self._advance_to(pos + 1)
        return self.text[start + 1 : pos]

    def _key(self) -> list[str]:
        parts: list[str] = []
        while not self._at_end():
            self._skip_space(False)
            char = self._peek()
            if char in ('"', "'"):
                parts.append(self._string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    break
                parts.append(match.group())
                self._advance_to(match.end())
            self._skip_space(False)
            if self._peek() != ".":
                break
            self._advance_to(self.pos + 1)
        return parts

    def _resolve(self, name: list[str], array: bool) -> KeyPath:
        """Turn a header's name into a path, inserting array-of-tables indexes."""
        path: KeyPath = ()
        for number, part in enumerate(name):
            path += (part,)
            last = number == len(name) - 1
            if path in self.arrays and not (last and array):
                path += (self.arrays[path],)
        if array:
            index = self.arrays.get(path, -1) + 1
            self.arrays[path] = index
            self._note(path)
            path += (index,)
        return path

    def document(self) -> None:
        """Walk the whole text, recording every key path."""
        table: KeyPath = ()
        while True:
            self._skip_space(True)
            if self._at_end():
                return
            if self._peek(2) == "[[":
                self._advance_to(self.pos + 2)
                table = self._resolve(self._key(), array=True)
                self._note(table)
                self._skip_line()
            elif self._peek() == "[":
                self._advance_to(self.pos + 1)
                table = self._resolve(self._key(), array=False)
                self._note(table)
                self._skip_line()
            else:
                parts = self._key()
                if not parts or self._peek() != "=":
                    self._skip_line()
                    continue
                path = table + tuple(parts)
                self._note(path)
                self._advance_to(self.pos + 1)
                self._value(path)

    def _value(self, path: KeyPath) -> None:
        self._skip_space(False)
        char = self._peek()
        if char in ('"', "'"):
            self._string()
        elif char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:
            match = _SCALAR_END.search(self.text, self.pos)
            self._advance_to(match.start() if match else len(self.text))

    def _array(self, path: KeyPath) -> None:
        self._advance_to(self.pos + 1)
        index = 0
        while True:
            self._skip_space(True)
            if self._at_end():
                return
            if self._peek() == "]":
                self._advance_to(self.pos + 1)
                return
            if self._peek() == ",":  # stray comma: skip rather than loop
                self._advance_to(self.pos + 1)
                continue
            item = path + (index,)
            self._note(item)
            before = self.pos
            self._value(item)
            if self.pos == before:
                self._advance_to(self.pos + 1)
            index += 1
            self._skip_space(True)
            if self._peek() == ",":
                self._advance_to(self.pos + 1)

    def _inline_table(self, path: KeyPath) -> None:
        self._advance_to(self.pos + 1)
        while True:
            self._skip_space(True)
            if self._at_end():
                return
            if self._peek() == "}":
                self._advance_to(self.pos + 1)
                return
            parts = self._key()
            if not parts or self._peek() != "=":
                self._advance_to(self.pos + 1)
                continue
            key_path = path + tuple(parts)
            self._note(key_path)
            self._advance_to(self.pos + 1)
            self._value(key_path)
            self._skip_space(True)
            if self._peek() == ",":
                self._advance_to(self.pos + 1)


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at ``pos`` is escaped by an odd run of backslashes."""
    count = 0
    while pos - count - 1 >= 0 and text[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1

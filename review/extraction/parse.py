"""Reading what users type: ``FIELD=VALUE``, choices by number, ``p. 4: quote``.

The CLI and the TUI both go through :func:`check_value`, so a choice given by
its number, a multi choice separated by ``;`` and every bad value give the
same one-line message naming the field and what is expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from protocols.extraction import validate_value
from protocols.form import Form
from protocols.model import ExtractionField
from review.core.errors import UsageError
from review.extraction.state import Key

_KEY = re.compile(
    r"(?P<name>[a-z][a-z0-9_]*)(?:\[(?P<row>\d{1,4})\]\.(?P<column>[a-z][a-z0-9_]*))?"
)
_SOURCE = re.compile(
    r"\s*(?:(?:p|pp|page|pg)\.?\s*)?(?P<page>\d{1,5})\s*(?:[:,;-]\s*(?P<quote>.*))?\s*",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value comes from in the full text: a page and/or a quote."""

    page: int | None = None
    quote: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.quote:
            parts.append(f'"{self.quote}"')
        return ": ".join(parts)


def parse_source(text: str) -> Source:
    """Read ``p. 4: quoted text``, ``page 4``, ``4: text`` or a bare quote.

    An empty text is an empty source (it clears the value's source).
    """
    text = text.strip()
    if not text:
        return Source()
    match = _SOURCE.fullmatch(text)
    if match:
        quote = (match.group("quote") or "").strip().strip('"“”').strip() or None
        page = int(match.group("page"))
        if page < 1:
            raise UsageError(f"--source {text!r}: pages are numbered from 1")
        return Source(page, quote)
    return Source(None, text.strip('"“”').strip())


def field_of(form: Form, key: Key) -> ExtractionField:
    """Return the field (or group column) a key names.

    Raises:
        UsageError: naming the form's fields or the group's columns.
    """
    name, row, column = key
    if not form.has(name):
        names = ", ".join(f.name for f in form.fields[:12])
        more = ", ..." if len(form.fields) > 12 else ""
        raise UsageError(
            f"unknown field {name!r}; the form's fields: {names}{more} (see `review protocol show`)"
        )
    item = form.field(name)
    if item.type == "group":
        if not row:
            columns = ", ".join(c.name for c in item.fields)
            raise UsageError(
                f"{item.label}: is a repeating group; set its columns as"
                f" {name}[1].<column> (columns: {columns})"
            )
        try:
            return item.column(column)
        except KeyError:
            columns = ", ".join(c.name for c in item.fields)
            raise UsageError(f"{item.label}: no column {column!r}; columns: {columns}") from None
    if row:
        raise UsageError(f"{item.label}: is not a repeating group; write {name}=VALUE")
    return item


def parse_key(text: str) -> Key:
    """Read ``field`` or ``group[row].column``.

    Raises:
        UsageError: for anything else.
    """
    match = _KEY.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"{text!r} is not a field name; write FIELD=VALUE or GROUP[ROW].COLUMN=VALUE"
        )
    row = int(match.group("row") or 0)
    if match.group("row") is not None and row < 1:
        raise UsageError(f"{text!r}: rows are numbered from 1")
    return (match.group("name"), row, match.group("column") or "")


def parse_assignment(text: str) -> tuple[Key, str]:
    """Split ``FIELD=VALUE`` into its key and the raw value text."""
    name, equals, value = text.partition("=")
    if not equals:
        raise UsageError(f"{text!r}: write FIELD=VALUE (FIELD= clears the value)")
    return parse_key(name), value


def check_value(item: ExtractionField, raw: Any) -> Any:
    """Return a value normalised for its field; choices may be given by their number.

    An empty value clears (None), even for a required field: completeness is
    checked when the study is marked complete.

    Raises:
        UsageError: one line naming the field and what is expected.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    if item.type in ("choice", "multi_choice") and isinstance(raw, str):
        raw = _choices_by_number(item, raw)
    try:
        return validate_value(item, raw)
    except ValueError as exc:
        message = str(exc)
        if item.type in ("choice", "multi_choice"):
            message += f" (or give a choice's number, 1-{len(item.choices)})"
        raise UsageError(message) from None


def _choices_by_number(item: ExtractionField, raw: str) -> str:
    """Replace choice numbers by labels, unless a label is itself that text."""
    labels = {c.casefold() for c in item.choices}
    parts = raw.split(";") if item.type == "multi_choice" else [raw]
    out = []
    for part in parts:
        text = part.strip()
        if text.isdigit() and text.casefold() not in labels:
            number = int(text)
            if not 1 <= number <= len(item.choices):
                raise UsageError(
                    f"{item.label}: choice {number} does not exist; choose 1-{len(item.choices)}"
                    f" ({'; '.join(item.choices)})"
                )
            text = item.choices[number - 1]
        out.append(text)
    return ";".join(out)

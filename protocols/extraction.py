"""Checking and normalising the values reviewers enter in the extraction form.

The form's fields come from the protocol, so their rules live here, beside
the protocol, and the extraction UI, the CLI and imports all apply the same
rules. Normalised values are JSON-friendly (str, int, float, bool, list).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

from protocols.model import ExtractionField

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_INTEGER = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Value = str | int | float | bool | list[str] | None


def validate_value(field: ExtractionField, value: Any) -> Value:
    """Check a value for a field and return it normalised.

    Args:
        field: The extraction field.
        value: What was entered: text from a form, or a Python value.
            Multi-choice values may be a list or text separated by ``;``.

    Returns:
        None for an empty optional value; else text (stripped), a float for
        ``number``, an int for ``integer``, the canonical choice, a list of
        choices in the form's order, a bool, or an ISO date ``YYYY-MM-DD``.

    Raises:
        ValueError: with a message that names the field and says what is expected;
            always for a repeating group, which holds rows, not one value.
    """
    if field.type == "group":
        raise ValueError(
            f"{field.label}: is a repeating group; set its columns, e.g. {field.name}[1].<column>"
        )
    if _is_empty(value):
        if field.required:
            raise ValueError(f"{field.label}: a value is required")
        return None
    checker = _CHECKERS[field.type]
    return checker(field, value)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset):
        return not any(not _is_empty(v) for v in value)
    return False


def _text(field: ExtractionField, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field.label}: expected text (got {value!r})")
    return value.strip()


def _bounds(field: ExtractionField, number: float) -> None:
    if field.min is not None and number < field.min:
        raise ValueError(f"{field.label}: must be at least {_num(field.min)} (got {_num(number)})")
    if field.max is not None and number > field.max:
        raise ValueError(f"{field.label}: must be at most {_num(field.max)} (got {_num(number)})")


def _num(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _number(field: ExtractionField, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{field.label}: expected a number (got {value!r})")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise ValueError(
                f"{field.label}: expected a number such as 12.5 (got {value!r})"
            ) from None
    else:
        raise ValueError(f"{field.label}: expected a number (got {value!r})")
    if not math.isfinite(number):
        raise ValueError(f"{field.label}: expected a finite number (got {value!r})")
    _bounds(field, number)
    return number


def _integer(field: ExtractionField, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{field.label}: expected a whole number (got {value!r})")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError(f"{field.label}: expected a whole number such as 120 (got {value!r})")
    _bounds(field, number)
    return number


def _canonical(field: ExtractionField, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field.label}: expected one of the choices (got {value!r})")
    wanted = value.strip().casefold()
    for choice in field.choices:
        if choice.casefold() == wanted:
            return choice
    raise ValueError(
        f"{field.label}: {value.strip()!r} is not a choice; choose from: {'; '.join(field.choices)}"
    )


def _choice(field: ExtractionField, value: Any) -> str:
    return _canonical(field, value)


def _multi_choice(field: ExtractionField, value: Any) -> list[str]:
    if isinstance(value, str):
        items: list[Any] = value.split(";")
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        raise ValueError(f"{field.label}: expected a list of choices (got {value!r})")
    chosen = {_canonical(field, item) for item in items if not _is_empty(item)}
    return [choice for choice in field.choices if choice in chosen]


def _boolean(field: ExtractionField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"{field.label}: expected yes or no (got {value!r})")


def _date(field: ExtractionField, value: Any) -> str:
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.fullmatch(text):
                return _dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{field.label}: expected a date as YYYY-MM-DD (got {value!r})")


_CHECKERS: dict[str, Any] = {
    "text": _text,
    "number": _number,
    "integer": _integer,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "boolean": _boolean,
    "date": _date,
}

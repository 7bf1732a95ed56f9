"""DDL shapes every layer's migrations share (text only: nothing here runs SQL).

The text of a trigger is what SQLite keeps in ``sqlite_master`` and what
``review check`` compares with the chained record of the review's triggers
(:mod:`review.core.chain`), so a helper here must reproduce, byte for byte,
the text each migration has always written: changing it would show old
reviews a trigger change. Where migrations worded a trigger differently the
helper takes a parameter instead of changing the text.
"""

from __future__ import annotations

from collections.abc import Sequence

APPEND_ONLY_EVENTS: tuple[str, ...] = ("UPDATE", "DELETE")


def append_only(
    table: str,
    events: Sequence[str] = APPEND_ONLY_EVENTS,
    *,
    message: str | None = None,
    before_begin: str = " ",
) -> list[str]:
    """The triggers that make ``table`` append-only: one ``CREATE TRIGGER`` per event.

    Each is named ``<table>_no_<event>`` and aborts with ``message`` (default
    ``"<table> is append-only"``). ``events`` are ``UPDATE`` and/or
    ``DELETE``; ``before_begin`` is the whitespace between the ``ON <table>``
    clause and ``BEGIN`` (the review layer's first migrations wrote a line
    break there). ``table`` and ``message`` are constants of the schema,
    never user input.
    """
    reason = f"{table} is append-only" if message is None else message
    return [
        f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}"
        f"{before_begin}BEGIN SELECT RAISE(ABORT, '{reason}'); END"
        for event in events
    ]

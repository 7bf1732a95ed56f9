"""The hash functions of the review's ledger, registered on every connection.

Every append-only log of a review enters one hash chain (the ``ledger``
table, created by ``review.core.chain_db``) through triggers, so no write
path can skip it. The triggers call :func:`entry`, which SQLite does not
have: a connection opened elsewhere than :func:`corpus.db.connect` (the
plain sqlite3 shell) cannot write to a chained table unless it first drops
the trigger, and ``review check`` names a missing trigger.

The functions live in the corpus layer because every connection is opened
there; they know nothing of the review layer's tables.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

ENTRY = "ledger_entry"
"""SQL name of :func:`entry`."""


def content_digest(table: str, *values: Any) -> str:
    """Return the SHA-256 of a row's content: its table, then each value tagged with its type.

    Text arrives as its UTF-8 bytes (:func:`value_sql` casts it, so nothing
    is decoded and encoded again per row) and is written with its length;
    integers in decimal, reals as Python's shortest round-trip form, NULL as
    ``n``. The digest so depends on neither SQLite's nor Python's version,
    and 5 and '5' differ. A blob hashes as text with the same bytes.
    """
    parts = [table.encode()]
    for value in values:
        kind = value.__class__
        if kind is bytes:
            parts.append(b"s%d:%b" % (len(value), value))
        elif value is None:
            parts.append(b"n")
        elif kind is int:
            parts.append(b"i%d" % value)
        elif kind is float:
            parts.append(b"f" + repr(value).encode())
        else:  # text from a connection that was not given value_sql()
            text = str(value).encode("utf-8", "surrogatepass")
            parts.append(b"s%d:%b" % (len(text), text))
    return hashlib.sha256(b"\x1f".join(parts)).hexdigest()


def value_sql(column: str) -> str:
    """SQL passing a column to :func:`content_digest`: text as its bytes, the rest as it is."""
    return f"CASE typeof({column}) WHEN 'text' THEN CAST({column} AS BLOB) ELSE {column} END"


def entry_hash(prev_hash: str, table: str, key: Any, op: str, digest: str) -> str:
    """Return a ledger entry's hash: SHA-256 of the previous entry's hash and this entry.

    The key is written as its ``repr`` (5 and '5' differ; a text key cannot
    break the line apart); the other parts are hex or fixed names.
    """
    text = f"{prev_hash}\n{table}\n{key!r}\n{op}\n{digest}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def entry(prev_hash: str, table: str, key: Any, op: str, *values: Any) -> str:
    """Return a new entry's digest and hash, one after the other (128 hex digits).

    One function for both, so a trigger makes one call per row (an import
    writes 100k); the ledger splits them into generated columns.
    """
    digest = content_digest(table, *values)
    return digest + entry_hash(prev_hash, table, key, op, digest)


def register(conn: sqlite3.Connection) -> None:
    """Make the ledger's function available to the triggers of this connection."""
    conn.create_function(ENTRY, -1, entry, deterministic=True)

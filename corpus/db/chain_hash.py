"""The two hash functions of the review's ledger, registered on every connection.

Every append-only log of a review enters one hash chain (the ``ledger``
table, created by ``review.core.chain_db``) through triggers, so no write
path can skip it. The triggers call these functions, which SQLite does not
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

DIGEST = "ledger_digest"
"""SQL name of :func:`content_digest`."""

LINK = "ledger_link"
"""SQL name of :func:`entry_hash`."""


def content_digest(table: str, *values: Any) -> str:
    """Return the SHA-256 of a row's content: its table, then each value tagged with its type.

    Each value is written as its SQLite type (``s`` text with its length,
    ``i`` integer, ``f`` real as Python's shortest round-trip form, ``b``
    blob in hex, ``n`` NULL), so the digest depends on neither SQLite's nor
    Python's version, and 5 and '5' differ. One string, one hash: this runs
    for every record of an import, so it is kept cheap.
    """
    parts = [table]
    for value in values:
        kind = value.__class__
        if kind is str:
            parts.append(f"s{len(value)}:{value}")
        elif value is None:
            parts.append("n")
        elif kind is int:
            parts.append(f"i{value}")
        elif kind is float:
            parts.append(f"f{value!r}")
        else:
            parts.append(f"b{bytes(value).hex()}")
    text = "\x1f".join(parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def entry_hash(prev_hash: str, table: str, key: Any, op: str, digest: str) -> str:
    """Return a ledger entry's hash: SHA-256 of the previous entry's hash and this entry.

    The key is written as its ``repr`` (5 and '5' differ; a text key cannot
    break the line apart); the other parts are hex or fixed names.
    """
    text = f"{prev_hash}\n{table}\n{key!r}\n{op}\n{digest}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def register(conn: sqlite3.Connection) -> None:
    """Make the ledger's functions available to the triggers of this connection."""
    conn.create_function(DIGEST, -1, content_digest, deterministic=True)
    conn.create_function(LINK, 5, entry_hash, deterministic=True)

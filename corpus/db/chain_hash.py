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
import json
import sqlite3
from typing import Any

DIGEST = "ledger_digest"
"""SQL name of :func:`content_digest`."""

LINK = "ledger_link"
"""SQL name of :func:`entry_hash`."""


def _blob(value: Any) -> str:
    """JSON has no bytes: a blob is written as hex (no chained column holds one today)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def content_digest(table: str, *values: Any) -> str:
    """Return the SHA-256 of a row's content: canonical JSON of the table name and values.

    Python's JSON writes numbers and strings one way only (floats as their
    shortest round-trip form), so the digest does not depend on SQLite's
    version; the type is kept (5 and '5' differ).
    """
    text = json.dumps([table, *values], ensure_ascii=False, separators=(",", ":"), default=_blob)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(prev_hash: str, table: str, key: Any, op: str, digest: str) -> str:
    """Return a ledger entry's hash: SHA-256 of the previous entry's hash and this entry."""
    text = json.dumps(
        [prev_hash, table, key, op, digest], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register(conn: sqlite3.Connection) -> None:
    """Make the ledger's functions available to the triggers of this connection."""
    conn.create_function(DIGEST, -1, content_digest, deterministic=True)
    conn.create_function(LINK, 5, entry_hash, deterministic=True)

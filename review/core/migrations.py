"""One registry of every layer's migrations, applied once under the write lock.

Each layer owns its tables (corpus, screening, review, and each feature
package of the review layer); this module only lists their ``Migrations``
in dependency order. Opening a review applies what is pending in one
``BEGIN IMMEDIATE`` transaction, so two processes opening a review at once
never both create a table, and a half-applied upgrade cannot be left behind.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus import db as corpus_db
from review.core import db as review_db
from review.core.chain import db as chain_db
from screening import db as screening_db

REGISTRY: tuple[Migrations, ...] = (
    corpus_db.migrations,
    screening_db.migrations,
    review_db.migrations,
    chain_db.migrations,
)
"""Every layer's migrations, lower layers first (a feature package adds its own here)."""


def pending(db: Database) -> list[str]:
    """Return the names of the migrations not yet applied, as ``layer:name``."""
    names: list[str] = []
    for set_ in REGISTRY:
        names.extend(f"{set_.name}:{m.name}" for m in set_.pending(db))
    return names


def apply_all(db: Database) -> None:
    """Apply every pending migration of every layer in one write transaction."""
    if not pending(db):
        return
    from review.core.chain.verify import record_trigger_changes  # it imports this module

    with corpus_db.transaction(db):
        for set_ in REGISTRY:
            set_.apply(db)
        record_trigger_changes(db)

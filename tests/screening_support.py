"""Shared helpers for the screening tests: a real review database with studies."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from corpus import db as corpus_db
from corpus.model import Record
from screening import db as sdb
from screening.blind import Viewer, viewer
from screening.decide import add_reviewer


def add_records(db: Database, n: int, tag: str = "a") -> list[int]:
    """Import ``n`` records as one source; returns their group ids (one group each)."""
    before = db.execute("SELECT COALESCE(MAX(id), 0) FROM records").fetchone()[0]
    info = corpus_db.SourceInfo(
        database="TestDB",
        file_name=f"{tag}.ris",
        sha256=f"sha-{tag}-{before}",
        format="ris",
        imported_at="2024-01-01T00:00:00+00:00",
        search_date=None,
        query=None,
    )
    records = [Record(title=f"Title {tag}{i}", abstract=f"Abstract {i}") for i in range(n)]
    corpus_db.insert_source(db, info, records)
    return [
        g for (g,) in db.execute("SELECT group_id FROM records WHERE id > ? ORDER BY id", [before])
    ]


def make_review(folder: Path, n: int = 10) -> tuple[Database, list[int]]:
    """Create ``folder/review.db`` with ``n`` studies and the screening tables."""
    folder.mkdir(parents=True, exist_ok=True)
    db = corpus_db.connect(folder / "review.db")
    groups = add_records(db, n)
    sdb.apply(db)
    return db, groups


def team(
    db: Database, *names: str, blind: bool = True, required: int = 2, lead: str | None = "lead"
) -> list[Viewer]:
    """Register reviewers (and a lead) and return their viewers; the lead comes last."""
    for name in names:
        add_reviewer(db, name)
    out = [viewer(db, name, blind=blind, required=required) for name in names]
    if lead is not None:
        add_reviewer(db, lead, "lead")
        out.append(viewer(db, lead, blind=blind, required=required))
    return out

"""Who is looking: the screening viewer for a reviewer name (shared by CLI and TUI)."""

from __future__ import annotations

from sqlite_utils import Database

from protocols import loader
from review import db as review_db
from review.project import Project
from screening import blind
from screening.blind import Viewer


def reviewer_name(project: Project, given: str | None) -> str:
    """Return ``--reviewer`` if given, else the protocol's default, else the login name."""
    if given:
        return given
    return review_db.default_reviewer(loader.load(project.protocol_path).screening.default_reviewer)


def viewer_for(project: Project, db: Database, name: str | None) -> Viewer:
    """Return the viewer whose rights (blind mode, lead) govern what a command shows."""
    settings = loader.load(project.protocol_path).screening
    return blind.viewer(
        db,
        reviewer_name(project, name),
        blind=settings.blind,
        required=settings.reviewers_per_record,
    )

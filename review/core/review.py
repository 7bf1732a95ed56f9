"""One review session: the project, its protocol, the acting reviewer, the form.

Every front end (the CLI, each TUI job, the bench scripts) holds one
:class:`Review` instead of passing ``(project, settings, reviewer)`` apart in
varying orders: it answers who is acting (:meth:`Review.viewer`, blind mode),
opens the database (:meth:`Review.connect`, closed on leaving the block) and
builds the extraction form once (:attr:`Review.form`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property

from sqlite_utils import Database

from protocols import loader
from protocols.form import Form, build_form
from protocols.model import Protocol
from protocols.vocabulary import Stage
from review.core.project import Project, find_project
from review.core.reviewer import resolve_reviewer
from screening import blind
from screening.blind import Viewer

#: What stands in for each character of a masked term.
MASK = "█"


@dataclass(frozen=True)
class Review:
    """A review as one reviewer works on it (no open database: see :meth:`connect`).

    Attributes:
        project: The review folder.
        protocol: Its protocol as loaded when the review was opened.
        reviewer: The acting reviewer's name.
    """

    project: Project
    protocol: Protocol
    reviewer: str

    @classmethod
    def open(
        cls, project: Project | str | os.PathLike[str] | None = None, reviewer: str | None = None
    ) -> Review:
        """Find the review, load its protocol, name the reviewer.

        The reviewer is ``reviewer`` if given, else the protocol's
        ``default_reviewer``, else ``$REVIEW_REVIEWER``, else the login name.

        Raises:
            ProjectError: no review found.
            ProtocolError: protocol.toml is invalid.
            UsageError: no reviewer name can be found.
        """
        found = project if isinstance(project, Project) else find_project(project)
        protocol = loader.load(found.protocol_path)
        return cls(found, protocol, resolve_reviewer(reviewer, protocol.screening.default_reviewer))

    def as_reviewer(self, name: str) -> Review:
        """Return the same review as another reviewer acts on it."""
        return replace(self, reviewer=name)

    @contextmanager
    def connect(self) -> Iterator[Database]:
        """Open the review database (every migration applied); close it on leaving."""
        with self.project.connect() as db:
            yield db

    @cached_property
    def form(self) -> Form:
        """The extraction form the protocol defines, built once."""
        return build_form(self.protocol)

    @cached_property
    def mask(self) -> re.Pattern[str] | None:
        """Terms blacked out on screen (wellbeing), or None."""
        return self.protocol.wellbeing.mask_pattern()

    @cached_property
    def include(self) -> re.Pattern[str] | None:
        """Terms highlighted as pointing to inclusion, or None."""
        return self.protocol.highlight.include_pattern()

    @cached_property
    def exclude(self) -> re.Pattern[str] | None:
        """Terms highlighted as pointing to exclusion, or None."""
        return self.protocol.highlight.exclude_pattern()

    def viewer(self, db: Database) -> Viewer:
        """Return the acting reviewer as the protocol's blind rules see them."""
        return self.viewer_of(db, self.reviewer)

    def viewer_of(self, db: Database, name: str) -> Viewer:
        """Return reviewer ``name`` as the protocol's blind rules see them."""
        return viewer_in(db, self.protocol, name)

    def reasons(self, stage: Stage) -> tuple[str, ...]:
        """Return the stage's exclusion reasons, at most nine: one per digit key.

        The digits exclude with that reason in one key at title/abstract and
        pick it in the reason picker, so a tenth reason could not be keyed.
        """
        return self.protocol.exclusion_reasons(stage)[:9]

    def masked(self, text: str) -> str:
        """Return ``text`` with every masked term blacked out (same length, so offsets hold)."""
        if self.mask is None or not text:
            return text
        return self.mask.sub(lambda m: MASK * len(m.group(0)), text)


def viewer_in(db: Database, protocol: Protocol, name: str) -> Viewer:
    """Return the viewer of ``name`` under ``protocol``'s screening settings (blind rules)."""
    settings = protocol.screening
    return blind.viewer(db, name, blind=settings.blind, required=settings.reviewers_per_record)

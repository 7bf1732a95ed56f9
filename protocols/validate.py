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
from collections.abc import Collection
from dataclasses import replace
from typing import Any, NoReturn, cast

from protocols import model as m
from protocols.checklists import BUILT_IN
from protocols.errors import ProtocolError
from protocols.form import domain_field_name, item_field_name
from protocols.locate import KeyPath, dotted, key_lines, line_of
from protocols.terms import term_problem

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
COLUMN_KEYS = ("name", "label", "type", "instructions", "required", "choices", "min", "max")
FIELD_KEYS = (*COLUMN_KEYS, "section", "fields")
EXTRACTION_KEYS = ("mode", "fields", "appraisal")
APPRAISAL_KEYS = (
    "checklist",
    "title",
    "prefix",
    "answers",
    "domain_question",
    "domain_rule",
    "overall_rule",
    "judgements",
    "required",
    "items",
)
ITEM_KEYS = ("id", "question", "domain", "answers")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_ELEMENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def show(value: Any) -> str:
    """Write a value as it would look in TOML, shortened, for ``(got ...)``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '..."'
    return str(value)


class Checker:
    """Reads typed values out of TOML tables, failing with file, line and key."""

    def __init__(self, text: str, file: str) -> None:
        self.source = text
        self.file = file
        self._lines: dict[KeyPath, int] | None = None

    def fail(self, path: KeyPath, message: str) -> NoReturn:
        """Raise a ProtocolError located at ``path`` (or its nearest table)."""
        if self._lines is None:
            self._lines = key_lines(self.source)
        line = line_of(self._lines, path)
        where = f"{self.file}:{line}" if line else self.file
        raise ProtocolError(f"{where}: {message}")

    def line(self, path: KeyPath) -> int | None:
        """Return the line of a key path (for messages that point elsewhere)."""
        if self._lines is None:
            self._lines = key_lines(self.source)
        return line_of(self._lines, path)

    def table(
        self, parent: dict[str, Any], path: KeyPath, allowed: Collection[str] | None
    ) -> dict[str, Any]:
        """Return the table at ``path`` ({} if absent), refusing unknown keys."""
        value = parent.get(str(path[-1]), {}) if path else parent
        if not isinstance(value, dict):
            self.fail(path, f"key {dotted(path)} must be a table [{dotted(path)}]")
        if allowed is not None:
            self.known_keys(value, path, allowed)
        return value

    def known_keys(self, table: dict[str, Any], path: KeyPath, allowed: Collection[str]) -> None:
        """Fail on the first key of ``table`` that is not in ``allowed``."""
        for key in table:
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(allowed)}"
            self.fail(path + (key,), f"unknown key {dotted(path + (key,))} ({hint})")

    def text(
        self,
        table: dict[str, Any],
        path: KeyPath,
        key: str,
        default: str = "",
        *,
        required: bool = False,
    ) -> str:
        """Return a text value; ``required`` also refuses empty text."""
        where = path + (key,)
        if key not in table:
            if required:
                self.fail(path, f"missing key {dotted(where)} (text)")
            return default
        value = table[key]
        if not isinstance(value, str) or (required and not value.strip()):
            kind = "non-empty text" if required else "text"
            self.fail(where, f"key {dotted(where)} must be {kind} (got {show(value)})")
        return value

    def texts(self, table: dict[str, Any], path: KeyPath, key: str) -> tuple[str, ...]:
        """Return a list of distinct non-empty texts (empty tuple if absent)."""
        where = path + (key,)
        value = table.get(key, [])
        if not isinstance(value, list):
            self.fail(where, f"key {dotted(where)} must be a list of texts (got {show(value)})")
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            at = where + (index,)
            if not isinstance(item, str) or not item.strip():
                self.fail(at, f"key {dotted(at)} must be non-empty text (got {show(item)})")
            if item.strip().casefold() in seen:
                self.fail(at, f"key {dotted(at)} repeats {show(item)}")
            seen[item.strip().casefold()] = index
        return tuple(item.strip() for item in value)

    def terms(self, table: dict[str, Any], path: KeyPath, key: str) -> tuple[str, ...]:
        """Return highlight or mask terms, each checked by :func:`term_problem`."""
        values = self.texts(table, path, key)
        for index, term in enumerate(values):
            problem = term_problem(term)
            if problem:
                at = path + (key, index)
                self.fail(at, f"key {dotted(at)} {show(term)}: {problem}")
        return values

    def boolean(self, table: dict[str, Any], path: KeyPath, key: str, default: bool) -> bool:
        """Return a true/false value."""
        value = table.get(key, default)
        if not isinstance(value, bool):
            where = path + (key,)
            self.fail(where, f"key {dotted(where)} must be true or false (got {show(value)})")
        return value

    def integer(
        self, table: dict[str, Any], path: KeyPath, key: str, default: int, minimum: int
    ) -> int:
        """Return an integer at least ``minimum`` (TOML booleans are refused)."""
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            where = path + (key,)
            self.fail(
                where, f"key {dotted(where)} must be an integer ≥ {minimum} (got {show(value)})"
            )
        return value

    def choice(
        self, table: dict[str, Any], path: KeyPath, key: str, options: Collection[str], default: str
    ) -> str:
        """Return one of ``options``."""
        value = table.get(key, default)
        if value not in options:
            where = path + (key,)
            allowed = ", ".join(json.dumps(o) for o in options)
            self.fail(where, f"key {dotted(where)} must be one of {allowed} (got {show(value)})")
        return str(value)


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
    extraction = _extraction(check, data)
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


def _stages(check: Checker, data: dict[str, Any]) -> dict[str, m.StageSettings]:
    stages = check.table(data, ("stages",), m.STAGES)
    out: dict[str, m.StageSettings] = {}
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
        stages=stages,
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


def _extraction(check: Checker, data: dict[str, Any]) -> m.Extraction:
    top: KeyPath = ("extraction",)
    table = check.table(data, top, EXTRACTION_KEYS)
    mode = check.choice(table, top, "mode", m.EXTRACTION_MODES, "single")
    path: KeyPath = ("extraction", "fields")
    fields = table.get("fields", [])
    if not isinstance(fields, list):
        check.fail(path, "key extraction.fields must be a list of tables ([[extraction.fields]])")
    out: list[m.ExtractionField] = []
    seen: dict[str, KeyPath] = {}
    for index, item in enumerate(fields):
        at = path + (index,)
        if not isinstance(item, dict):
            check.fail(at, f"key {dotted(at)} must be a table with name, label and type")
        made = _field(check, item, at)
        if made.name in seen:
            first = check.line(seen[made.name] + ("name",))
            check.fail(
                at + ("name",),
                f"key {dotted(at + ('name',))} repeats field name {show(made.name)}"
                f" (first at line {first}); field names must be unique",
            )
        seen[made.name] = at
        out.append(made)
    checklist = _appraisal(check, table)
    if checklist is not None:
        generated = _checklist_names(check, checklist)
        where = (
            "extraction.appraisal.prefix"
            if checklist.name == "custom"
            else "[extraction.appraisal]"
        )
        for name, at in seen.items():
            if name in generated:
                check.fail(
                    at + ("name",),
                    f"key {dotted(at + ('name',))} repeats field name {show(name)} of the"
                    f" {checklist.name} checklist ({generated[name]}); field names must be"
                    f" unique, so rename the field (the checklist's names come from {where})",
                )
    return m.Extraction(mode=mode, fields=tuple(out), checklist=checklist)


def _field(
    check: Checker, table: dict[str, Any], path: KeyPath, *, column: bool = False
) -> m.ExtractionField:
    """Check one field, or (``column``) one column of a repeating group."""
    if column and "section" in table:
        at = path + ("section",)
        check.fail(
            at,
            f"key {dotted(at)} does not apply to a group's columns (they are in"
            " the group's section)",
        )
    check.known_keys(table, path, COLUMN_KEYS if column else FIELD_KEYS)
    name = check.text(table, path, "name", required=True)
    if not _FIELD_NAME.fullmatch(name):
        at = path + ("name",)
        check.fail(
            at,
            f"key {dotted(at)} must be lower-case letters, digits and _ such as"
            f" sample_size (got {show(name)})",
        )
    if "type" not in table:
        types = ", ".join(m.VALUE_TYPES if column else m.FIELD_TYPES)
        check.fail(path, f"missing key {dotted(path + ('type',))} (one of {types})")
    if column and table["type"] == "group":
        at = path + ("type",)
        check.fail(at, f'key {dotted(at)}: a group\'s columns cannot be groups (got "group")')
    kind = check.choice(table, path, "type", m.VALUE_TYPES if column else m.FIELD_TYPES, "")
    if kind == "group":
        for key in ("choices", "min", "max"):
            if key in table:
                at = path + (key,)
                check.fail(
                    at,
                    f"key {dotted(at)} does not apply to a group field; set it on a column"
                    f" ([[{dotted(_unindexed(path))}.fields]])",
                )
    elif "fields" in table:
        at = path + ("fields",)
        check.fail(at, f'key {dotted(at)} only applies to group fields (type = "group")')
    choices = check.texts(table, path, "choices")
    if kind in m.CHOICE_TYPES:
        if not choices:
            check.fail(path + ("choices",), f"{kind} field {name} needs a non-empty choices list")
        for index, choice in enumerate(choices):
            if kind == "multi_choice" and ";" in choice:
                at = path + ("choices", index)
                check.fail(at, f"key {dotted(at)} must not contain ; (it separates choices)")
    elif "choices" in table:
        at = path + ("choices",)
        check.fail(at, f"key {dotted(at)} only applies to choice and multi_choice fields")
    bounds = [_bound(check, table, path, key, kind) for key in ("min", "max")]
    low, high = bounds
    if low is not None and high is not None and low > high:
        check.fail(path + ("max",), f"key {dotted(path + ('max',))} must be ≥ min ({low})")
    section = m.DEFAULT_SECTION
    if "section" in table:
        section = check.text(table, path, "section", required=True).strip()
    return m.ExtractionField(
        name=name,
        label=check.text(table, path, "label", name.replace("_", " ").capitalize()).strip(),
        type=kind,
        instructions=check.text(table, path, "instructions").strip(),
        required=check.boolean(table, path, "required", False),
        choices=choices,
        min=low,
        max=high,
        section=section,
        fields=_columns(check, table, path, name) if kind == "group" else (),
    )


def _unindexed(path: KeyPath) -> KeyPath:
    """Drop array indexes: ``extraction.fields[2]`` -> ``extraction.fields``."""
    return tuple(part for part in path if isinstance(part, str))


def _columns(
    check: Checker, table: dict[str, Any], path: KeyPath, name: str
) -> tuple[m.ExtractionField, ...]:
    """Return a repeating group's columns (``[[extraction.fields.fields]]``)."""
    where = path + ("fields",)
    header = f"[[{dotted(_unindexed(where))}]]"
    columns = table.get("fields", [])
    if not isinstance(columns, list) or not columns:
        check.fail(
            where if "fields" in table else path,
            f"group field {name} needs columns: a non-empty list of tables {header}"
            f" (key {dotted(where)})",
        )
    out: list[m.ExtractionField] = []
    seen: dict[str, KeyPath] = {}
    for index, item in enumerate(columns):
        at = where + (index,)
        if not isinstance(item, dict):
            check.fail(at, f"key {dotted(at)} must be a table with name, label and type")
        made = _field(check, item, at, column=True)
        if made.name in seen:
            first = check.line(seen[made.name] + ("name",))
            check.fail(
                at + ("name",),
                f"key {dotted(at + ('name',))} repeats column name {show(made.name)}"
                f" (first at line {first}); column names must be unique within group {name}",
            )
        seen[made.name] = at
        out.append(made)
    return tuple(out)


def _appraisal(check: Checker, extraction: dict[str, Any]) -> m.Checklist | None:
    """Return the checklist of ``[extraction.appraisal]`` (None: no checklist)."""
    if "appraisal" not in extraction:
        return None
    path: KeyPath = ("extraction", "appraisal")
    table = check.table(extraction, path, None)
    if not table:
        return None
    names = ("none", *BUILT_IN, "custom")
    if "checklist" not in table:
        options = ", ".join(json.dumps(n) for n in names)
        check.fail(path, f"missing key {dotted(path + ('checklist',))} (one of {options})")
    name = check.choice(table, path, "checklist", names, "none")
    if name == "none":
        check.known_keys(table, path, ("checklist",))
        return None
    if name in BUILT_IN:
        check.known_keys(table, path, ("checklist", "required"))
        built = BUILT_IN[name]()
        return replace(built, required=check.boolean(table, path, "required", built.required))
    check.known_keys(table, path, APPRAISAL_KEYS)
    title = check.text(table, path, "title", required=True).strip()
    prefix = check.text(table, path, "prefix", "appraisal")
    if not _FIELD_NAME.fullmatch(prefix):
        at = path + ("prefix",)
        check.fail(
            at,
            f"key {dotted(at)} must be lower-case letters, digits and _ such as"
            f" quality (got {show(prefix)})",
        )
    answers = m.ChecklistItem("", "").answers
    if "answers" in table:
        answers = _answers(check, table, path)
    domain_question = check.text(table, path, "domain_question").strip()
    domain_rule = check.choice(table, path, "domain_rule", m.CHECKLIST_RULES, "none")
    overall_rule = check.choice(table, path, "overall_rule", m.CHECKLIST_RULES, "none")
    items = _items(check, table, path, answers)
    has_domains = any(item.domain for item in items)
    if domain_question and not has_domains:
        at = path + ("domain_question",)
        check.fail(
            at,
            f"key {dotted(at)} needs items with a domain (its choices are the items' domains);"
            " give at least one item a domain",
        )
    if domain_rule != "none" and not has_domains:
        at = path + ("domain_rule",)
        check.fail(at, f"key {dotted(at)} needs items with a domain; no item names one")
    used: dict[str, None] = {}
    for item in items:
        used.update(dict.fromkeys(item.answers))
    judgements = _judgements(check, table, path, tuple(used))
    if "worst" in (domain_rule, overall_rule):
        rule = "overall_rule" if overall_rule == "worst" else "domain_rule"
        for answer in used:
            if answer not in judgements:
                at = path + ("judgements",) if "judgements" in table else path + (rule,)
                check.fail(
                    at,
                    f"key {dotted(path + ('judgements',))} must give a judgement for"
                    f' {show(answer)}: {rule} = "worst" combines judgements',
                )
    return m.Checklist(
        name="custom",
        title=title,
        prefix=prefix,
        items=items,
        domain_question=domain_question,
        domain_rule=domain_rule,
        overall_rule=overall_rule,
        judgements=judgements,
        required=check.boolean(table, path, "required", True),
    )


def _answers(check: Checker, table: dict[str, Any], path: KeyPath) -> tuple[str, ...]:
    answers = check.texts(table, path, "answers")
    if not answers:
        at = path + ("answers",)
        check.fail(at, f"key {dotted(at)} must list at least one answer")
    return answers


def _items(
    check: Checker, table: dict[str, Any], path: KeyPath, answers: tuple[str, ...]
) -> tuple[m.ChecklistItem, ...]:
    where = path + ("items",)
    items = table.get("items", [])
    if not isinstance(items, list) or not items:
        check.fail(
            where if "items" in table else path,
            f"key {dotted(where)} must be a non-empty list of tables [[{dotted(where)}]]"
            " with id and question",
        )
    out: list[m.ChecklistItem] = []
    seen: dict[str, KeyPath] = {}
    for index, item in enumerate(items):
        at = where + (index,)
        if not isinstance(item, dict):
            check.fail(at, f"key {dotted(at)} must be a table with id and question")
        check.known_keys(item, at, ITEM_KEYS)
        item_id = check.text(item, at, "id", required=True).strip()
        if item_id in seen:
            first = check.line(seen[item_id] + ("id",))
            check.fail(
                at + ("id",),
                f"key {dotted(at + ('id',))} repeats item id {show(item_id)}"
                f" (first at line {first}); item ids must be unique",
            )
        seen[item_id] = at
        out.append(
            m.ChecklistItem(
                id=item_id,
                question=check.text(item, at, "question", required=True).strip(),
                domain=check.text(item, at, "domain").strip(),
                answers=_answers(check, item, at) if "answers" in item else answers,
            )
        )
    return tuple(out)


def _judgements(
    check: Checker, table: dict[str, Any], path: KeyPath, answers: tuple[str, ...]
) -> dict[str, str]:
    where = path + ("judgements",)
    judgements = check.table(table, where, None)
    out: dict[str, str] = {}
    for answer in judgements:
        at = where + (answer,)
        if answer not in answers:
            options = ", ".join(json.dumps(a) for a in answers)
            check.fail(
                at,
                f"key {dotted(at)}: {show(answer)} is not an answer of the checklist ({options})",
            )
        out[answer] = check.choice(judgements, where, answer, m.ROBVIS_JUDGEMENTS, "")
    return out


def _checklist_names(check: Checker, checklist: m.Checklist) -> dict[str, str]:
    """Return the checklist's field names -> what each is, refusing clashes among them."""
    out: dict[str, str] = {}
    if checklist.domain_question:
        out[domain_field_name(checklist)] = "its domain question"
    path: KeyPath = ("extraction", "appraisal", "items")
    for index, item in enumerate(checklist.items):
        name = item_field_name(checklist, item.id)
        at = path + (index, "id")
        if name == f"{checklist.prefix}_":
            check.fail(at, f"key {dotted(at)} must contain a letter or digit (got {show(item.id)})")
        if name in out:
            check.fail(
                at,
                f"key {dotted(at)} {show(item.id)} gives field name {show(name)}, as"
                f" {out[name]} does; ids must differ in their letters and digits",
            )
        out[name] = f"item {item.id}"
    return out


def _bound(
    check: Checker, table: dict[str, Any], path: KeyPath, key: str, kind: str
) -> float | None:
    if key not in table:
        return None
    at = path + (key,)
    value = table[key]
    if kind not in m.NUMERIC_TYPES:
        check.fail(at, f"key {dotted(at)} only applies to number and integer fields")
    wanted: tuple[type, ...] = (int,) if kind == "integer" else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted):
        noun = "an integer" if kind == "integer" else "a number"
        check.fail(at, f"key {dotted(at)} must be {noun} (got {show(value)})")
    return cast(float, value)  # an int for integer fields, so bounds stay exact

"""Reading the ``[extraction]`` table: the form's fields and the appraisal checklist.

Split from :mod:`protocols.validate` (the other tables) because the form
and the checklist are most of what a protocol can get wrong; the rules are
the same: every key checked, unknown keys are errors.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, cast

from protocols import model as m
from protocols.checker import Checker, show
from protocols.checklists import BUILT_IN
from protocols.form import domain_field_name, item_field_name
from protocols.locate import KeyPath, dotted

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


def extraction(check: Checker, data: dict[str, Any]) -> m.Extraction:
    top: KeyPath = ("extraction",)
    table = check.table(data, top, EXTRACTION_KEYS)
    mode = check.choice(table, top, "mode", m.EXTRACTION_MODES, "single")
    path: KeyPath = ("extraction", "fields")
    fields = table.get("fields", [])
    if not isinstance(fields, list):
        check.fail(path, "key extraction.fields must be a list of tables ([[extraction.fields]])")
    out, seen = _unique_fields(check, fields, path, "field names must be unique", column=False)
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
    rule = f"column names must be unique within group {name}"
    return tuple(_unique_fields(check, columns, where, rule, column=True)[0])


def _unique_fields(
    check: Checker, items: list[Any], where: KeyPath, rule: str, *, column: bool
) -> tuple[list[m.ExtractionField], dict[str, KeyPath]]:
    """Check each table of ``items`` as a field (or column), names unique; ``rule`` says so.

    Returns the fields and where each name was given.
    """
    what = "column" if column else "field"
    out: list[m.ExtractionField] = []
    seen: dict[str, KeyPath] = {}
    for index, item in enumerate(items):
        at = where + (index,)
        if not isinstance(item, dict):
            check.fail(at, f"key {dotted(at)} must be a table with name, label and type")
        made = _field(check, item, at, column=column)
        if made.name in seen:
            first = check.line(seen[made.name] + ("name",))
            check.fail(
                at + ("name",),
                f"key {dotted(at + ('name',))} repeats {what} name {show(made.name)}"
                f" (first at line {first}); {rule}",
            )
        seen[made.name] = at
        out.append(made)
    return out, seen


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

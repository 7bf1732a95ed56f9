"""The extraction form as reviewers fill it in: the protocol's fields plus the checklist.

A protocol declares its own fields (``[[extraction.fields]]``) and names an
appraisal checklist (``[extraction.appraisal]``). Every surface (TUI, CLI,
exports, completeness checks) works on one flat list of fields, so the
checklist's questions become ``choice`` fields here, in a section of their
own, named ``<prefix>_<id>`` (``mmat_1_1``), with the domain question first
(``mmat_domain``). Rules that depend on answers (which items apply, what is
missing, the appraisal judgements) live here too, beside the fields they read.

A study's values (:data:`Values`) map a plain field's name to its value and a
repeating group's name to its rows, each row a column -> value mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from protocols.model import (
    ROBVIS_JUDGEMENTS,
    Checklist,
    ExtractionField,
    Protocol,
)

#: A study's values: field name -> value, or group name -> list of rows.
Values = Mapping[str, Any]


def item_field_name(checklist: Checklist, item_id: str) -> str:
    """Return the field name of a checklist item: ``mmat`` + ``1.1`` -> ``mmat_1_1``."""
    slug = re.sub(r"[^a-z0-9]+", "_", item_id.lower()).strip("_")
    return f"{checklist.prefix}_{slug}"


def domain_field_name(checklist: Checklist) -> str:
    """Return the field name of a checklist's domain question (``mmat_domain``)."""
    return f"{checklist.prefix}_domain"


@dataclass(frozen=True, slots=True)
class Appraisal:
    """A study's appraisal, combined by the checklist's rules.

    Attributes:
        domains: Domain -> judgement (robvis wording, or ``k/n`` for ``count``).
        overall: The overall judgement ("" when the rule is ``none`` or nothing
            is answered).
        met: Applicable items answered with the best answer.
        applicable: Items that apply to the study.
        robvis: ``(D1..Dn judgements, overall)`` for the robvis layout.
    """

    domains: dict[str, str]
    overall: str
    met: int
    applicable: int
    robvis: tuple[tuple[str, ...], str]


@dataclass(frozen=True, slots=True)
class Form:
    """The whole extraction form of a protocol version.

    Attributes:
        mode: ``single``, ``dual`` or ``verify``.
        fields: Every top-level field in form order (the protocol's, then the
            checklist's).
        checklist: The appraisal checklist, or None.
    """

    mode: str
    fields: tuple[ExtractionField, ...]
    checklist: Checklist | None = None
    _by_name: dict[str, ExtractionField] = field(default_factory=dict, repr=False)

    def field(self, name: str) -> ExtractionField:
        """Return the top-level field ``name``.

        Raises:
            KeyError: if the form has no such field.
        """
        if not self._by_name:
            self._by_name.update((f.name, f) for f in self.fields)
        return self._by_name[name]

    def has(self, name: str) -> bool:
        """Tell whether the form has a top-level field ``name``."""
        try:
            self.field(name)
        except KeyError:
            return False
        return True

    def sections(self) -> list[tuple[str, tuple[ExtractionField, ...]]]:
        """Return ``(section, fields)`` in form order (one XLSX sheet each)."""
        out: dict[str, list[ExtractionField]] = {}
        for item in self.fields:
            out.setdefault(item.section, []).append(item)
        return [(name, tuple(items)) for name, items in out.items()]

    @property
    def domain_field(self) -> str:
        """The checklist's domain question field name, or ""."""
        if self.checklist is None or not self.checklist.domain_question:
            return ""
        return domain_field_name(self.checklist)

    def applies(self, item: ExtractionField, values: Values) -> bool:
        """Tell whether a field applies to a study, given its values.

        A checklist item with a domain applies only when the domain question
        is answered with that domain; every other field always applies.
        """
        if not item.domain or not self.domain_field:
            return True
        return values.get(self.domain_field) == item.domain

    def missing(self, values: Values) -> list[str]:
        """Return the labels of required, applicable fields without a value.

        A required repeating group needs one row; a required column needs a
        value in every row there is.
        """
        out: list[str] = []
        for item in self.fields:
            if not self.applies(item, values):
                continue
            value = values.get(item.name)
            if item.type == "group":
                rows = list(value or [])
                if item.required and not rows:
                    out.append(item.label)
                for number, row in enumerate(rows, start=1):
                    out.extend(
                        f"{item.label} row {number}: {column.label}"
                        for column in item.fields
                        if column.required and _empty(row.get(column.name))
                    )
            elif item.required and _empty(value):
                out.append(item.label)
        return out

    def appraisal(self, values: Values) -> Appraisal | None:
        """Combine a study's checklist answers by the checklist's rules (None: no checklist)."""
        checklist = self.checklist
        if checklist is None:
            return None
        items = [
            (it, self.field(item_field_name(checklist, it.id)))
            for it in checklist.items
        ]
        applicable = [(it, f) for it, f in items if self.applies(f, values)]
        answered = [(it, values.get(f.name)) for it, f in applicable]
        met = sum(1 for it, answer in answered if answer == it.answers[0])
        domains: dict[str, str] = {}
        for domain in checklist.domains:
            inside = [(it, a) for it, a in answered if it.domain == domain]
            judged = _combine(checklist, checklist.domain_rule, inside) if inside else ""
            if judged:
                domains[domain] = judged
        overall = _combine(checklist, checklist.overall_rule, answered)
        if checklist.domain_question:
            # One domain applies: its items are D1..Dn (MMAT: five criteria).
            chosen = [(it, a) for it, a in answered if it.domain]
            robvis = tuple(_judge(checklist, a) for _, a in chosen)
        elif checklist.domains:
            robvis = tuple(
                _combine(checklist, "worst", [(it, a) for it, a in answered if it.domain == d])
                for d in checklist.domains
            )
        else:
            robvis = tuple(_judge(checklist, a) for _, a in answered)
        worst = _combine(checklist, "worst", answered)
        return Appraisal(
            domains=domains,
            overall=overall,
            met=met,
            applicable=len(applicable),
            robvis=(robvis, worst or "No information"),
        )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _judge(checklist: Checklist, answer: Any) -> str:
    if _empty(answer):
        return "No information"
    return checklist.judgements.get(str(answer), "No information")


def _combine(checklist: Checklist, rule: str, answered: list[tuple[Any, Any]]) -> str:
    given = [(it, a) for it, a in answered if not _empty(a)]
    if rule == "none" or not given:
        return ""
    if rule == "count":
        met = sum(1 for it, a in given if a == it.answers[0])
        return f"{met}/{len(answered)}"
    judged = [_judge(checklist, a) for _, a in given]
    return max(judged, key=ROBVIS_JUDGEMENTS.index)


def checklist_fields(checklist: Checklist) -> tuple[ExtractionField, ...]:
    """Return a checklist as form fields: the domain question, then one per item."""
    out: list[ExtractionField] = []
    if checklist.domain_question:
        out.append(
            ExtractionField(
                name=domain_field_name(checklist),
                label=checklist.domain_question,
                type="choice",
                choices=checklist.domains,
                required=checklist.required,
                section=checklist.title,
            )
        )
    out.extend(
        ExtractionField(
            name=item_field_name(checklist, item.id),
            label=f"{item.id} {item.question}",
            type="choice",
            choices=item.answers,
            required=checklist.required,
            section=checklist.title,
            domain=item.domain,
        )
        for item in checklist.items
    )
    return tuple(out)


def build_form(protocol: Protocol) -> Form:
    """Return the extraction form of a protocol: its fields, then its checklist's."""
    settings = protocol.extraction_settings
    fields = tuple(protocol.extraction)
    if settings.checklist is not None:
        fields += checklist_fields(settings.checklist)
    return Form(mode=settings.mode, fields=fields, checklist=settings.checklist)

"""The protocol as plain data and as readable text.

``review protocol show`` prints this, and the TUI can show the same text
beside the records, so reviewers and the lead read one wording.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from protocols.form import build_form
from protocols.model import DEFAULT_SECTION, Checklist, ExtractionField, Protocol, Stage

#: What each extraction mode means, for ``review protocol show``.
MODE_TEXT = {
    "single": "one extractor per study",
    "dual": "two independent, blind extractors per study, then field-level consensus",
    "verify": "one extractor, then a verifier checks and corrects a pre-filled copy",
}


def to_dict(protocol: Protocol) -> dict[str, Any]:
    """Return the protocol as JSON-ready data (tuples become lists).

    ``extraction`` lists the protocol's own fields (with their sections and a
    group's columns); ``extraction_settings`` holds the mode, the form's
    sections in order and the checklist with its item count, not the fields
    again.
    """
    data = dataclasses.asdict(protocol)
    settings = protocol.extraction_settings
    checklist = data["extraction_settings"]["checklist"]
    if checklist is not None and settings.checklist is not None:
        checklist["item_count"] = len(settings.checklist.items)
        checklist["domains"] = list(settings.checklist.domains)
    data["extraction_settings"] = {
        "mode": settings.mode,
        "sections": [name for name, _ in build_form(protocol).sections()],
        "checklist": checklist,
    }
    return _lists(data)  # type: ignore[no-any-return]


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def stage_title(stage: str) -> str:
    """Return a stage's display name (``full_text`` -> ``Full text``)."""
    try:
        return Stage.parse(stage).label
    except ValueError:
        return stage.replace("_", " ").capitalize()


def describe(protocol: Protocol) -> str:
    """Return the protocol as readable text for the terminal."""
    out: list[str] = [protocol.title, "=" * min(len(protocol.title), 78)]
    out.append(f"version {protocol.version} · template {protocol.template}")
    if protocol.question:
        out += ["", f"Question: {protocol.question}"]
    frame = protocol.question_frame
    filled = {k: v for k, v in frame.elements.items() if v.strip()}
    if filled:
        out += ["", f"{frame.framework}:"]
        out += [f"  {k.replace('_', ' ').capitalize()}: {v}" for k, v in filled.items()]
    if frame.research_questions:
        out += ["", "Research questions:"] + [f"  - {q}" for q in frame.research_questions]
    out += _section("Inclusion criteria", protocol.criteria.inclusion)
    out += _section("Exclusion criteria", protocol.criteria.exclusion)
    for name in protocol.screening.stages:
        stage = protocol.stages[name]
        reasons = [f"{n}. {r}" for n, r in enumerate(stage.exclusion_reasons, start=1)]
        out += _section(f"{stage_title(name)}: exclusion reasons", reasons, bullet="")
        if stage.instructions:
            out.append(f"  ({stage.instructions})")
    if protocol.highlight.include or protocol.highlight.exclude:
        out += ["", "Highlight:"]
        out.append(f"  include: {', '.join(protocol.highlight.include) or '-'}")
        out.append(f"  exclude: {', '.join(protocol.highlight.exclude) or '-'}")
    out += ["", "Screening:"] + [f"  {line}" for line in _screening_lines(protocol)]
    out += _extraction_lines(protocol)
    wellbeing = protocol.wellbeing
    if wellbeing.enabled:
        out += ["", "Wellbeing:"]
        if wellbeing.content_notice:
            out.append("  content notice before each session: yes")
        if wellbeing.mask_terms:
            out.append(f"  masked terms: {len(wellbeing.mask_terms)}")
        if wellbeing.break_every_minutes or wellbeing.break_every_records:
            out.append(
                f"  break reminder: every {wellbeing.break_every_minutes or '-'} minutes"
                f" / {wellbeing.break_every_records or '-'} records"
            )
        out.append(f"  session summary: {'yes' if wellbeing.session_summary else 'no'}")
    out += ["", f"Embedding model: {protocol.embedding_model}"]
    return "\n".join(out)


def _extraction_lines(protocol: Protocol) -> list[str]:
    settings = protocol.extraction_settings
    if not protocol.extraction and settings.checklist is None:
        return []
    mode = MODE_TEXT.get(settings.mode, settings.mode)
    out = ["", f"Extraction mode: {settings.mode} ({mode})"]
    if protocol.extraction:
        out += ["", "Extraction form:"]
        sections = {item.section for item in protocol.extraction}
        shown = None if sections == {DEFAULT_SECTION} else ""
        for item in protocol.extraction:
            if shown is not None and item.section != shown:
                out.append(f"  [{item.section}]")
                shown = item.section
            out += _field_lines(item, "  ")
    if settings.checklist is not None:
        out += _checklist_lines(settings.checklist)
    return out


def _field_lines(item: ExtractionField, indent: str) -> list[str]:
    flag = ", required" if item.required else ""
    out = [f"{indent}{item.name} ({item.type}{flag}): {item.label}"]
    more = indent + "    "
    if item.choices:
        out.append(f"{more}choices: {'; '.join(item.choices)}")
    if item.min is not None or item.max is not None:
        low = "" if item.min is None else f"{item.min:g}"
        high = "" if item.max is None else f"{item.max:g}"
        out.append(f"{more}range: {low}..{high}")
    if item.instructions:
        out.append(f"{more}{item.instructions}")
    if item.fields:
        out.append(f"{more}columns (one row each):")
        for column in item.fields:
            out += _field_lines(column, more + "  ")
    return out


def _checklist_lines(checklist: Checklist) -> list[str]:
    out = ["", f"Appraisal checklist: {checklist.title} ({checklist.name})"]
    required = "required" if checklist.required else "optional"
    out.append(f"  {len(checklist.items)} items, fields {checklist.prefix}_*, {required}")
    if checklist.domain_question:
        out.append(f"  domain question: {checklist.domain_question}")
    if checklist.domains:
        out.append(f"  domains: {'; '.join(checklist.domains)}")
    out.append(f"  domain rule: {checklist.domain_rule} · overall rule: {checklist.overall_rule}")
    if checklist.judgements:
        pairs = [f"{answer} = {judgement}" for answer, judgement in checklist.judgements.items()]
        out.append(f"  judgements: {'; '.join(pairs)}")
    shared = {item.answers for item in checklist.items}
    if len(shared) == 1:
        out.append(f"  answers: {' / '.join(checklist.items[0].answers)}")
    domain = ""
    for item in checklist.items:
        if item.domain != domain:
            out.append(f"  [{item.domain}]")
            domain = item.domain
        answers = "" if len(shared) == 1 else f" ({' / '.join(item.answers)})"
        out.append(f"    {item.id} {item.question}{answers}")
    return out


def _section(title: str, items: tuple[str, ...] | list[str], bullet: str = "- ") -> list[str]:
    if not items:
        return []
    return ["", f"{title}:"] + [f"  {bullet}{item}" for item in items]


def _screening_lines(protocol: Protocol) -> list[str]:
    s = protocol.screening
    order = f"random (seed {s.seed})" if s.order == "random" else "ranked"
    return [
        f"stages: {', '.join(stage_title(x) for x in s.stages)}",
        f"reviewers per record: {s.reviewers_per_record}"
        + (", blind" if s.blind else ", not blind"),
        f"conflicts resolved by: {s.conflict_resolution.replace('_', ' ')}",
        f"order: {order}",
        f"stopping: {s.stopping_target:.0%} recall target at {s.stopping_confidence:.0%} "
        "confidence (hypergeometric test, Callaghan & Müller-Hansen 2020)",
        f"default reviewer: {s.default_reviewer or '(login name)'}",
    ]

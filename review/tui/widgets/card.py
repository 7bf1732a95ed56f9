"""Turning a study into display text: highlighted terms, masked terms, criteria.

Pure functions from data to :class:`~textual.content.Content`, shared by the
screening screen, the record detail screen and the conflicts screen.
"""

from __future__ import annotations

import re
from typing import Any

from textual.content import Content

from protocols.model import Protocol
from review.session.data import Card, Settings

INCLUDE_STYLE = "bold $text-success on $success-muted"
EXCLUDE_STYLE = "bold $text-error on $error-muted"
MASK_STYLE = "$text-muted"
LABEL_STYLE = {"include": "bold $text-success", "exclude": "bold $text-error", "maybe": "bold"}


def marked(text: str, settings: Settings, reveal: bool) -> Content:
    """Return ``text`` with masked terms blacked out (unless revealed) and terms highlighted.

    Masking comes first and keeps the length, so highlighted spans never
    give away a masked word.
    """
    shown = text if reveal else settings.masked(text)
    content = Content(shown)
    spans: list[tuple[int, int, str]] = []
    for pattern, style in ((settings.include, INCLUDE_STYLE), (settings.exclude, EXCLUDE_STYLE)):
        if pattern is not None:
            spans.extend((m.start(), m.end(), style) for m in pattern.finditer(shown))
    if not reveal and settings.mask is not None:
        spans.extend((m.start(), m.end(), MASK_STYLE) for m in re.finditer("█+", shown))
    for start, end, style in spans:
        content = content.stylize(style, start, end)
    return content


def has_masked(card: Card, settings: Settings) -> bool:
    """Tell whether a study shows any masked term (so the reveal key means something)."""
    if settings.mask is None:
        return False
    f = card.fields
    parts = [
        f.get("title") or "",
        f.get("abstract") or "",
        meta_line(f),
        *(f.get("keywords") or []),
    ]
    text = " ".join(parts)
    return settings.mask.search(text) is not None


def meta_line(fields: dict[str, Any]) -> str:
    """Return "authors (year). journal" in one line, shortening long author lists."""
    authors = list(fields.get("authors") or [])
    names = "; ".join(authors[:3]) + (f"; … (+{len(authors) - 3})" if len(authors) > 3 else "")
    year = f" ({fields['year']})" if fields.get("year") else ""
    journal = f". {fields['journal']}" if fields.get("journal") else ""
    return f"{names or 'No authors'}{year}{journal}"


def card_content(card: Card, settings: Settings, reveal: bool) -> Content:
    """Return the whole record card: title, authors, year, journal, keywords, abstract."""
    f = card.fields
    parts: list[Content | str | tuple[str, str]] = [
        marked(f.get("title") or "(no title)", settings, reveal).stylize("bold"),
        "\n",
        (meta_line(f) if reveal else settings.masked(meta_line(f)), "italic"),
        "\n",
    ]
    keywords = "; ".join(f.get("keywords") or [])
    if keywords:
        parts += [("Keywords: ", "bold"), marked(keywords, settings, reveal), "\n"]
    parts += ["\n", marked(f.get("abstract") or "(no abstract)", settings, reveal)]
    return Content.assemble(*parts)


def decision_text(label: str, reason: str | None, note: str | None) -> Content:
    """Return one decision as "include", "exclude: reason", with its note."""
    parts: list[str | tuple[str, str]] = [(label, LABEL_STYLE.get(label, ""))]
    if reason:
        parts.append(f": {reason}")
    if note:
        parts.append(f"  note: {note}")
    return Content.assemble(*parts)


def criteria_content(protocol: Protocol, stage: str) -> Content:
    """Return the eligibility criteria and the stage's instructions as a list."""
    parts: list[str | tuple[str, str]] = []
    instructions = protocol.stages.get(stage)
    if instructions is not None and instructions.instructions:
        parts += [(instructions.instructions, "italic"), "\n\n"]
    for name, items, style in (
        ("Include", protocol.criteria.inclusion, "bold $text-success"),
        ("Exclude", protocol.criteria.exclusion, "bold $text-error"),
    ):
        parts.append((f"{name} if\n", style))
        parts += [f"• {item}\n" for item in items] or ["(none listed)\n"]
        parts.append("\n")
    if not protocol.criteria.inclusion and not protocol.criteria.exclusion:
        parts = ["No criteria in protocol.toml yet ([criteria] inclusion/exclusion)."]
    return Content.assemble(*parts)

"""Turning a study into display text: highlighted terms, masked terms, criteria.

Pure functions from data to :class:`~textual.content.Content`, shared by the
screening screen, the record detail screen and the conflicts screen.
"""

from __future__ import annotations

import re
from typing import Any

from textual.content import Content

from protocols.model import Protocol, Stage
from review.core.review import Review
from review.session.data import STAGE_NAMES, Card, Progress

INCLUDE_STYLE = "bold $text-success on $success-muted"
EXCLUDE_STYLE = "bold $text-error on $error-muted"
MASK_STYLE = "$text-muted"
LABEL_STYLE = {"include": "bold $text-success", "exclude": "bold $text-error", "maybe": "bold"}
#: The command a lead runs to open full-text screening in a blind review.
UNBLIND_COMMAND = "review unblind --stage title-abstract"


def marked(text: str, review: Review, reveal: bool) -> Content:
    """Return ``text`` with masked terms blacked out (unless revealed) and terms highlighted.

    Masking comes first and keeps the length, so highlighted spans never
    give away a masked word.
    """
    shown = text if reveal else review.masked(text)
    content = Content(shown)
    spans: list[tuple[int, int, str]] = []
    for pattern, style in ((review.include, INCLUDE_STYLE), (review.exclude, EXCLUDE_STYLE)):
        if pattern is not None:
            spans.extend((m.start(), m.end(), style) for m in pattern.finditer(shown))
    if not reveal and review.mask is not None:
        spans.extend((m.start(), m.end(), MASK_STYLE) for m in re.finditer("█+", shown))
    for start, end, style in spans:
        content = content.stylize(style, start, end)
    return content


def has_masked(card: Card, review: Review) -> bool:
    """Tell whether a study shows any masked term (so the reveal key means something)."""
    if review.mask is None:
        return False
    f = card.fields
    parts = [
        f.get("title") or "",
        f.get("abstract") or "",
        meta_line(f),
        *(f.get("keywords") or []),
    ]
    text = " ".join(parts)
    return review.mask.search(text) is not None


def meta_line(fields: dict[str, Any]) -> str:
    """Return "authors (year). journal" in one line, shortening long author lists."""
    authors = list(fields.get("authors") or [])
    names = "; ".join(authors[:3]) + (f"; … (+{len(authors) - 3})" if len(authors) > 3 else "")
    year = f" ({fields['year']})" if fields.get("year") else ""
    journal = f". {fields['journal']}" if fields.get("journal") else ""
    return f"{names or 'No authors'}{year}{journal}"


def card_content(card: Card, review: Review, reveal: bool) -> Content:
    """Return the whole record card: title, authors, year, journal, keywords, abstract."""
    f = card.fields
    parts: list[Content | str | tuple[str, str]] = [
        marked(f.get("title") or "(no title)", review, reveal).stylize("bold"),
        "\n",
        (meta_line(f) if reveal else review.masked(meta_line(f)), "italic"),
        "\n",
    ]
    keywords = "; ".join(f.get("keywords") or [])
    if keywords:
        parts += [("Keywords: ", "bold"), marked(keywords, review, reveal), "\n"]
    parts += ["\n", marked(f.get("abstract") or "(no abstract)", review, reveal)]
    return Content.assemble(*parts)


def decision_text(label: str, reason: str | None, note: str | None) -> Content:
    """Return one decision as "include", "exclude: reason", with its note."""
    parts: list[str | tuple[str, str]] = [(label, LABEL_STYLE.get(label, ""))]
    if reason:
        parts.append(f": {reason}")
    if note:
        parts.append(f"  note: {note}")
    return Content.assemble(*parts)


def criteria_content(protocol: Protocol, stage: Stage) -> Content:
    """Return the stage's instructions, the eligibility criteria and the reason keys.

    The reasons are listed with their digits because at title/abstract a
    digit excludes at once, with no picker on screen to show what it means.
    """
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
        parts = ["No criteria in protocol.toml yet ([criteria] inclusion/exclusion).\n\n"]
    reasons = protocol.exclusion_reasons(stage)[:9]  # one digit each, as Review.reasons
    if reasons:
        keys = "key" if stage == Stage.TITLE_ABSTRACT else "e, then key"
        parts.append((f"Exclusion reasons ({keys})\n", "bold"))
        parts += [f"{n} {reason}\n" for n, reason in enumerate(reasons, 1)]
        if stage == Stage.TITLE_ABSTRACT:
            parts.append(("e excludes without one; r sets it after\n", "italic"))
    return Content.assemble(*parts)


def done_text(stage: Stage, counts: Progress | None) -> str:
    """Return what the card says when nothing is left to screen, and what to do next.

    Args:
        stage: The stage on screen.
        counts: The last progress counts (``remaining`` None: the stage is closed).
    """
    if stage == Stage.FULL_TEXT and counts is not None and counts.remaining is None:
        return (
            "Full-text screening opens when the lead unblinds title/abstract screening "
            f"({UNBLIND_COMMAND})."
        )
    return (
        f"Nothing left for you to screen at {STAGE_NAMES[stage].lower()}. "
        "Press Esc for the dashboard."
    )

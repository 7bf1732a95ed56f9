"""Render the PRISMA 2020 flow diagram from its counts: SVG, HTML, Markdown, Mermaid.

``render(data, fmt)`` takes the counts dict built by ``review.reports.prisma.counts``
(keys are the PRISMA2020 R package's data names) and returns text; nothing
is read from the database here, so the renderers are pure and testable with
a literal dict. Every format is plain string building with explicit
escaping for its target (XML for SVG/HTML, HTML entities and backslashes
for Markdown, ``#quot;``-style entity codes for Mermaid), which keeps the
output deterministic and needs no drawing library.

``text_diagram`` (the terminal version for the TUI) lives in
``review.reports.prisma.text`` and is re-exported here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from review.core.markdown import escape as md_escape
from review.reports.prisma.content import HEADERS, Item, diagram_boxes, has_previous, table_rows
from review.reports.prisma.svg import render_svg
from review.reports.prisma.text import text_diagram

__all__ = ["FORMATS", "render", "text_diagram", "mermaid", "markdown", "html_page"]

FORMATS = ("svg", "html", "md", "mermaid")
DEFAULT_TITLE = "PRISMA 2020 flow diagram"


def render(data: Mapping[str, Any], fmt: str, title: str = "") -> str:
    """The diagram for ``data`` in ``fmt`` (svg, html, md or mermaid)."""
    if fmt == "svg":
        return render_svg(data, title)
    if fmt == "html":
        return html_page(data, title)
    if fmt == "md":
        return markdown(data, title)
    if fmt == "mermaid":
        return mermaid(data)
    raise ValueError(f"unknown PRISMA format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _mermaid_escape(text: str) -> str:
    """Mermaid labels take entity codes: ``#quot;`` for a quote, and so on.

    ``#`` goes first so the codes written for the other characters survive.
    A label stays on one line and holds no backtick: in prisma.md a line break
    followed by a fence would end the diagram's code block.
    """
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("&", "#amp;"), ("<", "#lt;")):
        text = text.replace(raw, code)
    text = " ".join(text.splitlines())
    return text.replace(">", "#gt;").replace("`", "#96;")


def _mermaid_label(items: tuple[Item, ...]) -> str:
    """Items joined by line breaks; nested rows (databases, reasons) get a dash."""
    return "<br/>".join(
        ("– " if item.indent else "") + _mermaid_escape(item.text) for item in items
    )


MERMAID_EDGES = (
    ("dbr_identified", "dbr_removed"),
    ("dbr_identified", "dbr_screened"),
    ("dbr_screened", "dbr_screen_excluded"),
    ("dbr_screened", "dbr_sought"),
    ("dbr_sought", "dbr_notretrieved"),
    ("dbr_sought", "dbr_assessed"),
    ("dbr_assessed", "dbr_excluded"),
    ("dbr_assessed", "included"),
    ("other_identified", "other_sought"),
    ("other_sought", "other_notretrieved"),
    ("other_sought", "other_assessed"),
    ("other_assessed", "other_excluded"),
    ("other_assessed", "included"),
    ("previous", "total"),
    ("included", "total"),
)


def mermaid(data: Mapping[str, Any]) -> str:
    """The diagram as raw Mermaid ``flowchart TD`` text (no code fences).

    One subgraph per source column, titled like the template's headers;
    the included boxes sit outside so both columns can flow into them.
    """
    boxes = diagram_boxes(data)
    lines = ["flowchart TD"]
    columns = ["previous", "dbr", "other"] if has_previous(data) else ["dbr", "other"]
    for column in columns:
        header = _mermaid_escape(HEADERS[column])
        lines.append(f'  subgraph column_{column} ["{header}"]')
        for key, box in boxes.items():
            if box.column == column and box.phase != "Included":
                lines.append(f'    {key}["{_mermaid_label(box.items)}"]')
        lines.append("  end")
    for key, box in boxes.items():
        if box.phase == "Included":
            lines.append(f'  {key}["{_mermaid_label(box.items)}"]')
    for start, end in MERMAID_EDGES:
        if start in boxes and end in boxes:
            lines.append(f"  {start} --> {end}")
    return "\n".join(lines) + "\n"


def _value(item: Item) -> str:
    return "" if item.heading or item.value is None else item.value


def markdown(data: Mapping[str, Any], title: str = "") -> str:
    """A Markdown section: heading, the Mermaid diagram, and the counts table.

    The table follows the diagram's reading order; per-database and
    per-reason rows are indented under their parent so the nesting survives
    pasting into a manuscript.
    """
    out = [
        f"## {md_escape(title or DEFAULT_TITLE)}",
        "",
        "```mermaid",
        mermaid(data).rstrip("\n"),
        "```",
        "",
        "| Phase | Source | Step | n |",
        "| --- | --- | --- | --- |",
    ]
    for phase, source, item in table_rows(data):
        step = md_escape(item.label)
        if item.indent:
            step = "&nbsp;&nbsp;&nbsp;&nbsp;" + step
        out.append(
            f"| {md_escape(phase)} | {md_escape(source)} | {step} | {md_escape(_value(item))} |"
        )
    return "\n".join(out) + "\n"


CSS = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 60em;
       color: #111; background: #fff; padding: 0 1em; }
figure { margin: 0 0 2em 0; }
figure svg { width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.indent { padding-left: 2em; }
@media print { body { margin: 0; max-width: none; } }
""".strip()


def html_page(data: Mapping[str, Any], title: str = "") -> str:
    """One self-contained page: inline CSS, inline SVG, counts table; no scripts."""
    name = html.escape(title or DEFAULT_TITLE)
    rows = []
    for phase, source, item in table_rows(data):
        cls = ' class="indent"' if item.indent else ""
        rows.append(
            f"<tr><td>{html.escape(phase)}</td><td>{html.escape(source)}</td>"
            f"<td{cls}>{html.escape(item.label)}</td>"
            f'<td class="n">{html.escape(_value(item))}</td></tr>'
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{name}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{name}</h1>",
        "<figure>",
        render_svg(data, title, prolog=False).rstrip("\n"),
        "</figure>",
        "<table>",
        "<thead><tr><th>Phase</th><th>Source</th><th>Step</th><th>n</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"

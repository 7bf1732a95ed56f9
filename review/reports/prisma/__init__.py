"""The PRISMA 2020 flow diagram: its counts, the Shiny app's CSV and every drawing.

``collect`` computes the counts from the review database; ``render`` draws them
(svg, html, md, mermaid), ``render_csv`` fills the PRISMA2020 package's template
and ``text_diagram`` is the terminal flow the dashboard shows. Modules:
``counts`` (the boxes and their arithmetic check), ``csv_template``,
``content`` (what each box says, shared by every drawing), ``render``, ``svg``
with ``wrap``, and ``text``. The SQL is in ``review/reports/db/prisma.py``; what
each box counts is in docs/methods/prisma.md.
"""

from __future__ import annotations

from review.reports.prisma.counts import PrismaCountError, PrismaCounts, collect
from review.reports.prisma.csv_template import render_csv
from review.reports.prisma.render import FORMATS, render
from review.reports.prisma.text import text_diagram

__all__ = [
    "FORMATS",
    "PrismaCountError",
    "PrismaCounts",
    "collect",
    "render",
    "render_csv",
    "text_diagram",
]

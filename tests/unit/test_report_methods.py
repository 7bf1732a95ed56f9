"""The methods summary and the recall curve, written from a real review's data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from review.core.context import open_context
from review.reports.methods import methods_markdown
from review.reports.recall_svg import recall_svg
from screening.stopping import recall_curve
from tests.extraction_support import included_review, invoke

SVG = "{http://www.w3.org/2000/svg}"


def test_methods_are_computed_from_the_review(tmp_path: Path) -> None:
    project, _ = included_review(tmp_path, include=2)
    # A second reviewer screens two studies at title/abstract: one agreement, one not.
    invoke(project, "decide", "source:s1", "include", "--reviewer", "ben")
    invoke(project, "decide", "source:s2", "exclude", "--reviewer", "ben")
    path = project / "protocol.toml"
    path.write_text(path.read_text().replace("Untitled systematic review", "Grooming | review"))
    invoke(project, "protocol", "amend", "--reason", "Named the review", "--reviewer", "lead")
    ctx = open_context(project, "lead")
    text = methods_markdown(ctx)
    assert text.startswith("# Methods: Grooming \\| review\n")
    assert "6 records were identified in 1 search result files" in text
    assert "| search.ris |" not in text  # sources are named by database, not file
    assert "0 merges were accepted, removing 0 duplicate records" in text
    assert "1 reviewer(s) per record, not blinded" in text
    # lead and ben both decided s1 and s2: agreement on one of two.
    assert "| Title and abstract | 2 | 50.0% |" in text
    assert "| 2 | " in text and "| lead | Named the review |" in text
    assert "Data were extracted by one reviewer into a form of" in text
    assert "0 of 2 included studies are complete." in text


def test_methods_hide_agreement_from_a_blind_reviewer(tmp_path: Path) -> None:
    project, _ = included_review(tmp_path, include=1)
    path = project / "protocol.toml"
    path.write_text(path.read_text().replace("blind = false", "blind = true"))
    invoke(project, "protocol", "amend", "--reason", "Blind", "--reviewer", "lead")
    text = methods_markdown(open_context(project, "ana"))
    assert "| Title and abstract | hidden while screening is blind |" in text
    assert "- Title and abstract: hidden while screening is blind." in text


def test_recall_curve_svg_follows_the_screening_order(tmp_path: Path) -> None:
    project, _ = included_review(tmp_path, include=2)
    invoke(project, "decide", "source:s3", "exclude", "--reviewer", "lead")
    ctx = open_context(project, "lead")
    found = recall_curve(ctx.db, ctx.viewer, "title_abstract")
    assert found == (6, [1, 1, 0])
    svg = recall_svg(*found, title="Recall <A&B>")
    root = ET.fromstring(svg)
    points = root.find(f"{SVG}polyline").get("points").split()  # type: ignore[union-attr]
    assert len(points) == 4  # the origin, then one point per screened study
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] > ys[1] > ys[2] == ys[3]  # two relevant found, then none
    assert "Recall &lt;A&amp;B&gt;" in svg

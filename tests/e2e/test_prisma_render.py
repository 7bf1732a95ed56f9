"""The PRISMA 2020 flow diagram renderers: text checks and a real-browser layout check.

The fixture is a realistic review (two databases, a register, citation
searching, a stopping-rule tool). ``write_example`` regenerates the README's
``docs/images/prisma-example.svg`` from it:
``.venv/bin/python -c "from tests.e2e.test_prisma_render import write_example; write_example()"``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from review.reports.prisma import render, text_diagram
from review.reports.prisma.svg import MAX_MM
from tests.browser_support import needs_chromium, open_page
from tests.prisma_support import fixture

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "images" / "prisma-example.svg"


def updated() -> dict[str, Any]:
    """An update of an earlier review: the previous-studies column is drawn."""
    return fixture(previous_studies=14, previous_reports=17, total_studies=43, total_reports=49)


def hidden() -> dict[str, Any]:
    """Blind screening: the screening counts are hidden (None)."""
    keys = (
        "records_excluded dbr_sought_reports dbr_notretrieved_reports dbr_assessed "
        "dbr_excluded other_sought_reports other_notretrieved_reports other_assessed "
        "other_excluded new_studies new_reports total_studies total_reports"
    ).split()
    return fixture(hidden=True, **dict.fromkeys(keys))


def write_example(path: Path = EXAMPLE) -> Path:
    """Regenerate the README's example diagram from the fixture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(fixture(), "svg"), encoding="utf-8")
    return path


def joined(out: str) -> str:
    """Rejoin a box's wrapped SVG lines so a statement can be searched whole."""
    return re.sub(r"</text>\s*<text[^>]*>", " ", out)


# --- text checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["svg", "html", "md", "mermaid"])
def test_every_count_appears(fmt: str) -> None:
    out = render(updated(), fmt)
    for number in (1432, 812, 540, 37, 391, 952, 861, 91, 86, 31, 39, 36, 28, 29, 14, 43, 49):
        assert re.search(rf"\b{number}\b", out), (fmt, number)
    assert "Müller-Hansen" in out


def test_automation_tool_named_and_awaiting_shown_only_when_positive() -> None:
    svg = joined(render(fixture(), "svg"))
    assert "Records removed by automation tools (stopping rule," in svg
    assert "Callaghan &amp; Müller-Hansen 2020): n = 120" in svg
    md = render(fixture(automation_tool=None), "md")
    assert "Records marked as ineligible by automation tools" in md
    assert md.count("Awaiting classification") == 2  # diagram label and table row
    assert "Awaiting classification" not in render(fixture(awaiting_assessment=0), "md")


def test_names_are_escaped_everywhere() -> None:
    data = fixture(database_specific_results=[{"database": 'A&B <test> "x"|y', "n": 7}])
    svg = render(data, "svg")
    assert "A&amp;B &lt;test&gt;" in svg and "<test>" not in svg
    assert "A&amp;B &lt;test&gt;" in render(data, "html")
    mmd = render(data, "mermaid")
    assert "A#amp;B #lt;test#gt; #quot;x#quot;|y (n = 7)" in mmd
    assert mmd.startswith("flowchart TD\n") and "```" not in mmd
    for line in mmd.splitlines():
        if '["' in line:  # one quoted label per node, no raw quote inside
            label = line.split('["', 1)[1].rsplit('"]', 1)[0]
            assert '"' not in label and "<test>" not in label
    md = render(data, "md")
    assert 'A&amp;B &lt;test&gt; "x"\\|y' in md
    assert "```mermaid\nflowchart TD\n" in md


def test_hidden_counts_render_as_hidden_never_as_zero() -> None:
    for fmt in ("svg", "md", "mermaid", "html"):
        out = joined(render(hidden(), fmt))
        assert "Records excluded: hidden (blind screening)" in out, fmt
        assert "Studies included in review: hidden (blind screening)" in out, fmt
        assert "(n = 0)" not in out and "None" not in out, fmt
    assert any("hidden (blind screening)" in line for line in text_diagram(hidden(), 100))


def test_previous_column_only_when_previous_studies_set() -> None:
    for data in (fixture(), fixture(previous_studies=0)):
        for fmt in ("svg", "md", "mermaid"):
            out = joined(render(data, fmt))
            assert "Previous studies" not in out and "Total studies" not in out
            assert "Studies included in review (n = 29)" in out
    for fmt in ("svg", "md", "mermaid"):
        out = joined(render(updated(), fmt))
        assert "Previous studies" in out
        assert "Studies included in previous version of review (n = 14)" in out
        assert "New studies included in review (n = 29)" in out
        assert "Total studies included in review (n = 43)" in out
    mmd = render(updated(), "mermaid")
    assert "previous --> total" in mmd and "included --> total" in mmd
    node_ids = re.findall(r"^\s*(\w+)\[", mmd, flags=re.M)
    subgraph_ids = re.findall(r"subgraph (\w+) \[", mmd)
    assert subgraph_ids == ["column_previous", "column_dbr", "column_other"]
    assert len(node_ids) == 16 and not set(node_ids) & set(
        subgraph_ids
    )  # mermaid rejects a shared id


def test_svg_is_standalone_deterministic_and_sized_for_a4() -> None:
    from xml.etree import ElementTree

    svg = render(updated(), "svg", title="Flow <of> studies")
    assert svg == render(updated(), "svg", title="Flow <of> studies")
    root = ElementTree.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("version") == "1.1"
    width, height = (float(root.get(a, "").removesuffix("mm")) for a in ("width", "height"))
    assert width <= MAX_MM[0] and height <= MAX_MM[1]
    assert root.get("viewBox")
    assert "<title>Flow &lt;of&gt; studies</title>" in svg
    assert "href" not in svg and "@font-face" not in svg and "<script" not in svg
    for label in ("Identification", "Screening", "Included"):
        assert f'id="prisma-phase-{label.lower()}"' in svg
    assert 'marker-end="url(#prisma-arrow)"' in svg


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown PRISMA format"):
        render(fixture(), "pdf")


@pytest.mark.parametrize("width", [20, 40, 59, 60, 71, 72, 80, 120, 200])
def test_text_diagram_fits_its_width(width: int) -> None:
    for data in (fixture(), updated(), hidden()):
        lines = text_diagram(data, width)
        assert lines and all(len(line) <= max(width, 8) for line in lines), width
        text = "\n".join(lines)
        assert "┌" in text and "▼" in text
        assert "952" in text or data is hidden()


def test_text_diagram_side_by_side_when_wide_vertical_when_narrow() -> None:
    wide = text_diagram(fixture(), 100)
    assert any("──▶" in line for line in wide)
    narrow = text_diagram(fixture(), 60)
    assert not any("──▶" in line for line in narrow)
    assert any("Records excluded (n = 861)" in line for line in narrow)
    assert any("Other methods:" in line for line in wide)
    assert any("  Citation searching (n = 23)" in line for line in wide)


def test_example_svg_is_current() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == render(fixture(), "svg")


# --- real browser ----------------------------------------------------------------------------

OVERFLOWS = """() => {
  const bad = [];
  for (const g of document.querySelectorAll('svg g.box')) {
    const r = g.querySelector('rect').getBBox();
    const texts = g.querySelectorAll('text');
    if (!texts.length) bad.push(g.id + ': no text');
    for (const t of texts) {
      const b = t.getBBox();
      if (b.width === 0) bad.push(g.id + ': empty ' + t.textContent);
      if (b.x < r.x || b.y < r.y || b.x + b.width > r.x + r.width
          || b.y + b.height > r.y + r.height)
        bad.push(g.id + ': ' + t.textContent);
    }
  }
  return {boxes: document.querySelectorAll('svg g.box').length, bad: bad};
}"""


@needs_chromium
@pytest.mark.parametrize("font", [None, "DejaVu Sans"])
@pytest.mark.parametrize("name", ["plain", "updated", "hidden", "long names"])
def test_svg_text_stays_inside_boxes_in_chromium(
    tmp_path: Path, name: str, font: str | None
) -> None:
    """Also in DejaVu Sans, the wider face ``sans-serif`` means on Linux without Arial clones."""
    data = {
        "plain": fixture(),
        "updated": updated(),
        "hidden": hidden(),
        "long names": fixture(
            database_specific_results=[
                {"database": "CINAHL Complete (EBSCOhost) WWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "n": 3},
                {"database": 'A&B <test> "x"', "n": 4},
            ],
            dbr_excluded=[{"reason": "Mmmm " * 30, "n": 1}],
        ),
    }[name]
    svg = render(data, "svg")
    if font:
        svg = svg.replace('font-family="Arial, Helvetica, sans-serif"', f'font-family="{font}"')
    path = tmp_path / "prisma.svg"
    path.write_text(svg, encoding="utf-8")
    with open_page(path) as opened:
        result = opened.page.evaluate(OVERFLOWS)
        attrs = opened.page.evaluate(
            "() => [document.documentElement.getAttribute('width'),"
            " document.documentElement.getAttribute('height')]"
        )
        assert opened.console_errors == [] and opened.page_errors == []
        assert opened.network == []
    assert result["boxes"] >= 18 and result["bad"] == []
    width, height = (float(a.removesuffix("mm")) for a in attrs)
    assert 0 < width <= MAX_MM[0] and 0 < height <= MAX_MM[1]


@needs_chromium
def test_html_page_opens_offline_and_shows_the_numbers(tmp_path: Path) -> None:
    path = tmp_path / "prisma.html"
    path.write_text(render(updated(), "html", title="Update & review"), encoding="utf-8")
    with open_page(path) as opened:
        page = opened.page
        assert page.title() == "Update & review"
        result = page.evaluate(OVERFLOWS)
        table = page.inner_text("table")
        figure = page.inner_text("h1")
        assert opened.console_errors == [] and opened.page_errors == []
        assert opened.network == []
    assert figure == "Update & review"
    assert result["bad"] == [] and result["boxes"] >= 20
    for number in ("1432", "812", "861", "86", "43", "49", "14"):
        assert re.search(rf"\b{number}\b", table), number
    assert "Wrong population" in table

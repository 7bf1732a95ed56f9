"""The evidence gap map on a real CSEA review: counts, CSV, XLSX, errors, HTML in Chromium."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from protocols.form import build_form
from review.core.context import open_context
from review.core.errors import ExtractionError, UsageError
from review.reports import gapmap as gm
from review.reports.gapmap import GapMap, collect_gapmap
from review.reports.gapmap_export import crosstab, render_csv, save_xlsx, sheet_name
from review.reports.gapmap_html import render_html, script_json
from tests.browser_support import needs_chromium, open_page
from tests.gapmap_support import (
    EVIL,
    GROOMING,
    INDUSTRY,
    JUSTICE,
    LIVE,
    OCEANIA,
    QUAL,
    SEXTORTION,
    STORED,
    STUDIES,
    SUPPORT,
    SURVEY,
    build_review,
    invoke,
)


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    return build_review(tmp_path_factory.mktemp("gapmap"))


def load(project: Path, **options: Any) -> GapMap:
    c = open_context(project, "lead")
    try:
        return collect_gapmap(c.db, c.protocol, c.viewer, **options)
    finally:
        c.close()


def test_cells_count_distinct_studies_and_keep_the_gaps(review: tuple[Path, dict[str, int]]):
    project, g = review
    m = load(project)
    assert (m.rows.name, m.cols.name, m.segment and m.segment.name) == (
        "harm_type", "mnr_domain", "study_design",
    )  # fmt: skip
    # Every choice is there, in form order: 12 harm types x 7 domains, 11 designs.
    assert len(m.rows.values) == 12 and m.rows.values[0] == GROOMING
    assert len(m.cols.values) == 7 and len(m.cells) == 84
    assert len(m.segments) == 11 and m.segments[0] == "Randomised controlled trial"
    assert m.cells[(GROOMING, JUSTICE)] == {QUAL: [g["s1"], g["s2"]], SURVEY: [g["s3"]]}
    assert m.count(GROOMING, JUSTICE) == 3
    assert m.count(GROOMING, SUPPORT) == 1
    assert m.count(SEXTORTION, JUSTICE, QUAL) == 1
    assert m.count(LIVE, INDUSTRY, SURVEY) == 1
    assert m.count("Online grooming", "Industry") == 0  # a gap, still a cell
    assert sum(1 for bubbles in m.cells.values() if bubbles) == 4
    # s2 is in two harm types: one study in each row, counted once per bubble.
    assert sorted(m.studies) == sorted(g[s] for s in STUDIES)
    assert m.unmapped == (g["s5"],)  # included, not extracted yet
    # The importer drops the tags; the formula stays for the exports to neutralise.
    assert m.studies[g["s1"]].title == STORED and m.studies[g["s1"]].year == "2011"
    years = next(f for f in m.filters if f.name == "year")
    assert years.values == ("2011", "2012", "2013", "2014")
    assert [f.name for f in m.filters] == ["region", "population", "study_design", "year"]


def test_prefilter_and_no_segment(review: tuple[Path, dict[str, int]]) -> None:
    project, g = review
    m = load(project, filters=["region=oceania"], segment="none")
    assert m.applied == (("region", OCEANIA),)
    assert sorted(m.studies) == [g["s2"], g["s4"]]
    assert m.segments == ("",) and m.cells[(GROOMING, JUSTICE)] == {"": [g["s2"]]}
    assert load(project, filters=["year=2013"]).count(GROOMING, JUSTICE) == 1


def test_multi_choice_study_never_counts_twice_in_a_bubble() -> None:
    rows = gm.Axis("a", "A", ("x", "y"))
    cols = gm.Axis("b", "B", ("p",))
    seg = gm.Axis("d", "D", ("one", "two"))
    values = {1: {"a": ["x", "x", "y"], "b": ["p"], "d": ["one", "two"]}, 2: {"a": "x"}}
    m = gm.assemble(rows, cols, seg, values, {})
    assert m.cells[("x", "p")] == {"one": [1], "two": [1]}
    assert m.count("x", "p") == 1 and m.unmapped == (2,)
    assert crosstab(m) == [["A \\ B", "p", "Total"], ["x", 1, 1], ["y", 1, 1], ["Total", 1, 1]]


def test_csv_is_long_and_exact(review: tuple[Path, dict[str, int]]) -> None:
    project, g = review
    out = invoke(project, "report", "gapmap", "--format", "csv").output
    lines = out.splitlines()
    assert lines == [
        "study_id,row,col,segment",
        f"{g['s1']},{GROOMING},{JUSTICE},{QUAL}",
        f"{g['s1']},{GROOMING},{SUPPORT},{QUAL}",
        f"{g['s2']},{GROOMING},{JUSTICE},{QUAL}",
        f"{g['s2']},{SEXTORTION},{JUSTICE},{QUAL}",
        f"{g['s3']},{GROOMING},{JUSTICE},{SURVEY}",
        f"{g['s4']},{LIVE},{INDUSTRY},{SURVEY}",
    ]


def test_formula_like_text_is_neutralised(tmp_path: Path) -> None:
    rows = gm.Axis("a", "A", ("=SUM(1)",))
    cols = gm.Axis("b", "B", ("@p",))
    refs = {1: gm.StudyRef(1, "-Author", "2020", EVIL, "10.1/x")}
    m = gm.assemble(rows, cols, None, {1: {"a": "=SUM(1)", "b": "@p"}}, refs)
    assert list(csv.reader(io.StringIO(render_csv(m))))[1] == ["1", "'=SUM(1)", "'@p", ""]
    path = tmp_path / "m.xlsx"
    save_xlsx(m, path)
    from openpyxl import load_workbook

    book = load_workbook(path)
    assert book["All studies"]["A2"].value == "'=SUM(1)"
    studies = book["Studies"]
    assert studies["B2"].value == "'-Author" and studies["D2"].value == "'" + EVIL
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)
    page = render_html(m)
    assert "<b>bold</b>" not in page and "</script><b>" not in page
    data = page.split('id="gapmap-data">')[1].split("</script>")[0]
    assert json.loads(data)["studies"]["1"]["title"] == EVIL
    assert "<" not in script_json({"t": "</script><!--"})


def test_xlsx_crosstab(review: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    project, _ = review
    path = tmp_path / "map.xlsx"
    invoke(project, "report", "gapmap", "--format", "xlsx", "-o", str(path))
    from openpyxl import load_workbook

    book = load_workbook(path)
    assert book.sheetnames[0] == "All studies" and book.sheetnames[-1] == "Studies"
    assert len(book.sheetnames) == 13  # total, 11 designs, studies
    ws = book["All studies"]
    table = [[c.value for c in row] for row in ws.iter_rows()]
    assert table[0][1:3] == ["Policy and governance", JUSTICE] and table[0][-1] == "Total"
    by_row = {r[0]: r[1:] for r in table[1:]}
    assert by_row[GROOMING] == [0, 3, 1, 0, 0, 0, 0, 3]
    assert by_row[SEXTORTION] == [0, 1, 0, 0, 0, 0, 0, 1]
    assert by_row["Total"] == [0, 3, 1, 0, 1, 0, 0, 4]  # distinct studies, not sums
    assert by_row["Unwanted exposure to sexual content"] == [0] * 8  # gap rows stay
    qual = {r[0].value: [c.value for c in r[1:]] for r in book[QUAL].iter_rows(min_row=2)}
    assert qual[GROOMING][:3] == [0, 2, 1]
    assert book["Studies"]["D2"].value == "'" + STORED


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    long = "Analysis of platform, hotline or helpline data: more [text]"
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(first)


def test_bad_fields_and_filters_fail_in_one_line(review: tuple[Path, dict[str, int]]) -> None:
    project, _ = review
    for args, expected in (
        (
            ["--rows", "sample_size"],
            "--rows: sample_size is not a choice field; choose from: "
            "study_design, data_source, sample_unit, region,",
        ),
        (["--cols", "nope"], "--cols: nope is not a field; choose from: study_design"),
        (["--filter", "region"], "--filter region: expected FIELD=VALUE"),
        (["--filter", "region=Mars"], "--filter region=Mars: Mars is not a choice of region"),
        (["--filter", "country=UK"], "--filter country=UK: country is not a choice field"),
        (["--format", "xlsx"], "--format xlsx writes a file"),
    ):
        result = invoke(project, "report", "gapmap", *args, ok=False)
        assert result.exit_code != 0
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], result.output


def test_defaults_missing_from_the_form_name_the_choices(review: tuple[Path, dict[str, int]]):
    project, _ = review
    form = build_form(open_context(project, "lead").protocol)
    plain = type(form)(mode=form.mode, fields=tuple(
        f for f in form.fields if f.name not in ("harm_type", "study_design")
    ))  # fmt: skip
    with pytest.raises(UsageError, match=r"--rows: the form has no harm_type field; give --rows"):
        gm.choose_axes(plain, None, None, None)
    rows, cols, seg = gm.choose_axes(plain, "region", None, None)
    assert (rows.name, cols.name, seg) == ("region", "mnr_domain", None)


def test_blind_screening_gives_no_map(
    review: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = review
    monkeypatch.setattr(gm, "included_studies", lambda *a: None)
    with pytest.raises(ExtractionError, match="gap map opens when a lead unblinds"):
        load(project)


@needs_chromium
def test_html_works_offline_in_chromium(
    review: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    project, g = review
    path = tmp_path / "map.html"
    invoke(project, "report", "gapmap", "-o", str(path))
    with open_page(path) as opened:
        page = opened.page
        assert page.locator("table#gapmap button.cell").count() == 84
        assert page.locator("button.cell.gap").count() == 80
        assert page.locator("svg.bubble").count() == 5
        assert page.locator("#shown").inner_text() == "4 studies shown."
        cell = page.locator(f'button[aria-label^="{GROOMING} × {JUSTICE}: 3 studies"]')
        cell.click()
        items = page.locator("#panel-body li")
        assert items.count() == 3
        assert "Author1, A. (2011)" in items.nth(0).inner_text()
        assert items.nth(0).locator("cite").inner_text() == STORED
        page.select_option("#filter-region", OCEANIA)
        assert page.locator("#shown").inner_text() == "2 studies shown."
        assert page.locator("svg.bubble").count() == 3  # s2 in two harm types, s4
        assert page.locator("#panel-body li").count() == 1  # the open cell follows the filter
        page.select_option("#filter-year", "2014")
        assert page.locator("svg.bubble").count() == 1
        page.keyboard.press("Tab")
        assert opened.console_errors == [] and opened.page_errors == []
        assert opened.network == []


@needs_chromium
def test_html_shows_markup_in_titles_as_text(tmp_path: Path) -> None:
    rows, cols = gm.Axis("a", "A", ("x",)), gm.Axis("b", "B", ("p", "q"))
    refs = {1: gm.StudyRef(1, "<i>Author</i>", "2020", EVIL, '10.1/"x"')}
    m = gm.assemble(rows, cols, None, {1: {"a": "x", "b": "p"}}, refs)
    path = tmp_path / "m.html"
    path.write_text(render_html(m, "<b>Title</b>"), encoding="utf-8")
    with open_page(path) as opened:
        page = opened.page
        assert page.title() == "<b>Title</b>"
        assert page.locator("svg.bubble").count() == 1 and page.locator(".gap").count() == 1
        page.locator("button.cell").first.focus()
        page.keyboard.press("Enter")  # a cell is a button: the keyboard opens it
        assert page.locator("#panel-body cite").inner_text() == EVIL
        assert page.locator("#panel-body li").inner_text().startswith("<i>Author</i> (2020)")
        assert page.locator("b, i").count() == 0
        assert opened.console_errors == [] and opened.page_errors == []
        assert opened.network == []


@needs_chromium
@pytest.mark.skipif(
    os.environ.get("REVIEW_WRITE_DOC_IMAGES") != "1", reason="REVIEW_WRITE_DOC_IMAGES=1 writes it"
)
def test_write_readme_screenshot(tmp_path: Path) -> None:
    """Write docs/images/gapmap-example.png from synthetic data (run on purpose only)."""
    rows = gm.Axis("harm_type", "Harm type", (GROOMING, SEXTORTION, LIVE, "Self-generated"))
    cols = gm.Axis("mnr_domain", "MNR domain", ("Policy", JUSTICE, SUPPORT, INDUSTRY))
    seg = gm.Axis("study_design", "Study design", (QUAL, SURVEY, "Programme evaluation"))
    values: dict[int, dict[str, Any]] = {}
    plan = [(GROOMING, JUSTICE, QUAL, 5), (GROOMING, JUSTICE, SURVEY, 2),
            (GROOMING, SUPPORT, QUAL, 3), (SEXTORTION, INDUSTRY, SURVEY, 4),
            (LIVE, JUSTICE, "Programme evaluation", 1), (LIVE, INDUSTRY, QUAL, 2),
            ("Self-generated", "Policy", SURVEY, 1)]  # fmt: skip
    for r, c, d, n in plan:
        for _ in range(n):
            values[len(values) + 1] = {"harm_type": r, "mnr_domain": c, "study_design": d}
    refs = {s: gm.StudyRef(s, f"Author{s}", str(2015 + s % 8), f"Study {s}", "") for s in values}
    m = gm.assemble(rows, cols, seg, values, refs, filters=[gm.Filter("year", "Year", ())])
    path = tmp_path / "example.html"
    path.write_text(render_html(m, "Evidence gap map (example)"), encoding="utf-8")
    target = Path(__file__).resolve().parents[2] / "docs" / "images" / "gapmap-example.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_page(path, width=900, height=500) as opened:
        opened.page.locator(f'button[aria-label^="{GROOMING} × {JUSTICE}"]').click()
        opened.page.screenshot(path=str(target))
        assert opened.network == []
    assert target.stat().st_size < 200_000

"""CSV exports neutralise formulas (OWASP CSV injection); RIS, BibTeX and JSONL do not."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from screening.export import safe_cell, unsafe_cell

LINK = '=HYPERLINK("http://example.org/x","click")'
RIS = f"""TY  - JOUR
TI  - {LINK}
AU  - @Mention, Ann
PY  - 2020
ID  - r1
ER  - 

TY  - JOUR
TI  - -3.5
AB  - +1 and -2
ID  - r2
ER  - 

TY  - JOUR
TI  - -cmd|' /C calc'!A0
ID  - r3
ER  - 
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\r=x", "'\r=x"),
        ("-3.5", "-3.5"),
        ("+1", "+1"),
        ("-2e3", "-2e3"),
        ("-", "'-"),
        ("plain", "plain"),
        ("", ""),
        (-3, -3),
        (-0.5, -0.5),
        (None, None),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_unsafe_cell_undoes_only_the_added_quote() -> None:
    for text in ("=1+1", "-x", "'quoted by its author", "plain"):
        assert unsafe_cell(str(safe_cell(text))) == text


def _imported(run: Callable[..., Result], tmp_path: Path) -> None:
    source = tmp_path / "injection.ris"
    source.write_text(RIS, encoding="utf-8")
    result = run("import", "--no-embed", str(source))
    assert result.exit_code == 0, result.output


def test_records_csv_neutralises_formulas(run: Callable[..., Result], tmp_path: Path) -> None:
    _imported(run, tmp_path)
    out = tmp_path / "records.csv"
    assert run("export", "records", "--format", "csv", "-o", str(out)).exit_code == 0
    rows = {r["source_id"]: r for r in csv.DictReader(io.StringIO(out.read_text("utf-8")))}
    assert rows["r1"]["title"] == "'" + LINK
    assert rows["r1"]["authors"].startswith("'@")
    assert rows["r2"]["title"] == "-3.5"  # a number stays a number
    assert rows["r2"]["abstract"] == "'+1 and -2"
    assert rows["r3"]["title"].startswith("'-cmd")
    assert rows["r1"]["year"] == "2020"
    # stdout gets the same cells
    printed = run("export", "records").output
    assert "'" + LINK.replace('"', '""') in printed


def test_decisions_csv_neutralises_notes(run: Callable[..., Result], tmp_path: Path) -> None:
    _imported(run, tmp_path)
    result = run("decide", "r1", "include", "--note", "=cmd()", "--reviewer", "ana")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(run("export", "decisions", "--reviewer", "ana").output)))
    assert rows[0]["note"] == "'=cmd()"
    history = run("export", "decisions", "--history", "--reviewer", "ana").output
    assert "'=cmd()" in history


def test_ris_bibtex_jsonl_are_written_as_imported(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    _imported(run, tmp_path)
    ris = run("export", "records", "--format", "ris").output
    assert f"TI  - {LINK}\n" in ris and "TI  - -3.5\n" in ris
    bibtex = run("export", "records", "--format", "bibtex").output
    assert "'=" not in bibtex and "HYPERLINK" in bibtex
    lines = run("export", "records", "--format", "jsonl").output.splitlines()
    titles = {json.loads(line)["source_id"]: json.loads(line)["title"] for line in lines}
    assert titles["r1"] == LINK and titles["r2"] == "-3.5"

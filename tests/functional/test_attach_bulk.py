"""`review attach FOLDER`: real PDFs (reportlab, pypdf) matched to studies and attached."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader, PdfWriter
from sqlite_utils import Database

from corpus.fulltext_bulk import missing_fulltext
from corpus.fulltext_match import (
    Candidate,
    Matcher,
    PdfFacts,
    author_year_in_name,
    dois_in_name,
    pmid_in_name,
)
from review.cli.root import cli
from tests.attach_support import RECORDS, TWIN_A, TWIN_B, generated, pdf, ris, textless


def encrypted(path: Path, source: Path) -> Path:
    writer = PdfWriter()
    writer.append(PdfReader(str(source)))
    writer.encrypt("secret", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def folder_of_pdfs(root: Path) -> Path:
    """One PDF per rule, an ambiguous one, an unmatched one and three unreadable ones."""
    f = root / "pdfs"
    pdf(f / "a.pdf", ["Journal of Things 12 (2013) 1-10", "doi: 10.1000/FT.TEXT", "Body a."])
    pdf(f / "b.pdf", ["Body of b without identifiers."], subject="doi:10.1000/ft.meta")
    pdf(f / "sub" / "c.PDF",
        ["Original article", "PARENTAL MEDIATION AND ADOLESCENT SEXTING -",
         "A LONGITUDINAL STUDY", "Body c."])  # fmt: skip
    pdf(f / "10.1234_ft_name-4.pdf", ["Body of the filename-DOI report."])
    pdf(f / "PMID31234567.pdf", ["Body of the PMID report."])
    pdf(f / "sub" / "deeper" / "Okonkwo_2017_final.pdf", ["Body of the author-year report."])
    pdf(f / "twin.pdf", [TWIN_A, "Body of the twin."])
    pdf(f / "notes.pdf", ["Meeting notes, nothing to do with any study."])
    encrypted(f / "locked.pdf", pdf(root / "plain.pdf", [RECORDS[5][1], "Locked body."]))
    good = pdf(root / "whole.pdf", [RECORDS[8][1], "Will be cut."]).read_bytes()
    (f / "broken.pdf").write_bytes(good[: len(good) // 2])
    textless(f / "scan.pdf")
    (f / "readme.txt").write_text("not a pdf, not looked at", encoding="utf-8")
    return f


@pytest.fixture
def review(run, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "search.ris"
    path.write_text(ris(RECORDS), encoding="utf-8")
    assert run("import", "--no-embed", str(path)).exit_code == 0
    return run


def ids(project: Path) -> dict[str, tuple[int, int]]:
    """source id -> (record id, group id)."""
    conn = sqlite3.connect(project / "review.db")
    rows = conn.execute("SELECT source_id, id, group_id FROM records").fetchall()
    return {s: (r, g) for s, r, g in rows}


def attached(project: Path) -> dict[int, list[str]]:
    conn = sqlite3.connect(project / "review.db")
    out: dict[int, list[str]] = {}
    for record, name in conn.execute("SELECT record_id, file_name FROM fulltexts"):
        out.setdefault(record, []).append(name)
    return out


def as_json(result: Result) -> dict:  # type: ignore[type-arg]
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_each_rule_matches_and_bad_pdfs_fail_in_one_line(review, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = folder_of_pdfs(tmp_path)
    data = as_json(review("attach", str(folder), "--json", "--reviewer", "ana"))
    rid = ids(review.project)
    matched = {m["file"]: (m["record"], m["how"]) for m in data["matched"]}
    assert matched == {
        "a.pdf": (rid["text"][0], "doi on page 1"),
        "b.pdf": (rid["meta"][0], "doi in metadata"),
        "sub/c.PDF": (rid["title"][0], matched["sub/c.PDF"][1]),
        "10.1234_ft_name-4.pdf": (rid["fdoi"][0], "doi in file name"),
        "PMID31234567.pdf": (rid["pmid"][0], "pmid in file name"),
        "sub/deeper/Okonkwo_2017_final.pdf": (rid["auth"][0], "author and year in file name"),
    }
    assert matched["sub/c.PDF"][1].startswith("title ")
    assert data["counts"] == {
        "matched": 6, "ambiguous": 1, "unmatched": 1, "failed": 3, "already_attached": 0
    }  # fmt: skip
    assert data["files"] == 11 and data["dry_run"] is False
    (twin,) = data["ambiguous"]
    assert twin["file"] == "twin.pdf"
    assert {c["record"] for c in twin["candidates"]} == {rid["twina"][0], rid["twinb"][0]}
    assert data["unmatched"] == ["notes.pdf"]
    failed = {f["file"]: f["message"] for f in data["failed"]}
    assert set(failed) == {"locked.pdf", "broken.pdf", "scan.pdf"}
    assert "password" in failed["locked.pdf"]
    assert "damaged PDF" in failed["broken.pdf"]
    assert "no text layer" in failed["scan.pdf"]
    assert all("\n" not in m for m in failed.values())
    # Stored: exactly the matched ones, by the reviewer, PDFs copied into the review.
    stored = attached(review.project)
    assert sorted(stored) == sorted(r for r, _ in matched.values())
    conn = sqlite3.connect(review.project / "review.db")
    assert {r[0] for r in conn.execute("SELECT attached_by FROM fulltexts")} == {"ana"}
    assert len(list((review.project / "fulltext").glob("*.pdf"))) == 6
    # Studies still without a full text, for the TUI.
    db = Database(review.project / "review.db")
    groups = [g for _, g in rid.values()]
    expected = {rid[s][1] for s in ("twina", "twinb", "none")}
    assert missing_fulltext(db, groups) == expected
    db.close()


def test_text_report_lists_what_needs_a_person(review, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = folder_of_pdfs(tmp_path)
    result = review("attach", str(folder))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Attached 6 of 11 PDFs" in out
    assert "  matched: 6 (" in out and "  ambiguous: 1" in out and "  unmatched: 1" in out
    assert "    notes.pdf\n" in out
    rid = ids(review.project)
    twin_line = next(line for line in out.splitlines() if line.startswith("    twin.pdf:"))
    assert f"record {rid['twina'][0]} " in twin_line and f"record {rid['twinb'][0]} " in twin_line
    assert "attach it with review attach RECORD FILE" in out
    failed = [line.split(":")[0].strip() for line in out.split("  failed: 3\n")[1].splitlines()]
    assert failed[:3] == ["broken.pdf", "locked.pdf", "scan.pdf"]
    assert "Traceback" not in result.output


def test_dry_run_then_attach_then_rerun(review, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = folder_of_pdfs(tmp_path)
    dry = as_json(review("attach", str(folder), "--dry-run", "--json"))
    assert dry["dry_run"] is True and dry["counts"]["matched"] == 6
    assert all(m["fulltext_id"] is None for m in dry["matched"])
    assert attached(review.project) == {}
    assert not list((review.project / "fulltext").glob("*.pdf"))
    text = review("attach", str(folder), "--dry-run").stdout
    assert "Would attach 6 of 11 PDFs" in text and "Dry run: nothing was attached." in text
    first = as_json(review("attach", str(folder), "--json"))
    assert first["counts"]["matched"] == 6
    again = as_json(review("attach", str(folder), "--json"))
    assert again["counts"] == {
        "matched": 0, "ambiguous": 1, "unmatched": 1, "failed": 3, "already_attached": 6
    }  # fmt: skip
    assert sum(len(v) for v in attached(review.project).values()) == 6
    # A copy of an attached PDF elsewhere in the folder is already attached too.
    (folder / "copy").mkdir()
    (folder / "copy" / "same.pdf").write_bytes((folder / "a.pdf").read_bytes())
    third = as_json(review("attach", str(folder), "--json"))
    assert third["counts"]["already_attached"] == 7 and third["counts"]["matched"] == 0


def test_two_arguments_still_attach_one_pdf(review, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one = pdf(tmp_path / "x.pdf", ["Anything at all."])
    result = review("attach", "twina", str(one))
    assert result.exit_code == 0 and "Attached x.pdf to record" in result.output
    not_folder = review("attach", str(tmp_path / "x.pdf"))
    assert not_folder.exit_code == 1 and "not a folder" in not_folder.output


# --- pure matching -----------------------------------------------------------------


def test_file_name_patterns() -> None:
    assert dois_in_name("10.1000_abc.1.pdf") == ["10.1000/abc.1"]
    assert "10.1000/abc/1" in dois_in_name("10.1000_abc_1.pdf")
    assert dois_in_name("10.1002%2Fcncr.20369 (1).pdf") == ["10.1002/cncr.20369"]
    assert pmid_in_name("PMID_12345678.pdf") == "12345678"
    assert pmid_in_name("pmid-987654.pdf") == "987654"
    assert pmid_in_name("12345678.pdf") == "12345678"
    assert pmid_in_name("2019.pdf") is None
    assert author_year_in_name("Müller_2019_review.pdf") == ("muller", 2019)
    assert author_year_in_name("smith2019.pdf") == ("smith", 2019)
    assert author_year_in_name("Smith et al. 2019 - trial.pdf") == ("smith", 2019)
    assert author_year_in_name("report.pdf") is None


def test_title_needs_a_margin_and_author_year_can_narrow() -> None:
    a = Candidate(1, 1, title=TWIN_A, surnames=frozenset({"patchin"}), year=2020)
    b = Candidate(2, 2, title=TWIN_B, surnames=frozenset({"hinduja"}), year=2021)
    c = Candidate(3, 3, title="Something else entirely about schools")
    matcher = Matcher([a, b, c])
    twin = PdfFacts("twin.pdf", (TWIN_A,))
    found = matcher.match(twin)
    assert found.status == "ambiguous" and found.candidates == (a, b)
    narrowed = matcher.match(PdfFacts("Hinduja_2021.pdf", (TWIN_A,)))
    assert narrowed.status == "matched" and narrowed.candidates == (b,)
    assert narrowed.how.startswith("author and year in file name")
    # A title far below the threshold is no match; a duplicate record of one study is one study.
    assert matcher.match(PdfFacts("x.pdf", ("Sextortion in general",))).status == "unmatched"
    dup = Matcher([a, Candidate(4, 1, title=TWIN_A)])
    assert dup.match(twin).status == "matched"


def test_several_studies_by_doi_on_page_one_are_ambiguous() -> None:
    a = Candidate(1, 1, doi="10.1000/a")
    b = Candidate(2, 2, doi="10.1000/b")
    found = Matcher([a, b]).match(PdfFacts("x.pdf", ("see doi:10.1000/a and 10.1000/B.",)))
    assert found.status == "ambiguous" and found.candidates == (a, b)
    # The page-1 DOI wins over the references' DOIs on page 2.
    found = Matcher([a, b]).match(PdfFacts("x.pdf", ("doi 10.1000/b", "References 10.1000/a")))
    assert found.status == "matched" and found.candidates == (b,)


# --- a folder of 200 PDFs ------------------------------------------------------------


def test_folder_of_200_pdfs(tmp_path: Path) -> None:
    records, pdfs = generated(200)
    assert len(pdfs) == 200 and len(records) == 200
    project = tmp_path / "rev"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(project)]).exit_code == 0
    (tmp_path / "s.ris").write_text(ris(records), encoding="utf-8")
    done = runner.invoke(
        cli, ["--project", str(project), "import", "--no-embed", str(tmp_path / "s.ris")]
    )
    assert done.exit_code == 0, done.output
    folder = tmp_path / "many"
    for i, (name, lines, subject, kind) in enumerate(pdfs):
        if kind == "failed":
            (folder / "scans").mkdir(parents=True, exist_ok=True)
            textless(folder / "scans" / name)
        else:
            pdf(folder / f"batch{i % 4}" / name, lines, subject=subject)
    result = runner.invoke(cli, ["--project", str(project), "attach", str(folder), "--json"])
    data = as_json(result)
    assert data["counts"] == {
        "matched": 185, "ambiguous": 5, "unmatched": 5, "failed": 5, "already_attached": 0,
    }  # fmt: skip
    by_name = {Path(m["file"]).name: m for m in data["matched"]}
    rid = ids(project)
    for (name, _, _, kind), rec in zip(pdfs, records, strict=False):
        if kind in ("doi", "title", "file"):
            assert by_name[name]["record"] == rid[rec[0]][0], name
            assert by_name[name]["how"].split(" ")[0] == {"doi": "doi", "title": "title"}.get(
                kind, by_name[name]["how"].split(" ")[0]
            )
    assert sum(len(v) for v in attached(project).values()) == 185
    assert {len(a["candidates"]) for a in data["ambiguous"]} == {2}

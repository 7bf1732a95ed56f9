"""`review attach` with real PDFs: text extracted, bad PDFs refused in one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from tests.pdfs import text_pdf

RIS = "TY  - JOUR\nTI  - Victims' voices\nAB  - Online grooming.\nID  - w1\nER  - \n"
LINES = ["Victims' voices: the impact of online grooming", "Methods: eight interviews."]


def setup(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ris = tmp_path / "a.ris"
    ris.write_text(RIS, encoding="utf-8")
    assert run("import", "--no-embed", str(ris)).exit_code == 0


def test_attach_extracts_text_and_copies_pdf(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup(run, tmp_path)
    pdf = text_pdf(tmp_path / "paper.pdf", LINES)
    result = run("attach", "w1", str(pdf), "--reviewer", "ana")
    assert result.exit_code == 0, result.output
    assert "1 pages" in result.output
    conn = sqlite3.connect(run.project / "review.db")
    text, stored, by = conn.execute("SELECT text, stored_as, attached_by FROM fulltexts").fetchone()
    assert "impact of online grooming" in text and "eight interviews" in text
    assert by == "ana"
    copy = run.project / stored
    assert copy.read_bytes() == pdf.read_bytes()
    assert list((run.project / "fulltext").iterdir()) == [copy]  # nothing but the PDF


def test_bad_pdfs_fail_in_one_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup(run, tmp_path)
    good = text_pdf(tmp_path / "good.pdf", LINES)
    encrypted = tmp_path / "locked.pdf"
    writer = PdfWriter()
    writer.append(PdfReader(str(good)))
    writer.encrypt("secret", algorithm="RC4-128")
    with encrypted.open("wb") as handle:
        writer.write(handle)
    blank = tmp_path / "scan.pdf"
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    with blank.open("wb") as handle:
        writer.write(handle)
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    notpdf = tmp_path / "notes.pdf"
    notpdf.write_text("just text", encoding="utf-8")
    cases = {
        encrypted: "password",
        blank: "no text layer",
        corrupt: "damaged PDF",
        notpdf: "not a PDF",
        tmp_path / "missing.pdf": "cannot read",
    }
    for path, expected in cases.items():
        result = run("attach", "w1", str(path))
        assert result.exit_code == 1, (path, result.output)
        assert result.output.count("\n") == 1 and expected in result.output, result.output
        assert "Traceback" not in result.output
    unknown = run("attach", "nope", str(good))
    assert unknown.exit_code == 1 and "no record" in unknown.output
    conn = sqlite3.connect(run.project / "review.db")
    assert conn.execute("SELECT COUNT(*) FROM fulltexts").fetchone()[0] == 0

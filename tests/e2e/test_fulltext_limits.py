"""Untrusted PDFs (issue 18): time, page and character limits; encrypted PDFs.

The hostile PDF is the one from the issue, smaller: pages sharing one large
flate content stream, so pypdf parses megabytes for each page of a file of a
few KB. Readers are real processes; one test runs the installed ``review``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from corpus.fulltext import extract
from corpus.fulltext_bulk import BulkReport, Cut
from corpus.fulltext_pool import Limits
from review.session.sources import bulk_lines
from tests.attach_support import RECORDS, pdf, ris
from tests.pdfs import stalling_pdf, text_pdf

RIS = "TY  - JOUR\nTI  - Victims' voices\nAB  - Online grooming.\nID  - w1\nER  - \n"
LINES = ["Victims' voices: the impact of online grooming", "Methods: eight interviews."]
REVIEW = Path(sys.executable).with_name("review")
#: A shared stream of this size takes pypdf about 2 s a page on the project's machine.
SLOW = 1_000_000


def setup(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ris = tmp_path / "a.ris"
    ris.write_text(RIS, encoding="utf-8")
    assert run("import", "--no-embed", str(ris)).exit_code == 0


def rows(project: Path) -> list[tuple[str, int, str | None]]:
    conn = sqlite3.connect(project / "review.db")
    found = conn.execute("SELECT text, pages, limited FROM fulltexts ORDER BY id").fetchall()
    conn.close()
    return found


def test_time_limit_keeps_the_pages_read_and_kills_the_reader(tmp_path: Path) -> None:
    hostile = stalling_pdf(tmp_path / "stall.pdf", 20, SLOW, first_lines=LINES)
    started = time.monotonic()
    done = extract(hostile, Limits(seconds=2))
    took = time.monotonic() - started
    assert done.limited == "time" and done.pages == 21
    assert 1 <= done.pages_read < 21
    assert "impact of online grooming" in done.text
    assert took < 15, took  # 2 s of reading, the rest is starting one process
    assert multiprocessing.active_children() == []  # the stalled reader is gone


def test_cli_attach_in_a_real_process_keeps_flags_and_says_so(tmp_path: Path) -> None:
    project = tmp_path / "rev"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("REVIEW_PROJECT", None)

    def review(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REVIEW), "--project", str(project), *args],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip

    assert subprocess.run([str(REVIEW), "init", str(project)], capture_output=True).returncode == 0
    (tmp_path / "a.ris").write_text(RIS, encoding="utf-8")
    assert review("import", "--no-embed", str(tmp_path / "a.ris")).returncode == 0
    partial = stalling_pdf(tmp_path / "partial.pdf", 20, SLOW, first_lines=LINES)
    started = time.monotonic()
    kept = review("attach", "w1", str(partial), "--time-limit", "2")
    assert time.monotonic() - started < 30
    assert kept.returncode == 0, kept.stderr
    first, note = kept.stdout.splitlines()
    assert first.startswith("Attached partial.pdf to record")
    assert note.startswith("partial.pdf: text extraction took over 2 s; kept the text of the first")
    assert note.endswith(" of 21 pages")
    # Nothing read before the limit: one error line, exit 1, nothing stored.
    stalled = stalling_pdf(tmp_path / "stalled.pdf", 5, 2 * SLOW)
    started = time.monotonic()
    failed = review("attach", "w1", str(stalled), "--time-limit", "1")
    assert time.monotonic() - started < 30
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr
    assert f"{stalled}: text extraction took over 1 s; " in failed.stderr
    (text, pages, limited), *more = rows(project)
    assert not more and limited == "time" and pages == 21 and "eight interviews" in text


def test_page_and_character_limits(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup(run, tmp_path)
    long = pdf(tmp_path / "long.pdf", ["Page text of a long report."] * 3, pages=5)
    cut = run("attach", "w1", str(long), "--max-pages", "2")
    assert cut.exit_code == 0, cut.output
    note = "long.pdf: over 2 pages; kept the text of the first 2 of 5 pages"
    assert cut.output.splitlines()[1] == note
    wide = text_pdf(tmp_path / "wide.pdf", ["x" * 60 + " words"] * 30)
    short = run("attach", "w1", str(wide), "--max-chars", "100", "--json")
    assert short.exit_code == 0, short.output
    data = json.loads(short.output)
    assert (data["limited"], data["chars"]) == ("characters", 100)
    kept = "kept the first 100, from the first 1 of 1 pages"
    assert data["note"] == f"over 100 characters of text; {kept}"
    (text1, pages1, limited1), (text2, _, limited2) = rows(run.project)
    assert (pages1, limited1) == (5, "pages") and text1.count("\f") == 1
    assert limited2 == "characters" and len(text2) == 100
    whole = run("attach", "w1", str(wide))
    assert whole.exit_code == 0 and len(whole.output.splitlines()) == 1
    assert rows(run.project)[2][2] is None


def test_bulk_attach_goes_on_past_a_stalling_pdf(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "s.ris").write_text(ris(RECORDS), encoding="utf-8")
    assert run("import", "--no-embed", str(tmp_path / "s.ris")).exit_code == 0
    folder = tmp_path / "pdfs"
    pdf(folder / "a.pdf", ["doi: 10.1000/FT.TEXT", "Body a."])
    pdf(folder / "b.pdf", ["Body of b."], subject="doi:10.1000/ft.meta")
    stalling_pdf(folder / "m_stall.pdf", 5, 2 * SLOW)
    stalling_pdf(folder / "n_partial.pdf", 20, SLOW, first_lines=["doi: 10.1234/ft_name-4"] + LINES)
    pdf(folder / "PMID31234567.pdf", ["Body of the PMID report."])
    started = time.monotonic()
    result = run("attach", str(folder), "--time-limit", "2", "--json")
    assert time.monotonic() - started < 60
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    matched = sorted(m["file"] for m in data["matched"])
    assert matched == ["PMID31234567.pdf", "a.pdf", "b.pdf", "n_partial.pdf"]
    (failed,) = data["failed"]
    assert failed["file"] == "m_stall.pdf" and failed["message"].startswith(
        "text extraction took over 2 s; nothing was kept"
    )
    (cut,) = data["limited"]
    assert cut["file"] == "n_partial.pdf" and cut["limit"] == "time"
    text = run("attach", str(folder), "--time-limit", "2").stdout
    assert "  already attached: 4" in text
    assert "  failed: 1\n    m_stall.pdf: text extraction took over 2 s" in text


def test_report_lines_name_the_limit() -> None:
    report = BulkReport("pdfs", False, files=1)
    note = "over 2,000 pages; kept the text of the first 2000 of 9000 pages"
    report.limited.append(Cut("x.pdf", "pages", note))
    assert bulk_lines(report)[-1] == f"cut short: x.pdf: {note}"


# --- encrypted PDFs ------------------------------------------------------------------


def encrypt(source: Path, target: Path, user: str, algorithm: str) -> Path:
    writer = PdfWriter()
    writer.append(PdfReader(str(source)))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm=algorithm)
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def test_encrypted_pdfs_open_with_an_empty_password_or_say_remove_it(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup(run, tmp_path)
    plain = text_pdf(tmp_path / "plain.pdf", LINES)
    for algorithm in ("AES-256", "AES-128", "RC4-128"):
        open_copy = encrypt(plain, tmp_path / f"open-{algorithm}.pdf", "", algorithm)
        done = run("attach", "w1", str(open_copy))
        assert done.exit_code == 0, (algorithm, done.output)
        locked = encrypt(plain, tmp_path / f"locked-{algorithm}.pdf", "secret", algorithm)
        refused = run("attach", "w1", str(locked))
        assert refused.exit_code == 1
        assert refused.output == (
            f"review: error: {locked}: password-protected PDF: remove the password "
            "and attach it again\n"
        )
    texts = [text for text, _, _ in rows(run.project)]
    assert len(texts) == 3 and all("eight interviews" in t for t in texts)


def test_a_missing_cryptography_package_is_not_a_damaged_pdf(tmp_path: Path) -> None:
    """Without ``cryptography`` (blocked in the readers too) an AES PDF names the package."""
    blocker = tmp_path / "blocked" / "cryptography"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('blocked by the test')\n")
    aes = encrypt(text_pdf(tmp_path / "p.pdf", LINES), tmp_path / "aes.pdf", "", "AES-256")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker.parent), os.getcwd()])}
    code = (
        "import sys; from pathlib import Path; from corpus.fulltext import extract\n"
        "from corpus.errors import FullTextError\n"
        "try:\n    extract(Path(sys.argv[1]))\nexcept FullTextError as exc:\n    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(aes)], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "damaged" not in out.stdout and "'cryptography' package" in out.stdout, out.stdout


def test_a_reader_that_cannot_start_is_one_error_not_one_per_file(tmp_path: Path) -> None:
    """A script without the ``__main__`` guard: every spawned reader dies while starting."""
    files = [text_pdf(tmp_path / f"p{n}.pdf", LINES) for n in range(5)]
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\nfrom corpus.errors import FullTextError\n"
        "from corpus.fulltext_pool import read_all\n"
        "try:\n    print(len(list(read_all([Path(p) for p in sys.argv[1:]], 2))))\n"
        "except FullTextError as exc:\n    print(exc)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    out = subprocess.run(
        [sys.executable, str(script), *map(str, files)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert out.stdout.startswith("cannot start a PDF reader process (exit code 1)"), out.stdout


def test_the_tui_attach_message_says_which_limit(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The screening screen's attach-by-path job: its notification names the limit hit."""
    from review.core.project import Project
    from review.core.review import Review
    from review.session.sources import attach_one

    setup(run, tmp_path)
    (group,) = _groups(run.project)
    long = stalling_pdf(tmp_path / "long.pdf", 2000, 40, first_lines=LINES)  # 2,001 pages
    done = attach_one(Review.open(Project(run.project), "ana"), group, long)
    assert done.ok, done.message
    assert done.message == (
        "Attached long.pdf to record 1: 2001 pages; "
        "over 2,000 pages; kept the text of the first 2000 of 2001 pages"
    )
    assert rows(run.project)[0][1:] == (2001, "pages")


def _groups(project: Path) -> list[int]:
    conn = sqlite3.connect(project / "review.db")
    found = [int(g) for (g,) in conn.execute("SELECT group_id FROM records")]
    conn.close()
    return found


def test_the_cli_defaults_are_the_library_defaults() -> None:
    from review.cli.commands.fulltext import attach

    defaults = {p.name: p.default for p in attach.params}
    assert (defaults["time_limit"], defaults["max_pages"], defaults["max_chars"]) == (
        Limits().seconds, Limits().pages, Limits().chars,
    )  # fmt: skip

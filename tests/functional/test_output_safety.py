"""Outputs are safe to open and safe to write (issue 18): real ``review`` processes.

Markdown outputs show HTML from the data as text; writing an output never
replaces a FIFO, a device or a symlink; ``-o -`` is standard output; new
exports and report folders are the owner's only.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from protocols.form import build_form
from review.core.context import open_context
from review.extraction.write import set_values
from tests.cli_support import ENV, REVIEW
from tests.extraction_support import included_review, invoke

EVIL = "<img src=x onerror=alert(1)>"
SHOWN = "&lt;img src=x onerror=alert(1)&gt;"
LEAD = ("--reviewer", "lead")


def review(project: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """Run ``review --project PROJECT ARGS`` as a real process (bytes out)."""
    return subprocess.run(
        [str(REVIEW), "--project", str(project), *args],
        capture_output=True, env=ENV, cwd=project.parent, timeout=timeout,
    )  # fmt: skip


def ok(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@pytest.fixture()
def evil(tmp_path: Path) -> Path:
    """A review whose title, a source's name and query and extracted values are HTML."""
    project, groups = included_review(tmp_path, include=2)
    path = project / "protocol.toml"
    path.write_text(path.read_text().replace("Untitled systematic review", EVIL))
    invoke(project, "protocol", "amend", "--reason", "Named the review", *LEAD)
    extra = tmp_path / "extra.ris"
    extra.write_text("TY  - JOUR\nTI  - Another study\nID  - x1\nER  - \n\n", encoding="utf-8")
    invoke(project, "import", "--no-embed", "--source", EVIL, "--query", EVIL, str(extra))
    context = open_context(project, "lead")
    try:
        cells: list[tuple[Any, Any]] = [
            (("country", 0, ""), EVIL),
            (("outcome_results", 1, "outcome"), EVIL),
        ]
        form = build_form(context.protocol)
        set_values(context.db, context.protocol, form, context.viewer, groups[0], cells)
    finally:
        context.close()
    return project


def rendered(text: str) -> str:
    """HTML as a Markdown viewer makes it (raw HTML allowed, as CommonMark does)."""
    return MarkdownIt("commonmark").enable("table").render(text)


def test_markdown_outputs_show_html_from_the_data_as_text(evil: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    ok(review(evil, "report", "all", "-o", str(out), *LEAD))
    ok(review(evil, "export", "evidence", "--format", "md", "--values", "all",
              "-o", str(tmp_path / "ev.md"), *LEAD))  # fmt: skip
    files = {
        "methods.md": out / "methods.md",
        "README.md": out / "README.md",
        "prisma.md": out / "prisma.md",
        "evidence.md": tmp_path / "ev.md",
        "evidence-<group>.md": tmp_path / "ev-outcome_results.md",
    }
    for name, path in files.items():
        text = path.read_text(encoding="utf-8")
        assert "<img" not in text.lower(), name
        assert "<img" not in rendered(text).lower(), name
    methods = files["methods.md"].read_text(encoding="utf-8")
    # The title, the source's name and its query, each shown as typed.
    assert methods.count(SHOWN) >= 4, methods
    assert f"# Report: {SHOWN}" in files["README.md"].read_text(encoding="utf-8")
    for name in ("evidence.md", "evidence-<group>.md"):
        assert SHOWN in files[name].read_text(encoding="utf-8"), name


def test_markdown_tables_keep_their_columns(evil: Path, tmp_path: Path) -> None:
    context = open_context(evil, "lead")
    try:
        form = build_form(context.protocol)
        group = int(context.db.execute("SELECT min(group_id) FROM records").fetchone()[0])
        value = "a | b\r\nc\n| d [x](javascript:1)"
        cells: list[tuple[Any, Any]] = [(("population", 0, ""), value)]
        set_values(context.db, context.protocol, form, context.viewer, group, cells)
    finally:
        context.close()
    text = ok(review(evil, "export", "evidence", "--format", "md", "--values", "all", *LEAD))
    html = rendered(text)
    assert "javascript:" not in html.split("<td>", 1)[0] and "<a " not in html
    rows = [line for line in text.splitlines() if line.startswith("|")]
    widths = {line.replace("\\|", "").count("|") for line in rows}
    assert len(widths) == 1 and "a \\| b<br>c<br>\\| d \\[x\\]" in text


def reader(path: Path) -> tuple[threading.Thread, list[bytes]]:
    """Read a FIFO to its end in a thread (a writer blocks until someone reads)."""
    got: list[bytes] = []

    def read() -> None:
        with path.open("rb") as handle:
            got.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


@contextmanager
def fifo(path: Path) -> Iterator[list[bytes]]:
    os.mkfifo(path)
    thread, got = reader(path)
    try:
        yield got
    finally:
        if thread.is_alive() and stat.S_ISFIFO(path.lstat().st_mode):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # let a stuck reader end
        thread.join(10)


def test_a_fifo_is_written_through_never_replaced(evil: Path, tmp_path: Path) -> None:
    target = tmp_path / "records.csv"
    with fifo(target) as got:
        ok(review(evil, "export", "records", "-o", str(target)))
    assert stat.S_ISFIFO(target.lstat().st_mode)
    assert got and got[0].startswith(b"record_id,")
    book = tmp_path / "evidence.xlsx"
    with fifo(book) as got:
        ok(review(evil, "export", "evidence", "--format", "xlsx", "-o", str(book), *LEAD))
    assert stat.S_ISFIFO(book.lstat().st_mode) and got and got[0].startswith(b"PK")


def test_a_device_is_written_through_never_replaced(evil: Path, tmp_path: Path) -> None:
    """``-o /dev/null`` as root replaced the device; a private copy of it stands in here."""
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("making a device needs root (CAP_MKNOD)")
    ok(review(evil, "export", "records", "-o", str(null)))
    ok(review(evil, "report", "prisma", "--format", "md", "-o", str(null), *LEAD))
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert null.stat().st_rdev == os.makedev(1, 3)


def test_a_symlink_stays_and_its_target_is_written(evil: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    ok(review(evil, "export", "decisions", "-o", str(link), *LEAD))
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text().startswith("group_id,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # a file replaced keeps its mode
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to("made.md")
    ok(review(evil, "report", "prisma", "--format", "md", "-o", str(dangling), *LEAD))
    assert dangling.is_symlink() and (tmp_path / "made.md").read_text().startswith("## ")


def test_dash_is_standard_output(evil: Path, tmp_path: Path) -> None:
    assert ok(review(evil, "export", "records", "-o", "-")).startswith("record_id,")
    assert ok(review(evil, "export", "decisions", "-o", "-", *LEAD)).startswith("group_id,")
    assert ok(review(evil, "report", "prisma", "--format", "md", "-o", "-", *LEAD)).startswith("##")
    csv = review(evil, "export", "evidence", "--format", "csv", "-o", "-", *LEAD)
    assert ok(csv).startswith("study_id,")
    book = review(evil, "export", "evidence", "--format", "xlsx", "-o", "-", *LEAD)
    assert book.returncode == 0 and book.stdout.startswith(b"PK\x03\x04"), book.stderr
    gap = review(evil, "report", "gapmap", "--format", "xlsx", "--rows", "risk_of_bias",
                 "--cols", "study_design", "--segment", "none", "-o", "-", *LEAD)  # fmt: skip
    assert gap.returncode == 0 and gap.stdout.startswith(b"PK\x03\x04"), gap.stderr
    assert not (evil.parent / "-").exists()
    folder = review(evil, "report", "all", "-o", "-", *LEAD)
    lines = folder.stderr.decode().strip().splitlines()
    assert folder.returncode == 1 and len(lines) == 1 and "writes a folder" in lines[0]
    assert not (evil.parent / "-").exists()


def test_new_exports_and_report_folders_are_the_owners_only(evil: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: files would be world-readable
    try:
        ok(review(evil, "export", "records", "-o", str(tmp_path / "r.csv")))
        ok(review(evil, "export", "evidence", "--format", "xlsx",
                  "-o", str(tmp_path / "e.xlsx"), *LEAD))  # fmt: skip
        ok(review(evil, "export", "evidence", "--format", "md",
                  "-o", str(tmp_path / "e.md"), *LEAD))  # fmt: skip
        ok(review(evil, "report", "prisma", "--format", "svg",
                  "-o", str(tmp_path / "p.svg"), *LEAD))  # fmt: skip
        ok(review(evil, "report", "all", "-o", str(tmp_path / "report"), *LEAD))
    finally:
        os.umask(old)
    for name in ("r.csv", "e.xlsx", "e.md", "e-outcome_results.md", "e-robvis.csv", "p.svg"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    report = tmp_path / "report"
    assert stat.S_IMODE(report.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in report.iterdir()} == {0o600}


def test_an_unwritable_output_is_one_line(evil: Path, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing" / "out.csv")
    for args in (("export", "records"), ("export", "decisions"), ("report", "prisma")):
        result = review(evil, *args, "-o", missing, *LEAD)
        lines = result.stderr.decode().strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1, (args, lines)
        assert lines[0].startswith("review: error: ") and "out.csv" in lines[0], lines


def test_a_line_break_and_fence_in_a_name_cannot_end_the_mermaid_block() -> None:
    from review.reports.prisma import render
    from tests.prisma_support import fixture

    name = f"x\n```\n{EVIL}\n# heading"
    text = render(fixture(database_specific_results=[{"database": name, "n": 7}]), "md")
    assert text.count("```") == 2 and "<img" not in text.lower()
    assert "<img" not in rendered(text).lower() and "<h1>" not in rendered(text)


def test_an_export_never_replaces_the_reviews_own_files(evil: Path, tmp_path: Path) -> None:
    before = (evil / "review.db").read_bytes()[:100]
    for name in ("review.db", "protocol.toml"):
        result = review(evil, "export", "records", "-o", str(evil / name))
        lines = result.stderr.decode().strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1 and "own" in lines[0], lines
    assert (evil / "review.db").read_bytes()[:100] == before
    # /dev/stdout is standard output, so `>> log` appends instead of replacing the log
    log = tmp_path / "log"
    log.write_text("first\n")
    with log.open("ab") as handle:
        subprocess.run([str(REVIEW), "--project", str(evil), "export", "records",
                        "-o", "/dev/stdout"], stdout=handle, env=ENV, check=True)  # fmt: skip
    assert log.read_text().startswith("first\nrecord_id,")

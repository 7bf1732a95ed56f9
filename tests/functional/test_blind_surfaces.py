"""The blind-leak test, repeated on every surface added since screening went blind.

``tests/unit/test_screening_blind.py`` and ``tests/functional/test_extraction_blind.py`` check
the screens and ``review extract``; since then the PRISMA report, the gap map,
the report folder, the exports, Zotero push and ``review serve`` each read the
decisions again, and each could show a reviewer what the blind hides. Here
reviewer ben writes a unique secret into his full-text notes and extraction
values (and excludes with a reason); non-lead ana, before unblinding, must see
none of it on any surface. Each test has a positive control (the lead, or ana
after the lead unblinds or resolves) so that a surface which never shows
anything cannot pass by accident.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from review.cli.root import cli
from review.serve import server as serve_module
from review.serve.server import ReviewServer
from review.tui import app as tui_app
from tests.extraction_support import RIS, fill_required, invoke
from tests.serve_support import free_port
from tests.zotero_server import ZoteroServer
from tests.zotero_support import synced, tags_of

NOTE = "ben-secret-note-R7Q2"  # ben's full-text notes
DATA = "ben-secret-data-M4K8"  # a value only ben extracted
REASON = "Wrong comparator"  # ben's (and ana's) full-text exclusion reason
TITLE = "Online grooming study 3"  # s3, included by both, extracted by ben only
FT = ("--stage", "full-text")
PRISMA_FORMATS = ("json", "csv", "svg", "html", "md", "mermaid")


def blind_review(folder: Path) -> Path:
    """Blind dual screening and dual extraction; title/abstract unblinded, full text not.

    At full text ben includes s1 (ana has not decided it), both exclude s2 for
    REASON, both include s3, nobody has decided s4; ben's notes carry NOTE.
    """
    project = folder / "rev"
    assert CliRunner().invoke(cli, ["init", str(project)]).exit_code == 0
    path = project / "protocol.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("reviewers_per_record = 1", "reviewers_per_record = 2"),
        ("blind = false", "blind = true"),
        ('mode = "single"', 'mode = "dual"'),
    ):
        text, count = re.subn(f"(?m)^{old}", new, text)
        assert count == 1, old
    path.write_text(text, encoding="utf-8")
    (folder / "search.ris").write_text(RIS, encoding="utf-8")
    invoke(project, "import", "--no-embed", str(folder / "search.ris"))
    invoke(project, "reviewer", "add", "lead", "--lead")
    for name in ("ana", "ben"):
        invoke(project, "reviewer", "add", name)
        for n in range(1, 5):
            invoke(project, "decide", f"source:s{n}", "include", "--reviewer", name)
        invoke(project, "decide", "source:s5", "exclude", "--reason", "Wrong outcomes",
               "--reviewer", name)  # fmt: skip
    invoke(project, "unblind", "--stage", "title-abstract", "--reviewer", "lead")
    ben = ("--reviewer", "ben", "--note")
    invoke(project, "decide", "source:s1", "include", *FT, *ben, f"{NOTE} s1")
    invoke(project, "decide", "source:s2", "exclude", *FT, "--reason", REASON, *ben, f"{NOTE} s2")
    invoke(project, "decide", "source:s3", "include", *FT, *ben, f"{NOTE} s3")
    invoke(project, "decide", "source:s2", "exclude", *FT, "--reason", REASON, "--reviewer", "ana")
    invoke(project, "decide", "source:s3", "include", *FT, "--reviewer", "ana")
    return project


def group_of(project: Path, source: str) -> str:
    for row in csv.DictReader(io.StringIO(invoke(project, "export", "records"))):
        if row["source_id"] == source:
            return row["group_id"]
    raise AssertionError(source)


def prisma(project: Path, who: str) -> dict[str, str]:
    """``review report prisma`` in every format, as ``who`` sees it."""
    return {
        fmt: invoke(project, "report", "prisma", "--format", fmt, "--reviewer", who)
        for fmt in PRISMA_FORMATS
    }


def file_text(path: Path) -> str:
    """A file's text; every cell of every sheet for an XLSX workbook."""
    if path.suffix != ".xlsx":
        return path.read_text(encoding="utf-8")
    book = openpyxl.load_workbook(path, read_only=True)
    cells = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    book.close()
    return "\n".join(cells)


def report_all(project: Path, who: str, out: Path) -> dict[str, str]:
    """``review report all -o OUT`` as ``who``: file name -> its text."""
    invoke(project, "report", "all", "-o", str(out), "--reviewer", who)
    return {p.name: file_text(p) for p in sorted(out.iterdir())}


def exports(project: Path, who: str, tmp: Path) -> str:
    """Every export ``who`` can run, every format, joined (errors included)."""
    out = [invoke(project, "export", "decisions", "--reviewer", who)]
    for fmt in ("csv", "ris", "bibtex", "jsonl"):
        out.append(invoke(project, "export", "records", "--format", fmt, "--reviewer", who))
    for values in ("consensus", "all"):
        for fmt in ("csv", "md", "jsonl"):
            out.append(invoke(project, "export", "evidence", "--format", fmt, "--values", values,
                              "--reviewer", who, ok=False))  # fmt: skip
        xlsx = tmp / f"evidence-{who}-{values}.xlsx"
        said = invoke(project, "export", "evidence", "--format", "xlsx", "--values", values,
                      "-o", str(xlsx), "--reviewer", who, ok=False)  # fmt: skip
        out.append(said + (file_text(xlsx) if xlsx.exists() else ""))
    return "\n".join(out)


def test_prisma_keeps_bens_full_text_boxes_hidden_from_ana(tmp_path: Path) -> None:
    project = blind_review(tmp_path)
    ana, lead = prisma(project, "ana"), prisma(project, "lead")
    counts = json.loads(ana["json"])
    assert counts["hidden"] is True
    for box in ("dbr_excluded", "awaiting_assessment", "new_studies", "total_studies"):
        assert counts[box] is None, box
    assert counts["records_screened"] == 5  # title/abstract is unblinded: shown
    for fmt, text in ana.items():
        assert NOTE not in text and REASON not in text, fmt
        if fmt in ("svg", "html", "md", "mermaid"):
            assert "hidden" in text, fmt
    # Positive control: the lead sees ben's exclusion reason and the counts.
    led = json.loads(lead["json"])
    assert led["dbr_excluded"] == [{"reason": REASON, "n": 1}]
    assert (led["new_studies"], led["awaiting_assessment"]) == (1, 2)
    for fmt in ("csv", "svg", "html", "md", "mermaid"):
        assert REASON in lead[fmt], fmt
    invoke(project, "unblind", *FT, "--reviewer", "lead")
    after = prisma(project, "ana")
    assert json.loads(after["json"])["new_studies"] == 1 and REASON in after["md"]


def test_exports_show_ana_none_of_bens_full_text_decisions(tmp_path: Path) -> None:
    project = blind_review(tmp_path)
    ana = exports(project, "ana", tmp_path)
    assert NOTE not in ana
    rows = list(csv.DictReader(io.StringIO(invoke(project, "export", "decisions",
                                                  "--reviewer", "ana"))))  # fmt: skip
    assert {r["reviewer"] for r in rows if r["stage"] == "full_text"} == {"ana"}
    assert {r["reviewer"] for r in rows if r["stage"] == "title_abstract"} == {"ana", "ben"}

    def full_text_column(who: str) -> dict[str, str]:
        out = invoke(project, "export", "records", "--reviewer", who)
        return {r["source_id"]: r["decision_full_text"] for r in csv.DictReader(io.StringIO(out))}

    # s1 (only ben decided) looks to ana exactly like s4 (nobody decided).
    seen = full_text_column("ana")
    assert seen["s1"] == seen["s4"] and (seen["s2"], seen["s3"]) == ("exclude", "include")
    # Positive controls: the lead sees ben's notes and s1's state; ana after unblinding.
    assert NOTE in exports(project, "lead", tmp_path)
    assert full_text_column("lead")["s1"] != seen["s1"]
    invoke(project, "unblind", *FT, "--reviewer", "lead")
    assert NOTE in invoke(project, "export", "decisions", "--reviewer", "ana")


def test_report_folder_and_methods_as_ana(tmp_path: Path) -> None:
    project = blind_review(tmp_path)
    ana = report_all(project, "ana", tmp_path / "ana")
    for name, text in ana.items():
        assert NOTE not in text, name
        if name.startswith("prisma") or name in ("methods.md", "README.md"):
            assert REASON not in text, name
    assert json.loads(ana["prisma.json"])["new_studies"] is None
    assert "included.ris" not in ana and "included.bib" not in ana
    assert "hidden while screening is blind" in ana["methods.md"]
    # Positive control: the lead's folder has ben's notes, reason and included study.
    lead = report_all(project, "lead", tmp_path / "lead")
    assert NOTE in lead["decisions.csv"] and REASON in lead["prisma.md"]
    assert TITLE in lead["included.ris"]
    assert "hidden while screening is blind" not in lead["methods.md"]


def test_extraction_surfaces_hide_values_only_ben_extracted(tmp_path: Path) -> None:
    project = blind_review(tmp_path)
    invoke(project, "unblind", *FT, "--reviewer", "lead")
    g = group_of(project, "s3")
    fill_required(project, int(g), "ben", f"country={DATA}")
    invoke(project, "extract", "complete", g, "--reviewer", "ben")
    axes = ("--rows", "study_design", "--cols", "mmat_domain", "--segment", "none")

    def gapmap(name: str) -> tuple[list[str], str, str]:
        """Ana's gap map: the CSV's data rows, the HTML, the XLSX's cells."""
        out = invoke(project, "report", "gapmap", *axes, "--format", "csv", "--reviewer", "ana")
        html = invoke(project, "report", "gapmap", *axes, "--reviewer", "ana")
        xlsx = tmp_path / f"{name}.xlsx"
        invoke(project, "report", "gapmap", *axes, "--format", "xlsx", "-o", str(xlsx),
               "--reviewer", "ana")  # fmt: skip
        return out.splitlines()[1:], html, file_text(xlsx)

    # Ben's copy puts s3 on the map (an RCT); ana's map must not place it.
    rows, html, xlsx = gapmap("before")
    assert rows == [] and TITLE not in html and TITLE not in xlsx
    assert DATA not in html + xlsx
    assert DATA not in exports(project, "ana", tmp_path)
    folder = report_all(project, "ana", tmp_path / "ana")
    assert all(DATA not in t for t in folder.values()), [n for n, t in folder.items() if DATA in t]
    # Positive controls: the lead sees ben's copy; once ana's copy is complete too
    # and the lead picks ben's value, it is the consensus every surface shows.
    assert DATA in invoke(project, "export", "evidence", "--values", "all", "--reviewer", "lead")
    fill_required(project, int(g), "ana", "country=Norway")
    invoke(project, "extract", "complete", g, "--reviewer", "ana")
    invoke(project, "extract", "resolve", g, "country", "--pick", "ben", "--reviewer", "lead")
    rows, html, xlsx = gapmap("after")
    assert [r.split(",")[0] for r in rows] == [g] and TITLE in html and TITLE in xlsx
    assert DATA in invoke(project, "export", "evidence", "--reviewer", "ana")
    assert any(DATA in t for t in report_all(project, "ana", tmp_path / "after").values())


@pytest.fixture
def zotero() -> Iterator[ZoteroServer]:
    with ZoteroServer(api_key="SECRET-KEY-xyz") as srv:
        yield srv


def test_zotero_push_refuses_ana_before_any_request(
    run: Any, zotero: ZoteroServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rev = synced(run, zotero, monkeypatch, blind=True)
    for key, label, *more in (("3EWF3P9V", "include"),
                              ("PQKBRC33", "exclude", "--reason", "wrong population")):  # fmt: skip
        done = rev("decide", f"source:{key}", label, *more, "--note", NOTE, "--reviewer", "ben")
        assert done.exit_code == 0, done.output
    before = tags_of(zotero, "PQKBRC33")
    for extra in ((), ("--dry-run",), ("--dry-run", "--json"), ("--dry-run", "--collection", "R")):
        said = rev("zotero", "push", *extra, "--reviewer", "ana")
        assert said.exit_code == 1, extra
        assert "push needs a lead in a blind review" in said.output
        assert "review:include" not in said.output and NOTE not in said.output
        assert "review:exclude" not in said.output and "wrong population" not in said.output
        assert zotero.requests == [], extra  # refused before any request
    assert tags_of(zotero, "PQKBRC33") == before
    # Positive control: the lead's dry run lists ben's tags (and writes nothing).
    led = rev("zotero", "push", "--dry-run", "--reviewer", "lead")
    assert led.exit_code == 0, led.output
    assert "+review:exclude:wrong population" in led.output and "+review:include" in led.output
    assert zotero.requests and all(r.method == "GET" for r in zotero.requests)


TOKENS = {"ana": "ana-token-5Tz9w", "ben": "ben-token-8Lp3q"}


class FakeAppService:
    """Stands in for textual-serve's AppService: records the command a session would run."""

    commands: list[str] = []

    def __init__(self, command: str, **_: Any) -> None:
        self.commands.append(command)

    async def start(self, width: int, height: int) -> None:
        return None

    async def stop(self) -> None:
        return None


def open_session(server: ReviewServer, token: str) -> int:
    """Open ``/?token=T`` on the real aiohttp app, then its websocket ticket; return the status."""

    async def go() -> int:
        # The server refuses Hosts and Origins other than its own address.
        client = TestClient(TestServer(await server._make_app(), port=server.port))
        await client.start_server()
        try:
            page = await client.get("/", params={"token": token})
            found = re.search(r'data-session-websocket-url="[^"]*/ws/([^"]+)"', await page.text())
            if page.status == 200 and found:
                origin = {"Origin": f"http://127.0.0.1:{server.port}"}
                socket = await client.ws_connect(f"/ws/{found.group(1)}", headers=origin)
                await socket.close()
            return page.status
        finally:
            await client.close()

    return asyncio.run(go())


def test_serve_runs_each_token_session_as_its_own_reviewer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = blind_review(tmp_path)
    monkeypatch.setenv("REVIEW_REVIEWER", "ben")  # the server's own environment says ben
    monkeypatch.setattr(serve_module, "AppService", FakeAppService)
    monkeypatch.setattr(FakeAppService, "commands", [])
    server = ReviewServer(project, TOKENS, port=free_port(), start="screening")
    assert [open_session(server, t) for t in ("not-a-token-1", "")] == [403, 403]
    assert FakeAppService.commands == []
    assert [open_session(server, TOKENS[n]) for n in ("ana", "ben")] == [200, 200]
    assert server.tickets == {}  # each ticket used once
    # Run each session's command here through the CLI, up to the app it builds.
    started: list[str] = []
    real = tui_app.make_app

    def record(found: Any, reviewer: str | None, start: str, *rest: Any, **kw: Any) -> Any:
        started.append(real(found, reviewer, start, *rest, **kw).reviewer)
        return type("NoRun", (), {"run": lambda self: None})()

    monkeypatch.setattr(tui_app, "make_app", record)
    for command in FakeAppService.commands:
        argv = shlex.split(command)
        assert argv[1:4] == ["-c", "from review.cli.root import main; main()", "--project"]
        assert invoke(Path(argv[4]), *argv[5:]) == ""
    assert started == ["ana", "ben"]  # ana's token: ana's app, though $REVIEW_REVIEWER is ben

"""What a browser session of ``review serve`` may do: the TUI run as ``--served``.

The app runs in-process with Textual's pilot, exactly as ``review tui
--served`` builds it. A plain reviewer adds no sources and attaches no
files; a lead's pickers stay inside the review's ``inbox/`` (``..``,
absolute paths and symlinks pointing out are refused); the Zotero form
syncs only with the endpoint recorded for the library, never one typed in
the browser: a local HTTP server standing in for the attacker must receive
no request at all, let alone one carrying the API key. Outside serve, a
plain-HTTP endpoint other than localhost is warned about on the CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DirectoryTree, Input, Static

from review.core.confine import OutsideFolderError, confine, confine_tree, inbox
from review.core.project import Project
from review.core.review import Review
from review.session.sources import ProgressState
from review.sync.zotero_client import insecure_endpoint_warning
from review.tui import ReviewApp, make_app
from review.tui.screens.screening import ScreeningScreen
from review.tui.screens.sources import FilePicker, FolderPicker, SourcesScreen, ZoteroForm
from review.tui.widgets.modals import TextPrompt
from review.tui.workers.imports import ImportRequest, attach_job, configured_endpoint, import_job
from screening import blind, decide
from tests.serve_support import Recorder
from tests.tui_support import drive_until_idle as drive
from tests.tui_support import idle, make_project, ris, rows
from tests.zotero_server import ZoteroServer

REVIEW = str(Path(sys.executable).parent / "review")
KEY = "LEADS-ZOTERO-KEY-42"
LIB = "user:475425"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """Five studies; ``lead`` is a lead, ``ana`` a plain reviewer."""
    proj = make_project(tmp_path, blind_mode=False, required=1)
    db = proj.open_db()
    decide.add_reviewer(db, "lead", "lead")
    decide.add_reviewer(db, "ana", "reviewer")
    db.close()
    return proj


def messages(app: ReviewApp) -> str:
    return "\n".join(n.message for n in app._notifications)


# --- the confinement rule -------------------------------------------------------------


def test_confine_refuses_dotdot_absolute_paths_and_symlinks_out(tmp_path: Path) -> None:
    root = tmp_path / "rev" / "inbox"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.ris").write_text("x", "utf-8")
    secret = tmp_path / "other-review" / "review.db"
    secret.parent.mkdir()
    secret.write_text("confidential", "utf-8")
    (root / "out.ris").symlink_to(secret)
    (root / "outdir").symlink_to(secret.parent, target_is_directory=True)
    (root / "in.ris").symlink_to(root / "sub" / "a.ris")
    refused: list[Path | str] = [
        "../../other-review/review.db",
        "sub/../../x",
        str(secret),
        "/etc/passwd",
        "~/.ssh/id_rsa",
        root / "out.ris",
        "outdir/review.db",
        root.parent,
    ]
    for path in refused:
        with pytest.raises(OutsideFolderError) as info:
            confine(root, path)
        assert "refused" in str(info.value) and "\n" not in str(info.value)
        assert str(tmp_path) not in str(info.value).replace(str(path), "")
    assert confine(root, "sub/a.ris") == (root / "sub" / "a.ris").resolve()
    assert confine(root, root / "sub" / "a.ris") == (root / "sub" / "a.ris").resolve()
    assert confine(root, "in.ris") == (root / "sub" / "a.ris").resolve()  # a link that stays in
    assert confine(root, root) == root.resolve()
    with pytest.raises(OutsideFolderError, match="outdir links outside"):
        confine_tree(root, root)  # a folder whose subtree links out
    assert confine_tree(root, "sub") == (root / "sub").resolve()


def test_the_inbox_is_made_owner_only(tmp_path: Path) -> None:
    folder = inbox(tmp_path)
    assert folder == tmp_path / "inbox" and folder.is_dir()
    assert folder.stat().st_mode & 0o077 == 0
    assert inbox(tmp_path) == folder  # already there: kept


# --- a plain reviewer in a served session ------------------------------------------------


def test_a_plain_reviewer_adds_no_sources_and_attaches_nothing(project: Project) -> None:
    app = make_app(project, "ana", start="sources", served=True)
    seen: dict[str, Any] = {}

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        for key in ("a", "z", "p"):
            await pilot.press(key)
            await idle(pilot)
            assert app.screen is screen, key  # no picker, no form opened
        seen["said"] = messages(app)

    drive(app, script)
    assert "Only a lead may add sources in a served session." in seen["said"]
    assert "Only a lead may attach files in a served session." in seen["said"]
    assert rows(project, "SELECT COUNT(*) FROM sources") == [(1,)]


def test_a_plain_reviewer_attaches_no_full_text_by_path_when_served(
    project: Project, tmp_path: Path
) -> None:
    db = project.open_db()
    who = blind.viewer(db, "lead", blind=False, required=1)
    group = int(db.execute("SELECT group_id FROM records ORDER BY id LIMIT 1").fetchone()[0])
    decide.decide(db, who, group, "title_abstract", "include")
    db.close()
    seen: dict[str, Any] = {}

    def attach_as(name: str, typed: str) -> None:
        app = make_app(project, name, start="full-text", served=True)

        async def script(pilot: Pilot[Any]) -> None:
            assert isinstance(app.screen, ScreeningScreen)
            await pilot.press("a")
            if isinstance(app.screen, TextPrompt):
                app.screen.query_one(Input).value = typed
                await pilot.press("enter")
                await idle(pilot)
            seen[name] = messages(app)

        drive(app, script)

    attach_as("ana", "/etc/passwd")
    attach_as("lead", "../../../../etc/passwd")
    assert "Only a lead may attach files in a served session." in seen["ana"]
    assert "outside the review's inbox/ folder" in seen["lead"] and "refused" in seen["lead"]
    assert rows(project, "SELECT COUNT(*) FROM fulltexts") == [(0,)]


# --- a lead's pickers stay in inbox/ -----------------------------------------------------------


def test_a_leads_file_picker_is_confined_to_the_inbox(project: Project, tmp_path: Path) -> None:
    box = inbox(project.root)
    (box / "scopus.ris").write_text(ris(3), "utf-8")
    outside = tmp_path / "other-review.ris"
    outside.write_text(ris(4), "utf-8")
    (box / "link.ris").symlink_to(outside)
    seen: dict[str, Any] = {"refused": []}

    async def script(pilot: Pilot[Any]) -> None:
        screen = app.screen
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, FilePicker)
        seen["start"] = picker.start
        tree = picker.query_one("#tree", DirectoryTree)
        for _ in range(200):
            listed = {n.data.path.name for n in tree.root.children if n.data is not None}
            if listed:
                break
            await pilot.pause(0.02)
        seen["listed"] = listed
        for path in (outside, box / ".." / ".." / outside.name, box / "link.ris"):
            picker.choose(path)
            await idle(pilot)
            line = str(picker.query_one("#format", Static).render())
            seen["refused"].append((line, picker.query_one("#import", Button).disabled))
            picker.action_confirm()  # refused: nothing is dismissed
            assert id(app.screen) == id(picker)
        picker.choose(box / "scopus.ris")
        await idle(pilot)
        picker.query_one("#embed", Checkbox).value = False
        picker.query_one("#import", Button).press()
        await idle(pilot)
        assert app.screen is screen

    app = make_app(project, "lead", start="sources", served=True)
    drive(app, script)
    assert seen["start"] == box
    assert seen["listed"] == {"scopus.ris"}  # the link out is not even listed
    for line, disabled in seen["refused"]:
        assert disabled and "refused" in line and "\n" not in line
    assert rows(project, "SELECT file_name FROM sources ORDER BY id") == [
        ("search.ris",),
        ("scopus.ris",),
    ]
    # The job checks again just before reading (a link swapped in after the pick).
    result = import_job(project, ImportRequest(box / "link.ris", root=box), ProgressState())
    assert not result.ok and "refused" in result.message


def test_a_leads_folder_picker_is_confined_to_the_inbox(project: Project, tmp_path: Path) -> None:
    box = inbox(project.root)
    (box / "pdfs").mkdir()
    elsewhere = tmp_path / "home" / "papers"
    elsewhere.mkdir(parents=True)
    (box / "pdfs" / "more").symlink_to(elsewhere, target_is_directory=True)
    seen: dict[str, Any] = {}

    async def script(pilot: Pilot[Any]) -> None:
        await pilot.press("p")
        picker = app.screen
        assert isinstance(picker, FolderPicker)
        seen["start"] = picker.start
        picker.choose(elsewhere)
        seen["line"] = str(picker.query_one("#folder", Static).render())
        seen["disabled"] = picker.query_one("#attach", Button).disabled

    app = make_app(project, "lead", start="sources", served=True)
    drive(app, script)
    assert seen["start"] == box and seen["disabled"] and "refused" in seen["line"]
    result = attach_job(Review.open(project, "lead"), box / "pdfs", ProgressState(), box)
    assert not result.ok and "more links outside" in result.message


# --- Zotero: the review's endpoint only ------------------------------------------------------


def test_served_zotero_sync_never_sends_the_key_to_a_typed_endpoint(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ZoteroServer(api_key=KEY) as zotero, Recorder() as attacker:
        # The lead's earlier import on the server's command line records the endpoint.
        subprocess.run(
            [REVIEW, "--project", str(project.root), "zotero", "import", "--library", LIB]
            + ["--endpoint", zotero.url, "--no-embed"],
            check=True,
            capture_output=True,
            env={**os.environ, "ZOTERO_API_KEY": KEY},
            timeout=120,
        )
        before, recorded = len(zotero.requests), zotero.url
        monkeypatch.setenv("ZOTERO_API_KEY", KEY)
        app = make_app(project, "lead", start="sources", served=True)
        seen: dict[str, Any] = {}

        async def script(pilot: Pilot[Any]) -> None:
            await pilot.press("z")
            form = app.screen
            assert isinstance(form, ZoteroForm)
            endpoint = form.query_one("#endpoint", Input)
            seen["disabled"] = (endpoint.disabled, form.query_one("#local", Checkbox).disabled)
            await pilot.click("#endpoint")
            await pilot.press(*"http://evil")  # typing into it does nothing
            seen["typed"] = endpoint.value
            endpoint.value = attacker.url  # even a value forced into the field is ignored
            form.query_one("#library", Input).value = LIB
            form.query_one("#embed", Checkbox).value = False
            form.query_one("#sync", Button).press()
            await idle(pilot)
            seen["report"] = str(app.screen.query_one("#report-lines", Static).render())

        drive(app, script)
        assert attacker.seen == []  # not one request, so no key
        assert seen["disabled"] == (True, True) and "evil" not in seen["typed"]
        assert len(zotero.requests) > before  # the sync went to the recorded endpoint
        assert "0 new records" in seen["report"] and "changes since v1" in seen["report"]
        assert KEY not in seen["report"]
    db = project.open_db()
    try:
        assert configured_endpoint(db, LIB) == (recorded, False)
        assert configured_endpoint(db, "user:999") == (None, False)  # never synced: api.zotero.org
    finally:
        db.close()


# --- outside serve: a warning before the key goes over plain HTTP ------------------------------


def test_plain_http_endpoints_other_than_localhost_are_warned_about() -> None:
    for url in ("http://zotero.example.org", "http://10.0.0.5:8080/api", "http://[2001:db8::1]"):
        line = insecure_endpoint_warning(url)
        assert line is not None and "not HTTPS" in line and "\n" not in line
    for url in (
        "https://api.zotero.org",
        "http://localhost:23119/api",
        "http://127.0.0.1:8080",
        "http://[::1]:80",
    ):
        assert insecure_endpoint_warning(url) is None
    line = insecure_endpoint_warning("http://user:pw@zotero.example.org")
    assert line is not None and "pw" not in line


def test_the_cli_warns_before_sending_the_key_over_plain_http(project: Project) -> None:
    with Recorder() as proxy:  # stands in for the network between here and the host
        done = subprocess.run(
            [REVIEW, "--project", str(project.root), "zotero", "import", "--library", LIB]
            + ["--endpoint", "http://zotero.example.org", "--no-embed"],
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "ZOTERO_API_KEY": KEY,
                "HTTP_PROXY": proxy.url,
                "http_proxy": proxy.url,
                "NO_PROXY": "",
                "no_proxy": "",
            },
        )
    lines = done.stderr.splitlines()
    warning = [n for n, line in enumerate(lines) if "warning" in line and "not HTTPS" in line]
    assert warning and "http://zotero.example.org" in lines[warning[0]]
    assert done.returncode != 0 and "Traceback" not in done.stderr  # the fake host said 403
    assert proxy.seen and all(auth.endswith(KEY) for _, auth in proxy.seen)
    assert KEY not in done.stderr

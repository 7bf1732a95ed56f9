"""``review serve``: two reviewers screen at once in real browsers, by token.

The server runs as a real ``review serve`` subprocess; headless system
Chromium (Playwright) opens one page per reviewer token and presses the
screening keys; the decisions must land in review.db under the token's
reviewer. Requests without a valid token are refused, and no token is
ever written to the server's output. Attacks from other sites are refused
on every route: a foreign Host header (DNS rebinding) gets 421, a websocket
whose Origin is not the page's own gets 403 (a real aiohttp client opens it);
without a reviewers file the printed login URL's token is still required;
``/static/`` lists no folders.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from review.serve.server import ReviewersFileError, load_reviewers
from tests.browser_support import CHROMIUM, needs_chromium
from tests.serve_support import Recorder, free_port

REVIEW = str(Path(sys.executable).parent / "review")
RIS = "".join(
    f"TY  - JOUR\nTI  - Study number {n} on online grooming\nAB  - Abstract {n}.\n"
    f"PY  - 2020\nID  - s{n}\nER  - \n\n"
    for n in range(1, 7)
)
TOKENS = {"ana": "ana-7Hq2-secret-token", "ben": "ben-9Zx4-secret-token"}


def review(*args: str) -> str:
    return subprocess.run(
        [REVIEW, *args], check=True, capture_output=True, text=True, timeout=120
    ).stdout


def status_of(url: str, host: str | None = None) -> int:
    """The HTTP status of a GET (with ``host`` as its Host header when given)."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            code: int = response.status
            return code
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "rev"
    review("init", str(folder))
    (tmp_path / "s.ris").write_text(RIS, encoding="utf-8")
    review("--project", str(folder), "import", "--no-embed", str(tmp_path / "s.ris"))
    return folder


@pytest.fixture
def server(project: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A running ``review serve`` with two reviewers; yields its URL and log folder."""
    team = tmp_path / "team.toml"
    team.write_text(
        "[reviewers]\n" + "".join(f'{n} = "{t}"\n' for n, t in TOKENS.items()), encoding="utf-8"
    )
    yield from serving(project, tmp_path, ["--reviewers", str(team), "--start", "screening"])


@pytest.fixture
def lone_server(project: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A running ``review serve`` without a reviewers file (the default reviewer)."""
    yield from serving(project, tmp_path, [])


def serving(
    project: Path, tmp_path: Path, options: list[str], env: dict[str, str] | None = None
) -> Iterator[tuple[str, Path]]:
    """Run ``review serve OPTIONS`` until the test ends; yield its URL and log folder."""
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    with (logs / "out").open("w") as out, (logs / "err").open("w") as err:
        proc = subprocess.Popen(
            [REVIEW, "--project", str(project), "serve", "--port", str(port), *options],
            stdout=out,
            stderr=err,
            env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert proc.poll() is None, (logs / "err").read_text()
                    assert time.monotonic() < deadline, "review serve never listened"
                    time.sleep(0.2)
            yield url, logs
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def decisions(project: Path, reviewer: str) -> list[dict[str, str]]:
    out = review("--project", str(project), "export", "decisions", "--reviewer", reviewer)
    return list(csv.DictReader(io.StringIO(out)))


def test_requests_without_a_valid_token_are_refused(server: tuple[str, Path]) -> None:
    url, logs = server
    assert status_of(f"{url}/") == 403
    assert status_of(f"{url}/?token=wrong-token-123") == 403
    assert status_of(f"{url}/?token=") == 403
    assert status_of(f"{url}/ws") == 403  # textual-serve's own, unticketed websocket
    assert status_of(f"{url}/ws/made-up-ticket") == 403
    assert status_of(f"{url}/?token={TOKENS['ana']}") == 200
    logged = (logs / "out").read_text() + (logs / "err").read_text()
    assert all(token not in logged for token in TOKENS.values())


@needs_chromium
def test_two_reviewers_screen_at_once_in_two_browsers(
    server: tuple[str, Path], project: Path
) -> None:
    from playwright.sync_api import sync_playwright

    url, logs = server
    assert CHROMIUM is not None
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            pages = {}
            for name, token in TOKENS.items():
                context = browser.new_context(viewport={"width": 1100, "height": 800})
                page = context.new_page()
                page.on("request", lambda r: requests.append(r.url))
                page.goto(f"{url}/?token={token}")
                pages[name] = page
            for page in pages.values():  # both apps are up: their first bytes arrived
                page.wait_for_selector("body.-first-byte", state="attached", timeout=60_000)
                page.locator("#terminal").click()
            # Press include in each session until its decision is in the database:
            # the first key may come before the screening screen has mounted.
            done: set[str] = set()
            deadline = time.monotonic() + 90
            while done != set(TOKENS) and time.monotonic() < deadline:
                for name, page in pages.items():
                    if name not in done:
                        page.keyboard.press("i")
                time.sleep(3)
                done = {r["reviewer"] for r in decisions(project, "ana")}
        finally:
            browser.close()
    for name in TOKENS:
        mine = [r for r in decisions(project, name) if r["reviewer"] == name]
        assert mine, f"no decision by {name}"
        assert {(r["stage"], r["label"]) for r in mine} == {("title_abstract", "include")}
    everyone = {r["reviewer"] for n in TOKENS for r in decisions(project, n)}
    assert everyone == set(TOKENS)  # nobody else: each session acted as its token's reviewer
    # Offline page: nothing requested beyond the server itself.
    assert requests and all(r.startswith(url) or r.startswith("ws://127.0.0.1") for r in requests)
    logged = (logs / "out").read_text() + (logs / "err").read_text()
    assert all(token not in logged for token in TOKENS.values())


def test_reviewers_file_formats_and_errors(tmp_path: Path) -> None:
    csv_file = tmp_path / "team.csv"
    csv_file.write_text("name,token\nana,abcdefgh12\nben,ijklmnop34\n", encoding="utf-8")
    assert load_reviewers(csv_file) == {"ana": "abcdefgh12", "ben": "ijklmnop34"}
    short = tmp_path / "short.csv"
    short.write_text("ana,abc\n", encoding="utf-8")
    with pytest.raises(ReviewersFileError) as info:
        load_reviewers(short)
    assert "abc" not in str(info.value).replace("ana", "")
    shared = tmp_path / "shared.toml"
    shared.write_text('[reviewers]\nana = "same-token-1"\nben = "same-token-1"\n')
    with pytest.raises(ReviewersFileError):
        load_reviewers(shared)


def test_another_host_requires_tokens_and_warns(project: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [REVIEW, "--project", str(project), "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "requires --reviewers" in done.stderr
    team = tmp_path / "team.csv"
    team.write_text("".join(f"{n},{t}\n" for n, t in TOKENS.items()), encoding="utf-8")
    proc = subprocess.Popen(
        [REVIEW, "--project", str(project), "serve", "--host", "0.0.0.0"]
        + ["--port", str(free_port()), "--reviewers", str(team)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # printed before it listens
        assert "warning" in line and "0.0.0.0" in line
    finally:
        proc.terminate()
        _, rest = proc.communicate(timeout=20)
    assert all(token not in line + rest for token in TOKENS.values())


def test_foreign_host_headers_are_refused_on_every_route(server: tuple[str, Path]) -> None:
    url, _ = server
    port = url.rsplit(":", 1)[1]
    page = f"{url}/?token={TOKENS['ana']}"
    for host in (f"attacker.example:{port}", "attacker.example", f"127.0.0.1:{int(port) + 1}"):
        assert status_of(page, host) == 421, host  # DNS rebinding: the name is not ours
        assert status_of(f"{url}/static/css/xterm.css", host) == 421, host
        assert status_of(f"{url}/ws/made-up-ticket", host) == 421, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert status_of(page, host) == 200, host
    # A request line naming another host (absolute form), with a good Host header.
    with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as conn:
        conn.sendall(
            f"GET http://attacker.example:{port}/?token={TOKENS['ana']} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        assert conn.recv(64).split(b"\r\n")[0].endswith(b" 421 Misdirected Request")


async def _open_websocket(url: str, token: str, origin: str | None) -> int:
    """Fetch the page with ``token``, open its ticket's websocket with ``origin``: the status."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/?token={token}") as response:
            assert response.status == 200
            found = re.search(r"ws://[^\"']+/ws/[\w-]+", await response.text())
        assert found is not None
        headers = {} if origin is None else {"Origin": origin}
        try:
            async with session.ws_connect(found.group(0), headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_websockets_from_another_origin_are_refused(server: tuple[str, Path]) -> None:
    url, _ = server
    port = url.rsplit(":", 1)[1]
    token = TOKENS["ana"]
    for origin in (
        "http://attacker.example",
        f"http://attacker.example:{port}",
        f"http://127.0.0.1:{int(port) + 1}",  # another local web app's page
        f"http://localhost:{port}",  # another origin than the page's (127.0.0.1)
        "null",
        None,
    ):
        assert asyncio.run(_open_websocket(url, token, origin)) == 403, origin
    assert asyncio.run(_open_websocket(url, token, url)) == 101  # the page's own origin


def test_without_reviewers_the_printed_login_url_is_required(
    lone_server: tuple[str, Path],
) -> None:
    url, logs = lone_server
    deadline = time.monotonic() + 20
    while not (found := re.search(r"http://\S+/\?token=(\S+)", (logs / "out").read_text())):
        assert time.monotonic() < deadline, (logs / "out").read_text()
        time.sleep(0.1)
    login, token = found.group(0), found.group(1)
    assert login == f"{url}/?token={token}" and len(token) >= 32
    assert status_of(f"{url}/") == 403
    assert status_of(f"{url}/?token=") == 403
    assert status_of(f"{url}/?token={token[:-1]}") == 403
    assert status_of(login) == 200
    logged = (logs / "out").read_text() + (logs / "err").read_text()
    assert logged.count(token) == 1  # printed once, and no access log repeats it


def test_static_folders_are_not_listed(lone_server: tuple[str, Path]) -> None:
    url, _ = lone_server
    for folder in ("/static/", "/static/js/", "/static/css/", "/static/fonts/"):
        assert status_of(f"{url}{folder}") in (403, 404), folder
    assert status_of(f"{url}/static/css/xterm.css") == 200  # the page's own files still load


def test_each_session_runs_the_tui_as_served(project: Path) -> None:
    from review.serve.server import ReviewServer

    argv = shlex.split(ReviewServer(project, None).command_for("ana"))
    assert argv[argv.index("tui") :][-3:] == ["--served", "--reviewer", "ana"]


def test_host_rules_for_other_binds_and_allowed_names() -> None:
    from review.serve.guard import HostRules

    loop = HostRules.for_bind("127.0.0.1", 8000)
    assert loop.host_ok("localhost:8000") and loop.host_ok("[::1]:8000")
    assert not loop.host_ok("localhost:8001") and not loop.host_ok("127.0.0.1")
    assert not loop.host_ok(None) and not loop.host_ok("") and not loop.host_ok("a@127.0.0.1:8000")
    lan = HostRules.for_bind("192.168.1.5", 8000, ["review.lab.example", "proxy.example:443"])
    assert lan.host_ok("192.168.1.5:8000") and not lan.host_ok("127.0.0.1:8000")
    assert lan.host_ok("review.lab.example") and lan.host_ok("review.lab.example:8000")
    assert lan.host_ok("proxy.example", secure=True) and not lan.host_ok("proxy.example:8443")
    everywhere = HostRules.for_bind("0.0.0.0", 8000)
    assert everywhere.host_ok(f"{socket.gethostname()}:8000")
    assert not everywhere.host_ok("attacker.example:8000")
    # The websocket's Origin must be the page's own: same host and port as its Host.
    assert lan.origin_ok("https://proxy.example", "proxy.example")
    assert not lan.origin_ok("https://proxy.example", "review.lab.example")
    assert not lan.origin_ok("http://192.168.1.5:8000/path", "192.168.1.5:8000")
    with pytest.raises(ValueError, match="--allow-host"):
        HostRules.for_bind("127.0.0.1", 8000, ["bad/name"])


def test_a_bad_allow_host_is_one_line(project: Path) -> None:
    done = subprocess.run(
        [REVIEW, "--project", str(project), "serve", "--allow-host", "a b"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and done.stderr.count("\n") == 1 and "--allow-host" in done.stderr


@needs_chromium
def test_a_reviewer_in_the_browser_cannot_send_the_zotero_key_anywhere(
    project: Path, tmp_path: Path
) -> None:
    """The issue's attack, in a real browser: Sources, z, a typed endpoint, Enter."""
    from playwright.sync_api import sync_playwright

    team = tmp_path / "team.toml"
    team.write_text(f'[reviewers]\nana = "{TOKENS["ana"]}"\n', encoding="utf-8")
    options = ["--reviewers", str(team), "--start", "sources"]
    key = "LEADS-ZOTERO-KEY-42"
    with Recorder() as attacker:
        served = serving(project, tmp_path, options, {"ZOTERO_API_KEY": key})
        url, logs = next(served)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                try:
                    page = browser.new_page(viewport={"width": 1100, "height": 800})
                    page.goto(f"{url}/?token={TOKENS['ana']}")
                    page.wait_for_selector("body.-first-byte", state="attached", timeout=60_000)
                    page.locator("#terminal").click()
                    time.sleep(3)  # the Sources screen is up
                    page.keyboard.press("z")
                    time.sleep(1)
                    page.keyboard.type("user:475425")
                    page.keyboard.press("Tab")
                    page.keyboard.press("Tab")
                    page.keyboard.type(attacker.url)
                    page.keyboard.press("Enter")
                    time.sleep(5)
                finally:
                    browser.close()
        finally:
            next(served, None)
        assert attacker.seen == []  # no request at all, so no key
    sources = review("--project", str(project), "status", "--json")
    assert "zotero" not in sources.lower()

"""Zotero both ways as a new user drives it: the real ``review`` executable, a local server.

The server replays the real recorded Zotero API answers
(``tests/zotero_server.py``); pyzotero runs unmodified inside the ``review``
process, which only knows the server's URL. The library imports with exact
counts, a second sync asks only for what changed, and screening decisions
come back to the server as tags.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.zotero_server import ZoteroServer

REVIEW = str(Path(sys.executable).parent / "review")
KEY = "E2E-SECRET-KEY-4242"
LIBRARY = "user:475425"


def review(*args: str, project: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ZOTERO_API_KEY": KEY}
    base = [REVIEW] if project is None else [REVIEW, "--project", str(project)]
    done = subprocess.run([*base, *args], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert KEY not in done.stdout + done.stderr
    return done


def test_import_resync_and_push_back_as_tags(tmp_path: Path) -> None:
    project = tmp_path / "rev"
    review("init", str(project))
    with ZoteroServer(api_key=KEY) as server:
        regular = server.regular_items()
        sync = ["zotero", "import", "--library", LIBRARY, "--endpoint", server.url,
                "--no-embed", "--json"]  # fmt: skip
        first = json.loads(review(*sync, project=project).stdout)
        status = json.loads(review("status", "--json", project=project).stdout)
        assert status["records"] == len(regular)
        assert first["added"] == len(regular)

        # A colleague edits one item and deletes another in Zotero.
        changed, deleted = regular[1]["key"], regular[2]["key"]
        server.update_item(changed, title="A corrected title")
        server.delete_item(deleted)
        server.requests.clear()
        second = json.loads(review(*sync, project=project).stdout)
        assert (second["added"], second["updated"], second["deleted"]) == (0, 1, 1)
        item_reads = [r for r in server.requests if r.method == "GET" and "/items" in r.path]
        assert item_reads and all("since" in r.query for r in item_reads)
        records = review("export", "records", "--format", "jsonl", project=project).stdout
        titles = {json.loads(line)["source_id"]: json.loads(line)["title"]
                  for line in records.splitlines()}  # fmt: skip
        assert titles[changed] == "A corrected title"
        assert deleted in titles  # flagged, never dropped

        # Screening decisions go back as tags, with Zotero's version precondition.
        review("decide", f"source:{changed}", "include", "--reviewer", "ana", project=project)
        target = regular[3]["key"]
        review("decide", f"source:{target}", "exclude", "--reviewer", "ana", project=project)
        server.requests.clear()
        review("zotero", "push", "--reviewer", "ana", project=project)
        patches = {r.path.rsplit("/", 1)[-1]: r for r in server.requests if r.method == "PATCH"}
        assert set(patches) == {changed, target}
        tags = {key: {t["tag"] for t in r.json()["tags"]} for key, r in patches.items()}
        assert "review:include" in tags[changed]
        assert "review:exclude" in tags[target]
        assert all("If-Unmodified-Since-Version" in r.headers for r in patches.values())

    for path in project.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path

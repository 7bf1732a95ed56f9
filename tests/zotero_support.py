"""A review synced from the local Zotero replay server (tests/zotero_server.py), for push tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.zotero_server import ZoteroServer

KEY = "SECRET-KEY-xyz"
LIB = "user:475425"


PROTOCOL = """[review]
title = "Push test"

[screening]
reviewers_per_record = 1
blind = {blind}

[stages.title_abstract]
exclusion_reasons = ["wrong population", "not empirical"]

[stages.full_text]
exclusion_reasons = ["wrong design; no control", "no full text"]

[[extraction.fields]]
name = "country"
label = "Country"
type = "text"
"""


def synced(run: Any, server: ZoteroServer, monkeypatch: pytest.MonkeyPatch, blind: bool) -> Any:
    monkeypatch.setenv("ZOTERO_API_KEY", KEY)
    (run.project / "protocol.toml").write_text(
        PROTOCOL.format(blind="true" if blind else "false"), encoding="utf-8"
    )
    assert run("reviewer", "add", "lead", "--lead").exit_code == 0
    done = run("zotero", "import", "--library", LIB, "--endpoint", server.url, "--no-embed")
    assert done.exit_code == 0, done.output
    server.requests.clear()
    return run


def tags_of(server: ZoteroServer, key: str) -> list[str]:
    return [t["tag"] for t in server.items[key]["data"]["tags"]]

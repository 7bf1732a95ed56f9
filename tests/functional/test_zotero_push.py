"""``review zotero push`` against the local Zotero replay server (tests/zotero_server.py).

Real pyzotero, real HTTP, a review synced from the server, decisions through ``review decide``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from review.core.context import open_context
from review.sync.zotero_client import ZoteroClient, parse_library
from review.sync.zotero_push import push
from tests.zotero_server import ZoteroServer
from tests.zotero_support import KEY, LIB, synced, tags_of


@pytest.fixture
def server() -> Iterator[ZoteroServer]:
    with ZoteroServer(api_key=KEY) as srv:
        yield srv


@pytest.fixture
def rev(run: Any, server: ZoteroServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    return synced(run, server, monkeypatch, blind=False)


def decide(rev: Any, key: str, label: str, *extra: str) -> None:
    result = rev("decide", f"source:{key}", label, "--reviewer", "lead", *extra)
    assert result.exit_code == 0, result.output


def writes(server: ZoteroServer) -> list[Any]:
    return [r for r in server.requests if r.method in ("PATCH", "POST", "PUT", "DELETE")]


def screen(rev: Any) -> None:
    decide(rev, "3EWF3P9V", "include")
    decide(rev, "PQKBRC33", "exclude", "--reason", "wrong population")
    decide(rev, "Z8N84QAJ", "maybe")
    decide(rev, "PG5ZCTJT", "include")  # then excluded at full text, with a reason
    decide(rev, "PG5ZCTJT", "exclude", "--stage", "full-text", "--reason", "1")


def test_tags_pushed_exactly_with_precondition(rev: Any, server: ZoteroServer) -> None:
    screen(rev)
    before = {k: list(server.items[k]["data"]["tags"]) for k in server.items}
    versions = {k: server.items[k]["version"] for k in server.items}
    result = rev("zotero", "push", "--reviewer", "lead")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "pushed 4 items (4 tags added, 0 removed), unchanged 16, skipped 0"
    )
    patches = {r.path.rsplit("/", 1)[-1]: r for r in server.requests_to("/items/", "PATCH")}
    assert set(patches) == {"3EWF3P9V", "PQKBRC33", "Z8N84QAJ", "PG5ZCTJT"}
    assert not server.requests_to("/items", "POST") and not server.requests_to("", "DELETE")
    expected = {
        "3EWF3P9V": "review:include",
        "PQKBRC33": "review:exclude:wrong population",
        "Z8N84QAJ": "review:maybe",
        "PG5ZCTJT": "review:exclude:wrong design; no control",
    }
    for key, tag in expected.items():
        body = patches[key].json()
        assert set(body) <= {"key", "version", "tags"}  # only the tags are sent
        # every earlier tag kept as it was (type included), the review's added
        assert body["tags"] == before[key] + [{"tag": tag}]
        assert patches[key].headers["If-Unmodified-Since-Version"] == str(versions[key])
        assert tags_of(server, key) == [t["tag"] for t in before[key]] + [tag]
    assert len(before["3EWF3P9V"]) == 8  # the keywords are still there


def test_second_push_sends_nothing_and_stale_tag_is_replaced(
    rev: Any, server: ZoteroServer
) -> None:
    screen(rev)
    assert rev("zotero", "push", "--reviewer", "lead").exit_code == 0
    server.requests.clear()
    again = rev("zotero", "push", "--reviewer", "lead")
    assert again.exit_code == 0, again.output
    assert writes(server) == []
    assert "pushed 0 items (0 tags added, 0 removed), unchanged 20, skipped 0" in again.output
    # a colleague's own tag, added meanwhile, must survive the next push
    server.update_item(
        "3EWF3P9V", tags=server.items["3EWF3P9V"]["data"]["tags"] + [{"tag": "to read"}]
    )
    decide(rev, "3EWF3P9V", "exclude", "--reason", "not empirical")
    server.requests.clear()
    third = rev("zotero", "push", "--reviewer", "lead", "--json")
    assert third.exit_code == 0, third.output
    data = json.loads(third.output)
    assert (data["pushed"], data["tags_added"], data["tags_removed"]) == (1, 1, 1)
    (patch,) = server.requests_to("/items/3EWF3P9V", "PATCH")
    tags = [t["tag"] for t in patch.json()["tags"]]
    assert "review:include" not in tags and tags[-1] == "review:exclude:not empirical"
    assert "to read" in tags and len(tags) == 10
    assert tags_of(server, "3EWF3P9V") == tags


def test_dry_run_changes_nothing(rev: Any, server: ZoteroServer) -> None:
    screen(rev)
    result = rev("zotero", "push", "--reviewer", "lead", "--dry-run", "--collection", "Review")
    assert result.exit_code == 0, result.output
    assert writes(server) == []
    assert "3EWF3P9V (study " in result.output and "+review:include" in result.output
    assert "+collection Review/include" in result.output
    assert "would create collection Review/exclude" in result.output
    assert result.output.strip().splitlines()[-1] == (
        "would push 4 items (4 tags added, 0 removed), unchanged 16, skipped 0"
    )
    assert "review:include" not in tags_of(server, "3EWF3P9V")


def test_concurrent_edit_is_not_overwritten(run: Any, rev: Any, server: ZoteroServer) -> None:
    screen(rev)
    opened = open_context(run.project, "lead")
    client = ZoteroClient(parse_library(LIB), KEY, endpoint=server.url)
    real = client.zot.update_item
    edits = {"n": 0}

    def colleague_first(payload: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if payload["key"] == "3EWF3P9V":  # a colleague edits it between our read and write
            edits["n"] += 1
            tags = server.items["3EWF3P9V"]["data"]["tags"] + [{"tag": f"colleague {edits['n']}"}]
            server.update_item("3EWF3P9V", title=f"Edited {edits['n']}", tags=tags)
        return real(payload, *args, **kwargs)

    client.zot.update_item = colleague_first
    result = push(opened.db, opened.protocol, opened.viewer, client)
    opened.close()
    skipped = [i for i in result.items if i.status == "skipped"]
    assert [(i.key, i.reason) for i in skipped] == [
        ("3EWF3P9V", "changed in Zotero by someone else while pushing (412 twice); push again")
    ]
    patches = server.requests_to("/items/3EWF3P9V", "PATCH")
    assert len(patches) == 2  # tried, re-read, retried once, then left alone
    assert (
        patches[1].headers["If-Unmodified-Since-Version"]
        != patches[0].headers["If-Unmodified-Since-Version"]
    )
    data = server.items["3EWF3P9V"]["data"]
    assert data["title"] == "Edited 2" and "review:include" not in tags_of(server, "3EWF3P9V")
    assert tags_of(server, "3EWF3P9V")[-2:] == ["colleague 1", "colleague 2"]
    assert result.pushed == 3 and "skipped 1" in result.summary()


def test_one_concurrent_edit_is_kept_and_retried(rev: Any, server: ZoteroServer) -> None:
    decide(rev, "3EWF3P9V", "include")
    server.fail_next(412, path_contains="/items/3EWF3P9V")  # as if edited meanwhile
    result = rev("zotero", "push", "--reviewer", "lead")
    assert result.exit_code == 0, result.output
    assert "pushed 1 items (1 tags added, 0 removed), unchanged 19, skipped 0" in result.output
    assert len(server.requests_to("/items/3EWF3P9V", "PATCH")) == 2
    assert tags_of(server, "3EWF3P9V")[-1] == "review:include"


def test_skipped_item_is_reported_on_one_line(rev: Any, server: ZoteroServer) -> None:
    decide(rev, "3EWF3P9V", "include")
    server.fail_next(412, count=2, path_contains="/items/3EWF3P9V")
    result = rev("zotero", "push", "--reviewer", "lead")
    assert result.exit_code == 0
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert warnings == [
        "review: warning: item 3EWF3P9V skipped: changed in Zotero by someone else while "
        "pushing (412 twice); push again"
    ]
    assert "skipped 1" in result.output and KEY not in result.output


def test_blind_review_needs_a_lead(
    run: Any, server: ZoteroServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rev = synced(run, server, monkeypatch, blind=True)
    assert rev("decide", "source:3EWF3P9V", "include", "--reviewer", "ana").exit_code == 0
    result = rev("zotero", "push", "--reviewer", "ana")
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line] == [
        "review: error: push needs a lead in a blind review"
    ]
    assert server.requests == []
    led = rev("zotero", "push", "--reviewer", "lead")
    assert led.exit_code == 0, led.output
    assert tags_of(server, "3EWF3P9V")[-1] == "review:include"


def test_collection_made_and_filled(rev: Any, server: ZoteroServer) -> None:
    screen(rev)
    result = rev("zotero", "push", "--reviewer", "lead", "--collection", "Review", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["collections_created"] == [
        "Review", "Review/include", "Review/exclude", "Review/maybe"
    ]  # fmt: skip
    by_name = {
        (c["data"]["name"], c["data"].get("parentCollection") or ""): c["key"]
        for c in server.collections.values()
    }
    parent = by_name[("Review", "")]
    sub = {n: by_name[(n, parent)] for n in ("include", "exclude", "maybe")}
    colls = {k: server.items[k]["data"].get("collections") for k in server.items}
    assert colls["3EWF3P9V"] == ["BX9965IJ", "9KH9TNSJ", sub["include"]]
    assert colls["PQKBRC33"] == ["9KH9TNSJ", sub["exclude"]]
    assert colls["Z8N84QAJ"] == ["9KH9TNSJ", sub["maybe"]]
    assert colls["PG5ZCTJT"] == ["9KH9TNSJ", sub["exclude"]]
    # a changed decision moves the item; nothing is created twice
    decide(rev, "Z8N84QAJ", "include")
    server.requests.clear()
    again = rev("zotero", "push", "--reviewer", "lead", "--collection", "Review")
    assert again.exit_code == 0, again.output
    assert not server.requests_to("/collections", "POST")
    assert server.items["Z8N84QAJ"]["data"]["collections"] == ["9KH9TNSJ", sub["include"]]
    (patch,) = server.requests_to("/items/", "PATCH")
    assert patch.json()["collections"] == ["9KH9TNSJ", sub["include"]]


def test_bad_prefix_and_no_library(run: Any, rev: Any, tmp_path: Any) -> None:
    result = rev("zotero", "push", "--reviewer", "lead", "--tag-prefix", "")
    assert result.exit_code == 1 and "non-empty prefix" in result.output
    other = rev("zotero", "push", "--reviewer", "lead", "--library", "group:1")
    assert other.exit_code == 1 and "never synced from Zotero group:1" in other.output


def test_extraction_status_tag(rev: Any, server: ZoteroServer) -> None:
    decide(rev, "3EWF3P9V", "include")
    decide(rev, "3EWF3P9V", "include", "--stage", "full-text")
    assert (
        rev("extract", "set", "source:3EWF3P9V", "country=Spain", "--reviewer", "lead").exit_code
        == 0
    )
    done = rev("extract", "complete", "source:3EWF3P9V", "--reviewer", "lead")
    assert done.exit_code == 0, done.output
    result = rev("zotero", "push", "--reviewer", "lead")
    assert result.exit_code == 0, result.output
    assert tags_of(server, "3EWF3P9V")[-2:] == ["review:extraction:complete", "review:include"]
    # --stage title-abstract pushes that stage's outcome; extraction tags stay
    decide(rev, "3EWF3P9V", "exclude", "--stage", "full-text", "--reason", "2")
    rev("zotero", "push", "--reviewer", "lead")
    assert tags_of(server, "3EWF3P9V")[-2:] == [
        "review:exclude:no full text",
        "review:extraction:complete",
    ]
    ta = rev("zotero", "push", "--reviewer", "lead", "--stage", "title-abstract")
    assert ta.exit_code == 0, ta.output
    assert tags_of(server, "3EWF3P9V")[-2:] == ["review:extraction:complete", "review:include"]

"""``review zotero import`` against a local server replaying recorded Zotero API answers.

Real pyzotero, real SQLite, real HTTP (tests/zotero_server.py).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus import db as corpus_db
from review.core.project import find_project
from review.sync.zotero_client import (
    ZoteroClient,
    ZoteroError,
    parse_library,
    resolve_api_key,
)
from review.sync.zotero_import import sync
from tests.pdfs import text_pdf
from tests.zotero_server import NON_REGULAR, ZoteroServer, load_fixture

KEY = "SECRET-KEY-xyz"
LIB = "user:475425"


@pytest.fixture
def server() -> Iterator[ZoteroServer]:
    with ZoteroServer(api_key=KEY) as srv:
        yield srv


@pytest.fixture
def zimport(run: Any, server: ZoteroServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ZOTERO_API_KEY", KEY)

    def invoke(*extra: str) -> Any:
        return run(
            "zotero", "import", "--library", LIB, "--endpoint", server.url, "--no-embed", *extra
        )

    invoke.project = run.project  # type: ignore[attr-defined]
    return invoke


def rows(project: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(project / "review.db")
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def expected_regular() -> int:
    return sum(
        1 for i in load_fixture("items_doc.json") if i["data"]["itemType"] not in NON_REGULAR
    )


def test_full_import_exact_counts(zimport: Any, server: ZoteroServer) -> None:
    result = zimport("--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    n = expected_regular()
    assert n == 20 and len(server.items) == 22  # + a recorded attachment and a note
    assert (data["added"], data["skipped_notes_and_attachments"], data["fetched"]) == (n, 2, 22)
    project = zimport.project
    assert rows(project, "SELECT COUNT(*) FROM records") == [(n,)]
    assert rows(project, "SELECT COUNT(*) FROM records WHERE type IN ('note', 'attachment')") == [
        (0,)
    ]
    assert rows(
        project, "SELECT database, file_name, format, method, record_count FROM sources"
    ) == [("Zotero Z public library", f"zotero:{LIB}@v1", "zotero", "database", n)]
    assert rows(
        project, "SELECT library, library_version, since_version, added FROM zotero_syncs"
    ) == [(LIB, 1, None, n)]
    types = {r[0] for r in rows(project, "SELECT type FROM records")}
    assert {"webpage", "journalArticle", "book", "film", "artwork", "conferencePaper"} <= types


def test_journal_article_mapping(zimport: Any, server: ZoteroServer) -> None:
    server.update_item(
        "3EWF3P9V",
        extra="PMID: 20664272\nDOI: 10.1159/000314249",
        creators=[
            {"creatorType": "author", "firstName": "Riccardo", "lastName": "Asero"},
            {"creatorType": "author", "firstName": "Leonardo", "lastName": "Antonicelli"},
            {"creatorType": "editor", "firstName": "Ed", "lastName": "Itor"},
        ],
    )
    assert zimport().exit_code == 0
    (row,) = rows(
        zimport.project,
        "SELECT title, authors, year, journal, volume, issue, pages, doi, pmid, issn, keywords, "
        "type, abstract, raw FROM records WHERE source_id = '3EWF3P9V'",
    )
    title, authors, year, journal, volume, issue, pages, doi, pmid, issn, kw, typ, ab, raw = row
    assert title == "Does sensitization to foods in adults occur always in the gut?"
    assert json.loads(authors) == ["Asero, Riccardo", "Antonicelli, Leonardo"]
    assert json.loads(raw)["editors"] == ["Itor, Ed"]
    assert (year, journal) == (2011, "International archives of allergy and immunology")
    assert (volume, issue, pages) == ("154", "1", "6-14")
    assert (doi, pmid, issn, typ) == (
        "10.1159/000314249",
        "20664272",
        "1423-0097",
        "journalArticle",
    )
    assert json.loads(kw)[:2] == ["Adult", "Allergens"] and len(json.loads(kw)) == 8
    assert ab.startswith("It is widely accepted")


def test_pagination_follows_links(run: Any, server: ZoteroServer) -> None:
    project = find_project(run.project)
    db = project.open_db()
    client = ZoteroClient(parse_library(LIB), KEY, endpoint=server.url, page_size=6)
    seen: list[tuple[int, int]] = []
    res = sync(db, project.root, client, progress=lambda d, t: seen.append((d, t)))
    db.close()
    starts = [r.query.get("start", "0") for r in server.requests_to("/items")]
    assert starts == ["0", "6", "12", "18"]  # 22 items in pages of 6
    assert all(r.query["limit"] == "6" for r in server.requests_to("/items"))
    assert seen == [(6, 22), (12, 22), (18, 22), (22, 22)]  # Total-Results drives the bar
    assert (res.fetched, res.added) == (22, expected_regular())


def test_second_sync_fetches_only_changes(zimport: Any, server: ZoteroServer) -> None:
    assert zimport().exit_code == 0
    project = zimport.project
    (changed_id,) = rows(project, "SELECT id FROM records WHERE source_id = 'PQKBRC33'")[0]
    db = find_project(project).open_db()
    assert corpus_db.sync_fts(db) == expected_regular()
    db.close()
    server.update_item("PQKBRC33", title="Sherlock Holmes in Babylon (revised)")
    server.delete_item("PG5ZCTJT")
    new_key = server.add_item(
        {"itemType": "journalArticle", "title": "A new study", "creators": [], "tags": []}
    )
    server.requests.clear()
    result = zimport("--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    assert (data["since_version"], data["library_version"]) == (1, 4)
    assert (data["fetched"], data["added"], data["updated"], data["deleted"]) == (2, 1, 1, 1)
    (items_req,) = server.requests_to("/items")
    assert items_req.query["since"] == "1"
    (deleted_req,) = server.requests_to("/deleted")
    assert deleted_req.query["since"] == "1"
    assert rows(project, "SELECT id, title FROM records WHERE source_id = 'PQKBRC33'") == [
        (changed_id, "Sherlock Holmes in Babylon (revised)")
    ]
    assert rows(project, "SELECT flags FROM records WHERE source_id = 'PG5ZCTJT'") == [
        ("missing_abstract,deleted_in_zotero",)
    ]
    assert rows(project, "SELECT COUNT(*) FROM records") == [(expected_regular() + 1,)]
    assert rows(project, "SELECT file_name, record_count FROM sources ORDER BY id") == [
        (f"zotero:{LIB}@v1", expected_regular()),
        (f"zotero:{LIB}@v4", 1),
    ]
    assert rows(project, f"SELECT COUNT(*) FROM records WHERE source_id = '{new_key}'") == [(1,)]
    # FTS follows the update
    hits = rows(project, "SELECT rowid FROM records_fts WHERE records_fts MATCH 'revised'")
    assert hits == [(changed_id,)]
    # nothing changed: nothing fetched
    third = zimport("--json")
    data3 = json.loads(third.output[third.output.index("{") :])
    assert (data3["since_version"], data3["fetched"], data3["added"], data3["updated"]) == (
        4,
        0,
        0,
        0,
    )


def test_rate_limit_backoff_then_success(run: Any, server: ZoteroServer) -> None:
    project = find_project(run.project)
    db = project.open_db()
    slept: list[float] = []
    client = ZoteroClient(parse_library(LIB), KEY, endpoint=server.url, sleep=slept.append)
    server.fail_next(429, 2, {"Retry-After": "7"})
    server.fail_next(503, 1, {"Retry-After": "3"})
    res = sync(db, project.root, client)
    db.close()
    assert res.added == expected_regular()
    assert [round(s) for s in slept] == [7, 7, 3]
    assert len(server.requests_to("/items")) == 4


def test_rate_limit_forever_is_one_line_and_imports_nothing(run: Any, server: ZoteroServer) -> None:
    project = find_project(run.project)
    db = project.open_db()
    client = ZoteroClient(parse_library(LIB), KEY, endpoint=server.url, sleep=lambda s: None)
    server.fail_next(500, 10)
    with pytest.raises(ZoteroError, match=r"server error 500 after 4 tries") as err:
        sync(db, project.root, client)
    assert "\n" not in str(err.value)
    assert db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 0
    db.close()


def test_403_one_line_nothing_imported(zimport: Any, server: ZoteroServer) -> None:
    server.fail_next(403, body=f"Invalid key {KEY}")
    result = zimport()
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "access denied (403)" in lines[0], result.output
    assert KEY not in result.output
    assert rows(zimport.project, "SELECT COUNT(*) FROM sources") == [(0,)]
    assert rows(zimport.project, "SELECT COUNT(*) FROM records") == [(0,)]


def test_wrong_key_is_403(zimport: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOTERO_API_KEY", "WRONG-SECRET-abc")
    result = zimport()
    assert result.exit_code == 1 and "access denied" in result.output
    assert "WRONG-SECRET-abc" not in result.output


def test_404_missing_collection_and_library(zimport: Any, run: Any, server: ZoteroServer) -> None:
    result = zimport("--collection", "NOPE1234")
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line] == [
        f"review: error: Zotero {LIB} at {server.url}: not found (404) "
        "while reading collection NOPE1234"
    ]
    by_name = zimport("--collection", "no such collection")
    assert by_name.exit_code == 1 and "no collection with key or name" in by_name.output
    other = run("zotero", "import", "--library", "user:999", "--endpoint", server.url, "--no-embed")
    assert other.exit_code == 1 and "not found (404)" in other.output
    assert rows(zimport.project, "SELECT COUNT(*) FROM sources") == [(0,)]


def test_collection_by_name(zimport: Any, server: ZoteroServer) -> None:
    coll = next(
        c for c in server.collections.values() if c["data"]["name"] == "Sciences (miscellaneous)"
    )
    members = [i for i in server.regular_items() if coll["key"] in i["data"].get("collections", [])]
    assert members, "the fixture library puts items in this collection"
    result = zimport("--collection", "sciences (MISCELLANEOUS)", "--json")
    assert result.exit_code == 0, result.output
    assert rows(zimport.project, "SELECT file_name, record_count FROM sources") == [
        (f"zotero:{LIB}/collection:{coll['key']}@v1", len(members))
    ]


def test_with_pdfs_attaches_text(zimport: Any, server: ZoteroServer, tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "paper.pdf", ["Food sensitisation outside the gut: full text."])
    att = server.add_file("3EWF3P9V", pdf.read_bytes(), filename="asero2011.pdf")
    result = zimport("--with-pdfs")
    assert result.exit_code == 0, result.output
    assert server.requests_to(f"/items/{att}/file")
    (row,) = rows(
        zimport.project,
        "SELECT f.file_name, f.text, f.stored_as FROM fulltexts f JOIN records r "
        "ON r.id = f.record_id WHERE r.source_id = '3EWF3P9V'",
    )
    assert row[0] == "asero2011.pdf" and "full text" in row[1]
    assert (zimport.project / row[2]).is_file()
    assert "1 PDFs attached (0 failed)" in result.output


def test_api_key_is_never_written(zimport: Any, server: ZoteroServer, tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "p.pdf", ["Some text for the key scan test here."])
    server.add_file("PQKBRC33", pdf.read_bytes())
    outputs = [zimport("--with-pdfs").output]
    server.update_item("PQKBRC33", title="Changed")
    outputs.append(zimport("--json").output)
    server.fail_next(403, body=f"bad key {KEY}")
    outputs.append(zimport().output)
    outputs.append(zimport("--collection", "NOPE1234").output)
    assert all(KEY not in out for out in outputs)
    conn = sqlite3.connect(zimport.project / "review.db")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        scanned = 0
        for table in tables:
            cols = [c[1] for c in conn.execute(f"PRAGMA table_info('{table}')")]
            for col in cols:
                hit = conn.execute(
                    f"SELECT COUNT(*) FROM '{table}' WHERE CAST(\"{col}\" AS TEXT) LIKE ?",
                    (f"%{KEY}%",),
                ).fetchone()[0]
                assert hit == 0, (table, col)
                scanned += 1
        assert scanned > 50
        assert conn.execute("SELECT COUNT(*) FROM zotero_syncs").fetchone()[0] == 2
    finally:
        conn.close()
    files = [p for p in zimport.project.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


def test_library_spec_and_key_resolution() -> None:
    assert str(parse_library("group:45")) == "group:45"
    with pytest.raises(ZoteroError, match="expected user:ID or group:ID"):
        parse_library("team:1")
    assert resolve_api_key("ZK", environ={"ZK": " k1 "}, use_keyring=False) == "k1"
    with pytest.raises(ZoteroError, match="set ZK"):
        resolve_api_key("ZK", environ={}, use_keyring=False, interactive=False)
    asked: list[str] = []
    key = resolve_api_key(
        "ZK",
        environ={},
        use_keyring=False,
        interactive=True,
        prompt=lambda p: asked.append(p) or "typed",
    )
    assert key == "typed" and asked


def test_missing_key_is_one_line(
    run: Any, server: ZoteroServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZOTERO_API_KEY", raising=False)
    monkeypatch.setattr("review.sync.zotero_client._keyring_key", lambda: "")
    result = run("zotero", "import", "--library", LIB, "--endpoint", server.url)
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line] == [
        "review: error: no Zotero API key: set ZOTERO_API_KEY (or store one in the system "
        "keyring as service 'review-zotero', user 'api-key')"
    ]


def test_server_write_support_for_push(server: ZoteroServer) -> None:
    """The replay server's writes (used by ``review zotero push`` tests) behave like Zotero's."""
    from pyzotero import zotero
    from pyzotero import zotero_errors as ze

    zot = zotero.Zotero(server.library_id, "user", KEY)
    zot.endpoint = server.url
    item = zot.item("3EWF3P9V")
    assert zot.add_tags(item, "review:include")
    assert server.items["3EWF3P9V"]["data"]["tags"][-1] == {"tag": "review:include"}
    assert server.version == 2
    with pytest.raises(ze.PreConditionFailedError):
        zot.update_item({"key": "3EWF3P9V", "version": 1, "title": "stale"})
    assert zot.create_collections([{"name": "Included"}])["success"] == {"0": "T0000001"}
    patches = server.requests_to("/items/3EWF3P9V", "PATCH")
    assert [r.headers["If-Unmodified-Since-Version"] for r in patches] == ["1", "1"]
    assert patches[0].json()["tags"][-1] == {"tag": "review:include"}


def test_a_sync_in_an_update_round_belongs_to_it(
    zimport: Any, run: Any, server: ZoteroServer
) -> None:
    """New items of a re-sync are the round's (with its date); changed ones stay where they were."""
    assert zimport().exit_code == 0
    project = zimport.project
    result = run("update", "start", "--search-date", "2026-06-01")
    assert result.exit_code == 0, result.output
    server.update_item("PQKBRC33", title="Sherlock Holmes in Babylon (revised)")
    new_key = server.add_item(
        {"itemType": "journalArticle", "title": "A newer study", "creators": [], "tags": []}
    )
    assert zimport().exit_code == 0
    assert rows(project, "SELECT round, search_date, record_count FROM sources ORDER BY id") == [
        (1, None, expected_regular()),
        (2, "2026-06-01", 1),
    ]
    in_round = "SELECT s.round FROM records r JOIN sources s ON s.id = r.source_ref "
    assert rows(project, in_round + "WHERE r.source_id = ?", (new_key,)) == [(2,)]
    assert rows(project, in_round + "WHERE r.source_id = 'PQKBRC33'") == [(1,)]

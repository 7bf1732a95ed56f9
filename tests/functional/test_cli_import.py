"""End-to-end CLI tests over a real review folder and SQLite file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from review.cli.root import cli

RIS = """TY  - JOUR
AU  - Müller, Hans
AU  - Smith, Jane
TI  - Online grooming of adolescents: a systematic review
T2  - Child Abuse & Neglect
PY  - 2021
VL  - 112
SP  - 104
EP  - 118
DO  - https://doi.org/10.1016/J.CHIABU.2020.104
AB  - We reviewed studies of online grooming.
KW  - grooming
KW  - adolescents
ID  - rec1
ER  - 

TY  - JOUR
AU  - García, Ana
TI  - Sextortion reports to hotlines, 2015-2020
T2  - Journal of Interpersonal Violence
PY  - 2022
DO  - 10.1177/0886260521999999
ID  - rec2
ER  - 
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def db_rows(run, sql: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(run.project / "review.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_import_records_source_and_flags(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ris = write(tmp_path / "scopus_export.txt", RIS)  # RIS in a .txt, as vendors do
    result = run(
        "import",
        str(ris),
        "--source",
        "Scopus",
        "--search-date",
        "2026-11-01",
        "--query",
        "grooming AND online",
    )
    assert result.exit_code == 0, result.output
    assert "2 records from Scopus [ris]" in result.output
    assert "1 lack a title or abstract" in result.output

    (source,) = db_rows(
        run,
        "SELECT database, file_name, sha256, format, search_date, query, "
        "record_count, flagged_count FROM sources",
    )
    assert source[0:2] == ("Scopus", "scopus_export.txt")
    assert len(source[2]) == 64
    assert source[3:] == ("ris", "2026-11-01", "grooming AND online", 2, 1)
    rows = db_rows(
        run,
        "SELECT source_id, title, doi, year, authors, flags, group_id, id FROM records ORDER BY id",
    )
    assert rows[0][:4] == (
        "rec1",
        "Online grooming of adolescents: a systematic review",
        "10.1016/j.chiabu.2020.104",
        2021,
    )
    assert json.loads(rows[0][4]) == ["Müller, Hans", "Smith, Jane"]
    assert rows[1][5] == "missing_abstract"
    assert all(r[6] == r[7] for r in rows)  # each record its own group before dedup


def test_reimport_refused_unless_forced(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ris = write(tmp_path / "a.ris", RIS)
    assert run("import", "--no-embed", str(ris)).exit_code == 0
    again = run("import", "--no-embed", str(ris))
    assert again.exit_code == 1
    assert "already imported" in again.output and "--force" in again.output
    assert db_rows(run, "SELECT COUNT(*) FROM records") == [(2,)]
    forced = run("import", "--no-embed", str(ris), "--force")
    assert forced.exit_code == 0
    assert db_rows(run, "SELECT COUNT(*) FROM records") == [(4,)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
        (RIS.encode()[: RIS.index("ID  - rec2")], "line"),  # truncated: no ER
        (b"foo,bar\n1,2\n", "no title or abstract column"),
        (b"just some words\nwithout any structure\n", "not recognised"),
    ],
    ids=["empty", "binary", "truncated", "csv-without-title", "unknown"],
)
def test_bad_files_fail_cleanly(run, tmp_path: Path, content: bytes, expected: str) -> None:  # type: ignore[no-untyped-def]
    good = write(tmp_path / "good.ris", RIS)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = run("import", "--no-embed", str(bad), str(good))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("review: error:")]
    assert len(errors) == 1, result.output
    assert str(bad) in errors[0] and expected in errors[0]
    assert "Traceback" not in result.output
    # the bad file imported nothing, the good one everything
    assert db_rows(run, "SELECT file_name, record_count FROM sources") == [("good.ris", 2)]


def test_missing_file_and_bad_date(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("import", "--no-embed", str(tmp_path / "nope.ris"))
    assert result.exit_code == 1
    assert "nope.ris: cannot read file" in result.output
    result = run("import", "--no-embed", str(tmp_path / "nope.ris"), "--search-date", "1 Nov")
    assert result.exit_code == 1
    assert "YYYY-MM-DD" in result.output


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_without_mojibake(run, tmp_path: Path, encoding: str) -> None:  # type: ignore[no-untyped-def]
    ris = write(tmp_path / f"{encoding}.ris", RIS.replace("\n", "\r\n"), encoding)
    result = run("import", "--no-embed", str(ris))
    assert result.exit_code == 0, result.output
    authors = db_rows(run, "SELECT authors FROM records ORDER BY id")
    assert json.loads(authors[0][0])[0] == "Müller, Hans"
    assert json.loads(authors[1][0]) == ["García, Ana"]


def test_status_json_counts_per_database(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("import", "--no-embed", str(write(tmp_path / "a.ris", RIS)), "--source", "Scopus")
    run("import", "--no-embed", str(write(tmp_path / "b.ris", RIS + "\n")), "--source", "Embase")
    data = json.loads(run("status", "--json").output)
    assert data["records"] == 4
    assert data["groups"] == 4
    assert data["missing_abstract"] == 2
    assert data["identified_by_database"] == {"Embase": 2, "Scopus": 2}
    assert [s["file_name"] for s in data["sources"]] == ["a.ris", "b.ris"]
    text = run("status").output
    assert "Scopus" in text and "Embase" in text


def test_export_csv_has_contract_columns(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("import", "--no-embed", str(write(tmp_path / "a.ris", RIS)), "--source", "Scopus")
    out = run("export", "records", "--format", "csv").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2
    for column in (
        "source_id",
        "source",
        "group_id",
        "title",
        "authors",
        "year",
        "doi",
        "decision_title_abstract",
        "decision_full_text",
    ):
        assert column in rows[0]
    assert rows[0]["source"] == "Scopus"
    assert rows[0]["authors"] == "Müller, Hans; Smith, Jane"
    assert rows[0]["group_id"] != rows[1]["group_id"]


@pytest.mark.parametrize("fmt", ["ris", "bibtex"])
def test_export_then_import_round_trips(run, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    run("import", "--no-embed", str(write(tmp_path / "a.ris", RIS)))
    out = tmp_path / f"out.{fmt}"
    result = run("export", "records", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    first = json.loads(run("export", "records", "--format", "jsonl").output.splitlines()[0])

    runner = CliRunner()
    second_project = tmp_path / "second"
    runner.invoke(cli, ["init", str(second_project)])
    res = runner.invoke(cli, ["--project", str(second_project), "import", "--no-embed", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        cli, ["--project", str(second_project), "export", "records", "--format", "jsonl"]
    )
    again = json.loads(res.output.splitlines()[0])
    for field in (
        "title",
        "abstract",
        "authors",
        "year",
        "journal",
        "volume",
        "pages",
        "doi",
        "keywords",
        "source_id",
    ):
        assert again[field] == first[field], field


def test_project_discovery_env_and_parents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    project = tmp_path / "rev"
    assert runner.invoke(cli, ["init", str(project)]).exit_code == 0
    nested = project / "notes" / "deep"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert str(project) in runner.invoke(cli, ["status", "--json"]).output
    monkeypatch.chdir(tmp_path)
    missing = runner.invoke(cli, ["status"])
    assert missing.exit_code == 1 and "review init" in missing.output
    monkeypatch.setenv("REVIEW_PROJECT", str(project))
    assert runner.invoke(cli, ["status"]).exit_code == 0
    again = runner.invoke(cli, ["init", str(project)])
    assert again.exit_code == 1 and "already exists" in again.output
    bad = runner.invoke(cli, ["init", str(tmp_path / "x"), "--template", "nope"])
    assert bad.exit_code == 1 and "generic" in bad.output


def test_database_settings_and_migrations(run) -> None:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(run.project / "review.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [
        r[0]
        for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'corpus'")
    ]
    assert names == [
        "m001_initial",
        "m002_embeddings_and_search",
        "m003_dedup",
        "m004_fulltexts",
        "m005_source_methods",
        "m006_rounds",
        "m007_fulltext_limits",
    ]
    conn.close()
    with pytest.raises(sqlite3.IntegrityError):
        from corpus.db import connect

        db = connect(run.project / "review.db")
        db.execute("INSERT INTO records (source_ref, position, raw) VALUES (999, 1, '{}')")


def test_corrupt_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "review.db").write_bytes(b"this is not sqlite" * 100)
    (tmp_path / "protocol.toml").write_text('[review]\ntitle = "x"\n')
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "status"])
    assert result.exit_code == 1
    assert result.output.startswith("review: error: review database:")


def test_the_cli_offers_exactly_the_source_methods_the_database_takes() -> None:
    from corpus.db import SOURCE_METHODS
    from review.cli.options import METHODS

    assert tuple(METHODS) == tuple(SOURCE_METHODS)

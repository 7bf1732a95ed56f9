"""Living reviews: an update round screens only its new studies (``review update``).

Built as a team builds one, through the CLI on a real review folder: round 1
imports eight records, screens six of them (two included at full text) and
leaves two unscreened; round 2 imports seven records of which three are the
same papers again (same DOI, as a database re-export gives them) and four are
new. Deduplication merges the three into their earlier studies, which keep
their decisions; the queue then offers exactly the four new studies.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from review.cli.root import cli
from review.core.context import open_context
from screening import queue, stopping
from tests.extraction_support import invoke
from tests.ledger_support import strip_ledger
from tests.terminal_support import BLIND


def ris(numbers: list[int], prefix: str = "r1") -> str:
    """RIS records ``n`` with a stable DOI per number (a paper found again keeps its DOI)."""
    return "".join(
        f"TY  - JOUR\nTI  - Study {n} of online grooming and platform design, wave {n * 7}\n"
        f"AU  - Author{n}, A.\nPY  - {2000 + n}\nDO  - 10.1000/living.{n}\n"
        f"AB  - Abstract of study {n} on online child exploitation, sample {n * 13}.\n"
        f"ID  - {prefix}-{n}\nER  - \n\n"
        for n in numbers
    )


def decide(project: Path, source_id: str, label: str, stage: str = "title-abstract") -> None:
    invoke(project, "decide", f"source:{source_id}", label, "--stage", stage, "--reviewer", "lead")


def as_json(project: Path, *args: str) -> Any:
    return json.loads(invoke(project, *args, "--json"))


def open_queue(project: Path) -> set[int]:
    """Every study the queue offers the lead at title/abstract (walked to the end)."""
    context = open_context(project, "lead")
    try:
        seen: list[int] = []
        while pick := queue.next_group(context.db, context.viewer, "title_abstract", skip=seen):
            seen.append(pick.group_id)
        return set(seen)
    finally:
        context.close()


def groups_of(project: Path, prefix: str) -> dict[str, int]:
    with sqlite3.connect(project / "review.db") as conn:
        rows = conn.execute(
            "SELECT source_id, group_id FROM records WHERE source_id LIKE ?", [f"{prefix}-%"]
        ).fetchall()
    return {str(s): int(g) for s, g in rows}


def new_review(
    folder: Path, numbers: list[int] | None, search_date: str = "", protocol: str = ""
) -> Path:
    """``review init`` with a lead, then (unless ``numbers`` is None) round 1's import."""
    project = folder / "rev"
    assert CliRunner().invoke(cli, ["init", str(project)]).exit_code == 0
    if protocol:
        (project / "protocol.toml").write_text(protocol, encoding="utf-8")
    invoke(project, "reviewer", "add", "lead", "--lead")
    if numbers is not None:
        path = folder / "round1.ris"
        path.write_text(ris(numbers), encoding="utf-8")
        invoke(project, "import", "--no-embed", "--search-date", search_date, str(path))
    return project


@pytest.fixture
def two_rounds(tmp_path: Path) -> Path:
    """Round 1 screened (2 included, 4 excluded, 2 never screened), round 2 imported."""
    project = new_review(tmp_path, list(range(1, 9)), "2026-01-15")
    for n in (1, 2):
        decide(project, f"r1-{n}", "include")
        decide(project, f"r1-{n}", "include", "full-text")
    for n in (3, 4, 5, 6):
        decide(project, f"r1-{n}", "exclude")
    out = invoke(project, "update", "start", "--search-date", "2026-07-01", "--reviewer", "lead")
    assert "Opened round 2" in out
    assert "2 studies of earlier rounds were never screened" in out
    second = tmp_path / "2026-07.ris"
    # 1 (included), 3 (excluded) and 7 (never screened) again, and four new papers.
    second.write_text(ris([1, 3, 7, 9, 10, 11, 12], prefix="r2"), encoding="utf-8")
    out = invoke(project, "import", "--no-embed", str(second))
    assert "(round 2)" in out
    invoke(project, "dedup", "--auto", "--no-vectors")
    return project


def test_a_second_round_screens_only_its_new_studies(two_rounds: Path) -> None:
    project = two_rounds
    r1, r2 = groups_of(project, "r1"), groups_of(project, "r2")
    # Deduplicated against round 1: the papers found again joined their studies.
    for n in (1, 3, 7):
        assert r2[f"r2-{n}"] == r1[f"r1-{n}"]
    new = {r2[f"r2-{n}"] for n in (9, 10, 11, 12)}
    assert open_queue(project) == new
    # Decided studies keep their decisions; nothing was copied or lost.
    decisions = invoke(project, "export", "decisions", "--format", "csv")
    assert decisions.count(",title_abstract,lead,") == 6
    assert decisions.count(",full_text,lead,include") == 2
    # The imports took the round's search date.
    sources = as_json(project, "status")["sources"]
    assert [(s["round"], s["search_date"]) for s in sources] == [
        (1, "2026-01-15"),
        (2, "2026-07-01"),
    ]
    for n in (9, 10, 11):
        decide(project, f"r2-{n}", "exclude")
    decide(project, "r2-12", "include")
    assert open_queue(project) == set()
    decide(project, "r2-12", "include", "full-text")


def test_status_stopping_and_the_round_list_are_per_round(two_rounds: Path) -> None:
    project = two_rounds
    status = as_json(project, "status")
    assert status["round"] == 2 and status["screening"]["rounds"] == 2
    ta = status["screening"]["stages"]["title_abstract"]
    assert (ta["eligible"], ta["screened"], ta["included"], ta["undecided"]) == (4, 0, 0, 4)
    ft = status["screening"]["stages"]["full_text"]
    assert (ft["eligible"], ft["included"]) == (0, 0)
    earlier = as_json(project, "status", "--round", "1")["screening"]["stages"]
    assert (earlier["title_abstract"]["eligible"], earlier["title_abstract"]["screened"]) == (8, 6)
    assert earlier["full_text"]["included"] == 2
    text = invoke(project, "status")
    assert "Round 2 of 2, searches of 2026-07-01" in text
    # The stopping rule of round 2 sees only its own studies: nothing screened yet.
    assert "no decisions yet" in invoke(project, "stopping", ok=False)
    first = as_json(project, "stopping", "--round", "1")
    assert first["screened"] == 6 and first["records"] == 8
    decide(project, "r2-9", "exclude")
    second = as_json(project, "stopping")
    assert second["screened"] == 1 and second["records"] == 4
    rounds = as_json(project, "update", "list")
    assert [
        (r["number"], r["records"], r["new_studies"], r["known_studies"], r["screened"])
        for r in rounds
    ] == [(1, 8, 8, 0, 6), (2, 7, 4, 3, 1)]
    assert rounds[0]["included"] == 2 and rounds[1]["to_screen"] == 3
    assert rounds[1]["started_by"] == "lead" and rounds[1]["search_date"] == "2026-07-01"
    listing = invoke(project, "update", "list")
    assert listing.splitlines()[2].split()[:6] == ["2", "2026-07-01", "1", "7", "4", "3"]


def test_a_round_draws_its_own_stopping_sample(two_rounds: Path) -> None:
    project = two_rounds
    decide(project, "r2-9", "exclude")
    invoke(project, "stopping", "sample", "--seed", "7", "--reviewer", "lead")
    context = open_context(project, "lead")
    try:
        db, who = context.db, context.viewer
        drawn = stopping.stage_json(db, who, "title_abstract", round_no=2)
        assert drawn is not None and drawn["sample_drawn"]["seed"] == "7"
        earlier = stopping.stage_json(db, who, "title_abstract", round_no=1)
        assert earlier is not None and earlier["sample_drawn"] is None
        r2 = groups_of(project, "r2")
        pick = queue.next_group(db, who, "title_abstract")
        assert pick is not None and pick.order == "sample"
        assert pick.group_id in {r2[f"r2-{n}"] for n in (10, 11, 12)}
    finally:
        context.close()
    assert "all checks passed" in invoke(project, "check")


def test_the_prisma_diagram_of_an_update_has_previous_studies(two_rounds: Path) -> None:
    project = two_rounds
    for n in (9, 10, 11):
        decide(project, f"r2-{n}", "exclude")
    decide(project, "r2-12", "include")
    decide(project, "r2-12", "include", "full-text")
    data = json.loads(invoke(project, "report", "prisma"))
    assert (data["round"], data["rounds"]) == (2, 2)
    assert data["database_results"] == 7 and data["duplicates"] == 3
    assert (data["records_screened"], data["records_excluded"]) == (4, 3)
    assert (data["new_studies"], data["previous_studies"], data["total_studies"]) == (1, 2, 3)
    assert data["previous_reports"] == 2
    first = json.loads(invoke(project, "report", "prisma", "--round", "1"))
    assert first["database_results"] == 8 and first["previous_studies"] == 0
    assert (first["new_studies"], first["awaiting_screening"]) == (2, 2)
    given = json.loads(invoke(project, "report", "prisma", "--previous-studies", "5"))
    assert (given["previous_studies"], given["previous_reports"]) == (5, 5)
    svg = invoke(project, "report", "prisma", "--format", "svg")
    assert "Previous studies" in svg and "previous version of" in svg
    markdown = invoke(project, "report", "prisma", "--format", "md")
    assert "Studies included in previous version of review" in markdown
    assert "Previous studies" not in invoke(project, "report", "prisma", "--round", "1",
                                            "--format", "svg")  # fmt: skip
    out = invoke(project, "report", "prisma", "--round", "3", ok=False)
    assert "there is no round 3" in out


def test_opening_a_round_checks_its_input(tmp_path: Path) -> None:
    project = new_review(tmp_path, None)

    def start(*args: str) -> str:
        return invoke(project, "update", "start", *args, ok=False)

    assert "has no imports yet" in start("--search-date", "2026-01-01", "--reviewer", "lead")
    path = tmp_path / "a.ris"
    path.write_text(ris([1, 2]), encoding="utf-8")
    invoke(project, "import", "--no-embed", "--search-date", "2026-03-01", str(path))
    assert "expected a date as YYYY-MM-DD" in start("--search-date", "March", "--reviewer", "lead")
    future = (date.today() + timedelta(days=3)).isoformat()
    assert "is in the future" in start("--search-date", future, "--reviewer", "lead")
    assert "is before the last round's search (2026-03-01)" in start(
        "--search-date", "2026-02-01", "--reviewer", "lead"
    )
    assert "only a lead opens an update round" in start("--search-date", "2026-04-01",
                                                        "--reviewer", "ana")  # fmt: skip
    for bad in (("--search-date", "March"), ("--search-date", "2026-02-01")):
        result = CliRunner().invoke(
            cli, ["--project", str(project), "update", "start", *bad, "--reviewer", "lead"]
        )
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert [r["number"] for r in as_json(project, "update", "list")] == [1]
    opened = as_json(project, "update", "start", "--search-date", "2026-04-01", "--reviewer",
                     "lead", "--note", "first update")  # fmt: skip
    assert opened["number"] == 2 and opened["unscreened"] == 2
    audit = invoke(project, "check")
    assert "all checks passed" in audit
    with sqlite3.connect(project / "review.db") as conn:
        row = conn.execute("SELECT reviewer, details FROM audit WHERE action = 'update.start'")
        reviewer, details = row.fetchone()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM rounds")
    assert reviewer == "lead" and json.loads(details)["round"] == 2


def test_a_review_from_before_rounds_upgrades_with_its_sample(tmp_path: Path) -> None:
    """Opening an old review adds round 1 and rebuilds the samples table, sample kept."""
    project = new_review(tmp_path, list(range(1, 9)), "2025-10-01")
    for n in (1, 2, 3):
        decide(project, f"r1-{n}", "exclude" if n > 1 else "include")
    invoke(project, "stopping", "sample", "--seed", "3", "--reviewer", "lead")
    before = as_json(project, "stopping")["sample_drawn"]
    # Back to the schema of the release before rounds (foreign keys off, as the shell has),
    # which had no ledger either.
    strip_ledger(project / "review.db")
    conn = sqlite3.connect(project / "review.db")
    conn.executescript(
        """
        CREATE TABLE old_samples AS SELECT id, stage, drawn_by, drawn_at, target, confidence,
            seed, eligible, ranked, ranked_relevant, last_decision FROM stopping_samples;
        DROP TABLE stopping_samples;
        CREATE TABLE stopping_samples (
            id INTEGER PRIMARY KEY,
            stage TEXT NOT NULL UNIQUE CHECK (stage IN ('title_abstract', 'full_text')),
            drawn_by TEXT NOT NULL REFERENCES reviewers(name), drawn_at TEXT NOT NULL,
            target REAL NOT NULL, confidence REAL NOT NULL, seed TEXT NOT NULL,
            eligible INTEGER NOT NULL, ranked INTEGER NOT NULL,
            ranked_relevant INTEGER NOT NULL, last_decision INTEGER NOT NULL);
        INSERT INTO stopping_samples SELECT * FROM old_samples;
        DROP TABLE old_samples;
        DROP TABLE rounds;
        DROP INDEX sources_round;
        ALTER TABLE sources DROP COLUMN round;
        DELETE FROM _sqlite_migrations WHERE name IN ('m006_rounds', 'm005_round_samples');
        """
    )
    conn.close()
    assert as_json(project, "stopping")["sample_drawn"] == before
    assert "all checks passed" in invoke(project, "check")
    rounds = as_json(project, "update", "list")
    assert [(r["number"], r["search_date"], r["records"]) for r in rounds] == [(1, "2025-10-01", 8)]
    with sqlite3.connect(project / "review.db") as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'stopping_samples'")
        assert "UNIQUE (stage, round)" in sql.fetchone()[0]
    invoke(project, "update", "start", "--search-date", "2026-01-01", "--reviewer", "lead")
    assert as_json(project, "stopping", "--round", "1")["sample_drawn"] == before


def test_the_ranking_of_an_update_orders_only_its_open_studies(two_rounds: Path) -> None:
    """Every round's decisions train the model; only the round's open studies are ranked."""
    from screening import ranking

    context = open_context(two_rounds, "lead")
    try:
        spec = ranking.Spec(question="online grooming and platform design")
        ranked = ranking.retrain(context.db, context.viewer, "title_abstract", spec)
        assert ranked is not None
        stored = context.db.execute(
            "SELECT group_id FROM rankings WHERE model_version = ?", [ranked.model_version]
        ).fetchall()
        r2 = groups_of(two_rounds, "r2")
        assert {g for (g,) in stored} == {r2[f"r2-{n}"] for n in (9, 10, 11, 12)}
        pick = queue.next_group(context.db, context.viewer, "title_abstract", order="ranked")
        assert pick is not None and pick.order == "ranked" and pick.shown.rank == 1
    finally:
        context.close()


def test_the_methods_summary_tells_the_rounds(two_rounds: Path, tmp_path: Path) -> None:
    invoke(two_rounds, "report", "all", "-o", str(tmp_path / "report"), "--reviewer", "lead")
    methods = (tmp_path / "report" / "methods.md").read_text(encoding="utf-8")
    assert "run in 2 rounds (round 1 searched 2026-01-15; round 2 searched 2026-07-01)" in methods
    assert "| 2 | unknown | database | 2026-07-01 | 7 |" in methods
    assert "Title and abstract, round 1: After 6 of 8 records" in methods
    assert "Title and abstract, round 2: nothing screened yet." in methods
    prisma = json.loads((tmp_path / "report" / "prisma.json").read_text(encoding="utf-8"))
    assert (prisma["round"], prisma["previous_studies"]) == (2, 2)


def test_rounds_keep_blind_screening_blind(tmp_path: Path) -> None:
    """A reviewer who is not a lead sees how far a round is, never what others decided."""
    project = new_review(tmp_path, [1, 2, 3], "2026-01-01", protocol=BLIND)
    for n in (1, 2, 3):
        for who in ("ana", "ben"):
            label = "include" if n == 1 or who == "ben" else "exclude"
            invoke(project, "decide", f"source:r1-{n}", label, "--reviewer", who)
    assert "only a lead opens" in invoke(project, "update", "start", "--search-date",
                                         "2026-02-01", "--reviewer", "ana", ok=False)  # fmt: skip
    invoke(project, "update", "start", "--search-date", "2026-02-01", "--reviewer", "lead")
    ana = as_json(project, "update", "list", "--reviewer", "ana")[0]
    lead = as_json(project, "update", "list", "--reviewer", "lead")[0]
    assert (ana["screened"], ana["to_screen"]) == (lead["screened"], lead["to_screen"]) == (3, 0)
    assert (ana["passed"], ana["included"]) == (None, None)
    assert lead["passed"] == 1
    assert "hidden" in invoke(project, "update", "list", "--reviewer", "ana")
    stages = as_json(project, "status", "--round", "1", "--reviewer", "ana")["screening"]["stages"]
    assert stages["title_abstract"]["included"] is None
    assert stages["title_abstract"]["screened"] == 3


def test_the_dashboard_shows_the_round_it_counts(two_rounds: Path) -> None:
    """The TUI's dashboard and screening line count the newest round's new studies."""
    from textual.pilot import Pilot

    from review.core.project import Project
    from review.tui import make_app
    from tests.tui_support import drive, settle

    app = make_app(Project(two_rounds), "lead")
    seen: dict[str, str] = {}

    async def script(pilot: Pilot[Any]) -> None:
        seen["screening"] = str(app.screen.query_one("#screening").border_title)
        seen["prisma"] = str(app.screen.query_one("#prisma").border_title)
        await pilot.press("s")
        await settle(pilot)
        seen["line"] = " ".join(str(w.render()) for w in app.screen.query("ProgressLine"))

    drive(app, script)
    assert seen["screening"] == "Screening · round 2 of 2 (new studies)"
    assert seen["prisma"] == "PRISMA 2020 flow · update round 2"
    assert "screened 0 of 4" in seen["line"]


def test_undoing_a_merge_makes_the_record_a_new_study_of_its_round(two_rounds: Path) -> None:
    """A record wrongly merged into an earlier study becomes a new study of the update."""
    project = two_rounds
    r1 = groups_of(project, "r1")
    merges = as_json(project, "dedup", "list")
    (merge,) = [m for m in merges if r1["r1-7"] in (m["into_group"], m["from_group"])]
    invoke(project, "dedup", "undo", str(merge["id"]), "--reviewer", "lead")
    r2 = groups_of(project, "r2")
    assert r2["r2-7"] != groups_of(project, "r1")["r1-7"]
    assert open_queue(project) == {r2[f"r2-{n}"] for n in (7, 9, 10, 11, 12)}
    rounds = as_json(project, "update", "list")
    assert [(r["new_studies"], r["known_studies"]) for r in rounds] == [(8, 0), (5, 2)]

"""`review stopping sample --json` and `review rank --json` follow the app's queue (issue 20)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocols.vocabulary import Stage
from review.core.context import viewer_for
from screening import db as sdb
from screening import queue
from screening.decide import decide
from tests.stopping_support import cli_review, decide_first, justify_stopping
from tests.zotero_server import ZoteroServer

TA = Stage.TITLE_ABSTRACT


def served_sample(project: object) -> list[int]:
    """The sample studies the app would serve, one by one, skipping each once seen."""
    db = project.open_db()  # type: ignore[attr-defined]
    ana = viewer_for(project, db, "ana")  # type: ignore[arg-type]
    seen: list[int] = []
    while (pick := queue.next_group(db, ana, TA, skip=seen)) is not None:
        if pick.order != "sample":
            break
        seen.append(pick.group_id)
    db.close()
    return seen


def test_stopping_sample_json_lists_the_sample_in_draw_order(tmp_path: Path) -> None:
    run, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    first = json.loads(
        run("stopping", "sample", "--reviewer", "ana", "--seed", "7", "--json").output
    )
    db = project.open_db()
    stored = sdb.stopping_sample(db, TA)
    assert stored is not None
    ids = list(stored.groups)
    assert first == {
        "stage": "title_abstract",
        "seed": "7",
        "drawn": len(ids),
        "sample": ids,
        "screened": 0,
        "remaining": len(ids),
        "queue": ids,
    }
    ana = viewer_for(project, db, "ana")
    for g in ids[:2]:
        decide(db, ana, g, TA, "exclude")
    db.close()
    listed = json.loads(run("stopping", "sample", "--json", "--reviewer", "ana").output)
    assert listed["drawn"] == 0 and listed["sample"] == ids  # listed, nothing drawn
    assert (listed["screened"], listed["remaining"]) == (2, len(ids) - 2)
    assert listed["queue"] == ids[2:] == served_sample(project)
    plain = run("stopping", "sample", "--reviewer", "ana")
    assert plain.exit_code != 0 and "already drawn" in plain.output


def test_rank_json_puts_the_open_sample_first_in_queue_order(tmp_path: Path) -> None:
    run, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    before = json.loads(run("rank", "--reviewer", "ana", "--json", "--top", "5").output)
    assert before["sample"] == [] and all(r["order"] == "ranked" for r in before["top"])
    run("stopping", "sample", "--reviewer", "ana", "--seed", "7")
    db = project.open_db()
    stored = sdb.stopping_sample(db, TA)
    assert stored is not None
    ids = list(stored.groups)
    decide(db, viewer_for(project, db, "ana"), ids[0], TA, "exclude")
    db.close()
    served = served_sample(project)
    assert served == ids[1:]
    data = json.loads(
        run("rank", "--reviewer", "ana", "--json", "--top", str(len(served) + 3)).output
    )
    assert data["sample"] == served
    top = data["top"]
    assert [r["group_id"] for r in top[: len(served)]] == served
    assert all(r["order"] == "sample" and r["score"] is None for r in top[: len(served)])
    assert [r["rank"] for r in top] == list(range(1, len(top) + 1))
    rest = top[len(served) :]
    assert rest and all(r["order"] == "ranked" for r in rest)  # the few studies left
    assert not {r["group_id"] for r in rest} & set(ids)
    text = run("rank", "--reviewer", "ana", "--top", "2").output
    assert "The random sample comes first" in text and "sample" in text.splitlines()[-1]


def test_late_import_into_a_stopped_round_warns_and_points_to_update(tmp_path: Path) -> None:
    run, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    more = tmp_path / "late.ris"
    more.write_text("TY  - JOUR\nTI  - Late one\nAB  - L.\nER  - \n\n" * 1, "utf-8")
    quiet = run("import", "--no-embed", str(more))
    assert quiet.exit_code == 0 and "justified to stop" not in quiet.output  # not justified yet
    justify_stopping(run, project)
    late = tmp_path / "later.ris"
    late.write_text(
        "".join(f"TY  - JOUR\nTI  - Later {n}\nAB  - Z {n}.\nER  - \n\n" for n in range(3)),
        "utf-8",
    )
    result = run("import", "--no-embed", str(late))
    assert result.exit_code == 0
    lines = [x for x in result.output.splitlines() if "justified to stop" in x]
    assert lines == [
        "review: warning: screening of this round was already justified to stop; the 3 new "
        "records reopen it (the stopping sentence no longer holds) - start an update round "
        "for new records: review update start"
    ]


def test_late_zotero_import_into_a_stopped_round_warns_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's case: a late Zotero sync reopened the round silently (local server)."""
    run, project = cli_review(tmp_path)
    decide_first(project, "ana", 60, 6)
    justify_stopping(run, project)
    monkeypatch.setenv("ZOTERO_API_KEY", "K")
    with ZoteroServer(api_key="K") as server:
        result = run(
            "zotero", "import", "--library", "user:475425", "--endpoint", server.url, "--no-embed"
        )
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if "justified to stop" in x]
    assert len(lines) == 1 and lines[0].startswith("review: warning: screening of this round")
    assert lines[0].endswith("start an update round for new records: review update start")

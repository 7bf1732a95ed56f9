"""The stopping rule inside a real review: protocol keys, the sample, queue, CLI, status."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from protocols.loader import ProtocolError, parse
from review.core.context import viewer_for
from screening import blind, queue, stopping
from screening import db as sdb
from screening.decide import decide
from screening.errors import ScreeningError
from screening.stopping import hypergeometric_p, required_sample
from tests.screening_support import make_review, team
from tests.stopping_support import BLIND, TA, cli_review, decide_first

HEAD = '[review]\ntitle = "T"\n'


# --- protocol keys ---------------------------------------------------------------


def test_protocol_stopping_keys_default_and_validate() -> None:
    plain = parse(HEAD, "protocol.toml").screening
    assert (plain.stopping_target, plain.stopping_confidence) == (0.95, 0.95)
    chosen = parse(HEAD + "[screening]\nstopping_target = 1\nstopping_confidence = 0.9\n", "p")
    assert (chosen.screening.stopping_target, chosen.screening.stopping_confidence) == (1.0, 0.9)
    for key, value in [
        ("stopping_target", "0"),
        ("stopping_target", "1.5"),
        ("stopping_target", '"high"'),
        ("stopping_confidence", "1"),
        ("stopping_confidence", "true"),
        ("stopping_confidence", "-0.5"),
    ]:
        with pytest.raises(ProtocolError) as info:
            parse(HEAD + f"[screening]\n{key} = {value}\n", "protocol.toml")
        message = str(info.value)
        assert message.startswith(f"protocol.toml:4: key screening.{key} must be a number")
        assert "\n" not in message


# --- a review with decisions ------------------------------------------------------------


def screened(tmp_path: Path, n: int = 120, decided: int = 60, relevant: int = 6):  # type: ignore[no-untyped-def]
    """A one-reviewer open review: the first ``decided`` studies screened, ``relevant`` included."""
    db, groups = make_review(tmp_path / "rev", n)
    (ana,) = team(db, "ana", blind=False, required=1, lead=None)
    for i, g in enumerate(groups[:decided]):
        decide(db, ana, g, TA, "include" if i < relevant else "exclude")
    return db, ana, groups


def screen_sample(db: Any, who: blind.Viewer, label: Callable[[int], str]) -> list[int]:
    """Screen the sample through the queue, in the order served; return the groups."""
    served: list[int] = []
    while (pick := queue.next_group(db, who, TA)) is not None and pick.order == "sample":
        served.append(pick.group_id)
        decide(db, who, pick.group_id, TA, label(len(served)))
    return served


def test_draw_is_reproducible_and_only_from_undecided_studies(tmp_path: Path) -> None:
    db, ana, groups = screened(tmp_path / "a")
    sample = stopping.draw_sample(db, ana, TA, seed="s1")
    undecided = groups[60:]
    assert set(sample.groups) <= set(undecided)
    assert len(sample.groups) == len(set(sample.groups)) == required_sample(60, 6)
    assert sample.groups == tuple(random.Random("s1:1").sample(undecided, len(sample.groups)))
    assert (sample.eligible, sample.ranked, sample.ranked_relevant) == (120, 60, 6)
    assert sample.drawn_by == "ana" and sample.seed == "s1"
    again, _, _ = screened(tmp_path / "b")
    assert stopping.draw_sample(again, ana, TA, seed="s1").groups == sample.groups
    with pytest.raises(ScreeningError, match="already drawn"):
        stopping.draw_sample(db, ana, TA)
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM stopping_sample_groups")


def test_queue_serves_the_sample_first_in_draw_order(tmp_path: Path) -> None:
    db, ana, _ = screened(tmp_path)
    sample = stopping.draw_sample(db, ana, TA, seed="q")
    first = queue.next_group(db, ana, TA)
    assert first is not None and first.order == "sample"
    assert (first.group_id, first.sample) == (sample.groups[0], (1, len(sample.groups)))
    skipped = queue.next_group(db, ana, TA, skip=[sample.groups[0]])
    assert skipped is not None and skipped.sample == (2, len(sample.groups))
    assert screen_sample(db, ana, lambda _: "exclude") == list(sample.groups)
    after = queue.next_group(db, ana, TA)
    assert after is not None and after.order == "random" and after.sample is None


def test_clean_sample_justifies_stopping(tmp_path: Path) -> None:
    db, ana, _ = screened(tmp_path)
    before = stopping.assess_stage(db, ana, TA)
    assert before is not None and before.p_value is None and not before.stop_justified
    sample = stopping.draw_sample(db, ana, TA, seed="ok")
    half = stopping.assess_stage(db, ana, TA)
    assert half is not None and half.sample_size == len(sample.groups)
    screen_sample(db, ana, lambda _: "exclude")
    report = stopping.assess_stage(db, ana, TA)
    assert report is not None and report.stop_justified
    n = len(sample.groups)
    assert report.p_value == pytest.approx(hypergeometric_p(60, 6, n, 0))
    assert (report.ranked_screened, report.sample_screened, report.urn_size) == (60, n, 60)
    assert report.estimate is not None and report.estimate.low >= 0.95
    with pytest.raises(ScreeningError, match="large enough"):
        stopping.extend_sample(db, ana, TA)


def test_relevant_sample_records_need_an_extension_from_the_same_urn(tmp_path: Path) -> None:
    db, ana, groups = screened(tmp_path, n=300, decided=100, relevant=10)
    sample = stopping.draw_sample(db, ana, TA, seed="rel")
    screen_sample(db, ana, lambda i: "include" if i == 3 else "exclude")
    report = stopping.assess_stage(db, ana, TA)
    assert report is not None and not report.stop_justified
    assert report.sample_relevant == 1
    assert report.p_value == pytest.approx(hypergeometric_p(200, 10, len(sample.groups), 1))
    added = stopping.extend_sample(db, ana, TA)
    grown = sdb.stopping_sample(db, TA)
    assert grown is not None and added == len(grown.groups) - len(sample.groups) > 0
    assert grown.groups[: len(sample.groups)] == sample.groups
    assert set(grown.groups) <= set(groups[100:])
    assert sdb.sample_batches(db, grown.id) == 2


def test_dual_screening_conflicts_count_as_relevant(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path / "rev", 10)
    ana, ben, lead = team(db, "ana", "ben", blind=True, required=2)
    decide(db, ana, groups[0], TA, "include")
    decide(db, ben, groups[0], TA, "exclude")  # conflict: relevant
    decide(db, ana, groups[1], TA, "exclude")
    decide(db, ben, groups[1], TA, "exclude")  # agreed exclude
    decide(db, ana, groups[2], TA, "maybe")  # one of two so far: relevant
    report = stopping.assess_stage(db, lead, TA)
    assert report is not None and (report.ranked_screened, report.ranked_relevant) == (3, 2)
    with pytest.raises(ScreeningError, match="blind"):
        stopping.assess_stage(db, ana, TA)
    with pytest.raises(ScreeningError, match="blind"):
        stopping.draw_sample(db, ana, TA)
    blind.unblind(db, lead, TA)
    assert stopping.assess_stage(db, ana, TA) == report


# --- CLI and status ------------------------------------------------------------------


def one_line_error(result: Result, text: str) -> None:
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert text in result.output


def test_cli_report_sample_and_status(tmp_path: Path) -> None:
    run, project = cli_review(tmp_path)
    one_line_error(run("stopping", "--reviewer", "ana"), "no decisions yet")
    one_line_error(run("stopping", "--stage", "abstracts"), "unknown stage")
    one_line_error(run("stopping", "sample", "--reviewer", "ana"), "nothing is screened")
    decide_first(project, "ana", 60, 6)
    out = run("stopping", "--reviewer", "ana").output
    assert "ready for random check" in out and "Not yet: screen a random sample of" in out
    drawn = run("stopping", "sample", "--reviewer", "ana", "--seed", "7")
    assert drawn.exit_code == 0 and "Drew a random sample of" in drawn.output
    one_line_error(run("stopping", "sample", "--reviewer", "ana"), "already drawn")
    db = project.open_db()
    ana = viewer_for(project, db, "ana")
    n = len(screen_sample(db, ana, lambda _: "exclude"))
    db.close()
    data = json.loads(run("status", "--json", "--reviewer", "ana").output)
    stop = data["screening"]["stages"][TA]["stopping"]
    assert stop["stop_justified"] is True and stop["sample_screened"] == n
    assert stop["p_value"] == pytest.approx(hypergeometric_p(60, 6, n, 0))
    assert stop["recall"]["low"] >= 0.95 and stop["sample_drawn"]["seed"] == "7"
    assert data["screening"]["stages"]["full_text"]["stopping"] is None
    report = json.loads(run("stopping", "--json", "--reviewer", "ana").output)
    assert report["stop_justified"] and "Callaghan" in report["sentence"]
    plain = run("status", "--reviewer", "ana").output
    assert "Stopping justified at 95% recall (95% confidence)" in plain


def test_blind_reviewer_gets_no_stopping_figures(tmp_path: Path) -> None:
    run, project = cli_review(tmp_path, BLIND)
    assert run("reviewer", "add", "lead", "--lead").exit_code == 0
    decide_first(project, "ana", 60, 6)
    one_line_error(run("stopping", "--reviewer", "ana"), "only a lead sees them")
    one_line_error(run("stopping", "sample", "--reviewer", "ana"), "only a lead sees them")
    hidden = json.loads(run("status", "--json", "--reviewer", "ana").output)
    assert hidden["screening"]["stages"][TA]["stopping"] is None
    assert "hidden while screening is blind" in run("status", "--reviewer", "ana").output
    lead = json.loads(run("status", "--json", "--reviewer", "lead").output)
    assert lead["screening"]["stages"][TA]["stopping"]["target"] == 0.9

"""Every stopping rule on a review's stage: the run built from the db, the registry's names,
the protocol key, stored verdicts and the chosen rule (issue 20 §3-4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.loader import ProtocolError, parse
from protocols.vocabulary import DEFAULT_STOPPING, StoppingRule
from screening import db as sdb
from screening import stopping
from screening.decide import decide
from screening.errors import ScreeningError
from screening.stopping import verdicts
from screening.stopping.stoppers import STOPPERS, check_all
from tests.screening_support import make_review, team

TA = "title_abstract"
HEAD = '[review]\ntitle = "T"\n'


def test_registry_names_are_the_protocol_vocabulary() -> None:
    assert list(STOPPERS) == [str(rule) for rule in StoppingRule]
    assert DEFAULT_STOPPING == "certified" and DEFAULT_STOPPING in STOPPERS
    assert set(verdicts.LIVE) | set(verdicts.STORED) == set(STOPPERS)
    assert not set(verdicts.LIVE) & set(verdicts.STORED)


def test_protocol_stopping_key_defaults_validates_and_lists_the_rules() -> None:
    assert parse(HEAD, "protocol.toml").screening.stopping == StoppingRule.CERTIFIED
    chosen = parse(HEAD + '[screening]\nstopping = "quant-ci"\n', "protocol.toml")
    assert chosen.screening.stopping == StoppingRule.QUANT_CI
    for bad in ('"magic"', "1", '"Certified"'):
        with pytest.raises(ProtocolError) as info:
            parse(HEAD + f"[screening]\nstopping = {bad}\n", "protocol.toml")
        message = str(info.value)
        assert message.startswith("protocol.toml:4: key screening.stopping must be one of")
        assert "\n" not in message
        assert all(f'"{name}"' in message for name in STOPPERS)


def screened(tmp_path: Path, n: int = 40, decided: int = 20):  # type: ignore[no-untyped-def]
    """An open one-reviewer review: the first ``decided`` studies screened, every 4th included,
    decided in reverse group order (so first-decision order is not group order)."""
    db, groups = make_review(tmp_path / "rev", n)
    (ana,) = team(db, "ana", blind=False, required=1, lead=None)
    order = list(reversed(groups[:decided]))
    for i, g in enumerate(order):
        decide(db, ana, g, TA, "include" if i % 4 == 0 else "exclude")
    return db, ana, groups, order


def test_stage_run_follows_first_decision_order_and_the_sample(tmp_path: Path) -> None:
    db, ana, groups, order = screened(tmp_path)
    run = verdicts.stage_run(db, TA, ana, 0.9, 0.8)
    assert list(run.labels) == [1 if i % 4 == 0 else 0 for i in range(20)]
    assert (run.total, run.target, run.confidence) == (40, 0.9, 0.8)
    assert list(run.sample) == [] and run.sample_urn == 0 and run.screened_probs is None
    # A later change of mind keeps the study's place (its first decision) and its new label.
    decide(db, ana, order[1], TA, "include")
    assert list(verdicts.stage_run(db, TA, ana).labels)[:3] == [1, 1, 0]
    # The sample: its settled labels in draw order; the urn when it was drawn.
    sample = stopping.draw_sample(db, ana, TA, seed="x")
    first, second = sample.groups[:2]
    decide(db, ana, first, TA, "include")
    decide(db, ana, second, TA, "exclude")
    run = verdicts.stage_run(db, TA, ana)
    assert list(run.sample) == [1, 0] and run.sample_urn == 20 and len(run.labels) == 20
    # The same counts as the certified report of state.py.
    report = stopping.assess_stage(db, ana, TA)
    assert report is not None
    assert (report.ranked_screened, report.sample_screened) == (len(run.labels), len(run.sample))
    cert = check_all(verdicts.stage_run(db, TA, ana), ["certified"])["certified"]
    assert cert.stop == report.stop_justified and cert.details["p"] == report.p_value


def test_stage_run_carries_probabilities_only_for_every_study(tmp_path: Path) -> None:
    db, ana, groups, order = screened(tmp_path)
    probs = {g: (0.9 if g in order[::4] else 0.1) for g in groups}
    run = verdicts.stage_run(db, TA, ana, probs=probs)
    assert run.screened_probs == [0.9 if i % 4 == 0 else 0.1 for i in range(20)]
    assert run.unscreened_probs is not None and len(run.unscreened_probs) == 20
    assert list(run.unscreened_probs) == sorted(run.unscreened_probs, reverse=True)
    partial = dict(list(probs.items())[:-1])
    assert verdicts.stage_run(db, TA, ana, probs=partial).screened_probs is None
    assert set(check_all(verdicts.stage_run(db, TA, ana, probs=probs))) == set(STOPPERS)
    assert "quant" not in check_all(verdicts.stage_run(db, TA, ana))


def test_stored_verdicts_go_stale_and_the_chosen_rule_drives_the_stop(tmp_path: Path) -> None:
    db, ana, groups, order = screened(tmp_path)
    rows = verdicts.rule_table(db, ana, TA, chosen="quant")
    assert rows is not None and [r["rule"] for r in rows] == list(STOPPERS)
    quant = next(r for r in rows if r["rule"] == "quant")
    assert quant["stop"] is None and quant["chosen"] and quant["source"] is None
    assert next(r for r in rows if r["rule"] == "knee")["source"] == "live"
    probs = {g: 0.9 if g in order else 0.001 for g in groups}
    found = check_all(verdicts.stage_run(db, TA, ana, probs=probs), ["quant"])
    sdb.store_verdicts(db, TA, 1, sdb.stage_events(db, TA), "m@1",
                       {"quant": {**found["quant"].to_json(), "target": 0.95,
                                  "confidence": 0.95}}, sdb.now())  # fmt: skip
    rows = verdicts.rule_table(db, ana, TA, chosen="quant")
    assert rows is not None
    quant = next(r for r in rows if r["rule"] == "quant")
    assert quant["source"] == "stored" and quant["stop"] is True and not quant["stale"]
    report = {"stop_justified": False}
    assert verdicts.attach(report, rows, "quant")["stop_justified"] is True
    assert verdicts.attach(report, rows, "certified") == {
        "stop_justified": False, "stopping_rule": "certified", "verdicts": rows,
    }  # fmt: skip
    other = verdicts.rule_table(db, ana, TA, target=0.9, chosen="quant")
    assert other is not None and next(r for r in other if r["rule"] == "quant")["stale"]
    decide(db, ana, groups[30], TA, "exclude")
    rows = verdicts.rule_table(db, ana, TA, chosen="quant")
    assert rows is not None
    assert next(r for r in rows if r["rule"] == "quant")["stale"]
    assert verdicts.attach(report, rows, "quant")["stop_justified"] is False


def test_blind_reviewer_gets_no_verdicts(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path / "rev", 20)
    ana, lead = team(db, "ana", blind=True, required=1)
    decide(db, ana, groups[0], TA, "include")
    assert verdicts.rule_table(db, ana, TA) is None
    with pytest.raises(ScreeningError):
        verdicts.stage_run(db, TA, ana)
    assert verdicts.rule_table(db, lead, TA) is not None


def test_refresh_fits_probabilities_and_stores_the_model_rules(tmp_path: Path) -> None:
    import numpy as np

    from screening.stopping import fitted

    db, ana, groups, order = screened(tmp_path)
    relevant = set(order[::4])

    class Features:
        group_ids = np.asarray(groups, dtype=np.int64)
        matrix = np.asarray([[1.0, 0.0] if g in relevant else [0.0, 1.0] for g in groups])

    probs = fitted.relevance_probs(Features.matrix, Features.group_ids, {g: 1 for g in relevant})
    assert probs is None  # one class only
    stored = fitted.refresh(db, ana, TA, Features(), model_version="m@20")
    assert stored is not None and set(stored) == set(verdicts.STORED)
    rows = {s.rule: s for s in sdb.stored_verdicts(db, TA, 1)}
    assert set(rows) == set(verdicts.STORED)
    assert rows["quant"].model_version == "m@20"
    assert rows["quant"].decisions_count == sdb.stage_events(db, TA) == 20
    assert rows["quant"].verdict["probability_model"].startswith("logistic-regression")

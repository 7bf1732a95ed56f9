"""Replaying every stopping rule (``screening.stopping.replay``), with stand-in rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from review.cli.commands.simulate import simulate as simulate_cmd
from screening import ranking
from screening import simulate as sim
from screening.errors import ScreeningError
from screening.stopping import replay as ss
from screening.stopping.stoppers.base import Assumption, Run, Verdict
from tests.simulate_support import synthetic_csv


@dataclass
class RunOf20:
    """Stand-in rule: stop at the first checkpoint after 20 irrelevant records in a row."""

    name: str = "run20"
    assumption: Assumption = Assumption.HEURISTIC
    citation: str = "stand-in"
    needs_probs: bool = False
    runs: list[Run] = field(default_factory=list)

    def check(self, run: Run) -> Verdict:
        self.runs.append(run)
        tail = list(run.labels)[-20:]
        stop = len(tail) == 20 and not any(tail)
        return Verdict(self.name, stop, self.assumption, self.citation)


@dataclass
class ProbSum:
    """Stand-in model-based rule: needs probabilities, stops at 30 screened records."""

    name: str = "probsum"
    assumption: Assumption = Assumption.MODEL_BASED
    citation: str = "stand-in"
    needs_probs: bool = True
    runs: list[Run] = field(default_factory=list)

    def check(self, run: Run) -> Verdict:
        self.runs.append(run)
        assert run.screened_probs is not None and run.unscreened_probs is not None
        return Verdict(self.name, len(run.labels) >= 30, self.assumption, self.citation)


def _stream(seen: list[int], step: int) -> Iterator[ss.Checkpoint]:
    for mark in range(step, len(seen), step):
        yield ss.Checkpoint(mark, np.asarray(seen[:mark]), None)


def _data(tmp_path: Path) -> sim.LabelledSet:
    return sim.read_labelled_csv(synthetic_csv(tmp_path / "s.csv"))


def _scorer(data: sim.LabelledSet) -> sim.Scorer:
    features = ranking.tfidf_features(data.texts)
    return lambda idx, lab: ranking.score(features, idx, lab, model="hedge-text")


def test_checkpoint_schedule() -> None:
    assert ss.checkpoint_every(100) == 10
    assert ss.checkpoint_every(999) == 10
    assert ss.checkpoint_every(1001) == 11
    assert ss.checkpoint_every(2333) == 24


def test_stand_in_stop_point_and_recall_by_hand() -> None:
    # N = 100, R = 5; relevant at screening positions 1, 3, 4, 15, 60.
    seen = [0] * 100
    for position in (1, 3, 4, 15, 60):
        seen[position - 1] = 1
    labels = np.asarray(seen)
    # Runs at checkpoints 10, 20, 30, 40: 6, 5, 15, 25 -> stops at 40 with 4 found.
    rules = {"run20": RunOf20()}
    got = ss.apply_rules(_stream(seen, 10), labels, 7, rules)["run20"]
    assert (got.seed, got.screened, got.sample) == (7, 40, 0)
    assert got.recall == pytest.approx(0.8)
    assert not got.target_met
    assert got.saved == pytest.approx(0.6)
    # Random order screens 40% of records for 40% recall: 0.8 - 0.4 saved.
    assert got.saved_vs_random == pytest.approx(0.4)
    assert [run.screened for run in rules["run20"].runs] == [10, 20, 30, 40]


def test_rule_that_never_stops_screens_everything() -> None:
    labels = np.asarray([1, 0] * 50)
    got = ss.apply_rules(_stream(list(labels), 10), labels, 1, {"run20": RunOf20()})["run20"]
    assert (got.screened, got.recall, got.saved, got.saved_vs_random) == (100, 1.0, 0.0, 0.0)
    assert got.target_met


def test_outcome_arithmetic() -> None:
    got = ss.outcome(3, screened=250, sample=30, found=19, relevant=20, total=1000, target=0.95)
    assert got.recall == pytest.approx(0.95) and got.target_met
    assert got.saved == pytest.approx(0.75)
    assert got.saved_vs_random == pytest.approx(0.95 - 0.25)
    block = ss.summarise([got, ss.outcome(4, 1000, 0, 20, 20, 1000, 0.95)])
    assert block["mean"]["screened"] == pytest.approx(625)
    assert block["share_at_target"] == 1.0 and block["reliable"]


def test_replay_continues_to_n_on_the_schedule(tmp_path: Path) -> None:
    data = _data(tmp_path)
    scorer = _scorer(data)
    order: list[int] = []
    calls: list[int] = []

    def prober(idx: np.ndarray, lab: np.ndarray) -> np.ndarray:
        calls.append(idx.size)
        return np.full(data.labels.size, 0.5)

    points = list(ss.checkpoints(data.labels, scorer, 1, 1, prober, order_out=order))
    assert sorted(order) == list(range(120))
    assert [p.screened for p in points] == list(range(10, 120, 10))
    assert calls == [p.screened for p in points]
    assert all(p.probs is not None and p.probs.size == 120 for p in points)
    # Up to the last relevant record, the order is the plain replay's.
    plain = sim.replay(data.labels, scorer, 1)
    assert order[: len(plain)] == plain
    assert all(list(p.labels) == list(data.labels[order[: p.screened]]) for p in points)


def test_probabilities_only_while_a_rule_needs_them(tmp_path: Path) -> None:
    data = _data(tmp_path)
    features = ranking.tfidf_features(data.texts)
    calls: list[int] = []
    logistic = ss.logistic_prober(features)

    def prober(idx: np.ndarray, lab: np.ndarray) -> np.ndarray:
        calls.append(idx.size)
        return logistic(idx, lab)

    rules = {"run20": RunOf20(), "probsum": ProbSum()}
    order, got = ss.replay_rules(
        data.labels, _scorer(data), 1, ["certified", "run20", "probsum"], rules, prober
    )
    probsum = rules["probsum"].runs
    assert len(calls) == len(probsum)
    last = probsum[-1]
    assert len(last.screened_probs or ()) == len(last.labels)
    assert len(last.unscreened_probs or ()) == 120 - len(last.labels)
    assert got["probsum"].screened == len(last.labels) == 30
    assert len(calls) == 3 and len(rules["run20"].runs) > 3
    for run in rules["run20"].runs:
        assert run.screened_probs is None
    assert got["certified"].sample > 0 or got["certified"].screened == 120


def test_certified_only_matches_plain_simulation(tmp_path: Path) -> None:
    data = _data(tmp_path)
    plain = sim.simulate(data, (1, 2), model="hedge-text")
    result, rules = ss.simulate_rules(data, (1, 2), ["certified"], {}, model="hedge-text")
    assert result.to_json() == plain.to_json()
    mean = rules["certified"]["mean"]
    assert mean["screened"] == pytest.approx(plain.mean["stop_screened"])
    assert mean["recall"] == pytest.approx(plain.mean["stop_recall"])


def test_parse_rules() -> None:
    rules = {"run20": RunOf20()}
    assert ss.parse_rules("all", rules) == ["certified", "run20"]
    assert ss.parse_rules("run20, certified", rules) == ["run20", "certified"]
    with pytest.raises(ScreeningError, match="unknown stopping rule 'magic'"):
        ss.parse_rules("magic", rules)


def test_cli_stopping_json_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ss, "registered", lambda: {"run20": RunOf20()})
    data = synthetic_csv(tmp_path / "s.csv")
    args = [str(data), "--seeds", "1,2", "--model", "hedge-text", "--stopping", "all"]
    out = CliRunner().invoke(simulate_cmd, [*args, "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert set(payload["rules"]) == {"certified", "run20"}
    for block in payload["rules"].values():
        assert set(block) == {"seeds", "mean", "p05_recall", "share_at_target", "reliable"}
        assert set(block["mean"]) == {"screened", "sample", "recall", "saved", "saved_vs_random"}
        assert [s["seed"] for s in block["seeds"]] == [1, 2]
    certified = payload["rules"]["certified"]["mean"]
    assert payload["mean"]["stop_screened"] == pytest.approx(certified["screened"])
    assert payload["mean"]["stop_recall"] == pytest.approx(certified["recall"])
    table = CliRunner().invoke(simulate_cmd, args)
    assert table.exit_code == 0, table.output
    assert "stopping rules at 95% recall target" in table.output
    assert "run20" in table.output and "certified" in table.output


def test_cli_unknown_rule_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ss, "registered", lambda: {"run20": RunOf20()})
    data = synthetic_csv(tmp_path / "s.csv")
    out = CliRunner().invoke(simulate_cmd, [str(data), "--stopping", "certified,magic"])
    assert out.exit_code != 0
    assert out.output.strip().count("\n") == 0
    assert "unknown stopping rule 'magic'" in out.output


def test_cli_default_has_the_default_rule_block_only(tmp_path: Path) -> None:
    data = synthetic_csv(tmp_path / "s.csv")
    out = CliRunner().invoke(
        simulate_cmd, [str(data), "--seeds", "1,2", "--model", "hedge-text", "--json"]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert list(payload["rules"]) == ["certified"]
    block = payload["rules"]["certified"]
    for seed, row in zip(payload["seeds"], block["seeds"], strict=True):
        assert row["screened"] == seed["stop_screened"] and row["recall"] == seed["stop_recall"]
        assert row["saved_vs_random"] == pytest.approx(
            seed["stop_recall"] - seed["stop_screened"] / payload["records"]
        )
    assert block["share_at_target"] == payload["mean"]["stop_target_met"]

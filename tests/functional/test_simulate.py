"""Simulation metrics on hand-computed cases, and ``review simulate`` end to end."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from review.cli.commands.simulate import simulate as simulate_cmd
from screening import ranking
from screening import simulate as sim
from screening.errors import ScreeningError
from tests.simulate_support import synthetic_csv

ROOT = Path(__file__).resolve().parents[2]


def _bench_models() -> Any:
    """``bench/ranking_models.py``: the experiments' specs (the bench is no package)."""
    spec = importlib.util.spec_from_file_location(
        "ranking_models", ROOT / "bench/ranking_models.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["ranking_models"] = module
    spec.loader.exec_module(module)
    return module


bench = _bench_models()


def test_metrics_small_case() -> None:
    # N = 20 records, R = 3 relevant; screening order found them at positions 1, 3, 4.
    seen = [1, 0, 1, 1]
    # ceil(0.95 * 3) = ceil(2.85) = 3 -> n95 = 4 -> (20 - 4) / 20 - 0.05 = 0.75
    assert sim.wss(seen, 20, 0.95) == pytest.approx(0.75)
    # n100 = 4 -> (20 - 4) / 20 - 0 = 0.8
    assert sim.wss(seen, 20, 1.0) == pytest.approx(0.8)
    # 10% of 20 = 2 records screened: [1, 0] -> 1 of 3 relevant
    assert sim.rrf(seen, 20, 3) == pytest.approx(1 / 3)
    # mean position (1 + 3 + 4) / 3 = 8/3, divided by N = 20 -> 0.1333
    assert sim.atd(seen, 20) == pytest.approx(8 / 3 / 20)


def test_wss95_target_is_exact_for_round_counts() -> None:
    # R = 20: 0.95 * 20 is 19.000000000000004 in floats; the target must be 19, not 20.
    seen = [1] * 19 + [0] * 10 + [1]
    # n95 = 19 -> (100 - 19) / 100 - 0.05 = 0.76
    assert sim.wss(seen, 100, 0.95) == pytest.approx(0.76)
    # n100 = 30 -> (100 - 30) / 100 = 0.70
    assert sim.wss(seen, 100, 1.0) == pytest.approx(0.70)


def test_evaluate_counts_priors_and_builds_curve() -> None:
    labels = np.array([0, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    # Order: prior relevant 1, prior irrelevant 0, then 4 -> all R = 2 found after 3.
    result = sim.evaluate([1, 0, 4], labels, seed=7)
    assert result.curve == [1, 1, 2]
    # ceil(0.95 * 2) = 2 -> n95 = 3 -> (10 - 3) / 10 - 0.05 = 0.65
    assert result.wss95 == pytest.approx(0.65)
    # 10% of 10 = 1 record: the prior relevant -> 1 of 2
    assert result.rrf10 == pytest.approx(0.5)
    # positions 1 and 3 -> mean 2 / 10 = 0.2
    assert result.atd == pytest.approx(0.2)


def test_simulation_finds_shared_vocabulary(tmp_path: Path) -> None:
    data = sim.read_labelled_csv(synthetic_csv(tmp_path / "s.csv", "included"))
    assert data.relevant == 10
    result = sim.simulate(data, seeds=(1, 2), model=ranking.SVM_CEN)
    assert result.mean["wss95"] > 0.5
    for seed in result.seeds:
        assert seed.curve[-1] == 10
        assert len(seed.curve) < 120


def test_cli_json_and_plot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default model embeds the texts with the real bundled model, once: the
    # second run must take the vectors from the cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = synthetic_csv(tmp_path / "s.csv")
    plot = tmp_path / "recall.svg"
    out = CliRunner().invoke(
        simulate_cmd, [str(data), "--seeds", "1,2", "--json", "--plot", str(plot)]
    )
    assert out.exit_code == 0, out.output
    assert "embedding 120 records" in out.stderr
    assert "seed 1: WSS@95" in out.stderr and "seed 2: WSS@95" in out.stderr
    payload = json.loads(out.stdout)
    assert set(payload["mean"]) == {
        "wss95",
        "wss100",
        "rrf10",
        "atd",
        "stop_screened",
        "stop_recall",
        "stop_saved",
        "stop_target_met",
    }
    assert [s["seed"] for s in payload["seeds"]] == [1, 2]
    assert payload["mean"]["wss95"] > 0
    assert plot.read_text(encoding="utf-8").startswith("<svg")
    assert payload["model"] == ranking.DEFAULT_MODEL
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 1

    def no_embedding(*args: object) -> None:
        raise AssertionError("embedded again despite the cache")

    monkeypatch.setattr("corpus.embeddings.Embedder.encode", no_embedding)
    table = CliRunner().invoke(simulate_cmd, [str(data), "--seeds", "1"])
    assert table.exit_code == 0 and "mean" in table.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,abstract,included\na,b,1\n", "needs 'title' and 'abstract'"),
        ("title,abstract\na,b\n", "needs a label column"),
        ("title,abstract,included\na,b,0\nc,d,0\n", "no relevant records"),
        ("title,abstract,included\na,b,yes\n", "line 2"),
    ],
)
def test_bad_csv_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScreeningError, match=message):
        sim.read_labelled_csv(path)
    out = CliRunner().invoke(simulate_cmd, [str(path)])
    assert out.exit_code == 1
    assert message.split("'")[0] in out.output
    assert len(out.output.strip().splitlines()) == 1
    assert "Traceback" not in out.output


def test_bad_seeds_and_missing_file(tmp_path: Path) -> None:
    data = synthetic_csv(tmp_path / "s.csv")
    bad = CliRunner().invoke(simulate_cmd, [str(data), "--seeds", "a,b"])
    assert bad.exit_code == 1 and "--seeds" in bad.output
    missing = CliRunner().invoke(simulate_cmd, [str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_unknown_model_is_one_line(tmp_path: Path) -> None:
    data = synthetic_csv(tmp_path / "s.csv")
    out = CliRunner().invoke(simulate_cmd, [str(data), "--model", "magic"])
    assert out.exit_code == 1 and "unknown model 'magic'" in out.output


def test_score_cold_start_keeps_order() -> None:
    features = ranking.tfidf_features(["alpha beta", "beta gamma", "gamma delta"])
    # Only one class labelled: nothing to learn, every score ties.
    scores = ranking.score(features, np.array([0]), np.array([1]))
    assert scores.tolist() == [0.0, 0.0, 0.0]


def test_ensemble_needs_embeddings_and_centroid_fades() -> None:
    features = ranking.tfidf_features(["alpha beta", "beta gamma", "gamma delta", "delta alpha"])
    labelled, labels = np.array([0, 2]), np.array([1, 0])
    with pytest.raises(ValueError, match="needs sentence embeddings"):
        ranking.score(features, labelled, labels, model=ranking.ENSEMBLE)
    # Full weight while few includes are known, then (20 / found)^2.
    assert ranking.centroid_weight(1) == 1.0
    assert ranking.centroid_weight(20) == 1.0
    assert ranking.centroid_weight(40) == pytest.approx(0.25)


def test_centroid_ranks_records_like_the_includes_first() -> None:
    texts = [
        "copper chelation therapy outcome",  # included
        "galaxy orbit survey",  # excluded
        "long term copper therapy outcome cohort",
        "orbit of a distant galaxy",
        "chelation outcome in a cohort",
    ]
    features = ranking.tfidf_features(texts)
    labelled, labels = np.array([0, 1]), np.array([1, 0])
    cen = ranking.centroid_scores(features, labelled, labels)
    assert cen[2] > cen[3] and cen[4] > cen[3]
    scores = ranking.score(features, labelled, labels, model=ranking.SVM_CEN)
    unlabelled = [2, 3, 4]
    best = max(unlabelled, key=lambda i: scores[i])
    assert best in (2, 4) and scores[3] == min(scores[i] for i in unlabelled)


def test_rank_fusion_adds_reciprocal_ranks_of_open_records() -> None:
    first = np.array([0.9, 0.1, 0.5, 0.3])
    second = np.array([5.0, 1.0, 2.0, 3.0])
    # Record 0 is screened: open records 1, 2, 3 are ranked among themselves.
    # first: 2 > 3 > 1 -> ranks 1: 3, 2: 1, 3: 2; second: 3 > 2 > 1 -> 1: 3, 2: 2, 3: 1.
    fused = ranking.rank_fusion([first, second], exclude=np.array([0]), k=60.0)
    assert fused[0] == 0.0
    assert fused[1] == pytest.approx(2 / 63)
    assert fused[2] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3] == pytest.approx(1 / 62 + 1 / 61)
    # Ties share their mean rank: (1 + 2) / 2 = 1.5 for both.
    tied = ranking.rank_fusion([np.array([1.0, 1.0])], k=60.0)
    assert tied.tolist() == pytest.approx([1 / 61.5, 1 / 61.5])


def test_asreview_weights_match_asreview_balancer() -> None:
    # ASReview LAB 3.0.8 Balanced(ratio=9.8).compute_sample_weight([1, 0, 0, 0, 1, 0]).
    weights = ranking.asreview_weights(np.array([1, 0, 0, 0, 1, 0]), 9.8)
    assert weights[[0, 4]] == pytest.approx([2.7222222, 2.7222222])
    assert weights[[1, 2, 3, 5]] == pytest.approx([0.1388889] * 4)
    assert weights.sum() == pytest.approx(6.0)


def _fixture_with_vectors() -> tuple[object, np.ndarray, np.ndarray]:
    """The synthetic review's TF-IDF, labels and stand-in sentence vectors (no model load)."""
    from sklearn.decomposition import TruncatedSVD

    rng = random.Random(3)
    topic = "nudge default option behavioural choice architecture reminder uptake".split()
    other = "protein kinase enzyme soil erosion galaxy orbit sediment lattice polymer".split()
    texts, labels = [], []
    for i in range(120):
        relevant = i % 12 == 5
        texts.append(" ".join(rng.sample(topic if relevant else other, 5) + rng.sample(other, 2)))
        labels.append(int(relevant))
    features = ranking.tfidf_features(texts)
    dense = TruncatedSVD(n_components=8, random_state=0).fit_transform(features)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return features, np.asarray(labels), dense


def test_zscore_fusion_averages_standardised_scores_of_open_records() -> None:
    # Record 0 is screened: each run is standardised over records 1-3 only.
    first = np.array([100.0, 1.0, 2.0, 3.0])  # open: mean 2, std sqrt(2/3)
    second = np.array([-50.0, 30.0, 10.0, 20.0])  # open: mean 20, std sqrt(200/3)
    fused = ranking.zscore_fusion([first, second], exclude=np.array([0]))
    z1 = (np.array([1.0, 2.0, 3.0]) - 2.0) / np.sqrt(2 / 3)
    z2 = (np.array([30.0, 10.0, 20.0]) - 20.0) / np.sqrt(200 / 3)
    assert fused[1:] == pytest.approx((z1 + z2) / 2)
    # Scale does not matter: a run times 1000 fuses the same.
    assert ranking.zscore_fusion([first * 1000, second], exclude=np.array([0]))[1:] == (
        pytest.approx(fused[1:])
    )


def test_fusion_fuses_every_learner() -> None:
    features, labels, dense = _fixture_with_vectors()
    labelled = np.array([5, 0, 1])
    known = labels[labelled]
    fusion = bench.ALL_MODELS["fusion"]
    fused = ranking.score(features, labelled, known, model=fusion, embeddings=dense)
    runs = {
        name: ranking.learner_scores(name, features, labelled, known, dense)
        for name in bench.FUSION_LEARNERS
    }
    assert set(runs) == {"elas_u4", "nb", "svm-emb", "centroid"}
    assert fused == pytest.approx(ranking.zscore_fusion(list(runs.values()), exclude=labelled))
    # Each learner counts: fusing without any one of them gives other scores.
    for name in runs:
        rest = [v for n, v in runs.items() if n != name]
        assert not np.allclose(fused, ranking.zscore_fusion(rest, exclude=labelled), atol=1e-2)
    by_rank = bench.ALL_MODELS["fusion-rrf"]
    rrf = ranking.score(features, labelled, known, model=by_rank, embeddings=dense)
    assert rrf == pytest.approx(ranking.rank_fusion(list(runs.values()), exclude=labelled))
    # Without sentence vectors: the same fusion less the embedding learner.
    assert not ranking.needs_embeddings(bench.ALL_MODELS["fusion-text"])
    text_only = ranking.score(features, labelled, known, model=bench.ALL_MODELS["fusion-text"])
    text_runs = [runs[n] for n in ("elas_u4", "nb", "centroid")]
    assert text_only == pytest.approx(ranking.zscore_fusion(text_runs, exclude=labelled))


def test_hedge_averages_elas_u4_and_the_ensemble() -> None:
    features, labels, dense = _fixture_with_vectors()
    labelled = np.array([5, 0, 1, 17])
    known = labels[labelled]
    hedged = ranking.score(features, labelled, known, model="hedge", embeddings=dense)
    u4 = ranking.score(features, labelled, known, model="elas_u4")
    ensemble = ranking.score(features, labelled, known, model=ranking.ENSEMBLE, embeddings=dense)
    assert hedged == pytest.approx(ranking.zscore_fusion([u4, ensemble], exclude=labelled))
    assert not np.allclose(hedged, ranking.zscore_fusion([u4], exclude=labelled))
    assert not np.allclose(hedged, ranking.zscore_fusion([ensemble], exclude=labelled))
    with pytest.raises(ValueError, match="needs sentence embeddings"):
        ranking.score(features, labelled, known, model="hedge")
    # Without sentence vectors the review falls back to the text-only hedge.
    assert ranking.TEXT_ONLY_MODEL == "hedge-text"
    assert not ranking.needs_embeddings(ranking.TEXT_ONLY_MODEL)
    text_only = ranking.score(features, labelled, known, model=ranking.TEXT_ONLY_MODEL)
    svm_cen = ranking.score(features, labelled, known, model=ranking.SVM_CEN)
    assert text_only == pytest.approx(ranking.zscore_fusion([u4, svm_cen], exclude=labelled))


def test_default_model_screens_relevant_records_first() -> None:
    features, labels, dense = _fixture_with_vectors()
    assert ranking.DEFAULT_MODEL == "hedge"
    data = sim.LabelledSet([""] * labels.size, labels)
    result = sim.simulate(data, seeds=(1, 2), features=features, embeddings=dense)
    # Chance finds 95% of the includes after ~95% of the records (WSS@95 ~ 0).
    assert result.mean["wss95"] > 0.6
    assert result.mean["atd"] < 0.15

"""Active-learning prioritisation on a real review: TF-IDF, rankings, blind mode, why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from corpus.importer import import_file
from protocols import loader
from review.cli.root import cli
from review.core.project import Project, init_project
from screening import blind, decide, queue, ranking
from screening import db as sdb
from screening.blind import Viewer
from screening.ranking import features as feature_cache
from screening.stages import TITLE_ABSTRACT as TA
from tests.ranking_support import EXERCISE, GROOMING, PROTOCOL, STUDIES, WILSON, ris


def make(tmp_path: Path, *, blind_mode: bool = False, required: int = 1) -> Project:
    project = init_project(tmp_path / "rev")
    text = PROTOCOL.format(required=required, blind=str(blind_mode).lower())
    project.protocol_path.write_text(text, "utf-8")
    (tmp_path / "s.ris").write_text(ris(STUDIES), "utf-8")
    db = project.open_db()
    import_file(db, tmp_path / "s.ris", database="PubMed")
    db.close()
    return project


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Every test builds its own features (caches are per database path anyway)."""
    feature_cache._FEATURES.clear()
    feature_cache._VECTORS.clear()


def setup(project: Project, name: str = "ana") -> tuple[Database, Viewer, ranking.Spec]:
    db = project.open_db()
    protocol = loader.load(project.protocol_path)
    s = protocol.screening
    decide.add_reviewer(db, name)
    who = blind.viewer(db, name, blind=s.blind, required=s.reviewers_per_record)
    return db, who, ranking.Spec.from_protocol(protocol)


def groups_by_title(db: Database) -> dict[str, int]:
    return {t: g for g, t, _ in sdb.group_texts(db)}


def ranked_titles(db: Database, version: str, n: int) -> list[str]:
    titles = {g: t for g, t, _ in sdb.group_texts(db)}
    return [titles[g] for g, _ in sdb.ranking_top(db, version, TA, n)]


def test_cold_start_ranks_by_the_question_and_include_terms(tmp_path: Path) -> None:
    project = make(tmp_path)
    db, ana, spec = setup(project)
    ranked = ranking.retrain(db, ana, TA, spec, cache_dir=project.cache_dir)
    assert ranked is not None and ranked.model == ranking.COLD_START
    assert ranked.model_version.startswith("cold-start@0#")
    assert ranked.size == len(STUDIES) and ranked.labelled == 0
    top = ranked_titles(db, ranked.model_version, 4)
    assert set(top) == {t for t, _ in GROOMING}
    pick = queue.next_group(db, ana, TA, order="ranked")
    assert pick is not None and pick.order == "ranked"
    assert pick.shown.model_version == ranked.model_version and pick.shown.rank == 1
    assert "groom" in ranking.explain(db, ana, TA, pick.group_id, spec).terms[0]  # type: ignore[union-attr]


def test_retrain_learns_from_an_include_and_logs_what_was_shown(tmp_path: Path) -> None:
    project = make(tmp_path)
    db, ana, spec = setup(project)
    ids = groups_by_title(db)
    decide.decide(db, ana, ids[WILSON[0][0]], TA, "include")
    decide.decide(db, ana, ids[GROOMING[0][0]], TA, "exclude")
    decide.decide(db, ana, ids[EXERCISE[0][0]], TA, "exclude")
    ranked = ranking.retrain(db, ana, TA, spec, cache_dir=project.cache_dir)
    assert ranked is not None and ranked.model != ranking.COLD_START
    assert (ranked.labelled, ranked.included, ranked.size) == (3, 1, len(STUDIES) - 3)
    assert ranked.model_version.startswith(f"{ranked.model}@3#")
    assert set(ranked_titles(db, ranked.model_version, 3)) == {t for t, _ in WILSON[1:]}
    pick = queue.next_group(db, ana, TA, order="ranked")
    assert pick is not None and pick.shown.rank == 1
    decide.decide(db, ana, pick.group_id, TA, "include", shown=pick.shown)
    row = db.execute(
        "SELECT model_version, rank_shown, score_shown FROM decisions ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row[0] == ranked.model_version and row[1] == 1
    assert row[2] == pytest.approx(ranked.top[0][1])
    why = ranking.explain(db, ana, TA, pick.group_id, spec)
    assert why is not None and why.terms_from == "model" and why.basis == "tf-idf"
    assert why.nearest[0].title == WILSON[0][0]
    assert {n.group_id for n in why.nearest} <= {ids[t] for t, _ in WILSON}


def test_rankings_are_kept_per_reviewer_and_pruned(tmp_path: Path) -> None:
    project = make(tmp_path)
    db, ana, spec = setup(project)
    versions = [ranking.retrain(db, ana, TA, spec).model_version for _ in range(3)]  # type: ignore[union-attr]
    stored = {v for (v,) in db.execute("SELECT DISTINCT model_version FROM rankings")}
    assert stored == set(versions[1:])  # the newest two
    assert sdb.latest_model_version(db, TA, "ana") == versions[-1]
    assert sdb.latest_model_version(db, TA, "bob") is None  # never another's ranking
    sdb.store_ranking(db, "shared-1", TA, [(1, 1.0)])  # a tool's ranking, for everyone
    assert sdb.latest_model_version(db, TA, "bob") == "shared-1"


def test_blind_reviewer_learns_only_from_their_own_decisions(tmp_path: Path) -> None:
    project = make(tmp_path, blind_mode=True, required=2)
    db, ana, spec = setup(project, "ana")
    _, bob, _ = setup(project, "bob")
    ids = groups_by_title(db)
    decide.decide(db, ana, ids[WILSON[0][0]], TA, "include")
    decide.decide(db, ana, ids[GROOMING[0][0]], TA, "exclude")
    mine = ranking.retrain(db, ana, TA, spec)
    theirs = ranking.retrain(db, bob, TA, spec)
    assert mine is not None and theirs is not None
    assert mine.labelled == 2 and theirs.labelled == 0
    assert theirs.model == ranking.COLD_START and theirs.size == len(STUDIES)
    assert set(ranked_titles(db, theirs.model_version, 4)) == {t for t, _ in GROOMING}
    pick = queue.next_group(db, bob, TA, order="ranked")
    assert pick is not None and pick.shown.model_version == theirs.model_version
    why = ranking.explain(db, bob, TA, ids[WILSON[1][0]], spec)
    assert why is not None and why.nearest == ()  # ana's include is not bob's to see
    decide.add_reviewer(db, "lead", "lead")
    lead = blind.viewer(db, "lead", blind=True, required=2)
    view = ranking.label_view(db, lead, TA)
    assert view is not None and view.labels == {ids[WILSON[0][0]]: 1, ids[GROOMING[0][0]]: 0}


def test_features_are_cached_on_disk_and_rebuilt_after_an_import(tmp_path: Path) -> None:
    project = make(tmp_path)
    db, _, spec = setup(project)
    built = ranking.load_features(db, spec, project.cache_dir)
    files = list((project.cache_dir / "ranking").glob("tfidf-*.npz"))
    assert len(files) == 1
    feature_cache._FEATURES.clear()
    again = ranking.load_features(db, spec, project.cache_dir)
    assert again.fingerprint == built.fingerprint
    assert (again.matrix != built.matrix).nnz == 0 or abs(again.matrix - built.matrix).max() < 1e-6
    (tmp_path / "more.ris").write_text(ris([("New study", "More text.")]), "utf-8")
    import_file(db, tmp_path / "more.ris", database="Scopus")
    grown = ranking.load_features(db, spec, project.cache_dir)
    assert grown.matrix.shape[0] == len(STUDIES) + 1
    assert [p.name for p in (project.cache_dir / "ranking").glob("tfidf-*.npz")] == [
        f"tfidf-{grown.fingerprint}.npz"
    ]


def test_rank_command_prints_the_model_and_top(tmp_path: Path) -> None:
    project = make(tmp_path)
    runner = CliRunner()
    args = ["--project", str(project.root), "rank", "--reviewer", "ana"]
    result = runner.invoke(cli, [*args, "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"] == "cold-start" and data["ranked"] == len(STUDIES)
    assert [row["rank"] for row in data["top"]] == [1, 2, 3]
    assert {row["title"] for row in data["top"]} <= {t for t, _ in GROOMING}
    text = runner.invoke(cli, args)
    assert text.exit_code == 0 and text.output.startswith("Model cold-start@0#")
    bad = runner.invoke(cli, [*args, "--stage", "abstracts"])
    assert bad.exit_code == 2 and "unknown stage" in bad.output  # a usage error
    assert "Traceback" not in bad.output


def test_cold_start_uses_sentence_vectors_when_every_record_has_one(tmp_path: Path) -> None:
    """Meaning without shared words: only the embeddings can rank this study up."""
    project = init_project(tmp_path / "rev")
    project.protocol_path.write_text(PROTOCOL.format(required=1, blind="false"), "utf-8")
    unworded = ("Predators befriending kids in messaging apps", "Adults win the trust of minors.")
    (tmp_path / "s.ris").write_text(ris([*WILSON, *EXERCISE, unworded, GROOMING[0]]), "utf-8")
    runner = CliRunner()
    imported = runner.invoke(
        cli, ["--project", str(project.root), "import", str(tmp_path / "s.ris")]
    )
    assert imported.exit_code == 0, imported.output
    db, ana, spec = setup(project)
    ranked = ranking.retrain(db, ana, TA, spec)
    assert ranked is not None and ranked.model == ranking.COLD_START
    assert set(ranked_titles(db, ranked.model_version, 2)) == {unworded[0], GROOMING[0][0]}
    ids = groups_by_title(db)
    decide.decide(db, ana, ids[unworded[0]], TA, "include")
    why = ranking.explain(db, ana, TA, ids[GROOMING[0][0]], spec)
    assert why is not None and why.basis == "embeddings"
    assert [n.title for n in why.nearest] == [unworded[0]]


def test_full_text_ranks_only_studies_that_passed(tmp_path: Path) -> None:
    project = make(tmp_path, blind_mode=True, required=1)
    db, ana, spec = setup(project)
    ids = groups_by_title(db)
    passed = [ids[t] for t, _ in GROOMING[:2]] + [ids[WILSON[0][0]]]
    for g in passed:
        decide.decide(db, ana, g, TA, "include")
    assert ranking.retrain(db, ana, "full_text", spec) is None  # blind: not unblinded yet
    decide.add_reviewer(db, "lead", "lead")
    lead = blind.viewer(db, "lead", blind=True, required=1)
    blind.unblind(db, lead, TA)
    ranked = ranking.retrain(db, ana, "full_text", spec)
    assert ranked is not None and ranked.size == 3 and ranked.labelled == 0
    assert {g for g, _ in ranked.top} == set(passed)
    assert ranked.top[-1][0] == ids[WILSON[0][0]]  # the question is about grooming

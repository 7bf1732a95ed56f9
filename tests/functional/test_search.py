"""Search over a real review: FTS5, the real sentence-transformers model and FAISS."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

STUDIES = [
    (
        "Online grooming of children on social media platforms",
        "Offenders build trust with minors through chat before requesting images.",
        2019,
        "Whittle, Helen",
    ),
    (
        "Sextortion of adolescents: a survey of hotline reports",
        "Threats to share intimate images were used to extort money from teenagers.",
        2021,
        "Patchin, Justin",
    ),
    (
        "Machine learning detection of child sexual abuse material",
        "Classifiers flag known and new abuse imagery on file-sharing networks.",
        2020,
        "Peersman, Claudia",
    ),
    (
        "Effect of exercise on blood pressure in older adults",
        "A randomised trial of aerobic training lowered systolic pressure.",
        2015,
        "Smith, John",
    ),
    (
        "Copper chelation with penicillamine in Wilson disease",
        "Long-term outcomes of chelator therapy for hepatic Wilson disease.",
        2012,
        "Weiss, Karl",
    ),
    (
        "Trientine versus penicillamine: adverse events",
        "Neurological worsening after starting chelators in Wilson disease patients.",
        2018,
        "Ala, Aftab",
    ),
    (
        "School-based prevention of sexual abuse",
        "Classroom programmes taught children to recognise and report abuse.",
        2016,
        "Walsh, Kerryann",
    ),
    (
        "Livestreamed abuse and payment patterns",
        "Financial transaction data reveal demand for live-streamed child abuse.",
        2022,
        "Brown, Rick",
    ),
]


def ris_text() -> str:
    parts = []
    for n, (title, abstract, year, author) in enumerate(STUDIES, start=1):
        parts.append(
            f"TY  - JOUR\nAU  - {author}\nTI  - {title}\nAB  - {abstract}\nPY  - {year}\n"
            f"ID  - s{n}\nER  - \n"
        )
    return "\n".join(parts)


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from review.cli.root import cli

    root = tmp_path_factory.mktemp("search")
    project = root / "rev"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(project)]).exit_code == 0
    ris = root / "s.ris"
    ris.write_text(ris_text(), encoding="utf-8")
    result = runner.invoke(cli, ["--project", str(project), "import", str(ris)])
    assert result.exit_code == 0, result.output

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(cli, ["--project", str(project), *args])
        return res.exit_code, res.output

    run.project = project  # type: ignore[attr-defined]
    return run


def titles(output: str) -> list[str]:
    return [hit["title"] for hit in json.loads(output)]


def test_import_embedded_every_record(review) -> None:  # type: ignore[no-untyped-def]
    code, out = review("embed", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["embedded"] == 0  # already done after import
    assert data["records_with_vector"] == data["records"] == len(STUDIES)


def test_keyword_syntax(review) -> None:  # type: ignore[no-untyped-def]
    _, out = review("search", '"Wilson disease" AND trientine', "--mode", "keyword", "--json")
    assert titles(out) == ["Trientine versus penicillamine: adverse events"]
    _, out = review("search", "penicillamine NOT trientine", "--mode", "keyword", "--json")
    assert titles(out) == ["Copper chelation with penicillamine in Wilson disease"]
    _, out = review("search", "chelat*", "--mode", "keyword", "--json")
    assert len(titles(out)) == 2
    _, out = review("search", "sextortion OR livestreamed", "--mode", "keyword", "--json")
    assert len(titles(out)) == 2
    code, out = review("search", '"unclosed phrase', "--mode", "keyword")
    assert code == 1 and "review: error: query" in out


def test_semantic_finds_meaning_without_shared_words(review) -> None:  # type: ignore[no-untyped-def]
    _, out = review(
        "search",
        "predators befriending kids in chat apps",
        "--mode",
        "semantic",
        "-k",
        "3",
        "--json",
    )
    assert titles(out)[0] == "Online grooming of children on social media platforms"
    hits = json.loads(out)
    assert hits[0]["similarity"] > hits[-1]["similarity"]


def test_hybrid_fuses_both_rankings(review) -> None:  # type: ignore[no-untyped-def]
    _, out = review("search", "abuse imagery detection", "-k", "3", "--json")
    hits = json.loads(out)
    assert hits[0]["title"] == "Machine learning detection of child sexual abuse material"
    assert hits[0]["keyword_rank"] is not None and hits[0]["semantic_rank"] is not None


def test_like_and_year_filter(review) -> None:  # type: ignore[no-untyped-def]
    _, out = review("search", "--like", "s5", "-k", "1", "--json")
    assert titles(out) == ["Trientine versus penicillamine: adverse events"]
    _, out = review(
        "search", "abuse OR images", "--mode", "keyword", "--year", "2020-2021", "--json"
    )
    assert {h["year"] for h in json.loads(out)} <= {2020, 2021}
    assert len(json.loads(out)) == 2
    code, out = review("search", "abuse", "--year", "twenty")
    assert code == 1 and "--year" in out


def test_index_cache_is_rebuildable(review, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = review.project / "cache"
    _, before = review("search", "Wilson", "--mode", "semantic", "--json")
    assert any(cache.glob("faiss-*.index"))
    shutil.rmtree(cache)
    _, after = review("search", "Wilson", "--mode", "semantic", "--json")
    assert titles(after) == titles(before)
    # a stale index (another import) is rebuilt: the new record is findable
    extra = tmp_path / "extra.ris"
    extra.write_text(
        "TY  - JOUR\nTI  - Hepatic copper overload in Wilson disease\nAB  - Liver "
        "copper.\nPY  - 2023\nER  - \n",
        encoding="utf-8",
    )
    assert review("import", str(extra))[0] == 0
    _, out = review(
        "search", "liver copper accumulation", "--mode", "semantic", "-k", "1", "--json"
    )
    assert titles(out) == ["Hepatic copper overload in Wilson disease"]

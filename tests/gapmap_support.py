"""A small CSEA review with extracted axes, for the gap-map report and TUI reports tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlite_utils import Database

from protocols.form import build_form
from review.cli.root import cli
from review.core.context import open_context
from review.extraction.write import mark_complete, set_values

EVIL = '=HYPERLINK("http://evil.example","click") </script><b>bold</b>'
#: EVIL as the importer stores it (markup removed from titles).
STORED = '=HYPERLINK("http://evil.example","click") bold'
TITLES = [EVIL, "Sextortion study", "Survey of grooming", "Live-streaming study",
          "Not yet extracted", "Excluded study"]  # fmt: skip
RIS = "".join(
    f"TY  - JOUR\nTI  - {title}\nAU  - Author{n}, A.\nPY  - 20{10 + n}\n"
    f"DO  - 10.1000/gap.{n}\nAB  - Abstract {n}.\nID  - s{n}\nER  - \n\n"
    for n, title in enumerate(TITLES, start=1)
)
GROOMING = "Online grooming"
SEXTORTION = "Sexual extortion (sextortion): financially motivated"
LIVE = "Live-streamed child sexual abuse"
JUSTICE, SUPPORT, INDUSTRY = "Criminal justice", "Victim support", "Industry"
QUAL, SURVEY = "Qualitative study", "Cross-sectional survey"
EUROPE, OCEANIA = "Europe and Northern America", "Oceania"

#: Source id -> (harm types, MNR domains, design, regions).
STUDIES = {
    "s1": ([GROOMING], [JUSTICE, SUPPORT], QUAL, [EUROPE]),
    "s2": ([GROOMING, SEXTORTION], [JUSTICE], QUAL, [OCEANIA]),
    "s3": ([GROOMING], [JUSTICE], SURVEY, [EUROPE]),
    "s4": ([LIVE], [INDUSTRY], SURVEY, [OCEANIA]),
}
#: Required CSEA fields besides the axes (MMAT in the qualitative category).
REQUIRED: list[tuple[str, Any]] = [
    ("data_source", ["Survey or questionnaire"]),
    ("country", "UK"),
    ("population", ["Children and young people in general"]),
    ("ethics_safeguards", ["None reported"]),
    ("key_findings", "Findings."),
    ("mmat_domain", "Qualitative"),
    ("mmat_s1", "Yes"),
    ("mmat_s2", "Yes"),
    *[(f"mmat_1_{i}", "Yes") for i in range(1, 6)],
]


def invoke(project: Path, *args: str, ok: bool = True) -> Any:
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def build_review(folder: Path) -> tuple[Path, dict[str, int]]:
    """A CSEA review: six records, five included, four extracted (single mode)."""
    project = folder / "rev"
    assert CliRunner().invoke(cli, ["init", str(project), "--template", "csea"]).exit_code == 0
    path = project / "protocol.toml"
    text = path.read_text(encoding="utf-8")
    for pattern, new in (
        (r'(?m)^mode = "\w+"', 'mode = "single"'),
        (r"(?m)^reviewers_per_record = \d+", "reviewers_per_record = 1"),
        (r"(?m)^blind = true", "blind = false"),
    ):
        text, count = re.subn(pattern, new, text)
        assert count == 1, pattern
    path.write_text(text, encoding="utf-8")
    ris = folder / "search.ris"
    ris.write_text(RIS, encoding="utf-8")
    invoke(project, "import", "--no-embed", str(ris))
    invoke(project, "reviewer", "add", "lead", "--lead")
    db = Database(project / "review.db")
    groups = {
        f"s{n}": int(next(iter(db["records"].rows_where("source_id = ?", [f"s{n}"])))["group_id"])
        for n in range(1, 7)
    }
    db.close()
    for n in range(1, 6):
        for stage in ("title-abstract", "full-text"):
            invoke(project, "decide", f"source:s{n}", "include", "--stage", stage,
                   "--reviewer", "lead")  # fmt: skip
    invoke(project, "decide", "source:s6", "exclude", "--stage", "title-abstract",
           "--reviewer", "lead")  # fmt: skip
    ana = open_context(project, "ana")
    form = build_form(ana.protocol)
    for source, (harms, domains, design, regions) in STUDIES.items():
        items = [
            (("harm_type", 0, ""), harms),
            (("mnr_domain", 0, ""), domains),
            (("study_design", 0, ""), design),
            (("region", 0, ""), regions),
            *[((name, 0, ""), value) for name, value in REQUIRED],
        ]
        set_values(ana.db, ana.protocol, form, ana.viewer, groups[source], items)
        mark_complete(ana.db, ana.protocol, form, ana.viewer, groups[source])
    ana.close()
    return project, groups

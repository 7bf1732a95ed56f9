"""A real review with studies included at full text, for the extraction tests.

Built as a user builds one: ``review init``, ``review import`` of a RIS file,
then ``review decide`` include at title/abstract and full text (one reviewer
per record), so extraction sees exactly what the screening rules produce.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from sqlite_utils import Database

from review.cli.root import cli

RIS = "".join(
    f"TY  - JOUR\nTI  - Online grooming study {n}\nAU  - Author{n}, A.\nPY  - 20{10 + n}\n"
    f"DO  - 10.1000/study.{n}\nAB  - Abstract {n}.\nID  - s{n}\nER  - \n\n"
    for n in range(1, 7)
)


def invoke(project: Path, *args: str, ok: bool = True) -> str:
    """Run ``review --project PROJECT ARGS``; fail the test on a non-zero exit when ``ok``."""
    result = CliRunner().invoke(cli, ["--project", str(project), *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


def included_review(
    folder: Path, *, mode: str = "single", include: int = 3, lead: str = "lead"
) -> tuple[Path, list[int]]:
    """Create a review with six studies, ``include`` of them included at full text.

    Returns:
        The project folder and the included studies' group ids.
    """
    project = folder / "rev"
    assert CliRunner().invoke(cli, ["init", str(project)]).exit_code == 0
    path = project / "protocol.toml"
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(r'(?m)^mode = "\w+"', f'mode = "{mode}"', text)
    assert count == 1, "the generic template names the extraction mode once"
    path.write_text(text, encoding="utf-8")
    ris = folder / "search.ris"
    ris.write_text(RIS, encoding="utf-8")
    invoke(project, "import", "--no-embed", str(ris))
    invoke(project, "reviewer", "add", lead, "--lead")
    groups = []
    db = Database(project / "review.db")
    for n in range(1, include + 1):
        for stage in ("title-abstract", "full-text"):
            invoke(project, "decide", f"source:s{n}", "include", "--stage", stage,
                   "--reviewer", lead)  # fmt: skip
        rows = list(db["records"].rows_where("source_id = ?", [f"s{n}"]))
        groups.append(int(rows[0]["group_id"]))
    db.close()
    return project, groups


RCT = "Quantitative randomized controlled trial"


REQUIRED = (
    "study_design=1",
    f"mmat_domain={RCT}",
    "mmat_s1=Yes",
    "mmat_s2=Yes",
    *(f"mmat_2_{n}=Yes" for n in range(1, 6)),
)


def fill_required(project: Path, group: int, reviewer: str, *extra: str) -> None:
    """Fill every required field of the generic form (and ``extra``) in a reviewer's copy."""
    invoke(project, "extract", "set", str(group), *REQUIRED, *extra, "--reviewer", reviewer)

"""A realistic set of PRISMA 2020 counts for the renderer and output-safety tests."""

from __future__ import annotations

from typing import Any


def fixture(**changes: Any) -> dict[str, Any]:
    """A realistic set of counts; ``changes`` override single keys."""
    data: dict[str, Any] = {
        "database_results": 1432,
        "database_specific_results": [
            {"database": "PubMed", "n": 812},
            {"database": "Embase", "n": 540},
            {"database": "Web of Science", "n": 80},
        ],
        "register_results": 37,
        "website_results": 12,
        "organisation_results": 4,
        "citations_results": 23,
        "duplicates": 391,
        "excluded_automatic": 120,
        "excluded_other": 6,
        "records_screened": 952,
        "records_excluded": 861,
        "dbr_sought_reports": 91,
        "dbr_notretrieved_reports": 5,
        "dbr_assessed": 86,
        "dbr_excluded": [
            {"reason": "Wrong population", "n": 31},
            {"reason": "Wrong study design", "n": 22},
            {"reason": "Conference abstract only", "n": 9},
        ],
        "other_sought_reports": 39,
        "other_notretrieved_reports": 3,
        "other_assessed": 36,
        "other_excluded": [{"reason": "Wrong outcome", "n": 28}],
        "new_studies": 29,
        "new_reports": 32,
        "previous_studies": None,
        "previous_reports": None,
        "total_studies": 29,
        "total_reports": 32,
        "awaiting_screening": 0,
        "awaiting_assessment": 2,
        "automation_tool": "stopping rule, Callaghan & Müller-Hansen 2020",
        "hidden": False,
    }
    data.update(changes)
    return data

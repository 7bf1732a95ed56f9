"""The counts of the PRISMA 2020 flow diagram, computed from the review database.

:func:`collect` returns a frozen :class:`PrismaCounts` with every box as the
viewer may see it: a box blind mode hides is None and ``hidden`` is true.
Field names, and the keys of :meth:`PrismaCounts.to_json`, are the PRISMA2020
R package's data names (Haddaway et al. 2022) plus a few extras (the
other-methods side's screening, what awaits a decision, the automation tool),
so ``review report prisma --format csv`` (:mod:`review.reports.prisma.csv_template`)
opens in its Shiny app.
:meth:`PrismaCounts.check` checks the arithmetic box by box and raises
:class:`PrismaCountError` naming the boxes that do not add up.

What each box counts (sources and sides, stopping as automation, reports,
update rounds, blind mode) is in docs/methods/prisma.md. The SQL is in
:mod:`review.reports.db.prisma`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

from sqlite_utils import Database

from corpus import db as corpus_db
from protocols.vocabulary import SCREENED, Outcome
from review.core.errors import ReviewError
from review.reports.db import prisma as q
from screening import blind
from screening import db as sdb
from screening.blind import Viewer
from screening.errors import ScreeningError
from screening.rounds import RoundScope, scope
from screening.stages import FULL_TEXT, PROCEEDS, TITLE_ABSTRACT, exclusion_reasons

NO_REASON = "No reason recorded"
"""The reason a full-text exclusion is counted under when nobody gave one."""

OTHER_METHOD_LINES = {
    "website": "website_results",
    "organisation": "organisation_results",
    "citation": "citations_results",
    "other": "organisation_results",
}
"""Which PRISMA line each other-method source counts in (docs/methods/prisma.md)."""

_SCREENED = SCREENED
_EXCLUDED = frozenset({Outcome.EXCLUDE, Outcome.RESOLVED_EXCLUDE})
_INCLUDED = frozenset({Outcome.INCLUDE, Outcome.RESOLVED_INCLUDE})


class PrismaCountError(ReviewError):
    """The PRISMA counts do not add up (names the boxes)."""


Named = tuple[tuple[str, int], ...]
"""``((name, n), ...)``: per-database results or exclusion reasons."""


@dataclass(frozen=True, slots=True)
class PrismaCounts:
    """Every box of the PRISMA 2020 flow diagram (None: hidden by blind mode).

    Field names are the PRISMA2020 package's data names, plus extras: the
    other-methods side's screening (``other_*``), what awaits a decision,
    the automation tool and ``hidden``. docs/methods/prisma.md says what each counts.
    """

    database_results: int = 0
    database_specific_results: Named = ()
    register_results: int = 0
    register_specific_results: Named = ()
    website_results: int = 0
    organisation_results: int = 0
    citations_results: int = 0
    other_method_results: int = 0
    duplicates: int = 0
    excluded_automatic: int | None = 0
    excluded_other: int = 0
    records_screened: int | None = 0
    records_excluded: int | None = 0
    awaiting_screening: int | None = 0
    dbr_sought_reports: int | None = 0
    dbr_notretrieved_reports: int | None = 0
    dbr_assessed: int | None = 0
    dbr_excluded: Named | None = ()
    awaiting_assessment: int | None = 0
    other_duplicates: int = 0
    other_excluded_automatic: int | None = 0
    other_records_screened: int | None = 0
    other_records_excluded: int | None = 0
    other_awaiting_screening: int | None = 0
    other_sought_reports: int | None = 0
    other_notretrieved_reports: int | None = 0
    other_assessed: int | None = 0
    other_excluded: Named | None = ()
    other_awaiting_assessment: int | None = 0
    new_studies: int | None = 0
    new_reports: int | None = 0
    previous_studies: int = 0
    previous_reports: int = 0
    automation_tool: str | None = None
    automation_tool_details: dict[str, Any] | None = None
    hidden: bool = False
    round: int = 1
    rounds: int = 1

    @property
    def total_studies(self) -> int | None:
        """New studies plus the previous review's (None while hidden)."""
        return None if self.new_studies is None else self.new_studies + self.previous_studies

    @property
    def total_reports(self) -> int | None:
        """New reports plus the previous review's (None while hidden)."""
        return None if self.new_reports is None else self.new_reports + self.previous_reports

    def to_json(self) -> dict[str, Any]:
        """Return the counts keyed by the PRISMA2020 package's data names (plus extras)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in ("database_specific_results", "register_specific_results"):
                key = "database" if item.name.startswith("database") else "register"
                value = [{key: name, "n": n} for name, n in value]
            elif item.name in ("dbr_excluded", "other_excluded") and value is not None:
                value = [{"reason": reason, "n": n} for reason, n in value]
            out[item.name] = value
        out["total_studies"] = self.total_studies
        out["total_reports"] = self.total_reports
        return out

    def check(self) -> None:
        """Raise :class:`PrismaCountError` unless the boxes add up (hidden boxes skipped).

        Databases and registers, and other methods alike: identified -
        duplicates - automation - other removals = screened + awaiting;
        screened - excluded = sought; sought - not retrieved = assessed; and
        over both sides, assessed - excluded - awaiting = new studies.
        """
        problems: list[str] = []
        identified = self.database_results + self.register_results
        _equal(
            problems,
            [("database_results + register_results", identified), ("duplicates", -self.duplicates),
             ("excluded_automatic", _neg(self.excluded_automatic)),
             ("excluded_other", -self.excluded_other)],
            [("records_screened", self.records_screened),
             ("awaiting_screening", self.awaiting_screening)],
        )  # fmt: skip
        other_identified = self.website_results + self.organisation_results
        other_identified += self.citations_results
        _equal(
            problems,
            [("website_results + organisation_results + citations_results", other_identified),
             ("other_duplicates", -self.other_duplicates),
             ("other_excluded_automatic", _neg(self.other_excluded_automatic))],
            [("other_records_screened", self.other_records_screened),
             ("other_awaiting_screening", self.other_awaiting_screening)],
        )  # fmt: skip
        for side, screened, excluded in (
            ("dbr", "records_screened", "records_excluded"),
            ("other", "other_records_screened", "other_records_excluded"),
        ):
            sought, lost, assessed = (
                f"{side}_sought_reports",
                f"{side}_notretrieved_reports",
                f"{side}_assessed",
            )
            _equal(
                problems,
                [(screened, getattr(self, screened)), (excluded, _neg(getattr(self, excluded)))],
                [(sought, getattr(self, sought))],
            )
            _equal(
                problems,
                [(sought, getattr(self, sought)), (lost, _neg(getattr(self, lost)))],
                [(assessed, getattr(self, assessed))],
            )
        _equal(
            problems,
            [("dbr_assessed", self.dbr_assessed), ("dbr_excluded", _neg(_sum(self.dbr_excluded))),
             ("awaiting_assessment", _neg(self.awaiting_assessment)),
             ("other_assessed", self.other_assessed),
             ("other_excluded", _neg(_sum(self.other_excluded))),
             ("other_awaiting_assessment", _neg(self.other_awaiting_assessment))],
            [("new_studies", self.new_studies)],
        )  # fmt: skip
        if self.new_studies is not None and self.new_reports is not None:
            if self.new_reports < self.new_studies:
                problems.append(
                    f"new_reports ({self.new_reports}) < new_studies ({self.new_studies})"
                )
        if self.previous_reports < self.previous_studies:
            problems.append(
                f"previous_reports ({self.previous_reports}) < "
                f"previous_studies ({self.previous_studies})"
            )
        if problems:
            raise PrismaCountError("PRISMA counts do not add up: " + "; ".join(problems))


def _neg(value: int | None) -> int | None:
    return None if value is None else -value


def _sum(named: Named | None) -> int | None:
    return None if named is None else sum(n for _, n in named)


def _equal(
    problems: list[str],
    left: list[tuple[str, int | None]],
    right: list[tuple[str, int | None]],
) -> None:
    """Append a message unless sum(left) == sum(right); skip when any box is hidden.

    A term after the first whose value came through :func:`_neg` is shown as
    subtracted; its name says which box it is.
    """
    if any(v is None for _, v in left + right):
        return
    lhs = sum(v or 0 for _, v in left)
    rhs = sum(v or 0 for _, v in right)
    if lhs != rhs:
        problems.append(f"{_terms(left)} != {_terms(right)}")


#: Boxes that the checks subtract (shown with "-").
_SUBTRACTED = frozenset(
    {"duplicates", "excluded_automatic", "excluded_other", "other_duplicates",
     "other_excluded_automatic", "records_excluded", "other_records_excluded",
     "dbr_notretrieved_reports", "other_notretrieved_reports", "dbr_excluded",
     "other_excluded", "awaiting_assessment", "other_awaiting_assessment"}
)  # fmt: skip


def _terms(terms: list[tuple[str, int | None]]) -> str:
    text = ""
    for i, (name, value) in enumerate(terms):
        shown = f"{name} ({abs(value or 0)})"
        if i == 0:
            text = shown
        else:
            text += f" - {shown}" if name in _SUBTRACTED else f" + {shown}"
    return text


# --- computing the counts ------------------------------------------------------------------


def collect(
    db: Database,
    who: Viewer,
    *,
    target: float = 0.95,
    confidence: float = 0.95,
    previous_studies: int | None = None,
    previous_reports: int | None = None,
    round_no: int | None = None,
) -> PrismaCounts:
    """Return the PRISMA counts of a review as ``who`` may see them.

    Args:
        db: The review database.
        who: The viewer (blind mode hides counts from others' decisions).
        target: The protocol's ``stopping_target``.
        confidence: The protocol's ``stopping_confidence``.
        previous_studies: Studies included in the previous version (an update);
            by default those of earlier rounds (docs/methods/prisma.md).
        previous_reports: Their reports (default: as for the studies).
        round_no: The search round; the newest by default.

    Raises:
        ReviewError: for a round that does not exist.
    """
    try:
        within = scope(db, round_no)
    except ScreeningError as error:
        raise ReviewError(str(error)) from None
    values: dict[str, Any] = {
        "round": within.number,
        "rounds": within.latest,
    }
    # Earlier rounds' inclusions are full-text outcomes: while full text is blind
    # to the viewer only given counts show; they are counted below otherwise.
    given = (previous_studies, previous_reports)
    values["previous_studies"], values["previous_reports"] = _previous_counts(*given, None, {})
    values.update(_identification(db, within.number))
    sides = {g: dbr for g, dbr in q.group_sides(db, within.number).items() if within.has(g)}
    dbr_groups = {g for g, dbr in sides.items() if dbr}
    other_groups = set(sides) - dbr_groups
    values["duplicates"] = values["database_results"] + values["register_results"] - len(dbr_groups)
    values["other_duplicates"] = (
        values["website_results"]
        + values["organisation_results"]
        + values["citations_results"]
        - len(other_groups)
    )
    ta = blind.tallies(db, who, TITLE_ABSTRACT)
    if ta is None:
        return _hidden(values, full_text=True)
    ta_outcomes = dict(ta.outcomes())
    unscreened = set(sides) - set(ta_outcomes)
    tool = _stopping(db, who, target, confidence, within.number) if unscreened else None
    values["automation_tool"] = None if tool is None else tool_name(tool)
    values["automation_tool_details"] = tool
    for prefix, groups in (("", dbr_groups), ("other_", other_groups)):
        codes = [ta_outcomes.get(g) for g in groups]
        screened = sum(1 for c in codes if c in _SCREENED)
        never = sum(1 for c in codes if c is None)
        automatic = never if tool is not None else 0
        values[f"{prefix}excluded_automatic"] = automatic
        values[f"{prefix}records_screened"] = screened
        values[f"{prefix}records_excluded"] = sum(1 for c in codes if c in _EXCLUDED)
        values[f"{prefix}awaiting_screening"] = len(groups) - screened - automatic
    passed = {g for g, c in ta_outcomes.items() if c in PROCEEDS and g in sides}
    lost = sdb.not_retrieved_groups(db) & passed
    assessed = passed - lost
    for side, groups in (("dbr", dbr_groups), ("other", other_groups)):
        values[f"{side}_sought_reports"] = len(passed & groups)
        values[f"{side}_notretrieved_reports"] = len(lost & groups)
        values[f"{side}_assessed"] = len(assessed & groups)
    ft = blind.tallies(db, who, FULL_TEXT)
    if ft is None:
        return _hidden(values, full_text=False)
    ft_outcomes = dict(ft.outcomes())
    reasons = exclusion_reasons(db, who, FULL_TEXT)
    included: set[int] = set()
    for side, groups, waiting in (
        ("dbr", dbr_groups, "awaiting_assessment"),
        ("other", other_groups, "other_awaiting_assessment"),
    ):
        mine = assessed & groups
        excluded: Counter[str] = Counter()
        for g in sorted(mine):
            code = ft_outcomes.get(g)
            if code in _INCLUDED:
                included.add(g)
            elif code in _EXCLUDED:
                excluded[reasons.get(g, NO_REASON)] += 1
        values[f"{side}_excluded"] = _named(excluded)
        values[waiting] = len(mine) - len(mine & included) - sum(excluded.values())
    reports = q.reports_per_group(db)
    values["new_studies"] = len(included)
    values["new_reports"] = sum(max(1, reports.get(g, 0)) for g in included)
    earlier = _previous(db, within, ft_outcomes)
    values["previous_studies"], values["previous_reports"] = _previous_counts(
        *given, earlier, reports
    )
    return PrismaCounts(**values)


def _previous_counts(
    studies: int | None,
    given_reports: int | None,
    earlier: list[int] | None,
    reports: dict[int, int],
) -> tuple[int, int]:
    """Return previous studies and reports: as given, else counted from ``earlier``.

    Given studies without reports count one report each; ``earlier`` None (blind)
    counts nothing.
    """
    if studies is not None:
        return studies, studies if given_reports is None else given_reports
    found = earlier or []
    counted = sum(max(1, reports.get(g, 0)) for g in found)
    return len(found), counted if given_reports is None else given_reports


def _previous(db: Database, within: RoundScope, ft_outcomes: dict[int, str]) -> list[int]:
    """Return the studies of rounds before ``within`` included at full text."""
    if within.number == 1:
        return []
    rounds = corpus_db.study_rounds(db)
    return sorted(
        g
        for g, code in ft_outcomes.items()
        if code in _INCLUDED and rounds.get(g, 0) < within.number
    )


def _identification(db: Database, round_no: int) -> dict[str, Any]:
    """Records identified per line of the identification boxes (one round's sources)."""
    out: dict[str, Any] = dict.fromkeys(
        ("database_results", "register_results", "website_results", "organisation_results",
         "citations_results", "other_method_results"),
        0,
    )  # fmt: skip
    databases: Counter[str] = Counter()
    registers: Counter[str] = Counter()
    for name, method, n in q.records_by_source(db, round_no):
        if method == "database":
            databases[name] += n
        elif method == "register":
            registers[name] += n
        else:
            out[OTHER_METHOD_LINES[method]] += n
            if method == "other":
                out["other_method_results"] += n
    out["database_results"] = sum(databases.values())
    out["register_results"] = sum(registers.values())
    out["database_specific_results"] = tuple(sorted(databases.items()))
    out["register_specific_results"] = tuple(sorted(registers.items()))
    return out


def _hidden(values: dict[str, Any], *, full_text: bool) -> PrismaCounts:
    """Counts with the boxes blind mode hides set to None (``full_text``: from screening on)."""
    names = [
        "awaiting_assessment", "dbr_excluded", "other_awaiting_assessment", "other_excluded",
        "new_studies", "new_reports",
    ]  # fmt: skip
    if full_text:
        names += [
            "excluded_automatic", "records_screened", "records_excluded", "awaiting_screening",
            "dbr_sought_reports", "dbr_notretrieved_reports", "dbr_assessed",
            "other_excluded_automatic", "other_records_screened", "other_records_excluded",
            "other_awaiting_screening", "other_sought_reports", "other_notretrieved_reports",
            "other_assessed",
        ]  # fmt: skip
    values.update(dict.fromkeys(names))
    values["hidden"] = True
    return PrismaCounts(**values)


def _stopping(
    db: Database, who: Viewer, target: float, confidence: float, round_no: int
) -> dict[str, Any] | None:
    """Return the stopping rule's details when it says title/abstract may stop, else None."""
    from screening import stopping

    if not stopping.visible(db, who, TITLE_ABSTRACT):
        return None
    report = stopping.assess_stage(db, who, TITLE_ABSTRACT, target, confidence, round_no)
    if report is None or not report.stop_justified:
        return None
    data = report.to_json()
    return {
        "method": data["method"],
        "citation": data["citation"],
        "stage": TITLE_ABSTRACT,
        "target": report.target,
        "confidence": report.confidence,
        "p_value": report.p_value,
        "recall": data["recall"],
        "sentence": data["sentence"],
    }


def tool_name(details: dict[str, Any]) -> str:
    """Name the stopping rule for the automation-tools line of the diagram."""
    text = (
        f"stopping rule, Callaghan & Müller-Hansen 2020: {details['target']:.0%} recall "
        f"target at {details['confidence']:.0%} confidence"
    )
    recall = details.get("recall")
    if recall:
        text += f", estimated recall {recall['recall']:.1%}"
    return text


def _named(counter: Counter[str]) -> Named:
    """Return ``((name, n), ...)``, most first, then by name."""
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))

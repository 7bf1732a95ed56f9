"""The methods summary in Markdown, written from the data, never typed in.

A team hands in a methods section that must match what was done: which
databases were searched when and how, what deduplication removed, how
screening was set up, how well reviewers agreed, why screening stopped,
which protocol version was in force. Every sentence here is computed from
the review database and the protocol log, so it cannot drift from the
review. In a blind review a non-lead gets no figure computed from other
reviewers' decisions (agreement, stopping): those lines say they are hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from corpus import db as corpus_db
from protocols.model import STAGES, Stage
from review.core import db as core_db
from review.core.chain import db as chain_db
from review.core.context import ReviewContext
from review.core.markdown import code, escape
from review.extraction.overview import overview
from screening import stopping as stopping_rule
from screening.agreement import stage_agreement
from screening.export import safe_cell


def _cell(value: Any) -> str:
    """A Markdown table cell or phrase from the data: neutralised, literal, on one line."""
    return escape(None if value is None else safe_cell(str(value)))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows)
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def searches(context: ReviewContext) -> list[str]:
    """The databases searched: method, search date, records, query."""
    sources = corpus_db.sources(context.db)
    if not sources:
        return ["No search results have been imported yet."]
    rows = [
        (
            s["database"],
            s.get("method") or "database",
            s["search_date"] or "not recorded",
            s["record_count"],
            s["query"] or "not recorded",
        )
        for s in sources
    ]
    total = sum(int(s["record_count"]) for s in sources)
    names = sorted({str(s["database"]) for s in sources})
    lines = [
        f"{total:,} records were identified in {len(sources)} search result files from "
        f"{', '.join(_cell(n) for n in names)}.",
        "",
    ]
    rounds = corpus_db.rounds(context.db)
    if len(rounds) == 1:
        return lines + _table(("Source", "Method", "Search date", "Records", "Query"), rows)
    said = "; ".join(
        f"round {r.number} searched {_cell(r.search_date or 'on a date not recorded')}"
        for r in rounds
    )
    lines[-1:] = [
        "",
        f"The searches were run in {len(rounds)} rounds ({said}). Records of each update "
        "were deduplicated against every earlier round; a record found again joined its "
        "earlier study with that study's decisions, and only studies first found in a round "
        "were screened in it, with the stopping rule applied per round.",
        "",
    ]
    header = ("Round", "Source", "Method", "Search date", "Records", "Query")
    numbered = [(s["round"], *row) for s, row in zip(sources, rows, strict=True)]
    return lines + _table(header, numbered)


def deduplication(context: ReviewContext) -> list[str]:
    """What deduplication did, and under which policy."""
    counts = corpus_db.counts(context.db)
    merges = [m for m in corpus_db.merges(context.db) if not m.get("undone_at")]
    removed = counts["records"] - counts["groups"]
    policy = context.protocol.dedup
    kept = [name.removeprefix("keep_").removesuffix("_apart").replace("_", " ")
            for name, on in sorted(policy.items()) if name.startswith("keep_") and on]  # fmt: skip
    lines = [
        f"Duplicates were identified by entity resolution (identifiers, normalised "
        f"bibliographic fields and embedding similarity with "
        f"{code(context.protocol.embedding_model)}); records are grouped, never deleted. "
        f"{len(merges):,} merges were accepted, removing {removed:,} duplicate records and "
        f"leaving {counts['groups']:,} unique studies from {counts['records']:,} records."
    ]
    if kept:
        lines.append(f"Kept apart as separate studies: {_cell(', '.join(kept))}.")
    return lines


def screening_setup(context: ReviewContext) -> list[str]:
    """Stages, reviewers per record, blinding, conflict resolution, order."""
    s = context.protocol.screening
    stages = ", ".join(Stage.parse(name).label.lower() for name in s.stages)
    order = (
        "ranked by active learning (retrained on the decisions so far)"
        if s.order == "ranked"
        else f"in a random order (seed {s.seed})"
    )
    return [
        f"Records were screened at {stages}, {s.reviewers_per_record} reviewer(s) per record, "
        f"{'blind to each other' if s.blind else 'not blinded'}; conflicts were resolved by "
        f"{_cell(s.conflict_resolution.replace('_', ' '))}. Records were presented {order}."
    ]


def agreement(context: ReviewContext) -> list[str]:
    """Cohen's kappa and Gwet's AC1 per stage (two categories: include vs exclude)."""
    rows: list[tuple[Any, ...]] = []
    for stage in STAGES:
        found = stage_agreement(context.db, context.viewer, stage)
        label = Stage(stage).label
        if found is None:
            rows.append((label, "hidden while screening is blind", "", "", ""))
            continue
        a = found.two
        rows.append((label, a.n, _pct(a.observed), _num(a.kappa), _num(a.ac1)))
    return _table(("Stage", "Studies screened twice", "Agreement", "Kappa", "AC1"), rows)


#: What each kind of rule rests on, for the methods text.
_ASSUMES = {
    "model-free": "model-free: valid however the ranking behaved, since only a random sample "
    "of the unscreened records enters the test",
    "model-based": "model-based: valid if the fitted model of where relevant records fall is right",
    "heuristic": "a heuristic with no recall estimate behind it",
}
#: The statement RAISE and PRISMA ask of AI-assisted screening.
HUMAN_DECISIONS = (
    "A human reviewer made every screening decision: the ranking model only ordered the "
    "records and the stopping rules only said when screening could stop; no record was "
    "included or excluded by a model's judgement of it."
)


def stopping_choice(context: ReviewContext) -> list[str]:
    """The chosen stopping rule, what it assumes, its citation, target and confidence."""
    from screening.stopping.stoppers import stopper
    from screening.stopping.stoppers.base import setting

    s = context.protocol.screening
    rule = stopper(s.stopping)
    return [
        f"The stopping rule chosen in the protocol was {code(rule.name)} "
        f"({_ASSUMES[str(rule.assumption)]}), with a {setting(s.stopping_target)} recall "
        f"target and {setting(s.stopping_confidence)} confidence "
        f"(reference: {_cell(rule.citation)}). "
        "Every other rule's verdict was computed and reported alongside it.",
        "",
    ]


def _chosen_line(context: ReviewContext, stage: Stage, number: int) -> str:
    """The chosen rule's verdict at a stage: records screened, estimated recall and bound."""
    from screening.stopping import verdicts

    s = context.protocol.screening
    rows = verdicts.rule_table(
        context.db, context.viewer, stage, s.stopping_target, s.stopping_confidence,
        s.stopping, number,
    )  # fmt: skip
    run = verdicts.stage_run(
        context.db, stage, context.viewer, s.stopping_target, s.stopping_confidence,
        round_no=number,
    )  # fmt: skip
    row = next((r for r in rows or [] if r["chosen"]), None)
    done = f"{run.screened:,} of {run.total:,} records were screened ({run.found:,} relevant)"
    if row is None or row["stop"] is None:
        return f" By the chosen {s.stopping} rule: {done}; it has no verdict yet."
    if row["stale"]:
        said = "its last verdict predates the latest decisions"
    else:
        said = "stopping was justified" if row["stop"] else "screening should go on"
    recall = ""
    if row["recall"] is not None:
        recall = f"; estimated recall {_pct(row['recall'])}"
        if row["recall_low"] is not None:
            recall += f" (lower bound {_pct(row['recall_low'])})"
    return f" By the chosen {s.stopping} rule: {done}; {said}{recall}."


def ranking_model(context: ReviewContext) -> list[str]:
    """The ranking model and its version, the seeds recorded, and who decided."""
    from importlib import metadata

    from screening import db as sdb

    s = context.protocol.screening
    try:
        tool = f" (review-assistant {metadata.version('review-assistant')})"
    except metadata.PackageNotFoundError:
        tool = ""
    lines: list[str] = []
    for stage in STAGES:
        version = sdb.latest_model_version(context.db, stage)
        if version is not None:
            lines.append(
                f"Records at {Stage(stage).label.lower()} were ranked by the model "
                f"{code(version.split('#', 1)[0])}, version {code(version)}{tool}; the "
                "model-based stopping rules used a logistic regression (balanced class "
                "weights) on the same TF-IDF features, trained on the screened records."
            )
    if not lines:
        lines.append(f"No ranking model was used{tool}.")
    seeds = [f"random screening order seed {s.seed}"] if s.order != "ranked" else []
    for stage in STAGES:
        if not stopping_rule.visible(context.db, context.viewer, stage):
            continue
        for r in corpus_db.rounds(context.db):
            sample = sdb.stopping_sample(context.db, stage, r.number)
            if sample is not None:
                seeds.append(
                    f"random sample seed {code(sample.seed)} at {Stage(stage).label.lower()}"
                    + (f", round {r.number}" if r.number > 1 else "")
                )
    lines.append(
        ("Seeds recorded: " + "; ".join(seeds) + ".") if seeds else "No seed was recorded."
    )
    lines.append(HUMAN_DECISIONS)
    return [part for line in lines for part in ("", line)][1:]


def stopping(context: ReviewContext) -> list[str]:
    """The stopping rule chosen, and the recall it showed, per stage."""
    s = context.protocol.screening
    lines = stopping_choice(context)
    numbers = [r.number for r in corpus_db.rounds(context.db)]
    for stage in STAGES:
        label = Stage(stage).label
        if not stopping_rule.visible(context.db, context.viewer, stage):
            lines.append(f"- {label}: hidden while screening is blind.")
            continue
        for number in numbers:
            name = f"{label}, round {number}" if len(numbers) > 1 else label
            report = stopping_rule.assess_stage(
                context.db,
                context.viewer,
                stage,
                s.stopping_target,
                s.stopping_confidence,
                number,
            )
            lines.append(
                f"- {name}: nothing screened yet."
                if report is None
                else f"- {name}: " + report.sentence() + _chosen_line(context, stage, number)
            )
    return lines


def extraction(context: ReviewContext) -> list[str]:
    """How evidence was extracted and appraised, and how far it got."""
    form = context.form
    settings = context.protocol.extraction_settings
    found = overview(context.db, context.protocol, form, context.viewer)
    modes = {
        "single": "by one reviewer",
        "dual": "independently by two reviewers, blind to each other, with field-level consensus",
        "verify": "by one reviewer and verified by a second",
    }
    checklist = settings.checklist.title if settings.checklist else "no appraisal checklist"
    line = (
        f"Data were extracted {_cell(modes.get(settings.mode, settings.mode))} into a form of "
        f"{len(form.fields)} fields ({_cell(checklist)})."
    )
    if found.open:
        line += (
            f" {found.statuses.get('complete', 0)} of {found.included} included studies are "
            "complete."
        )
    return [line]


def protocol_log(context: ReviewContext) -> list[str]:
    """The protocol version in force and its amendments."""
    versions = core_db.protocol_versions(context.db)
    lines = [f"Protocol version in force: {code(context.protocol.version)}."]
    amended = [v for v in versions if v.previous_version is not None]
    if amended:
        lines.append("")
        lines += _table(
            ("Amendment", "Date", "By", "Reason"),
            [(v.number, v.time[:10], v.reviewer, v.reason) for v in amended],
        )
    else:
        lines.append("The protocol was not amended.")
    return lines


def methods_markdown(context: ReviewContext, now: datetime | None = None) -> str:
    """Return the whole methods summary."""
    when = (now or datetime.now(UTC)).date().isoformat()
    sections: list[tuple[str, list[str]]] = [
        ("Searches", searches(context)),
        ("Deduplication", deduplication(context)),
        ("Screening", screening_setup(context)),
        ("Agreement between reviewers", agreement(context)),
        ("Stopping rule", stopping(context)),
        ("Ranking model and human decisions", ranking_model(context)),
        ("Data extraction and quality appraisal", extraction(context)),
        ("Protocol", protocol_log(context)),
    ]
    out = [
        f"# Methods: {_cell(context.protocol.title)}",
        "",
        f"_Written from the review database on {when}; every figure is computed, none typed._",
    ]
    for title, lines in sections:
        out += ["", f"## {title}", "", *lines]
    out += ["", chain_line(context)]
    return "\n".join(out) + "\n"


def chain_line(context: ReviewContext) -> str:
    """The last line: the ledger's length and head, an anchor kept outside the database."""
    length, head = chain_db.head(context.db)
    return (
        f"Review history: {length} logged entries, chain head {code(head)}"
        f" (`review check --against {head}` shows whether it was rewritten since)."
    )

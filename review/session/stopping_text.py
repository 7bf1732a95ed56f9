"""Words for the stopping rule, shared by ``review stopping``, ``review status`` and the TUI.

Each function reads the JSON form of a report (``StoppingReport.to_json()``,
as ``review status --json`` prints it), so the terminal, the dashboard and a
script reading the JSON all say the same thing.
"""

from __future__ import annotations

from typing import Any

from protocols.model import Stage
from screening.stopping.pvalue import format_p

STAGE_WORDS: dict[str, str] = {stage: stage.short.lower() for stage in Stage}


def share(value: float) -> str:
    """A setting as a percentage: 95% for 0.95, 97.5% for 0.975."""
    return f"{round(value * 100, 1):g}%"


def recall(value: float) -> str:
    """A recall to one decimal; never rounded up to 100%, which means exactly 1."""
    return "100%" if value >= 1.0 else f"{min(round(value * 100, 1), 99.9):.1f}%"


def recall_text(report: dict[str, Any]) -> str:
    """Estimated recall with its bounds, or "—" before any sample record is screened."""
    estimate = report.get("recall")
    if estimate is None:
        return "—"
    return (
        f"{recall(estimate['recall'])} ({share(estimate['confidence'])} bounds "
        f"{recall(estimate['low'])}–{recall(estimate['high'])})"
    )


#: How the terminal draws the sample, and extends it (``verdict``'s hints).
CLI_DRAW = "review stopping sample"
CLI_EXTEND = "review stopping sample --extend"


def verdict(report: dict[str, Any], draw_hint: str, extend_hint: str | None = None) -> str:
    """One line: is stopping justified, and if not, what to screen next.

    Args:
        draw_hint: How to draw the sample here, e.g. :data:`CLI_DRAW` or "press k".
        extend_hint: How to draw more once relevant ones turned up, e.g.
            :data:`CLI_EXTEND`; ``draw_hint`` by default (the TUI's one key does both).
            A key hint never carries a flag: "press k", not "press k --extend".
    """
    target, conf = share(report["target"]), share(report["confidence"])
    chosen = report.get("stopping_rule", "certified")
    if chosen != "certified":
        return chosen_verdict(report, chosen)
    if report["stop_justified"]:
        if report["urn_size"] == 0:
            return f"Every record is screened: recall is 100% (target {target})."
        return f"Stopping justified at {target} recall ({conf} confidence)."
    size, done = report["sample_size"], report["sample_screened"]
    needed = report["sample_needed"]
    if size == 0:
        early = ""
        if report["irrelevant_run"] < report["run_threshold"]:
            early = f"; the run of irrelevant records is {report['irrelevant_run']:,} of " + (
                f"{report['run_threshold']:,}, so ranked screening may still find some"
            )
        return f"Not yet: screen a random sample of {needed:,} records ({draw_hint}){early}."
    if needed > size:
        return (
            f"Not yet: {report['sample_relevant']:,} relevant in the random sample; "
            f"draw {needed - size:,} more ({extend_hint or draw_hint}) and screen them."
        )
    return f"Not yet: screen the rest of the random sample ({done:,} of {size:,} screened)."


def report_lines(stage: Stage, report: dict[str, Any]) -> list[str]:
    """The report of ``review stopping`` for one stage, for a terminal."""
    p = report["p_value"]
    alpha = 1 - report["confidence"]
    p_text = "— (no random-sample record screened yet)"
    if p is not None:
        p_text = f"{format_p(p, alpha)} (stopping needs p < {alpha:.3g})"
    sample = "none drawn"
    if report["sample_size"]:
        sample = (
            f"{report['sample_screened']:,} of {report['sample_size']:,} screened, "
            f"{report['sample_relevant']:,} relevant (of {report['urn_size']:,} unscreened)"
        )
    return [
        f"Stopping at {STAGE_WORDS[stage]}: target {share(report['target'])} recall, "
        f"{share(report['confidence'])} confidence",
        f"  phase:            {report['phase']}",
        f"  screened:         {report['screened']:,} of {report['records']:,} "
        f"({report['relevant_found']:,} relevant)",
        f"  ranked part:      {report['ranked_screened']:,} screened, "
        f"{report['ranked_relevant']:,} relevant",
        f"  irrelevant run:   {report['irrelevant_run']:,} (threshold {report['run_threshold']:,})",
        f"  random sample:    {sample}",
        f"  p value:          {p_text}",
        f"  estimated recall: {recall_text(report)}",
        "  " + verdict(report, CLI_DRAW, CLI_EXTEND),
        "",
        report["sentence"],
    ]


def status_line(stage: Stage, report: dict[str, Any] | None, hidden: bool) -> str:
    """One line per stage for plain ``review status``."""
    name = f"{STAGE_WORDS[stage] + ':':<16}"
    if hidden:
        return f"  {name}hidden while screening is blind (a lead sees it)"
    if report is None:
        return f"  {name}nothing screened yet"
    return f"  {name}{report['phase']}; recall {recall_text(report)}; " + verdict(
        report, CLI_DRAW, CLI_EXTEND
    )


def justified_notice(stage: Stage, report: dict[str, Any] | None) -> str | None:
    """The screening screen's one-time words once stopping is justified; None until then.

    None too when every record is screened (nothing is left to stop screening)
    or the figures are hidden (``report`` None). Built from the report alone,
    so it says what the test showed, not more.
    """
    if report is None or not report["stop_justified"] or report["urn_size"] == 0:
        return None
    left = report["records"] - report["screened"]
    if stage == Stage.TITLE_ABSTRACT:
        after = (
            f"the {left:,} records left unscreened are reported as excluded by the stopping "
            "rule (PRISMA: automation tools)"
        )
    else:
        after = f"the {left:,} reports left unscreened count as awaiting assessment (PRISMA)"
    chosen = report.get("stopping_rule", "certified")
    if chosen != "certified":
        row = next(r for r in report.get("verdicts", []) if r["rule"] == chosen)
        est = "" if row.get("recall") is None else f"; estimated recall {rule_recall(row)}"
        return (
            f"Stopping is justified at {STAGE_WORDS[stage]} by the protocol's {chosen} rule "
            f"({row['assumption']}: its claim holds only as far as its model does{est}). "
            f"You may stop screening this stage; {after}."
        )
    target, conf = share(report["target"]), share(report["confidence"])
    found = report["sample_relevant"]
    held = "no relevant record" if found == 0 else f"{found:,} relevant"
    low = ""
    if report.get("recall"):
        low = f"; estimated recall is at least {recall(report['recall']['low'])}"
    p = report["p_value"]
    test = "" if p is None else f" ({format_p(p, 1 - report['confidence'])})"
    return (
        f"Stopping is justified at {STAGE_WORDS[stage]}: the random sample of "
        f"{report['sample_screened']:,} unscreened records held {held}, so recall reaches the "
        f"{target} target with {conf} confidence{test}{low}. You may stop screening this "
        f"stage; {after}."
    )


# --- every rule side by side (screening.stopping.verdicts) ---------------------------------


def rule_recall(row: dict[str, Any]) -> str:
    """A rule's estimated recall and its lower bound, or "—" where it gives none."""
    if row.get("recall") is None:
        return "—"
    low = row.get("recall_low")
    return recall(row["recall"]) + ("" if low is None else f" (≥ {recall(low)})")


def rule_stop(row: dict[str, Any]) -> str:
    """``stop``, ``go on``, ``—`` (no verdict yet), with ``stale`` for an old stored one."""
    word = "—" if row.get("stop") is None else ("stop" if row["stop"] else "go on")
    return word + (" (stale)" if row.get("stale") else "")


def chosen_verdict(report: dict[str, Any], chosen: str) -> str:
    """The one-line verdict when the protocol chose a rule other than certified."""
    row = next((r for r in report.get("verdicts", []) if r["rule"] == chosen), None)
    if row is None or row.get("stop") is None:
        return f"Not yet: the {chosen} rule has no verdict yet (review rank computes it)."
    if row.get("stale"):
        return f"Not yet: the {chosen} rule's verdict predates the latest decisions (review rank)."
    if report["stop_justified"]:
        return f"Stopping justified by the {chosen} rule ({row['assumption']})."
    return f"Not yet: the {chosen} rule ({row['assumption']}) says go on screening."


def rule_lines(report: dict[str, Any]) -> list[str]:
    """Every rule's verdict as a table, the protocol's choice marked with ``*``."""
    rows = report.get("verdicts") or []
    if not rows:
        return []
    width = max(len(r["rule"]) for r in rows) + 2
    out = [
        "",
        "Stopping rules (* the protocol's [screening] stopping; it decides):",
        f"  {'rule':<{width}} {'verdict':<15} {'est. recall (bound)':<22} assumption",
    ]
    for r in rows:
        mark = "*" if r["chosen"] else " "
        out.append(
            f"{mark} {r['rule']:<{width}} {rule_stop(r):<15} {rule_recall(r):<22} {r['assumption']}"
        )
    return out

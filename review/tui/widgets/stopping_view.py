"""The stopping rule in the TUI: the dashboard's lines, the card's "Random check" title,
and the key that draws the random sample.

Logic lives in ``screening.stopping``; the words in ``review.session.stopping_text``.
The figures combine every reviewer's decisions, so ``review.session.status`` leaves them
out (None) while a stage is blind to the viewer and nothing is shown here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlite_utils import Database
from textual.content import Content

from protocols.vocabulary import Stage
from review.session.stopping_text import STAGE_WORDS, recall_text, rule_recall, rule_stop, verdict
from review.tui.widgets.modals import Notice
from screening import db as sdb
from screening.errors import ScreeningError
from screening.stages import STAGES
from screening.stopping import draw_sample, extend_sample

if TYPE_CHECKING:
    from review.session.status import StatusReport
    from review.tui.app import ReviewApp

#: The dashboard key that draws the random sample (``HomeScreen`` binds it).
KEY = "k"


def stage_block(report: dict[str, Any] | None) -> Content:
    """Return the stopping lines under a stage's block (empty while hidden or unscreened)."""
    if report is None:
        return Content("")
    line = verdict(report, f"press {KEY}")
    style = "bold $success" if report["stop_justified"] else "$warning"
    return Content.assemble(
        f"  stopping: {report['phase']} · estimated recall {recall_text(report)}\n",
        "  ",
        (line, style),
        "\n",
        rules_block(report.get("verdicts") or [], str(report.get("phase", ""))),
    )


def rules_block(rows: list[dict[str, Any]], phase: str = "") -> Content:
    """Every rule's verdict in at most two lines, the protocol's choice in bold with a ``*``.

    The model-free rule and the heuristics share the first line; the
    model-based rules get a second once the ranking job has fitted them (or one is chosen).
    Nothing once every record is screened: every rule then agrees.
    """
    if not rows or phase == "complete":
        return Content("")
    lines: list[Content] = []
    for model_based in (False, True):
        group = [row for row in rows if (row["assumption"] == "model-based") == model_based]
        if not any(row["stop"] is not None or row["chosen"] for row in group):
            continue
        parts: list[Content] = []
        for row in group:
            est = rule_recall(row)
            text = f"{row['rule']}{'*' if row['chosen'] else ''} {rule_stop(row)}" + (
                "" if est == "—" else f" {est}"
            )
            parts.append(Content.styled(text, "bold") if row["chosen"] else Content(text))
        lead = "  rules: " if not lines else "         "
        lines.append(Content.assemble(lead, Content(" · ").join(parts), "\n"))
    return Content.assemble(*lines)


def record_title(db: Database, stage: Stage, group_id: int | None) -> str:
    """Return the card's border title: "Random check 12 of 400" for a sample record."""
    sample = None if group_id is None else sdb.stopping_sample(db, stage)
    position = None if sample is None or group_id is None else sample.position(group_id)
    if sample is None or position is None:
        return "Record"
    return f"Random check {position:,} of {len(sample.groups):,}"


def _wanted(status: StatusReport) -> tuple[Stage, bool, int] | None:
    """Return ``(stage, extend, records)`` of the first stage whose sample is due."""
    for stage in STAGES:
        report = status.screening.stages[stage].stopping
        if report is None or report["stop_justified"] or report["urn_size"] == 0:
            continue
        if report["sample_size"] == 0:
            return stage, False, report["sample_needed"]
        if report["sample_needed"] > report["sample_size"]:
            return stage, True, report["sample_needed"] - report["sample_size"]
    return None


def ask_to_draw(app: ReviewApp, status: StatusReport, done: Any) -> None:
    """Confirm, then draw (or extend) the random sample; ``done()`` refreshes the dashboard."""
    wanted = _wanted(status)
    if wanted is None:
        app.notify("No random sample is due: nothing screened, already drawn, or hidden.")
        return
    stage, extend, count = wanted
    words = STAGE_WORDS[stage]
    text = (
        f"Draw {count:,} more unscreened {words} records into the random sample?"
        if extend
        else f"Draw a random sample of {count:,} unscreened {words} records?"
    ) + (
        "\n\nThey are shown first when screening, marked Random check. Screen every one: "
        "stopping is justified only once the sample is screened. The draw is recorded "
        "with its seed and cannot be undone."
    )

    def answered(go: bool | None) -> None:
        if not go:
            return
        settings = app.review.protocol.screening
        try:
            with app.review.connect() as db:
                who = app.review.viewer(db)
                args = (db, who, stage, settings.stopping_target, settings.stopping_confidence)
                drawn = extend_sample(*args) if extend else len(draw_sample(*args).groups)
        except ScreeningError as exc:
            app.notify(str(exc), title="Not drawn", severity="warning")
            return
        key = "s" if stage == STAGES[0] else "f"
        app.notify(f"Drew {drawn:,} records: press {key} to screen them.")
        done()

    app.push_screen(Notice("Random check", text, go_on="Draw", leave="Cancel"), answered)

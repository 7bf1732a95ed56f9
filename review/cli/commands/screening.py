"""Screening commands for leads and checkers: reviewers, unblinding, decision exports."""

from __future__ import annotations

import click

from protocols.vocabulary import Stage
from review.cli.options import context, open_project, reviewer_option


@click.command("decisions")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--history", is_flag=True, help="Every event, undos included.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="File (new files are owner-only, 0600; - or none: standard output).",
)
@reviewer_option
@click.pass_context
def export_decisions(
    ctx: click.Context, fmt: str, history: bool, output: str | None, reviewer: str | None
) -> None:
    """Export current screening decisions (group, stage, reviewer, label, reason, note, time).

    In a blind review a reviewer's export holds only their own decisions until
    a lead unblinds the stage.

    \b
    Example:
        review export decisions --reviewer ana --history -o decisions.csv
    """
    import io
    from pathlib import Path

    from review.core.files import is_stdout, write_atomically
    from screening.export import write_csv

    review = context(ctx, reviewer)
    db, who = review.db, review.viewer
    if output is None or is_stdout(output):
        buffer = io.StringIO(newline="")
        write_csv(db, who, buffer, history=history)
        click.echo(buffer.getvalue(), nl=False)
        return
    n = write_atomically(Path(output), lambda handle: write_csv(db, who, handle, history=history))
    click.echo(f"Wrote {n} decisions to {output}", err=True)


@click.group("reviewer")
def reviewer_group() -> None:
    """Register reviewers and leads (leads see all decisions and may unblind)."""


@reviewer_group.command("add")
@click.argument("name")
@click.option("--lead", is_flag=True, help="Make this reviewer a lead.")
@click.pass_context
def reviewer_add(ctx: click.Context, name: str, lead: bool) -> None:
    """Add a reviewer (or change their role).

    \b
    Example:
        review reviewer add "Dr Ana Ruiz" --lead
    """
    from screening.decide import add_reviewer

    _, db = open_project(ctx)
    add_reviewer(db, name, "lead" if lead else "reviewer")
    click.echo(f"{name}: {'lead' if lead else 'reviewer'}")


@click.command()
@click.option(
    "--stage",
    type=click.Choice(["title-abstract", "full-text"]),
    required=True,
    help="Stage to unblind.",
)
@reviewer_option
@click.pass_context
def unblind(ctx: click.Context, stage: Stage, reviewer: str | None) -> None:
    """Let every reviewer see everyone's decisions at a stage (leads only; final).

    \b
    Example:
        review unblind --stage title-abstract --reviewer lead-name
    """
    from screening import blind
    from screening.stages import parse_stage

    review = context(ctx, reviewer)
    changed = blind.unblind(review.db, review.viewer, parse_stage(stage))
    click.echo(f"{stage}: {'unblinded' if changed else 'was already unblinded'}")

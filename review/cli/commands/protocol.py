"""``review protocol``: show, validate and amend the review protocol.

The protocol is the reviewers' contract. Once screening starts it changes
only by an amendment, which is logged with its reason, reviewer, time and full
text, so every decision can be traced to the protocol in force when it was made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from review.cli.options import find_project, open_project


def _project(ctx: click.Context) -> Any:
    return find_project(ctx)


@click.group()
def protocol() -> None:
    """Show, check and amend the review protocol (protocol.toml).

    \b
    Example:
        review protocol validate && review protocol show
    """


@protocol.command()
@click.option("--json", "as_json", is_flag=True, help="Print the protocol as JSON.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Print the protocol: question, criteria, reasons, screening, extraction form.

    \b
    Example:
        review protocol show --json
    """
    from protocols import loader
    from protocols.render import describe, to_dict

    project = _project(ctx)
    loaded = loader.load(project.protocol_path)
    if as_json:
        click.echo(json.dumps(to_dict(loaded), indent=2, ensure_ascii=False))
    else:
        click.echo(describe(loaded))


@protocol.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def validate(ctx: click.Context, file: Path | None) -> None:
    """Check a protocol file; print "ok", or the first mistake with line and key.

    FILE defaults to the review's protocol.toml.

    \b
    Example:
        review protocol validate draft-protocol.toml
    """
    from protocols import loader

    path = file if file is not None else _project(ctx).protocol_path
    loader.load(path)  # a ProtocolError becomes one line and exit status 1
    click.echo("ok")


@protocol.command()
@click.option("--reason", required=True, help="Why the protocol changed (kept in the log).")
@click.option(
    "--reviewer",
    help="Who amends it (default: the protocol's default_reviewer, $REVIEW_REVIEWER, login).",
)
@click.option(
    "--reopen-extraction",
    is_flag=True,
    help="Reopen completed extractions that now miss a required field (leads only);"
    " without it completed studies stay complete.",
)
@click.pass_context
def amend(ctx: click.Context, reason: str, reviewer: str | None, reopen_extraction: bool) -> None:
    """Log the edited protocol.toml as a new version, with the reason.

    Edit protocol.toml first; amend checks it, then logs the previous and new
    version hashes, the reason, reviewer, time and the full new text. With
    --reopen-extraction (leads only) every completed extraction that lacks a
    field the new version requires is reopened; without it, completed
    studies stay complete.

    \b
    Example:
        review protocol amend --reason "Added 'wrong setting' as a full-text reason"
        review protocol amend --reason "Added dropout rate" --reopen-extraction --reviewer lead
    """
    from review.core import db as review_db
    from review.core.errors import UsageError
    from review.core.review import Review

    if not reason.strip():
        raise UsageError("--reason: say why the protocol changed")
    amended = Review.open(_project(ctx), reviewer)
    project, loaded, author = amended.project, amended.protocol, amended.reviewer
    raw = project.protocol_path.read_bytes()
    _, db = open_project(ctx)
    last = review_db.latest_protocol_version(db)
    if last is not None and last.version == loaded.version:
        raise UsageError(
            f"{project.protocol_path.name} is unchanged since version {last.number}"
            f" ({last.version}); edit it first, then amend"
        )
    if reopen_extraction:
        if not amended.viewer(db).is_lead:
            raise UsageError(
                f"--reopen-extraction: only a lead reopens extraction; {author} is not a lead"
                " (review reviewer add NAME --lead)"
            )
    logged = review_db.log_protocol_version(
        db, raw.decode("utf-8-sig"), loaded.version, reason.strip(), author
    )
    previous = logged.previous_version or "none"
    click.echo(
        f"Logged protocol version {logged.number}: {previous} -> {logged.version}"
        f" by {logged.reviewer}"
    )
    if reopen_extraction:
        from review.extraction.write import reopen_missing_required

        reopened = reopen_missing_required(db, loaded, amended.form, author)
        studies = len({g for g, _ in reopened})
        copies = "copy" if len(reopened) == 1 else "copies"
        click.echo(
            f"Reopened {len(reopened)} completed extraction {copies}"
            f" ({studies} stud{'y' if studies == 1 else 'ies'}) missing a required field"
        )


@protocol.command()
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
@click.pass_context
def history(ctx: click.Context, as_json: bool) -> None:
    """List the logged protocol versions, oldest first.

    \b
    Example:
        review protocol history --json
    """
    from review.core import db as review_db

    _, db = open_project(ctx)
    versions = review_db.protocol_versions(db)
    if as_json:
        rows = [
            {
                "number": v.number,
                "version": v.version,
                "previous_version": v.previous_version,
                "reason": v.reason,
                "reviewer": v.reviewer,
                "time": v.time,
            }
            for v in versions
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not versions:
        click.echo("No protocol versions logged yet; run: review protocol amend --reason TEXT")
    for v in versions:
        click.echo(f"{v.number:>3}  {v.version}  {v.time}  {v.reviewer}: {v.reason}")

"""``review backup``, ``review restore`` and ``review check``: keeping a review safe."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from review.cli.options import find_project, json_option, open_project


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@json_option
@click.pass_context
def backup(ctx: click.Context, directory: Path, as_json: bool) -> None:
    """Copy the review (database, protocol, full texts) into DIR, even while others write.

    DIR must be new or empty. The database is copied with SQLite's online
    backup API, so the copy is one consistent moment of the review; cache/
    is left out (it is rebuilt when needed). DIR/manifest.json records when
    the copy was taken, how many rows each table held, the ledger's head
    (for `review check --against DIR`) and each file's SHA-256. DIR and its
    files are readable by you only.

    \b
    Example:
        review backup ../backups/2026-11-27
    """
    from review.core.backup import backup as run_backup

    result = run_backup(find_project(ctx), directory)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    click.echo(
        f"Backed up to {directory}: {sum(result.counts.values())} rows in"
        f" {len(result.counts)} tables, {result.fulltexts} full-text files;"
        f" chain {result.chain[0]} entries, head {result.chain[1]}"
    )


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the review.db already here.")
@click.option(
    "--unverified",
    is_flag=True,
    help="Restore a backup whose manifest has no file hashes (an older backup), unchecked.",
)
@json_option
@click.pass_context
def restore(
    ctx: click.Context, directory: Path, force: bool, unverified: bool, as_json: bool
) -> None:
    """Restore a backup from DIR into this review folder (--force to overwrite).

    The review folder is --project, else $REVIEW_PROJECT, else the nearest
    parent holding review.db, else the current folder. Every file is first
    checked against the backup's manifest (SHA-256): if one differs, nothing
    is restored; a backup without hashes needs --unverified. The database is
    written beside the old one (readable by you only) and renamed over it,
    so a failed restore changes nothing. Close the TUI and other commands on
    this review first.

    \b
    Example:
        review --project my-review restore ../backups/2026-11-27 --force
    """
    from review.core.backup import restore as run_restore
    from review.core.errors import ProjectError

    explicit = ctx.find_root().obj
    try:
        target = find_project(ctx).root
    except ProjectError:
        target = Path(explicit or os.environ.get("REVIEW_PROJECT") or ".")
    result = run_restore(directory, target, force=force, unverified=unverified)
    for warning in result.warnings:
        click.echo(warning, err=True)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    click.echo(
        f"Restored {directory} into {target}: {sum(result.counts.values())} rows,"
        f" {result.fulltexts} full-text files"
    )


@click.command()
@click.option(
    "--against",
    metavar="BACKUP_DIR|HASH",
    help="Say whether the history up to this anchor (a backup, a chain head) was rewritten.",
)
@json_option
@click.pass_context
def check(ctx: click.Context, against: str | None, as_json: bool) -> None:
    """Check review.db: SQLite integrity, derived tables against the logs, the audit chain.

    Prints one line per problem, naming the table and row (for instance a
    decision edited with the sqlite3 shell, or a trigger dropped), then the
    chain's length and head hash: keep that line (or a backup) elsewhere, and
    `--against` it later shows whether the history up to it was rewritten,
    even by someone who recomputed every hash. Exits 1 when anything is wrong.

    \b
    Examples:
        review check --json
        review check --against ../backups/2026-11-27
    """
    from review.core.chain.verify import against as compare_with
    from review.core.integrity import run

    _, db = open_project(ctx)
    report = run(db)
    comparison = compare_with(db, against) if against else None
    if as_json:
        data = report.to_json()
        if comparison is not None:
            data["against"] = comparison.to_json()
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        for problem in report.problems:
            click.echo(problem.message)
        if not report.problems:
            click.echo("review.db: all checks passed")
        click.echo(f"chain: {report.length} entries, head {report.head or '(empty)'}")
        if comparison is not None:
            click.echo(comparison.message)
    if report.problems or (comparison is not None and comparison.rewritten):
        sys.exit(1)

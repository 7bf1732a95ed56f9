"""The ``review`` command line: a lazy root group over ``review.cli.commands``.

Click's documented lazy-loading pattern: the root knows each command's name
and where it lives, and imports a command module only when that command
runs (or its help is asked for). ``review --help`` therefore loads click and
this module only; command modules import :mod:`review.cli.options`, never
this module, so there is no import cycle.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click

from review.cli.options import fail

#: Command name -> (module under review.cli.commands, attribute, one-line help).
#: The help is the first line of each command's docstring, repeated here so that
#: ``review --help`` lists commands without importing them; tests/functional/test_architecture.py
#: checks that it matches.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": (
        "project",
        "init",
        "Create a review: DIR/review.db and DIR/protocol.toml.",
    ),
    "import": (
        "project",
        "import_",
        "Import search results; the format is told from the content.",
    ),
    "status": (
        "project",
        "status",
        "Show sources, record counts and what to do next.",
    ),
    "dedup": (
        "dedup",
        "dedup",
        "Find duplicate records across sources (entity resolution, never deletion).",
    ),
    "embed": (
        "search",
        "embed",
        "Compute missing embeddings (cached by text, so re-runs cost nothing).",
    ),
    "search": (
        "search",
        "search",
        "Search studies by keywords (FTS5), meaning (embeddings) or both.",
    ),
    "attach": (
        "fulltext",
        "attach",
        "Attach a full-text PDF to a record, or a folder of PDFs to their studies.",
    ),
    "protocol": (
        "protocol",
        "protocol",
        "Show, check and amend the review protocol (protocol.toml).",
    ),
    "reviewer": (
        "screening",
        "reviewer_group",
        "Register reviewers and leads (leads see all decisions and may unblind).",
    ),
    "decide": (
        "decide",
        "decide",
        "Record one screening decision without the UI.",
    ),
    "import-decisions": (
        "decide",
        "import_decisions",
        "Import screening decisions from a CSV (review's own export, ASReview, Rayyan).",
    ),
    "unblind": (
        "screening",
        "unblind",
        "Let every reviewer see everyone's decisions at a stage (leads only; final).",
    ),
    "extract": (
        "extract",
        "extract",
        "Extract data from included studies: fill in the form, resolve conflicts.",
    ),
    "rank": (
        "rank",
        "rank",
        "Retrain the ranking model on the decisions so far and show the top studies.",
    ),
    "stopping": (
        "stopping",
        "stopping",
        "Report whether screening may stop (Callaghan & Müller-Hansen 2020).",
    ),
    "simulate": (
        "simulate",
        "simulate",
        "Replay a labelled review (ASReview CSV) and report WSS@95, WSS@100, RRF@10, ATD.",
    ),
    "tui": (
        "tui",
        "tui",
        "Open the review in the terminal UI (keyboard and mouse).",
    ),
    "screen": (
        "tui",
        "screen",
        "Screen records in the terminal UI, one key per decision.",
    ),
    "serve": (
        "serve",
        "serve",
        "Serve the terminal UI in a browser, one session per reviewer token.",
    ),
    "export": (
        "export",
        "export",
        "Export records, screening decisions and the evidence table.",
    ),
    "report": (
        "report",
        "report",
        "Report the review: PRISMA flow diagram, evidence gap map, report folder.",
    ),
    "zotero": (
        "zotero",
        "zotero",
        "Import from Zotero and push screening decisions back as tags.",
    ),
    "update": (
        "update",
        "update",
        "Update the review: open a search round, list the rounds.",
    ),
    "backup": (
        "keeping",
        "backup",
        "Copy the review (database, protocol, full texts) into DIR, even while others write.",
    ),
    "restore": (
        "keeping",
        "restore",
        "Restore a backup from DIR into this review folder (--force to overwrite).",
    ),
    "check": (
        "keeping",
        "check",
        "Check review.db: SQLite integrity, derived tables against the logs, the audit chain.",
    ),
    "demo": (
        "demo",
        "demo",
        "Create a demo review from bundled real data and show it.",
    ),
}


def load_command(name: str) -> click.Command:
    """Import and return the command registered under ``name``."""
    module_name, attribute, _ = COMMANDS[name]
    module = importlib.import_module(f"review.cli.commands.{module_name}")
    command: click.Command = getattr(module, attribute)
    return command


class LazyGroup(click.Group):
    """A root group that loads commands on demand and reports user errors in one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from :data:`COMMANDS` without importing them."""
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the CLI; a usage error (bad option value, unknown command) is one line.

        Click prints usage errors as a usage block plus the message; a
        reviewer scripting a review wants one line naming what is wrong and
        where to look, like every other user error here.
        """
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        try:
            return super().main(*args, **{**kwargs, "standalone_mode": False})
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "review"
            fail(f"{where}: {exc.format_message()} (see {where} --help)", code=2)
        except click.exceptions.Abort:
            fail("aborted")
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            fail(exc.format_message())
        return None

    def invoke(self, ctx: click.Context) -> Any:
        from review.core.errors import USER_ERRORS

        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            fail(str(exc))
        except sqlite3.OperationalError as exc:
            fail(database_message(exc))
        except sqlite3.DatabaseError as exc:
            fail(f"review database: {exc}; is review.db a review created by `review init`?")


def database_message(exc: sqlite3.OperationalError) -> str:
    """Return the one line for an SQLite error: "busy" for a lock, else what it says."""
    text = str(exc)
    if "locked" in text.lower() or "busy" in text.lower():
        return (
            "the review is busy: another reviewer or process is writing to review.db;"
            " waited and retried, still locked; run the command again in a moment"
        )
    return f"review database: {text}; is review.db a review created by `review init`?"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Review folder (default: $REVIEW_PROJECT, else nearest parent with review.db).",
)
@click.version_option(package_name="review-assistant")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None) -> None:
    """Offline systematic literature review assistant.

    \b
    Example:
        review init my-review && cd my-review
        review import pubmed.nbib scopus.ris --search-date 2026-11-01
        review status
    """
    ctx.obj = project_dir


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="review")

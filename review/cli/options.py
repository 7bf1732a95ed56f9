"""What every command shares: option decorators, the stage type, the review context.

Command modules import from here, never from :mod:`review.cli.root`, so the
root can load them lazily without an import cycle. Nothing heavy is imported
at module level: ``review --help`` loads this module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from protocols.model import Stage
from protocols.vocabulary import Label, Method

if TYPE_CHECKING:
    from review.core.context import ReviewContext

F = TypeVar("F", bound=Callable[..., Any])

REVIEWER_HELP = (
    "Who acts (default: the protocol's default_reviewer, else $REVIEW_REVIEWER, else your login)."
)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one error line to stderr and exit."""
    click.echo(f"review: error: {message}", err=True)
    sys.exit(code)


def reviewer_option(func: F) -> F:
    """``--reviewer NAME``; None when not given (the context resolves the default)."""
    return click.option("--reviewer", default=None, help=REVIEWER_HELP)(func)


#: ``--method`` choices: plain strings, as click would show an enum's member names.
METHODS: tuple[str, ...] = tuple(method.value for method in Method)
#: ``review decide``'s labels.
LABELS: tuple[str, ...] = tuple(label.value for label in Label)


def search_options(method_help: str) -> Callable[[F], F]:
    """``--search-date``, ``--query``, ``--method`` and ``--no-embed`` of an import.

    Args:
        method_help: What ``--method`` says (what the records are: files, a library).
    """

    def apply(func: F) -> F:
        for option in reversed(
            (
                click.option("--search-date", help="Date the search was run (YYYY-MM-DD)."),
                click.option("--query", help="The search string, for the PRISMA report."),
                click.option(
                    "--method",
                    type=click.Choice(METHODS, case_sensitive=False),
                    default="database",
                    show_default=True,
                    help=method_help,
                ),
                click.option(
                    "--no-embed",
                    is_flag=True,
                    help="Skip indexing now (embeddings, full-text); search and review embed "
                    "catch up.",
                ),
            )
        ):
            func = option(func)
        return func

    return apply


def round_option(func: F) -> F:
    """``--round N``: the search round a report is about (bound to ``round_no``)."""
    return click.option(
        "--round",
        "round_no",
        type=click.IntRange(min=1),
        default=None,
        help="The search round (review update list); default: the newest.",
    )(func)


def json_option(func: F) -> F:
    """``--json``: print the result as JSON (bound to ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(func)


class StageType(click.ParamType):
    """A screening stage: ``title-abstract`` or ``full-text`` (also ``ta``/``ft``)."""

    name = "stage"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[title-abstract|full-text]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Stage:
        if isinstance(value, Stage):
            return value
        try:
            return Stage.parse(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(s.cli) for s in Stage if s.cli.startswith(incomplete)]


def stage_option(default: Stage | None = Stage.TITLE_ABSTRACT) -> Callable[[F], F]:
    """``--stage``, parsed to a :class:`~protocols.model.Stage`."""
    return click.option(
        "--stage",
        type=StageType(),
        default=default.cli if default else None,
        show_default=bool(default),
        help="Screening stage: title-abstract or full-text.",
    )


def context(ctx: click.Context, reviewer: str | None = None) -> ReviewContext:
    """Open the review this command works on, closed when the command ends.

    The root group's ``--project`` is in ``ctx.obj``. The database is closed
    through ``ctx.call_on_close``, so commands never close it themselves.
    """
    from review.core.context import open_context

    opened = open_context(ctx.find_root().obj, reviewer)
    ctx.call_on_close(opened.close)
    return opened


def open_project(ctx: click.Context) -> tuple[Any, Any]:
    """Return ``(project, database)`` for commands that need no reviewer."""
    from review.core.project import find_project

    project = find_project(ctx.find_root().obj)
    db = project.open_db()
    ctx.call_on_close(db.close)
    return project, db


def find_project(ctx: click.Context) -> Any:
    """Return the review's :class:`~review.core.project.Project` without opening it."""
    from review.core.project import find_project as _find

    return _find(ctx.find_root().obj)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """Yield a ``progress(done, total)`` callback drawing a bar on stderr."""
    bars: list[Any] = []
    shown = [0]

    def update(done: int, total: int) -> None:
        if not bars:
            bars.append(click.progressbar(length=total, label=label, file=sys.stderr))
            bars[0].__enter__()
        bars[0].update(done - shown[0])
        shown[0] = done

    try:
        yield update
    finally:
        if bars:
            bars[0].__exit__(None, None, None)

"""``review serve``: the terminal UI in a browser, one session per reviewer."""

from __future__ import annotations

from pathlib import Path

import click

from review.cli.options import fail, find_project
from review.tui.registry import HOME, NAMES  # plain data: no textual at import


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; anything but localhost needs --reviewers.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--reviewers",
    "reviewers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='TOML ([reviewers] name = "token") or CSV (name,token): each reviewer\'s token.',
)
@click.option(
    "--start",
    type=click.Choice(NAMES),
    default=HOME,
    show_default=True,
    help="Screen each session opens on.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME[:PORT]",
    help="Another Host name browsers use to reach the server (a DNS name, a proxy's).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    reviewers_file: Path | None,
    start: str,
    allow_hosts: tuple[str, ...],
) -> None:
    """Serve the terminal UI in a browser, one session per reviewer token.

    Each reviewer opens http://HOST:PORT/?token=TOKEN and screens under the
    name their token belongs to; a request without a valid token is refused.
    Without --reviewers only localhost is served, as the default reviewer,
    with a new token: the login URL is printed once at startup. Requests
    naming another Host, and websockets from another origin, are refused.
    In the browser only leads add sources, from the review's inbox/ folder.
    Binding another host requires --reviewers and prints a warning.

    \b
    Example:
        review serve --reviewers team.toml --port 8000
    """
    from review.serve.server import ReviewersFileError, ReviewServer, is_local, load_reviewers

    reviewers = None
    if reviewers_file is not None:
        try:
            reviewers = load_reviewers(reviewers_file)
        except ReviewersFileError as exc:
            fail(str(exc))
    if not is_local(host):
        if reviewers is None:
            fail(f"--host {host} serves other machines: it requires --reviewers FILE (tokens)")
        click.echo(
            f"review serve: warning: listening on {host}, reachable from other machines;"
            " traffic is plain HTTP (use a TLS proxy or an SSH tunnel on untrusted networks)",
            err=True,
        )
    project = find_project(ctx)
    try:
        server = ReviewServer(
            project.root.resolve(), reviewers, host, port, start, allow_hosts=allow_hosts
        )
    except ValueError as exc:
        fail(str(exc))
    server.serve()

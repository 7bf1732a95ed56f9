"""``review zotero import``: a Zotero library as a source, incrementally on re-runs."""

from __future__ import annotations

import json
from typing import Any

import click

from review.cli.options import fail, open_project, search_options


@click.command("import")
@click.option("--library", "library_spec", required=True, help="user:ID or group:ID.")
@click.option("--collection", help="Only this collection (its key or its name).")
@click.option("--tag", help="Only items with this tag.")
@click.option("--local", is_flag=True, help="Use the Zotero 7 desktop local API (no key needed).")
@click.option("--endpoint", help="Any Zotero-API-compatible server (default: api.zotero.org).")
@click.option(
    "--api-key-env",
    default="ZOTERO_API_KEY",
    show_default=True,
    help="Environment variable holding the API key (else the keyring, else a hidden prompt).",
)
@click.option("--with-pdfs", is_flag=True, help="Fetch PDF attachments; only their text is kept.")
@search_options("How the library's records were found, for PRISMA (as for review import).")
@click.option("--full", is_flag=True, help="Read the whole library again, not only the changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def import_(
    ctx: click.Context,
    library_spec: str,
    collection: str | None,
    tag: str | None,
    local: bool,
    endpoint: str | None,
    api_key_env: str,
    with_pdfs: bool,
    method: str,
    search_date: str | None,
    query: str | None,
    full: bool,
    no_embed: bool,
    as_json: bool,
) -> None:
    """Import a Zotero library, or only what changed since the last import.

    Every regular item becomes a record (notes and attachments do not); each
    run is one source, so PRISMA counts it. A re-run asks Zotero for the
    changes since the library version reached last time: changed items update
    their records, deleted ones are flagged, never dropped.

    \b
    Example:
        export ZOTERO_API_KEY=...   # or the keyring, or a hidden prompt
        review zotero import --library group:12345 --collection "CSEA search" --with-pdfs
        review zotero import --library user:123 --local
    """
    from review.core.errors import check_date
    from review.sync.zotero_client import ZoteroClient, parse_library, resolve_api_key
    from review.sync.zotero_import import rededup, sync

    if search_date:
        check_date(search_date)
    library = parse_library(library_spec)
    key = None if local else resolve_api_key(api_key_env)
    project, db = open_project(ctx)
    client = ZoteroClient(library, key, local=local, endpoint=endpoint)
    if client.warning:
        click.echo(f"review: warning: {client.warning}", err=True)
    from review.cli.options import progress_bar
    from review.session.sources import reopened_warning, stopped_before

    stopped = stopped_before(project, db)
    try:
        with progress_bar("Reading Zotero") as bar:
            result = sync(
                db,
                project.root,
                client,
                collection=collection,
                tag=tag,
                method=method.lower(),
                search_date=search_date,
                query=query,
                with_pdfs=with_pdfs,
                local=local,
                full=full,
                progress=None if as_json else bar,
            )
    except Exception as exc:  # noqa: BLE001 - one scrubbed line, never the key
        from review.core.errors import USER_ERRORS

        if isinstance(exc, USER_ERRORS):
            fail(client.scrub(str(exc)))
        raise RuntimeError(client.scrub(f"{type(exc).__name__}: {exc}")) from None
    data: dict[str, Any] = result.to_json()
    if result.updated:
        data["dedup"] = rededup(db, _policy(project))
    with progress_bar("Embedding") as bar:
        from review.session.indexing import refresh

        refresh(project, db, embed=not no_embed, progress=bar)
    for line in result.pdf_errors:
        click.echo(f"review: warning: {line}", err=True)
    reopened = reopened_warning(project, db, stopped)
    if reopened:
        click.echo(f"review: {reopened}", err=True)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"{result.file_name}: {result.added} new records from {result.database}"
        + (f" (changes since v{result.since_version})" if result.since_version is not None else "")
        + f"; {result.updated} updated, {result.deleted} flagged deleted, "
        f"{result.skipped} notes/attachments skipped"
    )
    if with_pdfs:
        click.echo(f"{result.pdfs_attached} PDFs attached ({len(result.pdf_errors)} failed)")
    if data.get("dedup"):
        click.echo(
            f"Changed records re-checked for duplicates: {data['dedup']['queued']} pairs queued "
            "(review dedup queue)"
        )


def _policy(project: Any) -> Any:
    from corpus.dedup import DedupPolicy
    from protocols import loader

    try:
        return DedupPolicy.from_mapping(loader.load(project.protocol_path).dedup)
    except ValueError as exc:
        fail(f"{project.protocol_path}: [dedup] {exc}")

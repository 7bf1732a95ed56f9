"""``review zotero push``: screening and extraction outcomes back to Zotero as tags."""

from __future__ import annotations

import json

import click

from protocols.model import Stage
from review.cli.options import StageType, context, fail, json_option, reviewer_option


@click.command("push")
@click.option(
    "--library",
    "library_spec",
    help="user:ID or group:ID (default: the library the review synced from, if only one).",
)
@click.option("--tag-prefix", default="review:", show_default=True, help="Prefix of review's tags.")
@click.option(
    "--collection",
    help="Also file items into NAME/include, NAME/exclude, NAME/maybe (created when missing).",
)
@click.option(
    "--stage",
    type=StageType(),
    default=None,
    help="Push this stage's outcome only (default: the last stage each study reached).",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option("--local", is_flag=True, help="Use the Zotero 7 desktop local API.")
@click.option("--endpoint", help="Any Zotero-API-compatible server (default: the one synced from).")
@click.option(
    "--api-key-env",
    default="ZOTERO_API_KEY",
    show_default=True,
    help="Environment variable holding the API key (else the keyring, else a hidden prompt).",
)
@reviewer_option
@json_option
@click.pass_context
def push(
    ctx: click.Context,
    library_spec: str | None,
    tag_prefix: str,
    collection: str | None,
    stage: Stage | None,
    dry_run: bool,
    local: bool,
    endpoint: str | None,
    api_key_env: str,
    reviewer: str | None,
    as_json: bool,
) -> None:
    """Push screening decisions back to Zotero as tags (and sub-collections).

    Each item the review imported gets its study's outcome at the last stage
    it reached: review:include, review:exclude:REASON, review:maybe or
    review:conflict, and review:extraction:STATUS once extraction started.
    Only tags with the prefix (and the sub-collections of --collection) are
    review's: they are added and removed to match the review; every other
    tag, field and collection stays as it is. Items are written under their
    version (If-Unmodified-Since-Version), so a concurrent edit is never
    overwritten: the item is re-read and retried once, then skipped. In a
    blind review only a lead may push.

    \b
    Example:
        review zotero push --dry-run
        review zotero push --collection "CSEA review" --reviewer lead
    """
    from review.core.errors import USER_ERRORS
    from review.sync import db as sync_db
    from review.sync.zotero_client import ZoteroClient, parse_library, resolve_api_key
    from review.sync.zotero_push import check_prefix, library_of, require_sight
    from review.sync.zotero_push import push as run_push
    from screening.stages import FULL_TEXT, TITLE_ABSTRACT

    opened = context(ctx, reviewer)
    db = opened.db
    try:
        check_prefix(tag_prefix)
        lib = library_of(db, None if library_spec is None else str(parse_library(library_spec)))
        require_sight(db, opened.viewer, [stage] if stage else [TITLE_ABSTRACT, FULL_TEXT])
    except USER_ERRORS as exc:
        fail(str(exc))
    synced = sync_db.library_endpoint(db, lib)
    if endpoint is None and not local and synced:
        if ":23119" in synced:  # imported through the desktop's local API
            local = True
        else:
            endpoint = synced
    key = None if local else resolve_api_key(api_key_env)
    client = ZoteroClient(parse_library(lib), key, local=local, endpoint=endpoint)
    if client.warning:
        click.echo(f"review: warning: {client.warning}", err=True)
    try:
        result = run_push(
            db,
            opened.protocol,
            opened.viewer,
            client,
            prefix=tag_prefix,
            stage=stage,
            collection=collection,
            dry_run=dry_run,
        )
    except Exception as exc:  # noqa: BLE001 - one scrubbed line, never the key
        if isinstance(exc, USER_ERRORS):
            fail(client.scrub(str(exc)))
        raise RuntimeError(client.scrub(f"{type(exc).__name__}: {exc}")) from None
    data = result.to_json()
    if not dry_run:
        from review.core import db as review_db

        review_db.append_audit(
            db,
            opened.reviewer,
            "zotero.push",
            {k: v for k, v in data.items() if k != "items"} | {"collection": collection},
        )
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if dry_run:
        for name in result.collections_created:
            click.echo(f"would create collection {name}")
        for item in result.items:
            if item.status == "would_push":
                click.echo(item.describe())
    for item in result.items:
        if item.status == "skipped":
            click.echo(f"review: warning: item {item.key} skipped: {item.reason}", err=True)
    click.echo(result.summary())

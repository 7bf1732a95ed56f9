"""CLI commands over the semantic index: ``review embed`` and ``review search``."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import click

from protocols.model import Stage
from protocols.vocabulary import Outcome
from review.cli.options import (
    LABELS,
    context,
    json_option,
    open_project,
    progress_bar,
    reviewer_option,
    stage_option,
)
from review.core.errors import UsageError

if TYPE_CHECKING:
    from screening.blind import Viewer


def parse_years(value: str | None) -> tuple[int | None, int | None]:
    """Parse ``2015``, ``2015-2020``, ``2015-`` or ``-2020``."""
    if not value:
        return (None, None)
    match = re.fullmatch(r"\s*(\d{4})?\s*(-)?\s*(\d{4})?\s*", value)
    if not match or not (match.group(1) or match.group(3)):
        raise UsageError(f"--year {value!r}: expected YEAR, FROM-TO, FROM- or -TO")
    start = int(match.group(1)) if match.group(1) else None
    end = int(match.group(3)) if match.group(3) else None
    if not match.group(2):
        end = start
    return (start, end)


@click.command()
@click.option("--model", help="sentence-transformers model name or folder (default: protocol).")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(1, 4096))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def embed(ctx: click.Context, model: str | None, batch_size: int, as_json: bool) -> None:
    """Compute missing embeddings (cached by text, so re-runs cost nothing).

    \b
    Example:
        review embed --batch-size 64
    """
    from review.session.indexing import embedder_for, refresh

    project, db = open_project(ctx)
    with progress_bar("Embedding") as bar:
        result = refresh(project, db, model=model, batch_size=batch_size, progress=bar)
    name = embedder_for(project, model).name
    from corpus.db import embedding_counts

    done, total = embedding_counts(db, name)
    data: dict[str, Any] = {**result, "model": name, "records_with_vector": done, "records": total}
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"{data['embedded']} new vectors ({name}); {done} of {total} records embedded")


@click.command()
@click.argument("query", required=False)
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "semantic", "keyword"]),
    default="hybrid",
    show_default=True,
)
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--like", "like", multiple=True, help="More like this record (id or source id).")
@click.option("--year", "year", help="Year or range: 2015, 2015-2020, 2015-, -2020.")
@click.option(
    "--state",
    type=click.Choice([*LABELS, Outcome.CONFLICT.value, Outcome.UNDECIDED.value]),
    help="Only studies in this screening state (as you may see it in blind mode).",
)
@stage_option()
@reviewer_option
@click.option("--model", help="Embedding model (default: the protocol's).")
@json_option
@click.pass_context
def search(
    ctx: click.Context,
    query: str | None,
    mode: str,
    k: int,
    like: tuple[str, ...],
    year: str | None,
    state: str | None,
    stage: Stage,
    reviewer: str | None,
    model: str | None,
    as_json: bool,
) -> None:
    """Search studies by keywords (FTS5), meaning (embeddings) or both.

    Keyword syntax: words, "exact phrases", AND / OR / NOT, prefix*, and
    column filters such as title:grooming.

    \b
    Examples:
        review search '"online grooming" AND (prevent* OR detect*)' --mode keyword
        review search "how offenders build trust with children online" -k 20
        review search --like 42 --year 2015-
        review search "sextortion" --state undecided
    """
    from corpus.db import record_ids_of
    from corpus.search import Searcher
    from review.session.indexing import embedder_for, refresh

    if not query and not like:
        raise UsageError("give a QUERY or --like RECORD")
    years = parse_years(year)
    # A --state filter depends on who asks (blind mode); a plain search does not.
    review = context(ctx, reviewer) if state else None
    project, db = (review.project, review.db) if review else open_project(ctx)
    like_ids = record_ids_of(db, list(like))
    if len(like_ids) != len(like):
        raise UsageError(f"--like: no record {like!r} in this review")
    needs_vectors = mode != "keyword" or bool(like_ids)
    if needs_vectors:
        with progress_bar("Embedding new records") as bar:
            refresh(project, db, model=model, progress=bar)
    groups = _groups_in_state(db, state, stage, review.viewer) if state and review else None
    searcher = Searcher(db, project.cache_dir, embedder_for(project, model))
    hits = searcher.search(
        query,
        mode,  # type: ignore[arg-type]
        k,
        like=like_ids or None,
        years=years,
        groups=groups,
    )
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in hits], indent=2, ensure_ascii=False))
        return
    if not hits:
        click.echo("No matches.")
    for n, hit in enumerate(hits, start=1):
        d = hit.details
        authors = (
            d["authors"][0] + (" et al." if len(d["authors"]) > 1 else "") if d["authors"] else ""
        )
        click.echo(f"{n:>3}. [{hit.group_id}] {d['title'] or '(no title)'}")
        click.echo(f"     {authors} {d['year'] or ''} {d['journal'] or ''}".rstrip())


def _groups_in_state(db: Any, state: str, key: Stage, who: Viewer) -> set[int]:
    """Return the studies in a screening state at a stage, as the reviewer may see them."""
    from screening.export import group_decisions

    known = group_decisions(db, who)
    if state == "undecided":
        from screening import db as sdb

        every = set(sdb.study_ids(db))
        return {g for g in every if known.get(g, {}).get(key, "undecided") == "undecided"}
    return {g for g, stages in known.items() if stages.get(key) == state}

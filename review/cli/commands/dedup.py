"""``review dedup``: find, merge, review, explain and undo duplicates."""

from __future__ import annotations

import json
from typing import Any

import click

from review.cli.options import context, json_option, open_project, reviewer_option
from review.core.errors import UsageError


def _policy(project: Any) -> Any:
    from corpus.dedup import DedupPolicy
    from protocols import loader

    table = loader.load(project.protocol_path).dedup
    try:
        return DedupPolicy.from_mapping(table)
    except ValueError as exc:
        raise UsageError(f"{project.protocol_path}: [dedup] {exc}") from None


@click.group(invoke_without_command=True)
@click.option("--auto", is_flag=True, help="Merge the sure duplicates; queue the uncertain.")
@click.option("--no-vectors", is_flag=True, help="Skip embedding neighbours (identifiers only).")
@json_option
@click.pass_context
def dedup(ctx: click.Context, auto: bool, no_vectors: bool, as_json: bool) -> None:
    """Find duplicate records across sources (entity resolution, never deletion).

    Without a subcommand: score candidate pairs; with --auto merge the sure
    ones. Every merge is logged with its evidence and can be undone; pairs
    decided by a person are never overturned by a later run.

    \b
    Examples:
        review dedup --auto
        review dedup queue
        review dedup mark 12 845 duplicate --reviewer ana
        review dedup list && review dedup explain 3 && review dedup undo 3
    """
    if ctx.invoked_subcommand is not None:
        return
    from corpus.dedup import run
    from review.cli.options import progress_bar
    from review.session.indexing import embedder_for, refresh

    project, db = open_project(ctx)
    policy = _policy(project)
    model = None
    if not no_vectors:
        with progress_bar("Embedding new records") as bar:
            refresh(project, db, progress=bar)
        model = embedder_for(project).name
    report = run(db, policy=policy, auto=auto, model=model, cache_dir=project.cache_dir)
    data = {
        "records": report.records,
        "candidate_pairs": report.candidates,
        "duplicates": report.duplicates,
        "uncertain": report.uncertain,
        "merged": report.merged,
        "queued": report.queued,
        "not_merged_by_constraint": report.blocked_by_constraint,
        "seconds": {k: round(v, 3) for k, v in report.seconds.items()},
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"{report.records} records, {report.candidates} candidate pairs scored: "
        f"{report.duplicates} duplicates, {report.uncertain} uncertain."
    )
    if auto:
        click.echo(f"Merged {report.merged}; {report.queued} pairs wait in the review queue.")
    else:
        click.echo(f"{report.queued} pairs queued; run with --auto to merge the sure ones.")
    if report.queued:
        click.echo("Review them: review dedup queue (or the Duplicates screen in review tui)")


def _record_line(rec: dict[str, Any]) -> str:
    authors = "; ".join(rec["authors"][:3]) + (" et al." if len(rec["authors"]) > 3 else "")
    return (
        f"#{rec['id']} [{rec['source']}] {rec['title'] or '(no title)'}\n"
        f"      {authors} | {rec['year'] or '-'} | {rec['journal'] or '-'} | "
        f"doi {rec['doi'] or '-'} | group {rec['group_id']}"
    )


@dedup.command("queue")
@click.option("-n", "limit", default=20, show_default=True, help="How many pairs to show.")
@json_option
@click.pass_context
def queue(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List pairs waiting for a person, most likely duplicates first.

    \b
    Example:
        review dedup queue -n 50
    """
    from corpus import db as corpus_db

    _, db = open_project(ctx)
    waiting = corpus_db.pairs(db, "queued") + corpus_db.pairs(db, "skipped")
    if as_json:
        click.echo(json.dumps(waiting[:limit], indent=2, ensure_ascii=False))
        return
    if not waiting:
        click.echo("The review queue is empty.")
    for pair in waiting[:limit]:
        recs = corpus_db.records_full(db, [pair["record_a"], pair["record_b"]])
        click.echo(
            f"pair {pair['record_a']} ~ {pair['record_b']}  score {pair['score']:.2f}  "
            f"({pair['verdict']}, {pair['status']}): {pair['reason']}"
        )
        for rec in recs:
            click.echo("  " + _record_line(rec))
    if len(waiting) > limit:
        click.echo(f"... {len(waiting) - limit} more")


@dedup.command("mark")
@click.argument("record_a", type=int)
@click.argument("record_b", type=int)
@click.argument("decision", type=click.Choice(["duplicate", "distinct", "skip"]))
@reviewer_option
@click.pass_context
def mark(
    ctx: click.Context, record_a: int, record_b: int, decision: str, reviewer: str | None
) -> None:
    """Decide a pair by hand: duplicate (merge), distinct (keep apart) or skip.

    \b
    Example:
        review dedup mark 12 845 distinct --reviewer ana
    """
    from corpus.dedup import decide, skip

    review = context(ctx, reviewer)
    project, db, reviewer = review.project, review.db, review.reviewer
    if decision == "skip":
        skip(db, record_a, record_b, reviewer)
        click.echo(f"pair {record_a} ~ {record_b} skipped")
        return
    click.echo(decide(db, record_a, record_b, decision == "duplicate", reviewer, _policy(project)))


@dedup.command("list")
@json_option
@click.pass_context
def list_merges(ctx: click.Context, as_json: bool) -> None:
    """List every merge with who decided it, why, and whether it was undone.

    \b
    Example:
        review dedup list --json
    """
    from corpus import db as corpus_db

    _, db = open_project(ctx)
    merges = corpus_db.merges(db)
    if as_json:
        click.echo(json.dumps(merges, indent=2, ensure_ascii=False))
        return
    if not merges:
        click.echo("No merges yet.")
    for m in merges:
        state = f"  UNDONE by {m['undone_by']}" if m["undone_at"] else ""
        click.echo(
            f"merge {m['id']}: group {m['from_group']} -> {m['into_group']} "
            f"({len(m['moved_records'])} records) by {m['decided_by']}: {m['reason']}{state}"
        )


@dedup.command("explain")
@click.argument("merge_id", type=int)
@json_option
@click.pass_context
def explain(ctx: click.Context, merge_id: int, as_json: bool) -> None:
    """Show a merge's two records, its evidence field by field, and who decided.

    \b
    Example:
        review dedup explain 3
    """
    from corpus import db as corpus_db
    from corpus.errors import DedupError

    _, db = open_project(ctx)
    found = corpus_db.merges(db, merge_id)
    if not found:
        raise DedupError(f"no merge {merge_id}; see review dedup list")
    merge = found[0]
    records = corpus_db.records_full(db, [merge["record_a"], merge["record_b"]])
    if as_json:
        click.echo(
            json.dumps(
                {"merge": merge, "records": records}, indent=2, ensure_ascii=False, default=str
            )
        )
        return
    click.echo(
        f"merge {merge_id} by {merge['decided_by']} at {merge['decided_at']}: "
        f"{merge['reason']} (score {merge['score']:.3f})"
    )
    for rec in records:
        click.echo("  " + _record_line(rec))
    click.echo("evidence:")
    for key, value in merge["evidence"].items():
        click.echo(f"  {key}: {value}")
    if merge["undone_at"]:
        click.echo(f"undone by {merge['undone_by']} at {merge['undone_at']}")


@dedup.command("undo")
@click.argument("merge_id", type=int)
@reviewer_option
@click.pass_context
def undo_cmd(ctx: click.Context, merge_id: int, reviewer: str | None) -> None:
    """Undo a merge; the pair is then kept apart (later --auto runs respect it).

    \b
    Example:
        review dedup undo 3 --reviewer ana
    """
    from corpus.dedup import undo

    review = context(ctx, reviewer)
    merge = undo(review.db, merge_id, review.reviewer)
    click.echo(
        f"merge {merge_id} undone: {len(merge['moved_records'])} records back in group "
        f"{merge['from_group']}"
    )

"""All SQL of the screening layer: schema, triggers, writes and reads.

The audit log is append-only: ``decisions``, ``resolutions``, ``unblinded``,
``report_flags`` and ``screening_sessions`` refuse UPDATE and DELETE in
triggers, so a change of mind is a new event and an undo is an event that
retracts the reviewer's current decision. ``current_decisions``,
``group_tallies`` and ``current_resolutions`` are derived from the log by
triggers in the same transaction, so that the next record, counts and
conflicts are index look-ups at 100k groups; :func:`rebuild_derived` can
always recompute them from the log.

Functions named ``raw_*`` return what other reviewers decided. Only
``screening.blind`` may call them (a test checks it), which is what keeps
blind screening blind. No other screening module holds SQL.

Modules: ``schema`` (tables, triggers, migrations), ``log`` (events),
``tallies`` (group outcomes and counts), ``queue`` (next-group walks and the
rankings hook), ``rankings`` (study texts and ranking reads for
``screening.prioritise``), ``stopping`` (random samples of the stopping rule).
Merged studies (``screening.merges``): ``schema`` keeps ``group_ancestors`` and
``study_votes`` by triggers on ``dedup_merges``; ``tallies`` reads them.
"""

from screening.db.log import (
    Event,
    ensure_reviewer,
    group_has_records,
    insert_event,
    insert_report_flag,
    insert_resolution,
    insert_session,
    insert_unblind,
    last_session,
    raw_events,
    raw_group_labels,
    raw_label_counts,
    raw_latest_current,
    raw_pair_tables,
    raw_resolution,
    report_flag,
    reviewer_role,
    reviewers,
    session_decisions,
    study_count,
    unblinded,
)
from screening.db.queue import (
    ensure_queue_keys,
    latest_model_version,
    next_random_title_abstract,
    next_ranked_title_abstract,
    open_among_title_abstract,
    open_count_title_abstract,
    raw_next_random_full_text,
    raw_next_ranked_full_text,
    raw_open_among_full_text,
    raw_open_count_full_text,
    store_ranking,
)
from screening.db.rankings import (
    database_path,
    group_texts,
    groups_fingerprint,
    ranking_size,
    ranking_top,
    record_groups,
)
from screening.db.schema import (
    FULL_TEXT,
    LABELS,
    METHODS,
    OUTCOMES,
    PROCEEDS,
    ROLES,
    STAGES,
    TITLE_ABSTRACT,
    UNDO,
    apply,
    migrations,
    now,
)
from screening.db.stopping import (
    Sample,
    decision_order,
    insert_sample,
    insert_sample_groups,
    last_decision_id,
    next_sample_title_abstract,
    sample_batches,
    stopping_sample,
    study_ids,
)
from screening.db.tallies import (
    derived_mismatches,
    merged_away,
    raw_full_text_counts,
    raw_group_votes,
    raw_outcome_counts,
    raw_outcomes,
    raw_passed,
    rebuild_derived,
    screened_counts,
    study_members,
    study_of,
)

__all__ = [
    "FULL_TEXT",
    "LABELS",
    "METHODS",
    "ROLES",
    "STAGES",
    "TITLE_ABSTRACT",
    "UNDO",
    "Event",
    "Sample",
    "apply",
    "database_path",
    "decision_order",
    "derived_mismatches",
    "ensure_queue_keys",
    "ensure_reviewer",
    "group_texts",
    "group_has_records",
    "groups_fingerprint",
    "insert_event",
    "insert_report_flag",
    "insert_resolution",
    "insert_sample",
    "insert_sample_groups",
    "insert_session",
    "insert_unblind",
    "last_decision_id",
    "last_session",
    "latest_model_version",
    "merged_away",
    "migrations",
    "OUTCOMES",
    "PROCEEDS",
    "next_random_title_abstract",
    "next_sample_title_abstract",
    "next_ranked_title_abstract",
    "now",
    "open_among_title_abstract",
    "open_count_title_abstract",
    "ranking_size",
    "ranking_top",
    "raw_events",
    "raw_full_text_counts",
    "raw_group_labels",
    "raw_group_votes",
    "raw_label_counts",
    "raw_latest_current",
    "raw_next_random_full_text",
    "raw_next_ranked_full_text",
    "raw_open_among_full_text",
    "raw_open_count_full_text",
    "raw_outcome_counts",
    "raw_outcomes",
    "raw_pair_tables",
    "raw_passed",
    "raw_resolution",
    "rebuild_derived",
    "record_groups",
    "report_flag",
    "reviewer_role",
    "reviewers",
    "sample_batches",
    "screened_counts",
    "session_decisions",
    "stopping_sample",
    "store_ranking",
    "study_count",
    "study_ids",
    "study_members",
    "study_of",
    "unblinded",
]

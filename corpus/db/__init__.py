"""All SQL of the corpus layer (the one place in ``corpus/`` that holds SQL).

Tables: ``sources`` (one per imported file), ``record_groups`` (studies after
deduplication; before it every record is its own group), ``records``, the
embedding cache and full-text index, duplicate pairs and merges, and attached
full texts. Split by concern into modules; import from here.
"""

from corpus.db.dedup import (
    DEDUP_FIELDS,
    MergeWrite,
    PairWrite,
    dedup_rows,
    known_pairs,
    merge_groups,
    merges,
    pairs,
    records_full,
    save_dedup_run,
    set_pair_status,
    undo_merge,
)
from corpus.db.fulltext import add_fulltext, fulltexts_of_group
from corpus.db.records import (
    SOURCE_METHODS,
    SourceInfo,
    counts,
    counts_by_database,
    insert_source,
    iter_export_rows,
    source_by_hash,
    sources,
)
from corpus.db.schema import (
    BUSY_TIMEOUT_MS,
    begin_immediate,
    connect,
    content_hash,
    database_path,
    embedding_text,
    is_busy,
    migrations,
    transaction,
)
from corpus.db.search import (
    embedded_fingerprint,
    embedding_counts,
    fts_search,
    pending_embeddings,
    record_ids_of,
    record_summaries,
    record_vectors,
    store_embeddings,
    sync_fts,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "DEDUP_FIELDS",
    "SOURCE_METHODS",
    "MergeWrite",
    "PairWrite",
    "SourceInfo",
    "add_fulltext",
    "begin_immediate",
    "connect",
    "content_hash",
    "database_path",
    "counts",
    "counts_by_database",
    "dedup_rows",
    "embedded_fingerprint",
    "embedding_counts",
    "embedding_text",
    "fts_search",
    "fulltexts_of_group",
    "is_busy",
    "insert_source",
    "iter_export_rows",
    "known_pairs",
    "merge_groups",
    "merges",
    "migrations",
    "pairs",
    "pending_embeddings",
    "record_ids_of",
    "record_summaries",
    "record_vectors",
    "records_full",
    "save_dedup_run",
    "set_pair_status",
    "source_by_hash",
    "sources",
    "store_embeddings",
    "sync_fts",
    "transaction",
    "undo_merge",
]

"""The screening schema: append-only log, derived tables, triggers, migrations.

The log (``decisions``, ``resolutions``, ``unblinded``, ``report_flags``,
``screening_sessions``) refuses UPDATE and DELETE in triggers. The derived
tables (``current_decisions``, ``group_tallies``, ``current_resolutions``) are
kept by triggers in the same transaction as the event that changes them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from corpus.db import append_only, transaction
from protocols import vocabulary as vocab
from protocols.vocabulary import Stage

TITLE_ABSTRACT = Stage.TITLE_ABSTRACT
FULL_TEXT = Stage.FULL_TEXT
STAGES: tuple[Stage, ...] = vocab.STAGES
OUTCOMES: tuple[vocab.Outcome, ...] = vocab.OUTCOMES
#: Outcomes with which a study goes on to full text.
PROCEEDS: frozenset[vocab.Outcome] = vocab.PROCEEDS
LABELS: tuple[vocab.Label, ...] = vocab.LABELS
UNDO = "undo"
ROLES: tuple[str, ...] = ("reviewer", "lead")
METHODS: tuple[vocab.Resolution, ...] = vocab.RESOLUTIONS

migrations = Migrations("screening")


_SCHEMA: list[str] = [
    """CREATE TABLE reviewers (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('reviewer', 'lead')),
        created TEXT NOT NULL)""",
    *append_only("reviewers", ["DELETE"], message="reviewers are kept: decisions refer to them"),
    """CREATE TABLE screening_sessions (
        id INTEGER PRIMARY KEY,
        reviewer TEXT NOT NULL REFERENCES reviewers(name),
        stage TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
        started TEXT NOT NULL,
        client TEXT)""",
    "CREATE INDEX screening_sessions_reviewer ON screening_sessions(reviewer, stage, id)",
    """CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        stage TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
        reviewer TEXT NOT NULL REFERENCES reviewers(name),
        label TEXT NOT NULL CHECK (label IN ('include', 'exclude', 'maybe', 'undo')),
        reason TEXT,
        note TEXT,
        retracts INTEGER REFERENCES decisions(id),
        time TEXT NOT NULL,
        model_version TEXT,
        rank_shown INTEGER,
        score_shown REAL,
        session_id INTEGER REFERENCES screening_sessions(id),
        CHECK ((label = 'undo') = (retracts IS NOT NULL)),
        CHECK (reason IS NULL OR label = 'exclude'))""",
    "CREATE INDEX decisions_key ON decisions(stage, group_id, reviewer, id)",
    "CREATE INDEX decisions_reviewer ON decisions(reviewer, stage, id)",
    "CREATE UNIQUE INDEX decisions_retracts ON decisions(retracts) WHERE retracts IS NOT NULL",
    "CREATE INDEX decisions_session ON decisions(session_id) WHERE session_id IS NOT NULL",
    *append_only("decisions"),
    """CREATE TABLE current_decisions (
        stage TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        reviewer TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        PRIMARY KEY (stage, group_id, reviewer)) WITHOUT ROWID""",
    "CREATE INDEX current_decisions_reviewer ON current_decisions(stage, reviewer, event_id)",
    "CREATE INDEX current_decisions_label ON current_decisions(stage, reviewer, label)",
    """CREATE TABLE group_tallies (
        stage TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        n INTEGER NOT NULL DEFAULT 0,
        n_include INTEGER NOT NULL DEFAULT 0,
        n_exclude INTEGER NOT NULL DEFAULT 0,
        n_maybe INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (stage, group_id)) WITHOUT ROWID""",
    "CREATE INDEX group_tallies_passing ON group_tallies(stage, n_exclude, n)",
    """CREATE TRIGGER current_decisions_in AFTER INSERT ON current_decisions BEGIN
        INSERT INTO group_tallies (stage, group_id) VALUES (NEW.stage, NEW.group_id)
            ON CONFLICT DO NOTHING;
        UPDATE group_tallies SET n = n + 1, n_include = n_include + (NEW.label = 'include'),
            n_exclude = n_exclude + (NEW.label = 'exclude'),
            n_maybe = n_maybe + (NEW.label = 'maybe')
            WHERE stage = NEW.stage AND group_id = NEW.group_id;
    END""",
    """CREATE TRIGGER current_decisions_out AFTER DELETE ON current_decisions BEGIN
        UPDATE group_tallies SET n = n - 1, n_include = n_include - (OLD.label = 'include'),
            n_exclude = n_exclude - (OLD.label = 'exclude'),
            n_maybe = n_maybe - (OLD.label = 'maybe')
            WHERE stage = OLD.stage AND group_id = OLD.group_id;
    END""",
    # An undo must retract exactly the reviewer's current decision: with this
    # check in the database, two windows of one reviewer cannot undo twice.
    """CREATE TRIGGER decisions_undo_check BEFORE INSERT ON decisions
        WHEN NEW.label = 'undo' BEGIN
        SELECT RAISE(ABORT, 'an undo must retract the current decision')
        WHERE NEW.retracts IS NOT (SELECT event_id FROM current_decisions
            WHERE stage = NEW.stage AND group_id = NEW.group_id AND reviewer = NEW.reviewer);
    END""",
    """CREATE TRIGGER decisions_label AFTER INSERT ON decisions
        WHEN NEW.label != 'undo' BEGIN
        DELETE FROM current_decisions
            WHERE stage = NEW.stage AND group_id = NEW.group_id AND reviewer = NEW.reviewer;
        INSERT INTO current_decisions (stage, group_id, reviewer, event_id, label)
            VALUES (NEW.stage, NEW.group_id, NEW.reviewer, NEW.id, NEW.label);
    END""",
    """CREATE TRIGGER decisions_undo AFTER INSERT ON decisions
        WHEN NEW.label = 'undo' BEGIN
        DELETE FROM current_decisions
            WHERE stage = NEW.stage AND group_id = NEW.group_id AND reviewer = NEW.reviewer;
        INSERT INTO current_decisions (stage, group_id, reviewer, event_id, label)
            SELECT d.stage, d.group_id, d.reviewer, d.id, d.label FROM decisions d
            WHERE d.stage = NEW.stage AND d.group_id = NEW.group_id
              AND d.reviewer = NEW.reviewer AND d.label != 'undo'
              AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.retracts = d.id)
            ORDER BY d.id DESC LIMIT 1;
    END""",
    """CREATE TABLE resolutions (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        stage TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
        resolver TEXT NOT NULL REFERENCES reviewers(name),
        label TEXT NOT NULL CHECK (label IN ('include', 'exclude', 'reopen')),
        method TEXT CHECK (method IN ('third_reviewer', 'consensus')),
        note TEXT,
        time TEXT NOT NULL,
        CHECK ((label = 'reopen') = (method IS NULL)))""",
    "CREATE INDEX resolutions_key ON resolutions(stage, group_id, id)",
    *append_only("resolutions"),
    """CREATE TABLE current_resolutions (
        stage TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        event_id INTEGER NOT NULL,
        label TEXT NOT NULL,
        PRIMARY KEY (stage, group_id)) WITHOUT ROWID""",
    """CREATE TRIGGER resolutions_current AFTER INSERT ON resolutions BEGIN
        DELETE FROM current_resolutions WHERE stage = NEW.stage AND group_id = NEW.group_id;
        INSERT INTO current_resolutions (stage, group_id, event_id, label)
            SELECT NEW.stage, NEW.group_id, NEW.id, NEW.label WHERE NEW.label != 'reopen';
    END""",
    """CREATE TABLE unblinded (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
        by TEXT NOT NULL REFERENCES reviewers(name),
        time TEXT NOT NULL)""",
    """CREATE TRIGGER unblinded_by_lead BEFORE INSERT ON unblinded BEGIN
        SELECT RAISE(ABORT, 'only a lead unblinds a stage')
        WHERE (SELECT role FROM reviewers WHERE name = NEW.by) IS NOT 'lead';
    END""",
    *append_only("unblinded"),
    """CREATE TABLE report_flags (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        flag TEXT NOT NULL CHECK (flag IN ('not_retrieved', 'retrieved')),
        reviewer TEXT NOT NULL REFERENCES reviewers(name),
        note TEXT,
        time TEXT NOT NULL)""",
    "CREATE INDEX report_flags_group ON report_flags(group_id, id)",
    *append_only("report_flags"),
    *append_only("screening_sessions"),
    # The hook for active learning: one ranking per model version and stage.
    """CREATE TABLE rankings (
        id INTEGER PRIMARY KEY,
        model_version TEXT NOT NULL,
        stage TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        rank INTEGER NOT NULL,
        score REAL,
        created TEXT NOT NULL)""",
    "CREATE INDEX rankings_walk ON rankings(model_version, stage, rank)",
    # Random order: a stable hash key per (seed, group), walked by index.
    """CREATE TABLE queue_keys (
        seed TEXT NOT NULL,
        group_id INTEGER NOT NULL,
        key INTEGER NOT NULL,
        PRIMARY KEY (seed, group_id)) WITHOUT ROWID""",
    "CREATE INDEX queue_keys_walk ON queue_keys(seed, key, group_id)",
]


@migrations()
def m001_screening(db: Database) -> None:
    """Reviewers, the decision log with its derived tables, resolutions, rankings."""
    for statement in _SCHEMA:  # one by one: executescript would commit mid-migration
        db.execute(statement)


@migrations()
def m002_rankings_reviewer(db: Database) -> None:
    """Rankings per reviewer (``screening.ranking``).

    In a blind review each reviewer's ranking is trained on their own
    decisions only, so the order one reviewer sees must never come from a
    model that learnt another's votes: the queue reads the reviewer's own
    latest ranking, or a shared one (``reviewer`` NULL) stored by a tool.
    """
    db.execute("ALTER TABLE rankings ADD COLUMN reviewer TEXT")
    db.execute("CREATE INDEX rankings_latest ON rankings(stage, reviewer, id)")


@migrations()
def m003_stopping_samples(db: Database) -> None:
    """Random samples for the statistical stopping rule (``screening.stopping.state``).

    A sample is drawn once per stage and may grow (``stopping_sample_groups``
    rows with a later ``batch``); both tables are append-only, so what was
    drawn, when, by whom, with which seed and from which counts stays on record
    for the paper. ``last_decision`` is the newest decision event when the
    sample was drawn: groups first decided up to it are the ranked part.
    """
    for statement in _STOPPING:
        db.execute(statement)


_STOPPING: list[str] = [
    """CREATE TABLE stopping_samples (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL UNIQUE CHECK (stage IN ('title_abstract', 'full_text')),
        drawn_by TEXT NOT NULL REFERENCES reviewers(name),
        drawn_at TEXT NOT NULL,
        target REAL NOT NULL,
        confidence REAL NOT NULL,
        seed TEXT NOT NULL,
        eligible INTEGER NOT NULL,
        ranked INTEGER NOT NULL,
        ranked_relevant INTEGER NOT NULL,
        last_decision INTEGER NOT NULL)""",
    """CREATE TABLE stopping_sample_groups (
        sample_id INTEGER NOT NULL REFERENCES stopping_samples(id),
        position INTEGER NOT NULL,
        group_id INTEGER NOT NULL REFERENCES record_groups(id),
        batch INTEGER NOT NULL,
        drawn_by TEXT NOT NULL REFERENCES reviewers(name),
        drawn_at TEXT NOT NULL,
        PRIMARY KEY (sample_id, position),
        UNIQUE (sample_id, group_id)) WITHOUT ROWID""",
    *append_only("stopping_samples"),
    *append_only("stopping_sample_groups"),
]


@migrations()
def m004_merged_studies(db: Database) -> None:
    """Decisions follow a merge: a study's votes come from every group merged into it.

    The rule (``screening.merges`` explains why): decisions stay attached to the
    group they were made on, and the log is never rewritten. A merged study's
    votes are the distinct (reviewer, label) pairs of the current decisions on
    its own group and on every group merged into it, directly or through
    another merge: a reviewer who gave two groups the same label votes once;
    one who gave them different labels votes twice, so the study is a conflict
    (include and maybe at title/abstract excepted, as for two reviewers).
    Undoing a merge gives each group its own votes back.

    ``group_ancestors`` is the closure of the merges in force (``dedup_merges``
    without ``undone_by``): one row per absorbed group and each group above it,
    so a study's members, a group's study and an undo are set operations that
    triggers can do (SQLite allows no recursive query in a trigger).
    ``study_votes`` counts, per vote, the member groups carrying it.
    ``group_tallies`` is now kept from ``study_votes`` (so ``n`` counts votes,
    which is reviewers unless one disagrees with themself), which is what makes
    outcomes, conflicts, full-text eligibility and the queue treat the merged
    study as one.
    """
    for statement in _MERGED:
        db.execute(statement)
    db.execute("DELETE FROM group_tallies")
    db.execute("INSERT INTO group_ancestors (group_id, ancestor) " + ANCESTORS_FROM_LOG)
    db.execute(
        "INSERT INTO study_votes (stage, study_id, reviewer, label, n) " + VOTES_FROM_CURRENT
    )


@migrations()
def m005_round_samples(db: Database) -> None:
    """One stopping sample per stage and search round (``corpus.db.rounds``).

    The stopping rule of a living review's update is about that round's new
    studies, so each round draws its own sample. SQLite cannot drop the old
    ``UNIQUE (stage)``, so the table is rebuilt: its rows are copied aside, it is
    dropped and created again, and the rows come back before the transaction
    commits. Foreign keys are deferred meanwhile (the migration runs in one
    transaction, where ``PRAGMA foreign_keys`` cannot change), so
    ``stopping_sample_groups`` finds its samples again at commit.
    """
    db.execute("PRAGMA defer_foreign_keys = ON")
    db.execute("CREATE TEMP TABLE stopping_samples_copy AS SELECT * FROM stopping_samples")
    db.execute("DROP TABLE stopping_samples")
    db.execute(
        _STOPPING[0]
        .replace("stage TEXT NOT NULL UNIQUE CHECK", "stage TEXT NOT NULL CHECK")
        .replace(
            "last_decision INTEGER NOT NULL)",
            "last_decision INTEGER NOT NULL,\n        round INTEGER NOT NULL DEFAULT 1,"
            "\n        UNIQUE (stage, round))",
        )
    )
    db.execute(
        "INSERT INTO stopping_samples (" + _SAMPLE_COLUMNS + ") "
        "SELECT " + _SAMPLE_COLUMNS + " FROM temp.stopping_samples_copy"
    )
    db.execute("DROP TABLE temp.stopping_samples_copy")
    for statement in _STOPPING[2:4]:  # the append-only triggers went with the table
        db.execute(statement)


_SAMPLE_COLUMNS = (
    "id, stage, drawn_by, drawn_at, target, confidence, seed, eligible, ranked, "
    "ranked_relevant, last_decision"
)


@migrations()
def m006_stopping_verdicts(db: Database) -> None:
    """Stored verdicts of the stopping rules that need the model (``screening.stopping.verdicts``).

    The ranking job fits the probabilities and runs the model-based rules
    (quant, quant-ci, point-process-scores) and the point process off the
    screen; ``review status`` reads their latest verdicts here instead of
    loading numpy. One row per stage, round and rule, replaced by each
    computation (a cache of a function of the log, not a record):
    ``decisions_count`` is the stage's decision and resolution events at the
    time, so a reader can tell a verdict is stale.
    """
    db.execute(
        """CREATE TABLE stopping_verdicts (
        stage TEXT NOT NULL CHECK (stage IN ('title_abstract', 'full_text')),
        round INTEGER NOT NULL,
        rule TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        decisions_count INTEGER NOT NULL,
        model_version TEXT,
        json TEXT NOT NULL,
        PRIMARY KEY (stage, round, rule)) WITHOUT ROWID"""
    )


#: Both stages, spelled for index look-ups on ``(stage, group_id, ...)`` keys.
_BOTH = "('title_abstract', 'full_text')"


def root_of(group: str) -> str:
    """SQL for the study a group belongs to now: its topmost ancestor, or itself."""
    return (
        "COALESCE((SELECT a.ancestor FROM group_ancestors a WHERE a.group_id = " + group + " "
        "AND NOT EXISTS (SELECT 1 FROM group_ancestors b WHERE b.group_id = a.ancestor)), "
        + group
        + ")"
    )


def _revote(study: str) -> str:
    """Trigger SQL: recount the votes of one group from its members (none unless a study)."""
    return (
        "DELETE FROM study_votes WHERE stage IN " + _BOTH + " AND study_id = " + study + ";"
        "INSERT INTO study_votes (stage, study_id, reviewer, label, n) "
        "SELECT c.stage, "
        + study
        + ", c.reviewer, c.label, COUNT(*) FROM (SELECT "
        + study
        + " AS g UNION SELECT group_id FROM group_ancestors WHERE ancestor = "
        + study
        + ") m CROSS JOIN current_decisions c "  # members first: key look-ups, not a scan
        "WHERE c.stage IN " + _BOTH + " AND c.group_id = m.g "
        "AND NOT EXISTS (SELECT 1 FROM group_ancestors WHERE group_id = " + study + ") "
        "GROUP BY c.stage, c.reviewer, c.label;"
    )


def _tally(row: str, sign: str) -> str:
    return (
        "UPDATE group_tallies SET n = n " + sign + " 1, "
        "n_include = n_include " + sign + " (" + row + ".label = 'include'), "
        "n_exclude = n_exclude " + sign + " (" + row + ".label = 'exclude'), "
        "n_maybe = n_maybe " + sign + " (" + row + ".label = 'maybe') "
        "WHERE stage = " + row + ".stage AND group_id = " + row + ".study_id;"
    )


#: Every absorbed group with each group above it, from the merges in force.
ANCESTORS_FROM_LOG = (
    "SELECT * FROM (WITH RECURSIVE edge(child, parent) AS (SELECT from_group, into_group "
    "FROM dedup_merges WHERE undone_by IS NULL AND from_group != into_group), "
    "up(group_id, ancestor) AS (SELECT child, parent FROM edge UNION "
    "SELECT u.group_id, e.parent FROM up u JOIN edge e ON e.child = u.ancestor) "
    "SELECT group_id, ancestor FROM up)"
)
#: Each study's votes from the current decisions (needs ``group_ancestors``).
VOTES_FROM_CURRENT = (
    "SELECT c.stage, " + root_of("c.group_id") + " AS study, c.reviewer, c.label, COUNT(*) "
    "FROM current_decisions c GROUP BY 1, 2, 3, 4"
)

_MERGED: list[str] = [
    """CREATE TABLE group_ancestors (
        group_id INTEGER NOT NULL,
        ancestor INTEGER NOT NULL,
        PRIMARY KEY (group_id, ancestor)) WITHOUT ROWID""",
    "CREATE INDEX group_ancestors_down ON group_ancestors(ancestor, group_id)",
    """CREATE TABLE study_votes (
        stage TEXT NOT NULL,
        study_id INTEGER NOT NULL,
        reviewer TEXT NOT NULL,
        label TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (stage, study_id, reviewer, label)) WITHOUT ROWID""",
    "DROP TRIGGER current_decisions_in",
    "DROP TRIGGER current_decisions_out",
    "CREATE TRIGGER current_decisions_in AFTER INSERT ON current_decisions BEGIN "
    "INSERT INTO study_votes (stage, study_id, reviewer, label, n) VALUES (NEW.stage, "
    + root_of("NEW.group_id")
    + ", NEW.reviewer, NEW.label, 1) ON CONFLICT DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER current_decisions_out AFTER DELETE ON current_decisions BEGIN "
    "UPDATE study_votes SET n = n - 1 WHERE stage = OLD.stage AND study_id = "
    + root_of("OLD.group_id")
    + " AND reviewer = OLD.reviewer AND label = OLD.label; "
    "DELETE FROM study_votes WHERE stage = OLD.stage AND study_id = "
    + root_of("OLD.group_id")
    + " AND reviewer = OLD.reviewer AND label = OLD.label AND n <= 0; END",
    "CREATE TRIGGER study_votes_in AFTER INSERT ON study_votes BEGIN "
    "INSERT INTO group_tallies (stage, group_id) VALUES (NEW.stage, NEW.study_id) "
    "ON CONFLICT DO NOTHING; " + _tally("NEW", "+") + " END",
    "CREATE TRIGGER study_votes_out AFTER DELETE ON study_votes BEGIN "
    + _tally("OLD", "-")
    + " END",
    # A merge: the absorbed group and everything under it join the study above.
    "CREATE TRIGGER dedup_merges_studies AFTER INSERT ON dedup_merges "
    "WHEN NEW.from_group != NEW.into_group BEGIN "
    "INSERT OR IGNORE INTO group_ancestors (group_id, ancestor) SELECT d.g, a.g FROM "
    "(SELECT NEW.from_group AS g UNION SELECT group_id FROM group_ancestors "
    "WHERE ancestor = NEW.from_group) d, "
    "(SELECT NEW.into_group AS g UNION SELECT ancestor FROM group_ancestors "
    "WHERE group_id = NEW.into_group) a; "
    + _revote("NEW.from_group")
    + _revote(root_of("NEW.into_group"))
    + " END",
    # Its undo: the group and everything under it leave every group above it.
    "CREATE TRIGGER dedup_merges_studies_undo AFTER UPDATE OF undone_by ON dedup_merges "
    "WHEN OLD.undone_by IS NULL AND NEW.undone_by IS NOT NULL "
    "AND NEW.from_group != NEW.into_group BEGIN "
    "DELETE FROM group_ancestors WHERE (group_id = NEW.from_group OR group_id IN "
    "(SELECT group_id FROM group_ancestors WHERE ancestor = NEW.from_group)) "
    "AND (ancestor = NEW.into_group OR ancestor IN "
    "(SELECT ancestor FROM group_ancestors WHERE group_id = NEW.into_group)); "
    + _revote("NEW.from_group")
    + _revote(root_of("NEW.into_group"))
    + " END",
]


def apply(db: Database) -> None:
    """Apply pending screening migrations (after the corpus ones ``connect`` applies).

    Migrations run under the write lock so that two processes opening a new
    review at once do not both create the tables.
    """
    if not migrations.pending(db):
        return
    with transaction(db):
        migrations.apply(db)


def now() -> str:
    """Return the current UTC time as stored in every event (milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")

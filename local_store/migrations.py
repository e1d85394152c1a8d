"""Schema versions of the local database and the steps between them.

The version lives in `PRAGMA user_version`. Each step is immutable SQL, run in one
transaction with the version bump, so a failed step leaves the previous schema
whole. Steps only add: no step may drop or rewrite `outbox` rows, because those
are the user's unsynced work (a test migrates a populated first-version database).
A database newer than this build is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Connection, Engine

from local_store.errors import UnsupportedSchema

V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE customers (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_pinyin TEXT NOT NULL DEFAULT '',
    name_initials TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT 'U',
    birth_date TEXT,
    id_type TEXT NOT NULL DEFAULT 'resident_id',
    id_number TEXT NOT NULL DEFAULT '',
    mobile TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    segment TEXT NOT NULL,
    lifecycle TEXT NOT NULL,
    aum_fen INTEGER NOT NULL DEFAULT 0,
    aum_tier TEXT NOT NULL,
    owner_rm TEXT NOT NULL,
    branch TEXT NOT NULL,
    since TEXT NOT NULL,
    kyc_expiry TEXT,
    risk_profile INTEGER,
    tags TEXT NOT NULL DEFAULT '',
    churn_score REAL,
    churn_level TEXT,
    last_contact_at TEXT,
    next_task_due TEXT,
    open_tasks INTEGER NOT NULL DEFAULT 0,
    personal_masked INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0,
    field_versions TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_customers_name ON customers(name_pinyin);
CREATE INDEX ix_customers_aum ON customers(aum_fen);
CREATE INDEX ix_customers_segment ON customers(segment, aum_fen);
CREATE INDEX ix_customers_churn ON customers(churn_level, churn_score);
CREATE INDEX ix_customers_last_contact ON customers(last_contact_at);
CREATE INDEX ix_customers_next_task ON customers(next_task_due);
CREATE INDEX ix_customers_owner ON customers(owner_rm);

CREATE TABLE customer_tags (
    tag TEXT NOT NULL,
    customer_pk INTEGER NOT NULL REFERENCES customers(pk) ON DELETE CASCADE,
    PRIMARY KEY (tag, customer_pk)
) WITHOUT ROWID;
CREATE INDEX ix_customer_tags_customer ON customer_tags(customer_pk);

CREATE TABLE holdings (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    product TEXT NOT NULL,
    balance_fen INTEGER NOT NULL,
    opened TEXT NOT NULL,
    maturity TEXT,
    rate_bp INTEGER,
    account_no TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX ix_holdings_customer ON holdings(customer_id);

CREATE TABLE snapshots (
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    aum_fen INTEGER NOT NULL,
    deposits_fen INTEGER NOT NULL,
    wealth_fen INTEGER NOT NULL,
    loans_fen INTEGER NOT NULL,
    txn_count INTEGER NOT NULL,
    txn_in_fen INTEGER NOT NULL,
    txn_out_fen INTEGER NOT NULL,
    salary_credit_fen INTEGER NOT NULL,
    outflow_other_banks_fen INTEGER NOT NULL,
    products_held INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, month)
) WITHOUT ROWID;

CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    participants TEXT NOT NULL DEFAULT '[]',
    outcome TEXT NOT NULL DEFAULT '',
    next_step TEXT NOT NULL DEFAULT '',
    supersedes_id TEXT,
    created_at TEXT,
    version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX ix_interactions_customer ON interactions(customer_id, occurred_at);

-- Saved notes are history: content never changes (an amendment is a new row).
CREATE TRIGGER interactions_append_only
BEFORE UPDATE OF customer_id, kind, occurred_at, created_by, subject, note, participants,
    outcome, next_step, supersedes_id ON interactions
BEGIN
    SELECT RAISE(ABORT, 'interactions are append-only');
END;

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    due TEXT NOT NULL,
    priority INTEGER NOT NULL,
    assignee TEXT NOT NULL,
    created_by TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    reason_code TEXT,
    created_at TEXT,
    completed_at TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    field_versions TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX ix_tasks_customer ON tasks(customer_id, status);
CREATE INDEX ix_tasks_assignee ON tasks(assignee, status, due);

CREATE TABLE churn_scores (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]',
    model_version TEXT NOT NULL,
    scored_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    customer_id TEXT,
    kind TEXT NOT NULL,
    fields TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE outbox (
    mutation_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    base_version INTEGER,
    fields TEXT NOT NULL,
    client_time TEXT NOT NULL
);

CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    client_id TEXT NOT NULL,
    cursor TEXT,
    last_mutation_id INTEGER NOT NULL DEFAULT 0,
    acked_mutation_id INTEGER NOT NULL DEFAULT 0,
    scope_epoch INTEGER NOT NULL DEFAULT 0,
    last_sync_at TEXT,
    last_error TEXT
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0
);

CREATE VIRTUAL TABLE customer_search USING fts5(
    keys,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '1 2 3'
);
"""

# v2: saved book filters, sync conflicts, work returned by a scope eviction, and a
# churn model table. Added as a separate step so the migration path is exercised
# from the first release on.
V2 = """
CREATE TABLE saved_filters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    filter TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    mine TEXT,
    theirs TEXT,
    mutation_id INTEGER,
    detected_at TEXT NOT NULL,
    resolved TEXT
);

CREATE TABLE returned_work (
    id INTEGER PRIMARY KEY,
    mutation_id INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    payload TEXT NOT NULL,
    returned_at TEXT NOT NULL,
    reason TEXT NOT NULL
);

CREATE TABLE churn_models (
    version TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX ix_interactions_supersedes ON interactions(supersedes_id)
    WHERE supersedes_id IS NOT NULL;
"""

# v3: holdings, snapshots, interactions and tasks become rowid tables (rows stored in
# insertion order, which keeps one customer's rows together), their keys unique
# indexes. Keyed by random text ids, the WITHOUT ROWID tables made every bulk-load
# batch rewrite leaf pages across the whole B-tree: the load was quadratic. The
# unique indexes still serve ON CONFLICT; a fresh bulk load drops and rebuilds them.
V3 = """
CREATE TABLE holdings_v3 (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    product TEXT NOT NULL,
    balance_fen INTEGER NOT NULL,
    opened TEXT NOT NULL,
    maturity TEXT,
    rate_bp INTEGER,
    account_no TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO holdings_v3 (id, customer_id, kind, product, balance_fen, opened, maturity, rate_bp,
    account_no, version)
    SELECT id, customer_id, kind, product, balance_fen, opened, maturity, rate_bp, account_no,
        version FROM holdings ORDER BY customer_id;
DROP TABLE holdings;
ALTER TABLE holdings_v3 RENAME TO holdings;
CREATE UNIQUE INDEX ux_holdings_id ON holdings(id);
CREATE INDEX ix_holdings_customer ON holdings(customer_id);

CREATE TABLE snapshots_v3 (
    pk INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    aum_fen INTEGER NOT NULL,
    deposits_fen INTEGER NOT NULL,
    wealth_fen INTEGER NOT NULL,
    loans_fen INTEGER NOT NULL,
    txn_count INTEGER NOT NULL,
    txn_in_fen INTEGER NOT NULL,
    txn_out_fen INTEGER NOT NULL,
    salary_credit_fen INTEGER NOT NULL,
    outflow_other_banks_fen INTEGER NOT NULL,
    products_held INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO snapshots_v3 (customer_id, month, aum_fen, deposits_fen, wealth_fen, loans_fen,
    txn_count, txn_in_fen, txn_out_fen, salary_credit_fen, outflow_other_banks_fen, products_held,
    version)
    SELECT customer_id, month, aum_fen, deposits_fen, wealth_fen, loans_fen, txn_count,
        txn_in_fen, txn_out_fen, salary_credit_fen, outflow_other_banks_fen, products_held,
        version FROM snapshots ORDER BY customer_id, month;
DROP TABLE snapshots;
ALTER TABLE snapshots_v3 RENAME TO snapshots;
CREATE UNIQUE INDEX ux_snapshots_key ON snapshots(customer_id, month);

CREATE TABLE interactions_v3 (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    participants TEXT NOT NULL DEFAULT '[]',
    outcome TEXT NOT NULL DEFAULT '',
    next_step TEXT NOT NULL DEFAULT '',
    supersedes_id TEXT,
    created_at TEXT,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO interactions_v3 (id, customer_id, kind, occurred_at, created_by, subject, note,
    participants, outcome, next_step, supersedes_id, created_at, version)
    SELECT id, customer_id, kind, occurred_at, created_by, subject, note, participants,
        outcome, next_step, supersedes_id, created_at, version FROM interactions ORDER BY
        customer_id, occurred_at;
DROP TABLE interactions;
ALTER TABLE interactions_v3 RENAME TO interactions;
CREATE UNIQUE INDEX ux_interactions_id ON interactions(id);
CREATE INDEX ix_interactions_customer ON interactions(customer_id, occurred_at);
CREATE INDEX ix_interactions_supersedes ON interactions(supersedes_id)
    WHERE supersedes_id IS NOT NULL;
-- Saved notes are history: content never changes (an amendment is a new row).
CREATE TRIGGER interactions_append_only
BEFORE UPDATE OF customer_id, kind, occurred_at, created_by, subject, note, participants,
    outcome, next_step, supersedes_id ON interactions
BEGIN
    SELECT RAISE(ABORT, 'interactions are append-only');
END;

CREATE TABLE tasks_v3 (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    due TEXT NOT NULL,
    priority INTEGER NOT NULL,
    assignee TEXT NOT NULL,
    created_by TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    reason_code TEXT,
    created_at TEXT,
    completed_at TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    field_versions TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO tasks_v3 (id, customer_id, title, due, priority, assignee, created_by, source, status,
    outcome, detail, reason_code, created_at, completed_at, version, field_versions)
    SELECT id, customer_id, title, due, priority, assignee, created_by, source, status,
        outcome, detail, reason_code, created_at, completed_at, version, field_versions FROM
        tasks ORDER BY customer_id, due;
DROP TABLE tasks;
ALTER TABLE tasks_v3 RENAME TO tasks;
CREATE UNIQUE INDEX ux_tasks_id ON tasks(id);
CREATE INDEX ix_tasks_customer ON tasks(customer_id, status);
CREATE INDEX ix_tasks_assignee ON tasks(assignee, status, due);
"""

# v4: churn score history (one row per customer and month: the month's latest score,
# for the trend and the profile's chart) and the local record of acknowledged or
# dismissed churn flags (also pushed as churn_event mutations), and an index on
# contacts by kind for the churn indicators.
V4 = """
-- Keyed month first: a rescoring of the book writes into one month's part of the tree.
-- The key is the primary key (never dropped by a bulk load), so the upsert always has
-- its conflict target.
CREATE TABLE churn_score_history (
    month TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    level TEXT NOT NULL,
    model_version TEXT NOT NULL,
    PRIMARY KEY (month, customer_id)
) WITHOUT ROWID;
CREATE INDEX ix_churn_score_history_customer ON churn_score_history(customer_id, month);

CREATE TABLE churn_events (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    reason_code TEXT,
    note TEXT NOT NULL DEFAULT '',
    score REAL,
    level TEXT,
    at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX ix_churn_events_customer ON churn_events(customer_id, at);

-- Recent complaints and each customer's last RM contact (visit, call, message) for
-- the whole book, read from the index alone.
CREATE INDEX ix_interactions_kind ON interactions(kind, customer_id, occurred_at);
"""

# v5: each customer's snapshot summary for churn scoring, kept when snapshots are
# written instead of aggregated over twelve months of rows at every rescore. Rows are
# the aggregates of `local_store.churn` at the month in `meta` 'snapshot_summary_month'
# (the latest snapshot month); filled here from the snapshots already stored, unless a
# bulk load is unfinished (its end rebuilds the summary).
V5 = """
CREATE TABLE snapshot_summary (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    txn_last3, txn_prior3, vol_last3, vol_prior3, aum_0, aum_3, dep_0, dep_3,
    held_0, held_6, salary_prior, salary_recent, last_salary_month, last_active_month,
    months_present, outflow_last3
) WITHOUT ROWID;

WITH r AS (SELECT max(month) AS l0 FROM snapshots),
m AS (
    SELECT l0,
        strftime('%Y-%m', l0 || '-01', '-1 months') AS l1,
        strftime('%Y-%m', l0 || '-01', '-2 months') AS l2,
        strftime('%Y-%m', l0 || '-01', '-3 months') AS l3,
        strftime('%Y-%m', l0 || '-01', '-5 months') AS l5,
        strftime('%Y-%m', l0 || '-01', '-6 months') AS l6,
        strftime('%Y-%m', l0 || '-01', '-12 months') AS lw
    FROM r WHERE l0 IS NOT NULL
)
INSERT INTO snapshot_summary
SELECT customer_id,
    sum(CASE WHEN month >= l2 THEN txn_count END),
    sum(CASE WHEN month BETWEEN l5 AND l3 THEN txn_count END),
    sum(CASE WHEN month >= l2 THEN txn_in_fen + txn_out_fen END),
    sum(CASE WHEN month BETWEEN l5 AND l3 THEN txn_in_fen + txn_out_fen END),
    max(CASE WHEN month = l0 THEN aum_fen END),
    max(CASE WHEN month = l3 THEN aum_fen END),
    max(CASE WHEN month = l0 THEN deposits_fen END),
    max(CASE WHEN month = l3 THEN deposits_fen END),
    max(CASE WHEN month = l0 THEN products_held END),
    max(CASE WHEN month = l6 THEN products_held END),
    sum(CASE WHEN month BETWEEN l5 AND l3 THEN salary_credit_fen END),
    sum(CASE WHEN month >= l1 THEN salary_credit_fen END),
    max(CASE WHEN salary_credit_fen > 0 THEN month END),
    max(CASE WHEN txn_count > 0 THEN month END),
    count(*),
    sum(CASE WHEN month >= l2 THEN outflow_other_banks_fen END)
FROM snapshots NOT INDEXED, m WHERE month > lw AND month <= l0
    AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_indexes')
GROUP BY customer_id;

INSERT INTO meta(key, value)
SELECT 'snapshot_summary_month', max(month) FROM snapshots
WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_indexes')
HAVING max(month) IS NOT NULL;
"""

# v6: (1) the month a live score belongs to is kept with it, and the score history
# holds sealed months only: a rescore writes the live score once (book row and
# churn_scores), not a third time into the history; the first write in a new month
# seals the earlier live scores into the history (`local_store.churn`). Reasons are
# kept for amber and red customers only (a green customer's are worked out when
# asked); the table is rebuilt so its pages hold the shorter rows. (2) Each
# customer's latest RM contact (visit, call, message) kept on the book row,
# beside the latest contact of any kind, by the same statement
# (`book.refresh_activity`): scoring the whole book reads it with the customer instead
# of grouping a million contact rows by kind (0.8 s at 100,000 customers). The
# (kind, customer, time) index built for that grouping, a million entries rebuilt at
# every bulk load, gives way to an index of complaints only; the (customer, time)
# contact index also carries the kind and the (customer, status) task index the due
# date, so the book's activity columns are read from the indexes alone (the latest
# RM contact is the first RM kind walking back from the newest). Maturing products are
# read from a covering index of maturing products only, not from every holding. While
# a bulk load is unfinished, its end fills the column and builds what it dropped (the
# dropped kind index is struck from its list here).
V6 = """
CREATE TABLE churn_scores_v6 (
    customer_id TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    level TEXT NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]',
    model_version TEXT NOT NULL,
    scored_at TEXT NOT NULL,
    month TEXT
) WITHOUT ROWID;
INSERT INTO churn_scores_v6
SELECT customer_id, score, level, CASE WHEN level = 'green' THEN '[]' ELSE reasons END,
    model_version, scored_at, substr(scored_at, 1, 7)
FROM churn_scores;
DROP TABLE churn_scores;
ALTER TABLE churn_scores_v6 RENAME TO churn_scores;

ALTER TABLE customers ADD COLUMN last_rm_contact_at TEXT;

-- built here even while a bulk load is unfinished (its end then finds them present)
DROP INDEX IF EXISTS ix_interactions_kind;
DROP INDEX IF EXISTS ix_interactions_customer;
CREATE INDEX ix_interactions_customer ON interactions(customer_id, occurred_at, kind);
DROP INDEX IF EXISTS ix_tasks_customer;
CREATE INDEX ix_tasks_customer ON tasks(customer_id, status, due);

UPDATE meta SET value = (
    SELECT json_group_array(json(j.value)) FROM json_each(meta.value) j
    WHERE json_extract(j.value, '$[0]') != 'ix_interactions_kind')
WHERE key = 'bulk_indexes';

UPDATE customers SET last_rm_contact_at = (
    SELECT occurred_at FROM interactions i
    WHERE i.customer_id = customers.id AND i.kind IN ('visit', 'call', 'message')
    ORDER BY occurred_at DESC LIMIT 1)
WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_indexes');

CREATE INDEX ix_interactions_complaints ON interactions(customer_id, occurred_at)
    WHERE kind = 'complaint';

CREATE INDEX ix_holdings_maturing ON holdings(customer_id, kind, balance_fen, opened, maturity)
    WHERE kind IN ('term_deposit', 'wealth') AND maturity IS NOT NULL;
"""

# The staff directory (names of the branch's colleagues and, for a manager, when each
# one's device last synced) and follow-ups newly assigned to the user by someone else,
# flagged until opened; an index for the dashboard's contact figures. No foreign key
# to tasks: a snapshot drops the tasks' unique key while it loads, and a stale flag is
# simply not joined.
V7 = """
CREATE TABLE staff (
    user_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    last_synced_at TEXT
) WITHOUT ROWID;

CREATE TABLE new_assignments (
    task_id TEXT PRIMARY KEY,
    assigned_by TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    notified INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The team dashboard's visits and calls per RM and period (local_store/team.py); only
-- those two kinds, so a smaller index to rebuild after a first sync. At 20,000
-- customers and 200,000 contacts: the dashboard 0.7 s -> 0.1 s, a drill-down 0.7 s
-- -> 0.01 s.
CREATE INDEX IF NOT EXISTS ix_interactions_rm_contacts
    ON interactions(created_by, occurred_at, kind) WHERE kind IN ('visit', 'call');
"""

# v8: the book's name order. `name_pinyin` runs the syllables together (chenming), so
# sorting by it put 程刚 (chenggang) between 陈芳 (chenfang) and 陈明 (chenming).
# `name_sort` holds the syllables apart ("chen ming", a space sorts before every letter)
# and then the name, so a surname's customers stay together, in pinyin order. It is
# computed from the name by the search index's code (`local_store.search`), which fills
# it for a store migrated here when it next opens (its keys version rises to 3).
V8 = """
ALTER TABLE customers ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_customers_name_sort ON customers(name_sort, pk);

-- nothing sorts or searches by the run-together pinyin any more
DROP INDEX IF EXISTS ix_customers_name;
UPDATE meta SET value = (
    SELECT json_group_array(json(j.value)) FROM json_each(meta.value) j
    WHERE json_extract(j.value, '$[0]') != 'ix_customers_name')
WHERE key = 'bulk_indexes';
"""

STEPS: Sequence[str] = (V1, V2, V3, V4, V5, V6, V7, V8)
LATEST = len(STEPS)


def current_version(conn: Connection) -> int:
    row = conn.exec_driver_sql("PRAGMA user_version").fetchone()
    return int(row[0]) if row else 0


def _statements(script: str) -> list[str]:
    """Split a script into statements (trigger bodies contain inner semicolons)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlcipher.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError("incomplete SQL statement at the end of a migration")
    return statements


def migrate(
    engine: Engine,
    path: Path,
    *,
    target: int = LATEST,
    on_upgrade: Callable[[int, int], None] | None = None,
) -> int:
    """Bring the database up to `target` (default: latest); returns the old version.
    `on_upgrade(found, target)` is told first when an existing database is upgraded
    (a large book's upgrade takes seconds: the user is told why they wait)."""
    with engine.begin() as conn:
        found = current_version(conn)
        if found > LATEST:
            raise UnsupportedSchema(path, found, LATEST)
        if on_upgrade is not None and 0 < found < target:
            on_upgrade(found, target)
        for version in range(found + 1, target + 1):
            for statement in _statements(STEPS[version - 1]):
                conn.exec_driver_sql(statement)
            # PRAGMA values cannot be bound; `version` is an int from range().
            conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
    return found

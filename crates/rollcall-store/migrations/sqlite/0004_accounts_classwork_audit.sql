-- Accounts beyond Clever, classwork and the audit log (SQLite). Timestamps as in 0001; dates
-- are TEXT `YYYY-MM-DD`, so they too compare correctly as strings.

-- The teacher's school, as they named it (Clever's Library data carries no school).
ALTER TABLE users ADD COLUMN school TEXT;
-- The dashboard offers the schools already named: read them from this index, not every account.
CREATE INDEX users_by_school ON users (school) WHERE school IS NOT NULL;

-- How an account logs in with a password: its login email (normalised by the caller: trimmed,
-- lower-case) and the password's PHC string. At most one per account; an email belongs to at
-- most one account.
CREATE TABLE local_credentials (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id),
    email         TEXT NOT NULL UNIQUE CHECK (email <> ''),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

-- Work a teacher posts to a section.
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    section_id   INTEGER NOT NULL REFERENCES sections (id),
    author_id    INTEGER NOT NULL REFERENCES users (id),
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    instructions TEXT NOT NULL CHECK (length(instructions) <= 2000),
    due_on       TEXT CHECK (due_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    created_at   TEXT NOT NULL
) STRICT;

CREATE INDEX assignments_by_section ON assignments (section_id, created_at);

-- A student marked an assignment done (the row is deleted when they undo it).
CREATE TABLE assignment_completions (
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    done_at       TEXT NOT NULL,
    PRIMARY KEY (assignment_id, user_id)
) STRICT;

CREATE INDEX assignment_completions_by_user ON assignment_completions (user_id);

-- Failure counters for rate limits (e.g. `login:<email>`), in fixed windows, shared by every
-- replica.
CREATE TABLE failure_counters (
    key         TEXT PRIMARY KEY,
    failures    INTEGER NOT NULL CHECK (failures >= 1),
    window_ends TEXT NOT NULL
) STRICT;

-- Who did what to which account. No foreign keys: history outlives a merged account (a merge
-- re-points the absorbed account's entries to the survivor).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    -- NULL: Rollcall itself (a background sync, Clever's data).
    actor_id   INTEGER,
    action     TEXT NOT NULL CHECK (action IN ('account_created', 'clever_linked', 'clever_unlinked',
                                                'accounts_merged', 'role_changed', 'sync_run',
                                                'password_added', 'school_changed')),
    subject_id INTEGER NOT NULL,
    detail     TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_by_subject ON audit_log (subject_id, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

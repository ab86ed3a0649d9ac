-- Accounts beyond Clever, classwork and the audit log (PostgreSQL). The same tables, keys and
-- checks as migrations/sqlite/0004_accounts_classwork_audit.sql, in PostgreSQL's types.

-- The teacher's school, as they named it (Clever's Library data carries no school).
ALTER TABLE users ADD COLUMN school TEXT;
-- The dashboard offers the schools already named: read them from this index, not every account.
CREATE INDEX users_by_school ON users (school) WHERE school IS NOT NULL;

-- How an account logs in with a password: its login email (normalised by the caller: trimmed,
-- lower-case) and the password's PHC string. At most one per account; an email belongs to at
-- most one account.
CREATE TABLE local_credentials (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id),
    email         TEXT NOT NULL UNIQUE CHECK (email <> ''),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- Work a teacher posts to a section.
CREATE TABLE assignments (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    section_id   BIGINT NOT NULL REFERENCES sections (id),
    author_id    BIGINT NOT NULL REFERENCES users (id),
    title        TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    instructions TEXT NOT NULL CHECK (char_length(instructions) <= 2000),
    due_on       DATE,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX assignments_by_section ON assignments (section_id, created_at);

-- A student marked an assignment done (the row is deleted when they undo it).
CREATE TABLE assignment_completions (
    assignment_id BIGINT NOT NULL REFERENCES assignments (id),
    user_id       BIGINT NOT NULL REFERENCES users (id),
    done_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (assignment_id, user_id)
);

CREATE INDEX assignment_completions_by_user ON assignment_completions (user_id);

-- Failure counters for rate limits (e.g. `login:<email>`), in fixed windows, shared by every
-- replica.
CREATE TABLE failure_counters (
    key         TEXT PRIMARY KEY,
    failures    BIGINT NOT NULL CHECK (failures >= 1),
    window_ends TIMESTAMPTZ NOT NULL
);

-- Who did what to which account. No foreign keys: history outlives a merged account (a merge
-- re-points the absorbed account's entries to the survivor).
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    -- NULL: Rollcall itself (a background sync, Clever's data).
    actor_id   BIGINT,
    action     TEXT NOT NULL CHECK (action IN ('account_created', 'clever_linked', 'clever_unlinked',
                                                'accounts_merged', 'role_changed', 'sync_run',
                                                'password_added', 'school_changed')),
    subject_id BIGINT NOT NULL,
    detail     TEXT NOT NULL
);

CREATE INDEX audit_log_by_subject ON audit_log (subject_id, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- Rollcall's first schema (SQLite).
--
-- Conventions:
-- - Timestamps are TEXT in one fixed-width UTC form, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (RFC 3339,
--   microseconds), so they compare correctly as strings.
-- - Every synced record is keyed on its Clever id under a UNIQUE constraint: `identities`
--   (provider, external_id) and `sections` (clever_id). Writes that can race are upserts.
-- - Syncs never delete: enrollments and teacher links carry `removed_in_clever_at`, sections
--   `archived_at`.
-- - Tables are STRICT, so a value of the wrong type is refused instead of silently stored.

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('teacher', 'student', 'staff', 'district_admin')),
    first_name  TEXT NOT NULL,
    middle_name TEXT,
    last_name   TEXT NOT NULL,
    -- Informational only: never used to find or link an account.
    email       TEXT,
    grade       TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- External logins. Clever ids live here with provider 'clever'. One account has at most one
-- identity per provider, and an external id belongs to exactly one account.
CREATE TABLE identities (
    provider    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (provider, external_id),
    UNIQUE (provider, user_id)
) STRICT;

CREATE TABLE sections (
    id             INTEGER PRIMARY KEY,
    clever_id      TEXT NOT NULL UNIQUE,
    -- The name Clever has; every sync overwrites it.
    synced_name    TEXT NOT NULL,
    -- The teacher's own name; no sync ever writes it.
    display_name   TEXT,
    section_number TEXT,
    subject        TEXT,
    grade          TEXT,
    -- Set when no teacher remains actively linked; cleared when Clever lists it again.
    archived_at    TEXT,
    last_synced_at TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE section_teachers (
    section_id           INTEGER NOT NULL REFERENCES sections (id),
    user_id              INTEGER NOT NULL REFERENCES users (id),
    role                 TEXT NOT NULL CHECK (role IN ('primary', 'co')),
    -- Set when Clever stops listing the section for this teacher.
    removed_in_clever_at TEXT,
    joined_at            TEXT NOT NULL,
    PRIMARY KEY (section_id, user_id)
) STRICT;

CREATE INDEX section_teachers_by_user ON section_teachers (user_id);

CREATE TABLE enrollments (
    section_id           INTEGER NOT NULL REFERENCES sections (id),
    user_id              INTEGER NOT NULL REFERENCES users (id),
    -- Set when Clever stops listing the student in this section.
    removed_in_clever_at TEXT,
    enrolled_at          TEXT NOT NULL,
    PRIMARY KEY (section_id, user_id)
) STRICT;

CREATE INDEX enrollments_by_user ON enrollments (user_id);

-- The user's Clever access token, sealed by the caller (the store never sees it in clear).
CREATE TABLE clever_tokens (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id),
    sealed      BLOB NOT NULL,
    obtained_at TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) STRICT;

-- Login sessions, by the SHA-256 of the cookie value.
CREATE TABLE sessions (
    id_hash    BLOB PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    trigger     TEXT NOT NULL CHECK (trigger IN ('login', 'button', 'background', 'cli')),
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    added       INTEGER NOT NULL CHECK (added >= 0),
    updated     INTEGER NOT NULL CHECK (updated >= 0),
    removed     INTEGER NOT NULL CHECK (removed >= 0),
    unchanged   INTEGER NOT NULL CHECK (unchanged >= 0),
    errors      INTEGER NOT NULL CHECK (errors >= 0),
    -- A JSON array of strings.
    problems    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(problems) AND json_type(problems) = 'array'),
    failed      INTEGER NOT NULL CHECK (failed IN (0, 1))
) STRICT;

CREATE INDEX sync_runs_by_user ON sync_runs (user_id, started_at);

-- OAuth callbacks, exactly once per authorization code (by its SHA-256). Short-lived: rows
-- older than the claim TTL are deleted or reused.
CREATE TABLE oauth_callbacks (
    code_hash  BLOB PRIMARY KEY CHECK (length(code_hash) = 32),
    user_id    INTEGER REFERENCES users (id),
    state      TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    created_at TEXT NOT NULL,
    CHECK ((state = 'done') = (user_id IS NOT NULL))
) STRICT;

CREATE INDEX oauth_callbacks_by_age ON oauth_callbacks (created_at);

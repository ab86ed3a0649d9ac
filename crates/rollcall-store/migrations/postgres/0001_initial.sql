-- Rollcall's first schema (PostgreSQL). The same tables, keys and checks as
-- migrations/sqlite/0001_initial.sql, in PostgreSQL's types.
--
-- Conventions:
-- - Timestamps are TIMESTAMPTZ (microsecond precision, compared as times).
-- - Every synced record is keyed on its Clever id under a UNIQUE constraint: `identities`
--   (provider, external_id) and `sections` (clever_id). Writes that can race are upserts.
-- - Syncs never delete: enrollments and teacher links carry `removed_in_clever_at`, sections
--   `archived_at`.

CREATE TABLE users (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('teacher', 'student', 'staff', 'district_admin')),
    first_name  TEXT NOT NULL,
    middle_name TEXT,
    last_name   TEXT NOT NULL,
    -- Informational only: never used to find or link an account.
    email       TEXT,
    grade       TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- External logins. Clever ids live here with provider 'clever'. One account has at most one
-- identity per provider, and an external id belongs to exactly one account.
CREATE TABLE identities (
    provider    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, external_id),
    UNIQUE (provider, user_id)
);

CREATE TABLE sections (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clever_id      TEXT NOT NULL UNIQUE,
    -- The name Clever has; every sync overwrites it.
    synced_name    TEXT NOT NULL,
    -- The teacher's own name; no sync ever writes it.
    display_name   TEXT,
    section_number TEXT,
    subject        TEXT,
    grade          TEXT,
    -- Set when no teacher remains actively linked; cleared when Clever lists it again.
    archived_at    TIMESTAMPTZ,
    last_synced_at TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE section_teachers (
    section_id           BIGINT NOT NULL REFERENCES sections (id),
    user_id              BIGINT NOT NULL REFERENCES users (id),
    role                 TEXT NOT NULL CHECK (role IN ('primary', 'co')),
    -- Set when Clever stops listing the section for this teacher.
    removed_in_clever_at TIMESTAMPTZ,
    joined_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (section_id, user_id)
);

CREATE INDEX section_teachers_by_user ON section_teachers (user_id);

CREATE TABLE enrollments (
    section_id           BIGINT NOT NULL REFERENCES sections (id),
    user_id              BIGINT NOT NULL REFERENCES users (id),
    -- Set when Clever stops listing the student in this section.
    removed_in_clever_at TIMESTAMPTZ,
    enrolled_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (section_id, user_id)
);

CREATE INDEX enrollments_by_user ON enrollments (user_id);

-- The user's Clever access token, sealed by the caller (the store never sees it in clear).
CREATE TABLE clever_tokens (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id),
    sealed      BYTEA NOT NULL,
    obtained_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);

-- Login sessions, by the SHA-256 of the cookie value.
CREATE TABLE sessions (
    id_hash    BYTEA PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE sync_runs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    trigger     TEXT NOT NULL CHECK (trigger IN ('login', 'button', 'background', 'cli')),
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    added       BIGINT NOT NULL CHECK (added >= 0),
    updated     BIGINT NOT NULL CHECK (updated >= 0),
    removed     BIGINT NOT NULL CHECK (removed >= 0),
    unchanged   BIGINT NOT NULL CHECK (unchanged >= 0),
    errors      BIGINT NOT NULL CHECK (errors >= 0),
    -- A JSON array of strings.
    problems    JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(problems) = 'array'),
    failed      BOOLEAN NOT NULL
);

CREATE INDEX sync_runs_by_user ON sync_runs (user_id, started_at);

-- OAuth callbacks, exactly once per authorization code (by its SHA-256). Short-lived: rows
-- older than the claim TTL are deleted or reused.
CREATE TABLE oauth_callbacks (
    code_hash  BYTEA PRIMARY KEY CHECK (octet_length(code_hash) = 32),
    user_id    BIGINT REFERENCES users (id),
    state      TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((state = 'done') = (user_id IS NOT NULL))
);

CREATE INDEX oauth_callbacks_by_age ON oauth_callbacks (created_at);

-- Background sync jobs (SQLite): at most one per teacher. A worker claims a due job by setting
-- `claimed_by` (its worker id) and `claimed_until` (the lease's end) in one write transaction;
-- a job whose lease has run out (its worker died) is due again. Timestamps as in 0001.
CREATE TABLE sync_jobs (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id),
    -- Not run before this time.
    run_after     TEXT NOT NULL,
    -- The worker holding the job, and until when; both NULL when nobody holds it.
    claimed_by    TEXT,
    claimed_until TEXT,
    -- Claims since the last successful run.
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Why the last run failed, if it did.
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    CHECK ((claimed_by IS NULL) = (claimed_until IS NULL))
) STRICT;

CREATE INDEX sync_jobs_by_due ON sync_jobs (run_after);

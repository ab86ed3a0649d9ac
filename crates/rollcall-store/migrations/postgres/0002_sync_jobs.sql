-- Background sync jobs (PostgreSQL): at most one per teacher. The same table as
-- migrations/sqlite/0002_sync_jobs.sql. Workers on any replica claim a due job with
-- `SELECT … FOR UPDATE SKIP LOCKED` and set `claimed_by` (their worker id) and `claimed_until`
-- (the lease's end); a job whose lease has run out (its worker died) is due again.
CREATE TABLE sync_jobs (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id),
    -- Not run before this time.
    run_after     TIMESTAMPTZ NOT NULL,
    -- The worker holding the job, and until when; both NULL when nobody holds it.
    claimed_by    TEXT,
    claimed_until TIMESTAMPTZ,
    -- Claims since the last successful run.
    attempts      BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Why the last run failed, if it did.
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK ((claimed_by IS NULL) = (claimed_until IS NULL))
);

CREATE INDEX sync_jobs_by_due ON sync_jobs (run_after);

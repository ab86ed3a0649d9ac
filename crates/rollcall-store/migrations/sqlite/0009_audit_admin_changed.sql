-- Grants and revocations of the admin pages (`rollcall admin grant|revoke`) are audited too.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same rows,
-- ids and indexes.
CREATE TABLE audit_log_new (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    -- NULL: Rollcall itself (a background sync, Clever's data, an operator on the server).
    actor_id   INTEGER,
    action     TEXT NOT NULL CHECK (action IN ('account_created', 'clever_linked', 'clever_unlinked',
                                                'accounts_merged', 'role_changed', 'sync_run',
                                                'password_added', 'school_changed',
                                                'admin_changed')),
    subject_id INTEGER NOT NULL,
    detail     TEXT NOT NULL
) STRICT;

INSERT INTO audit_log_new (id, at, actor_id, action, subject_id, detail)
    SELECT id, at, actor_id, action, subject_id, detail FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;

CREATE INDEX audit_log_by_subject ON audit_log (subject_id, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_by_action ON audit_log (action, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- Interactive syncs (a login, the "Sync my classes" button) of one teacher never run at once,
-- across every replica: a sync first takes this row's lease. A lease whose holder died simply
-- runs out.
CREATE TABLE sync_leases (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    holder  TEXT NOT NULL,
    until   TIMESTAMPTZ NOT NULL
);

-- Interactive syncs (a login, the "Sync my classes" button) of one teacher never run at once,
-- across every replica: a sync first takes this row's lease. A lease whose holder died simply
-- runs out. Timestamps as in 0001.
CREATE TABLE sync_leases (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    holder  TEXT NOT NULL,
    until   TEXT NOT NULL
) STRICT;

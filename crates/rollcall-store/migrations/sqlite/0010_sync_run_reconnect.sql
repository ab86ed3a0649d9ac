-- Whether a sync run ended because the teacher must reconnect Clever (their authorization
-- expired or was withdrawn): the dashboard's "Reconnect Clever" banner reads this, not the words.
ALTER TABLE sync_runs ADD COLUMN needs_reconnect INTEGER NOT NULL DEFAULT 0 CHECK (needs_reconnect IN (0, 1));

-- Runs recorded before this column said so only in words: the last problem ended with the
-- reconnect advice.
UPDATE sync_runs SET needs_reconnect = 1
WHERE EXISTS (SELECT 1 FROM json_each(sync_runs.problems)
              WHERE substr(value, -length('Your Clever authorization has expired. Reconnect Clever (log in with Clever again) to sync.')) = 'Your Clever authorization has expired. Reconnect Clever (log in with Clever again) to sync.');

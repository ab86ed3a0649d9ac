-- Whether a sync run ended because the teacher must reconnect Clever (their authorization
-- expired or was withdrawn): the dashboard's "Reconnect Clever" banner reads this, not the words.
ALTER TABLE sync_runs ADD COLUMN needs_reconnect BOOLEAN NOT NULL DEFAULT false;

-- Runs recorded before this column said so only in words: a problem ended with the reconnect
-- advice.
UPDATE sync_runs SET needs_reconnect = true
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(problems) AS p(problem)
              WHERE right(problem, length('Your Clever authorization has expired. Reconnect Clever (log in with Clever again) to sync.')) = 'Your Clever authorization has expired. Reconnect Clever (log in with Clever again) to sync.');

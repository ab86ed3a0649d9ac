-- What a sync run changed with classes and students apart (rollcall_core::Changes, as JSON), so
-- the teacher reads "3 students added, 1 class renamed". NULL for runs recorded before: their
-- totals (added, updated, removed) mix classes and students and are shown as such.
ALTER TABLE sync_runs ADD COLUMN changes JSONB CHECK (changes IS NULL OR jsonb_typeof(changes) = 'object');

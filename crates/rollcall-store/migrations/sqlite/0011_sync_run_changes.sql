-- What a sync run changed with classes and students apart (rollcall_core::Changes, as JSON), so
-- the teacher reads "3 students added, 1 class renamed". NULL for runs recorded before: their
-- totals (added, updated, removed) mix classes and students and are shown as such.
ALTER TABLE sync_runs ADD COLUMN changes TEXT CHECK (changes IS NULL OR (json_valid(changes) AND json_type(changes) = 'object'));

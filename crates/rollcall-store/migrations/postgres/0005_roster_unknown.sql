-- A section whose students Clever did not list (other Clever-compatible servers send sections
-- without member lists, and may offer no other way to ask): when the last sync could not learn
-- who is in it, and NULL once a sync did. Its enrollments are kept as they were meanwhile; the
-- teacher is told.
ALTER TABLE sections ADD COLUMN roster_unknown_since TIMESTAMPTZ;

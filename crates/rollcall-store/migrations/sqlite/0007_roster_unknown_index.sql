-- A student's dashboard asks whether any live class has a roster Clever did not list (then some
-- of the student's classes may be missing). This partial index holds only such classes, so the
-- question costs one index probe however many classes the deployment has.
CREATE INDEX sections_roster_unknown ON sections (id)
    WHERE roster_unknown_since IS NOT NULL AND archived_at IS NULL;

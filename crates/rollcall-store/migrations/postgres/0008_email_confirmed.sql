-- When a password account's login email was proven (its owner opened the link Rollcall mailed
-- to it). Every credential written from now on is written only after that proof, so only rows
-- from before this migration are NULL: those accounts confirm their email at their next login.
ALTER TABLE local_credentials ADD COLUMN confirmed_at TIMESTAMPTZ;

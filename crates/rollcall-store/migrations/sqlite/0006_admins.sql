-- Who may read the admin pages: set only by an operator on the server (`rollcall admin grant`),
-- never by anything a visitor does (an email typed at sign-up proves nothing). Timestamps as in
-- 0001.
ALTER TABLE users ADD COLUMN admin_since TEXT;

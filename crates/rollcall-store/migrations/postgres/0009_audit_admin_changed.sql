-- Grants and revocations of the admin pages (`rollcall admin grant|revoke`) are audited too.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('account_created', 'clever_linked', 'clever_unlinked', 'accounts_merged',
                      'role_changed', 'sync_run', 'password_added', 'school_changed',
                      'admin_changed'));

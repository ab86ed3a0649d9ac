//! Audit log rows and their conversion into entries.

use rollcall_core::UserId;
use time::OffsetDateTime;

use crate::{AuditAction, AuditEntry, StoreError, StoreResult};

/// An `audit_log` row with the accounts' current names.
#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: i64,
    at: OffsetDateTime,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    action: String,
    subject_id: i64,
    subject_name: Option<String>,
    detail: String,
}

impl AuditRow {
    /// The entry this row stores.
    pub(crate) fn into_entry(self) -> StoreResult<AuditEntry> {
        let action = AuditAction::parse(&self.action)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown audit action {:?}", self.action)))?;
        Ok(AuditEntry {
            id: self.id,
            at: self.at,
            actor: self.actor_id.map(UserId),
            actor_name: self.actor_name,
            action,
            subject: UserId(self.subject_id),
            subject_name: self.subject_name,
            detail: self.detail,
        })
    }
}

//! TEMPORARY (web-side development only, never merged): the new traits answer "not yet".
#![allow(unused_variables, missing_docs)]

use async_trait::async_trait;
use rollcall_core::{AssignmentId, SectionId, UserId};
use time::OffsetDateTime;

use crate::*;

fn no<T>() -> StoreResult<T> {
    Err(StoreError::Corrupt("not implemented yet".into()))
}

macro_rules! stubs {
    ($t:ty) => {
        #[async_trait]
        impl AccountStore for $t {
            async fn create_local_account(
                &self,
                new: &NewLocalAccount,
                now: OffsetDateTime,
            ) -> StoreResult<User> {
                no()
            }
            async fn credential_by_email(&self, email: &str) -> StoreResult<Option<LocalCredential>> {
                no()
            }
            async fn credential_of(&self, user: UserId) -> StoreResult<Option<LocalCredential>> {
                no()
            }
            async fn add_credential(
                &self,
                user: UserId,
                email: &str,
                password_hash: &str,
                now: OffsetDateTime,
            ) -> StoreResult<()> {
                no()
            }
            async fn has_local_accounts(&self) -> StoreResult<bool> {
                Ok(false)
            }
            async fn link_clever(
                &self,
                user: UserId,
                profile: &CleverProfile,
                now: OffsetDateTime,
            ) -> StoreResult<()> {
                no()
            }
            async fn unlink_clever(&self, user: UserId, now: OffsetDateTime) -> StoreResult<bool> {
                no()
            }
            async fn merge_accounts(
                &self,
                survivor: UserId,
                absorbed: UserId,
                actor: UserId,
                now: OffsetDateTime,
            ) -> StoreResult<MergeReport> {
                no()
            }
            async fn set_school(
                &self,
                user: UserId,
                school: Option<&str>,
                now: OffsetDateTime,
            ) -> StoreResult<()> {
                no()
            }
            async fn known_schools(&self) -> StoreResult<Vec<String>> {
                Ok(vec![])
            }
            async fn count_failure(
                &self,
                key: &str,
                now: OffsetDateTime,
                window: time::Duration,
            ) -> StoreResult<FailureCount> {
                no()
            }
            async fn failures(&self, key: &str, now: OffsetDateTime) -> StoreResult<Option<FailureCount>> {
                no()
            }
            async fn clear_failures(&self, key: &str) -> StoreResult<()> {
                no()
            }
        }
        #[async_trait]
        impl ClassworkStore for $t {
            async fn create_assignment(
                &self,
                teacher: UserId,
                new: &NewAssignment,
                now: OffsetDateTime,
            ) -> StoreResult<AssignmentId> {
                no()
            }
            async fn section_assignments(
                &self,
                teacher: UserId,
                section: SectionId,
            ) -> StoreResult<Vec<Assignment>> {
                Ok(vec![])
            }
            async fn assignment_progress(
                &self,
                teacher: UserId,
                assignment: AssignmentId,
            ) -> StoreResult<Option<(Assignment, Vec<Completion>)>> {
                no()
            }
            async fn student_assignments(&self, student: UserId) -> StoreResult<Vec<StudentAssignment>> {
                Ok(vec![])
            }
            async fn set_done(
                &self,
                student: UserId,
                assignment: AssignmentId,
                done: bool,
                now: OffsetDateTime,
            ) -> StoreResult<()> {
                no()
            }
        }
        #[async_trait]
        impl AuditStore for $t {
            async fn record_audit(&self, entry: &NewAuditEntry) -> StoreResult<()> {
                Ok(())
            }
            async fn audit_log(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                Ok(vec![])
            }
        }
    };
}
stubs!(SqliteStore);
stubs!(PgStore);

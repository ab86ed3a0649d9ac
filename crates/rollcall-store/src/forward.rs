//! The new traits' impls, the same on both backends: each method forwards to the query module
//! compiled into the backend from `shared/` (`local`, `linking`, `merge`, `counters`,
//! `classwork`, `audit`), taking the backend's write turn first for writes when it has one
//! (SQLite's writer queue; PostgreSQL has none).

/// Implements [`crate::AccountStore`], [`crate::ClassworkStore`] and [`crate::AuditStore`] for
/// `$store` (which has a `pool` field), calling `self.$turn()` before each write if given.
macro_rules! forward_new_traits {
    ($store:ty $(, $turn:ident)?) => {
        #[async_trait::async_trait]
        impl $crate::AccountStore for $store {
            async fn create_local_account(
                &self,
                new: &$crate::NewLocalAccount,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<$crate::User> {
                $(let _turn = self.$turn().await;)?
                local::create_local_account(&self.pool, new, now).await
            }

            async fn credential_by_email(
                &self,
                email: &str,
            ) -> $crate::StoreResult<Option<$crate::LocalCredential>> {
                local::credential_by_email(&self.pool, email).await
            }

            async fn add_credential(
                &self,
                user: rollcall_core::UserId,
                email: &str,
                password_hash: &str,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                $(let _turn = self.$turn().await;)?
                local::add_credential(&self.pool, user, email, password_hash, now).await
            }

            async fn confirm_email(
                &self,
                user: rollcall_core::UserId,
                email: &str,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                $(let _turn = self.$turn().await;)?
                local::confirm_email(&self.pool, user, email, now).await
            }

            async fn has_local_accounts(&self) -> $crate::StoreResult<bool> {
                local::has_local_accounts(&self.pool).await
            }

            async fn link_clever(
                &self,
                user: rollcall_core::UserId,
                profile: &$crate::CleverProfile,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                $(let _turn = self.$turn().await;)?
                linking::link_clever(&self.pool, user, profile, now).await
            }

            async fn unlink_clever(
                &self,
                user: rollcall_core::UserId,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                $(let _turn = self.$turn().await;)?
                linking::unlink_clever(&self.pool, user, now).await
            }

            async fn merge_accounts(
                &self,
                survivor: rollcall_core::UserId,
                absorbed: rollcall_core::UserId,
                actor: rollcall_core::UserId,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<$crate::MergeReport> {
                $(let _turn = self.$turn().await;)?
                merge::merge_accounts(&self.pool, survivor, absorbed, actor, now).await
            }

            async fn set_school(
                &self,
                user: rollcall_core::UserId,
                school: Option<&str>,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                $(let _turn = self.$turn().await;)?
                local::set_school(&self.pool, user, school, now).await
            }

            async fn known_schools(&self) -> $crate::StoreResult<Vec<String>> {
                local::known_schools(&self.pool).await
            }

            async fn count_failure(
                &self,
                key: &str,
                now: time::OffsetDateTime,
                window: time::Duration,
            ) -> $crate::StoreResult<$crate::FailureCount> {
                $(let _turn = self.$turn().await;)?
                counters::count_failure(&self.pool, key, now, window).await
            }

            async fn failures(
                &self,
                key: &str,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<Option<$crate::FailureCount>> {
                counters::failures(&self.pool, key, now).await
            }

            async fn clear_failures(&self, key: &str) -> $crate::StoreResult<()> {
                $(let _turn = self.$turn().await;)?
                counters::clear_failures(&self.pool, key).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::ClassworkStore for $store {
            async fn create_assignment(
                &self,
                teacher: rollcall_core::UserId,
                new: &$crate::NewAssignment,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<rollcall_core::AssignmentId> {
                $(let _turn = self.$turn().await;)?
                classwork::create_assignment(&self.pool, teacher, new, now).await
            }

            async fn section_assignments(
                &self,
                teacher: rollcall_core::UserId,
                section: rollcall_core::SectionId,
            ) -> $crate::StoreResult<Vec<$crate::Assignment>> {
                classwork::section_assignments(&self.pool, teacher, section).await
            }

            async fn assignment_progress(
                &self,
                teacher: rollcall_core::UserId,
                assignment: rollcall_core::AssignmentId,
            ) -> $crate::StoreResult<Option<($crate::Assignment, Vec<$crate::Completion>)>> {
                classwork::assignment_progress(&self.pool, teacher, assignment).await
            }

            async fn student_assignments(
                &self,
                student: rollcall_core::UserId,
            ) -> $crate::StoreResult<Vec<$crate::StudentAssignment>> {
                classwork::student_assignments(&self.pool, student).await
            }

            async fn set_done(
                &self,
                student: rollcall_core::UserId,
                assignment: rollcall_core::AssignmentId,
                done: bool,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                $(let _turn = self.$turn().await;)?
                classwork::set_done(&self.pool, student, assignment, done, now).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::AuditStore for $store {
            async fn record_audit(&self, entry: &$crate::NewAuditEntry) -> $crate::StoreResult<()> {
                $(let _turn = self.$turn().await;)?
                audit::record_audit(&self.pool, entry).await
            }

            async fn audit_log(
                &self,
                filter: &$crate::AuditFilter,
                limit: u32,
            ) -> $crate::StoreResult<Vec<$crate::AuditEntry>> {
                audit::audit_log(&self.pool, filter, limit).await
            }
        }
    };
}
pub(crate) use forward_new_traits;

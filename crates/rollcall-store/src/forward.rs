//! The `AccountStore`, `ClassworkStore` and `AuditStore` impls, the same on both backends:
//! each method forwards to the query module compiled into the backend from `shared/` (`local`,
//! `linking`, `merge`, `counters`, `classwork`, `audit`). Reads use the store's `pool`; writes
//! go through the backend's `write` (on SQLite the writer thread, the one path of every write; on
//! PostgreSQL the pool itself), so their arguments are taken as owned values.

/// Implements [`crate::AccountStore`], [`crate::ClassworkStore`] and [`crate::AuditStore`] for
/// `$store`, which has a `pool` field for reads and a `write(|pool| …)` method for writes.
macro_rules! forward_new_traits {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::AccountStore for $store {
            async fn create_local_account(
                &self,
                new: &$crate::NewLocalAccount,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<$crate::User> {
                let new = new.clone();
                self.write(move |pool| async move { local::create_local_account(&pool, &new, now).await })
                    .await
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
                let (email, password_hash) = (email.to_owned(), password_hash.to_owned());
                self.write(move |pool| async move {
                    local::add_credential(&pool, user, &email, &password_hash, now).await
                })
                .await
            }

            async fn confirm_email(
                &self,
                user: rollcall_core::UserId,
                email: &str,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                let email = email.to_owned();
                self.write(move |pool| async move { local::confirm_email(&pool, user, &email, now).await })
                    .await
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
                let profile = profile.clone();
                self.write(move |pool| async move { linking::link_clever(&pool, user, &profile, now).await })
                    .await
            }

            async fn unlink_clever(
                &self,
                user: rollcall_core::UserId,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<bool> {
                self.write(move |pool| async move { linking::unlink_clever(&pool, user, now).await }).await
            }

            async fn merge_accounts(
                &self,
                survivor: rollcall_core::UserId,
                absorbed: rollcall_core::UserId,
                actor: rollcall_core::UserId,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<$crate::MergeReport> {
                self.write(move |pool| async move {
                    merge::merge_accounts(&pool, survivor, absorbed, actor, now).await
                })
                .await
            }

            async fn set_school(
                &self,
                user: rollcall_core::UserId,
                school: Option<&str>,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<()> {
                let school = school.map(str::to_owned);
                self.write(
                    move |pool| async move { local::set_school(&pool, user, school.as_deref(), now).await },
                )
                .await
            }

            async fn known_schools(&self) -> $crate::StoreResult<Vec<String>> {
                local::known_schools(&self.pool).await
            }

            async fn set_admin(
                &self,
                login_email: &str,
                admin: bool,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<$crate::User> {
                let login_email = login_email.to_owned();
                self.write(move |pool| async move { local::set_admin(&pool, &login_email, admin, now).await })
                    .await
            }

            async fn admins(&self) -> $crate::StoreResult<Vec<$crate::User>> {
                local::admins(&self.pool).await
            }

            async fn count_failure(
                &self,
                key: &str,
                now: time::OffsetDateTime,
                window: time::Duration,
            ) -> $crate::StoreResult<$crate::FailureCount> {
                let key = key.to_owned();
                self.write(move |pool| async move { counters::count_failure(&pool, &key, now, window).await })
                    .await
            }

            async fn failures(
                &self,
                key: &str,
                now: time::OffsetDateTime,
            ) -> $crate::StoreResult<Option<$crate::FailureCount>> {
                counters::failures(&self.pool, key, now).await
            }

            async fn clear_failures(&self, key: &str) -> $crate::StoreResult<()> {
                let key = key.to_owned();
                self.write(move |pool| async move { counters::clear_failures(&pool, &key).await }).await
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
                let new = new.clone();
                self.write(move |pool| async move {
                    classwork::create_assignment(&pool, teacher, &new, now).await
                })
                .await
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
                self.write(move |pool| async move {
                    classwork::set_done(&pool, student, assignment, done, now).await
                })
                .await
            }
        }

        #[async_trait::async_trait]
        impl $crate::AuditStore for $store {
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

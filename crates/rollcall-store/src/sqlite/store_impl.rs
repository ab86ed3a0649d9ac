//! [`crate::Store`] for [`SqliteStore`]: each method forwards to the module that holds its SQL.
//! Every method that writes runs on the writer thread; reads run on the reader pool.

#[allow(clippy::wildcard_imports)]
use super::*;

#[async_trait]
impl LoginStore for SqliteStore {
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        login::user(&self.pool, id).await
    }

    async fn user_by_clever_id(&self, clever_id: &CleverId) -> StoreResult<Option<User>> {
        login::user_by_clever_id(&self.pool, clever_id).await
    }

    async fn upsert_clever_login(
        &self,
        profile: &CleverProfile,
        token: &SealedToken,
        now: OffsetDateTime,
    ) -> StoreResult<(User, bool)> {
        let (profile, token) = (profile.clone(), token.clone());
        self.write(move |pool| async move {
            accounts::upsert_clever_user(&pool, &profile, Some(&token), now).await
        })
        .await
    }

    async fn clever_token(&self, user: UserId) -> StoreResult<Option<SealedToken>> {
        login::clever_token(&self.pool, user).await
    }

    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        let session = session.clone();
        self.write(move |pool| async move { sessions::create_session(&pool, &session).await }).await
    }

    async fn session(&self, id_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<Option<(Session, User)>> {
        sessions::session(&self.pool, id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &[u8; 32]) -> StoreResult<()> {
        let id_hash = *id_hash;
        self.write(move |pool| async move { login::delete_session(&pool, &id_hash).await }).await
    }

    async fn claim_callback(&self, code_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<CallbackClaim> {
        let code_hash = *code_hash;
        self.write(move |pool| async move { sessions::claim_callback(&pool, &code_hash, now).await }).await
    }

    async fn finish_callback(&self, code_hash: &[u8; 32], user: Option<UserId>) -> StoreResult<()> {
        let code_hash = *code_hash;
        self.write(move |pool| async move { login::finish_callback(&pool, &code_hash, user).await }).await
    }

    async fn finish_callback_with_session(&self, code_hash: &[u8; 32], session: &Session) -> StoreResult<()> {
        let (code_hash, session) = (*code_hash, session.clone());
        self.write(move |pool| async move {
            sessions::finish_callback_with_session(&pool, &code_hash, &session).await
        })
        .await
    }
}

#[async_trait]
impl SyncStore for SqliteStore {
    async fn snapshot(&self, teacher: UserId, clever_ids: &[CleverId]) -> StoreResult<LocalSnapshot> {
        sync::snapshot(&self.pool, teacher, clever_ids).await
    }

    async fn apply_sync(
        &self,
        teacher: UserId,
        changes: &[SectionChange],
        unlinks: &[SectionUnlink],
        now: OffsetDateTime,
        run: Option<&RunRecord>,
    ) -> StoreResult<Option<i64>> {
        // The writer thread needs owned data: the run's borrowed parts go along as owned copies.
        let (changes, unlinks) = (changes.to_vec(), unlinks.to_vec());
        let run = run.cloned();
        self.write(move |pool| async move {
            sync::apply_sync(&pool, teacher, &changes, &unlinks, now, run.as_ref()).await
        })
        .await
    }

    async fn sync_runs(&self, teacher: UserId, limit: u32) -> StoreResult<Vec<SyncRun>> {
        history::sync_runs(&self.pool, teacher, limit).await
    }

    async fn teachers_to_sync(&self, now: OffsetDateTime) -> StoreResult<Vec<(UserId, CleverId)>> {
        accounts::teachers_to_sync(&self.pool, now).await
    }

    async fn take_sync_lease(
        &self,
        teacher: UserId,
        holder: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<bool> {
        let holder = holder.to_owned();
        self.write(move |pool| async move {
            // One statement: insert, or take over a lease that ran out; a live one is left alone
            // unless it is the holder's own (renewing it).
            let taken: Option<i64> = sqlx::query_scalar(
                "INSERT INTO sync_leases (user_id, holder, until) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE sync_leases.until <= $4 OR sync_leases.holder = $2 RETURNING user_id",
            )
            .bind(teacher.0)
            .bind(&holder)
            .bind(ts(now + lease))
            .bind(ts(now))
            .fetch_optional(&pool)
            .await?;
            Ok(taken.is_some())
        })
        .await
    }

    async fn release_sync_lease(&self, teacher: UserId, holder: &str) -> StoreResult<()> {
        let holder = holder.to_owned();
        self.write(move |pool| async move {
            sqlx::query("DELETE FROM sync_leases WHERE user_id = $1 AND holder = $2")
                .bind(teacher.0)
                .bind(&holder)
                .execute(&pool)
                .await?;
            Ok(())
        })
        .await
    }

    async fn sync_in_progress(&self, teacher: UserId, now: OffsetDateTime) -> StoreResult<bool> {
        sync_job::sync_in_progress(&self.pool, teacher, now).await
    }
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn schedule_sync(
        &self,
        teacher: UserId,
        run_after: OffsetDateTime,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.write(move |pool| async move { jobs::schedule_sync(&pool, teacher, run_after, now).await }).await
    }

    async fn claim_sync_job(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<Option<SyncJob>> {
        let worker = worker.to_owned();
        self.write(move |pool| async move { jobs::claim_sync_job(&pool, &worker, now, lease).await }).await
    }

    async fn finish_sync_job(
        &self,
        teacher: UserId,
        worker: &str,
        next_run: Option<OffsetDateTime>,
        error: Option<&str>,
    ) -> StoreResult<bool> {
        let (worker, error) = (worker.to_owned(), error.map(str::to_owned));
        self.write(move |pool| async move {
            jobs::finish_sync_job(&pool, teacher, &worker, next_run, error.as_deref()).await
        })
        .await
    }

    async fn sync_job(&self, teacher: UserId) -> StoreResult<Option<SyncJob>> {
        sync_job::sync_job(&self.pool, teacher).await
    }
}

#[async_trait]
impl DashboardStore for SqliteStore {
    async fn set_display_name(
        &self,
        teacher: UserId,
        section: SectionId,
        name: Option<&str>,
    ) -> StoreResult<()> {
        let name = name.map(str::to_owned);
        self.write(move |pool| async move {
            dashboards::set_display_name(&pool, teacher, section, name.as_deref()).await
        })
        .await
    }

    async fn teacher_sections(&self, teacher: UserId) -> StoreResult<Vec<SectionSummary>> {
        dashboards::teacher_sections(&self.pool, teacher).await
    }

    async fn teacher_dashboard(&self, teacher: UserId, with_schools: bool) -> StoreResult<TeacherDashboard> {
        dashboard::teacher_dashboard(&self.pool, teacher, with_schools).await
    }

    async fn section_roster(
        &self,
        teacher: UserId,
        section: SectionId,
    ) -> StoreResult<Option<SectionRoster>> {
        dashboards::section_roster(&self.pool, teacher, section).await
    }

    async fn student_sections(&self, student: UserId) -> StoreResult<Vec<StudentSection>> {
        dashboards::student_sections(&self.pool, student).await
    }

    async fn any_roster_unknown(&self) -> StoreResult<bool> {
        dashboards::any_roster_unknown(&self.pool).await
    }
}

impl Store for SqliteStore {
    fn writer_stats(&self) -> Option<crate::WriterStats> {
        Some(self.writer.stats())
    }
}

//! Roster sync: the snapshot the planner reads, and applying its changes.

use rollcall_core::{CleverId, LocalSnapshot, SectionChange, SectionUnlink, UserId};
use sqlx::PgPool;
use time::OffsetDateTime;

use super::students::apply_students;
use super::{begin_read, history};
use crate::rows::{EnrollmentRow, SectionRow, local_snapshot};
use crate::{RunRecord, StoreError, StoreResult};

/// The teacher's linked sections plus the sections with these Clever ids, with enrollments.
/// Two queries (sections, then all their enrollments) in one snapshot; lists are bound as arrays.
pub(super) async fn snapshot(
    pool: &PgPool,
    teacher: UserId,
    clever_ids: &[CleverId],
) -> StoreResult<LocalSnapshot> {
    let wanted: Vec<&str> = clever_ids.iter().map(CleverId::as_str).collect();
    let mut tx = begin_read(pool).await?;
    let sections: Vec<SectionRow> = sqlx::query_as(
        "SELECT s.id, s.clever_id, s.synced_name, s.section_number, s.subject, s.grade, \
                s.archived_at IS NOT NULL AS archived, s.roster_unknown_since IS NULL AS roster_known, \
                st.user_id IS NOT NULL AS linked, st.removed_in_clever_at IS NOT NULL AS link_flagged \
         FROM sections s \
         LEFT JOIN section_teachers st ON st.section_id = s.id AND st.user_id = $1 \
         WHERE s.id IN (SELECT section_id FROM section_teachers WHERE user_id = $1 \
                        UNION SELECT id FROM sections WHERE clever_id = ANY($2)) \
         ORDER BY s.id",
    )
    .bind(teacher.0)
    .bind(wanted.as_slice())
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<i64> = sections.iter().map(|s| s.id).collect();
    // Each enrolled student is looked up by key (the account by its primary key, its Clever id by
    // the UNIQUE (provider, user_id) index) in a LATERAL subquery the planner cannot flatten
    // (`OFFSET 0`), so the plan is the same whatever the statistics say: the sections'
    // enrollments, then two index probes per student. As a plain three-way join the plan depends
    // on the statistics: on a database that has grown since its last ANALYZE the planner takes
    // `provider = 'clever'` to match few identities and hash-joins every account with every
    // identity, a cost that grows with the district, and even with fresh statistics it scans
    // `users`.
    let enrollments: Vec<EnrollmentRow> = sqlx::query_as(
        "SELECT e.section_id, p.clever_id, p.first_name, p.last_name, p.grade, \
                e.removed_in_clever_at IS NOT NULL AS flagged \
         FROM enrollments e \
         CROSS JOIN LATERAL ( \
             SELECT u.id, i.external_id AS clever_id, u.first_name, u.last_name, u.grade \
             FROM users u JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
             WHERE u.id = e.user_id OFFSET 0) AS p \
         WHERE e.section_id = ANY($1) \
         ORDER BY e.section_id, p.last_name, p.first_name, p.id",
    )
    .bind(ids.as_slice())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    local_snapshot(sections, enrollments)
}

/// Writes a sync (see [`crate::SyncStore::apply_sync`]): each section change, then each unlink, in a
/// transaction of its own, then the run's record, its audit entry and the lease's return in one
/// more ([`history::record_sync_run`]). One transaction per section keeps each section's row
/// locks to that section: two co-teachers whose rosters overlap in a different order never wait
/// on each other in a cycle. The first failure ends the call: the transactions before it stay
/// committed, and no run is recorded.
pub(super) async fn apply_sync(
    pool: &PgPool,
    teacher: UserId,
    changes: &[SectionChange],
    unlinks: &[SectionUnlink],
    now: OffsetDateTime,
    run: Option<&RunRecord>,
) -> StoreResult<Option<i64>> {
    for change in changes {
        apply_section(pool, teacher, change, now).await?;
    }
    for unlink in unlinks {
        apply_unlink(pool, teacher, unlink, now).await?;
    }
    match run {
        Some(run) => Ok(Some(history::record_sync_run(pool, teacher, run).await?)),
        None => Ok(None),
    }
}

/// Applies one section's change in one transaction.
///
/// The section upsert comes first: it locks the section's row (a concurrent first insert of the
/// same Clever id waits on the UNIQUE index, then updates the winner's row), so two co-teachers
/// syncing one section run one after the other, as do a sync and an unlink of it.
async fn apply_section(
    pool: &PgPool,
    teacher: UserId,
    change: &SectionChange,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let s = &change.section;
    let mut tx = pool.begin().await?;
    // One row per Clever id whoever gets here first; display_name is the teacher's, never synced.
    // The teacher is linked in the same statement (`primary` as the plan says). The section
    // upsert (the CTE) runs first and locks the section's row for the rest of the transaction.
    let section_id: i64 = sqlx::query_scalar(
        "WITH s AS ( \
             INSERT INTO sections (clever_id, synced_name, section_number, subject, grade, roster_unknown_since, \
                                   last_synced_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, CASE WHEN $9 THEN NULL ELSE $6 END, $6, $6) \
             ON CONFLICT (clever_id) DO UPDATE SET synced_name = excluded.synced_name, \
                 section_number = excluded.section_number, subject = excluded.subject, grade = excluded.grade, \
                 roster_unknown_since = CASE WHEN excluded.roster_unknown_since IS NULL THEN NULL \
                     ELSE coalesce(sections.roster_unknown_since, excluded.roster_unknown_since) END, \
                 archived_at = NULL, last_synced_at = excluded.last_synced_at \
             RETURNING id) \
         INSERT INTO section_teachers (section_id, user_id, role, joined_at) \
         SELECT s.id, $7, CASE WHEN $8 THEN 'primary' ELSE 'co' END, $6 \
         FROM s \
         ON CONFLICT (section_id, user_id) DO UPDATE SET role = excluded.role, removed_in_clever_at = NULL \
         RETURNING section_id",
    )
    .bind(s.clever_id.as_str())
    .bind(&s.name)
    .bind(s.section_number.as_deref())
    .bind(s.subject.as_deref())
    .bind(s.grade.as_deref())
    .bind(now)
    .bind(teacher.0)
    .bind(s.primary)
    .bind(s.roster_known)
    .fetch_one(&mut *tx)
    .await?;

    apply_students(&mut tx, section_id, &change.students, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Flags the teacher's link; archives the section once no teacher is actively linked.
///
/// The section's row is locked first: without it, two co-teachers unlinking at once would each
/// still see the other's link active (neither commit visible yet) and neither would archive.
async fn apply_unlink(
    pool: &PgPool,
    teacher: UserId,
    unlink: &SectionUnlink,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let linked: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM sections s JOIN section_teachers st ON st.section_id = s.id \
         WHERE s.id = $1 AND st.user_id = $2 FOR NO KEY UPDATE OF s",
    )
    .bind(unlink.section_id.0)
    .bind(teacher.0)
    .fetch_optional(&mut *tx)
    .await?;
    if linked.is_none() {
        return Err(StoreError::NotFound(format!("section {} for teacher {teacher}", unlink.section_id)));
    }
    sqlx::query(
        "UPDATE section_teachers SET removed_in_clever_at = $1 \
         WHERE section_id = $2 AND user_id = $3 AND removed_in_clever_at IS NULL",
    )
    .bind(now)
    .bind(unlink.section_id.0)
    .bind(teacher.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE sections SET archived_at = $1 \
         WHERE id = $2 AND archived_at IS NULL AND NOT EXISTS ( \
             SELECT 1 FROM section_teachers WHERE section_id = $2 AND removed_in_clever_at IS NULL)",
    )
    .bind(now)
    .bind(unlink.section_id.0)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

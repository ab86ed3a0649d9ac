//! Accounts, Clever identities and Clever tokens.

use rollcall_core::{CleverId, UserId};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{PgConnection, PgPool, Postgres};
use time::OffsetDateTime;

use super::audit;
use super::clever_id;
use crate::audit::{account_created, role_words};
use crate::rows::{UserRow, select_user, user_columns, user_joins};
use crate::{AccountRole, CleverProfile, SealedToken, StoreError, StoreResult, User};

/// The first key of the advisory locks taken on Clever ids (the second is `hashtext(clever id)`),
/// so they never share a key with other advisory locks (sqlx's migration lock uses one bigint).
const CLEVER_ID_LOCKS: i32 = 0x5243_4c4c;

/// Creates the account on first login, else overwrites its profile: the profile comes from the
/// user's own token, so it is authoritative (a full last name replaces a roster's initial).
///
/// Race-free across replicas: the transaction first takes the Clever id's advisory lock, so
/// concurrent first logins of one person (or a login racing a roster sync creating the same
/// student) run one after the other, and the later one finds the account.
///
/// With a `token`, also stores it, in the same transaction.
pub(super) async fn upsert_clever_user(
    pool: &PgPool,
    profile: &CleverProfile,
    token: Option<&SealedToken>,
    now: OffsetDateTime,
) -> StoreResult<(User, bool)> {
    let mut tx = pool.begin().await?;
    lock_clever_ids(&mut tx, &[profile.clever_id.as_str()]).await?;
    let new = NewAccount {
        role: profile.role,
        first_name: &profile.first_name,
        middle_name: profile.middle_name.as_deref(),
        last_name: &profile.last_name,
        email: profile.email.as_deref(),
        grade: profile.grade.as_deref(),
    };
    let Some(id) = clever_account(&mut tx, &profile.clever_id).await? else {
        let (id, created) = create_clever_account(&mut tx, &profile.clever_id, &new, now).await?;
        if created {
            audit::insert(&mut tx, &account_created(UserId(id), "Clever", new.role, now)).await?;
        }
        if let Some(token) = token {
            save_clever_token(&mut *tx, UserId(id), token).await?;
        }
        let row: UserRow =
            sqlx::query_as(concat!(select_user!(), "WHERE u.id = $1")).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        return Ok((row.into_user()?, created));
    };
    // A returning user (every login but the first): the role change's audit entry (the stored
    // role is read before the update, as every part of one statement reads the same snapshot),
    // the profile, the token and the account as it now is, in one statement.
    let query = sqlx::query_as(concat!(
        "WITH role_change AS ( \
             INSERT INTO audit_log (at, action, subject_id, detail) \
             SELECT $7, 'role_changed', id, replace(role, '_', ' ') || ' → ' || $9 \
             FROM users WHERE id = $8 AND role <> $1), \
         token AS ( \
             INSERT INTO clever_tokens (user_id, sealed, obtained_at, expires_at) \
             SELECT $8, $10, $11, $12 WHERE $10::bytea IS NOT NULL \
             ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, \
                 obtained_at = excluded.obtained_at, expires_at = excluded.expires_at), \
         updated AS ( \
             UPDATE users SET role = $1, first_name = $2, middle_name = $3, last_name = $4, email = $5, \
                 grade = $6, updated_at = $7 \
             WHERE id = $8 RETURNING *) \
         SELECT ",
        user_columns!(),
        // The updated row itself: `users` would still show the statement's snapshot, from before.
        " FROM updated u ",
        user_joins!()
    ));
    let row: UserRow = bind_account(query, &new, now)
        .bind(id)
        .bind(role_words(new.role))
        .bind(token.map(|t| t.sealed.as_slice()))
        .bind(token.map(|t| t.obtained_at))
        .bind(token.map(|t| t.expires_at))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((row.into_user()?, false))
}

/// Takes the transaction-scoped advisory locks of these Clever ids, in one fixed (key) order so
/// that two transactions locking overlapping sets cannot deadlock. Held until commit/rollback.
pub(super) async fn lock_clever_ids(conn: &mut PgConnection, clever_ids: &[&str]) -> StoreResult<()> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock($1, k) \
         FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($2::text[]) AS c ORDER BY k) AS keys",
    )
    .bind(CLEVER_ID_LOCKS)
    .bind(clever_ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// The profile of an account about to be created.
pub(super) struct NewAccount<'a> {
    pub(super) role: AccountRole,
    pub(super) first_name: &'a str,
    pub(super) middle_name: Option<&'a str>,
    pub(super) last_name: &'a str,
    pub(super) email: Option<&'a str>,
    pub(super) grade: Option<&'a str>,
}

/// Creates the account for a Clever id the caller found unlinked while holding its advisory lock
/// ([`lock_clever_ids`]). The identity insert is still `ON CONFLICT DO NOTHING` on the UNIQUE
/// (provider, external_id) key: should a writer ever link the id without the lock, the fresh
/// account row is dropped and the winner's adopted.
pub(super) async fn create_clever_account(
    conn: &mut PgConnection,
    clever: &CleverId,
    new: &NewAccount<'_>,
    now: OffsetDateTime,
) -> StoreResult<(i64, bool)> {
    let query = sqlx::query_as(
        "INSERT INTO users (role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    );
    let (id,): (i64,) = bind_account(query, new, now).fetch_one(&mut *conn).await?;
    let linked: Option<i64> = sqlx::query_scalar(
        "INSERT INTO identities (provider, external_id, user_id, created_at) VALUES ('clever', $1, $2, $3) \
         ON CONFLICT (provider, external_id) DO NOTHING RETURNING user_id",
    )
    .bind(clever.as_str())
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if linked.is_some() {
        return Ok((id, true));
    }
    sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *conn).await?;
    let existing = clever_account(conn, clever)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("identity {clever} vanished during upsert")))?;
    Ok((existing, false))
}

/// Binds an account's profile and the time as `$1`…`$7`: role, first, middle and last name,
/// email, grade, now (the order both the insert and the returning login's update use).
fn bind_account<'q, O>(
    query: QueryAs<'q, Postgres, O, PgArguments>,
    new: &NewAccount<'q>,
    now: OffsetDateTime,
) -> QueryAs<'q, Postgres, O, PgArguments> {
    query
        .bind(new.role.as_str())
        .bind(new.first_name)
        .bind(new.middle_name)
        .bind(new.last_name)
        .bind(new.email)
        .bind(new.grade)
        .bind(now)
}

/// The id of the account linked to a Clever id.
pub(super) async fn clever_account(conn: &mut PgConnection, clever: &CleverId) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $1")
        .bind(clever.as_str())
        .fetch_optional(conn)
        .await?)
}

/// Stores (replaces) the user's sealed Clever token.
pub(super) async fn save_clever_token(
    conn: impl sqlx::PgExecutor<'_>,
    user: UserId,
    token: &SealedToken,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO clever_tokens (user_id, sealed, obtained_at, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, obtained_at = excluded.obtained_at, \
         expires_at = excluded.expires_at",
    )
    .bind(user.0)
    .bind(token.sealed.as_slice())
    .bind(token.obtained_at)
    .bind(token.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Teachers with a linked Clever identity whose token is still valid at `now`, by id.
pub(super) async fn teachers_to_sync(
    pool: &PgPool,
    now: OffsetDateTime,
) -> StoreResult<Vec<(UserId, CleverId)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT u.id, i.external_id FROM users u \
         JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
         JOIN clever_tokens t ON t.user_id = u.id \
         WHERE u.role = 'teacher' AND t.expires_at > $1 ORDER BY u.id",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|(id, clever)| Ok((UserId(id), clever_id(&clever)?))).collect()
}

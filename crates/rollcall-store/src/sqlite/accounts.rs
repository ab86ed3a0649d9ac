//! Accounts, Clever identities and Clever tokens.

use rollcall_core::{CleverId, UserId};
use sqlx::sqlite::SqliteArguments;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use time::OffsetDateTime;

use super::audit;
use super::one_trip::OneTrip;
use super::{begin_write, clever_id, ts};
use crate::audit::{account_created, role_words};
use crate::rows::{UserRow, select_user};
use crate::{AccountRole, CleverProfile, SealedToken, StoreError, StoreResult, User};

/// One account.
pub(super) async fn user(pool: &SqlitePool, id: UserId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> =
        sqlx::query_as(concat!(select_user!(), "WHERE u.id = $1")).bind(id.0).fetch_optional(pool).await?;
    row.map(UserRow::into_user).transpose()
}

/// The account linked to a Clever id.
pub(super) async fn user_by_clever_id(pool: &SqlitePool, clever: &CleverId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(concat!(select_user!(), "WHERE i.external_id = $1"))
        .bind(clever.as_str())
        .fetch_optional(pool)
        .await?;
    row.map(UserRow::into_user).transpose()
}

/// Creates the account on first login, else overwrites its profile: the profile comes from the
/// user's own token, so it is authoritative (a full last name replaces a roster's initial).
/// With a `token`, also stores it, in the same transaction.
///
/// The returning account (every login but the first) is one transaction sent as one query, one
/// round trip (see [`super::one_trip`]): the `role_changed` entry (if the role differs), the
/// profile update, the token, and the account read back, each finding the account through its
/// Clever identity. No row back means there was no account, and nothing was written: then the
/// same query runs again inside a transaction that creates the account if it is still missing.
pub(super) async fn upsert_clever_user(
    pool: &SqlitePool,
    profile: &CleverProfile,
    token: Option<&SealedToken>,
    now: OffsetDateTime,
) -> StoreResult<(User, bool)> {
    let new = NewAccount {
        role: profile.role,
        first_name: &profile.first_name,
        middle_name: profile.middle_name.as_deref(),
        last_name: &profile.last_name,
        email: profile.email.as_deref(),
        grade: profile.grade.as_deref(),
    };
    let mut one_trip = OneTrip::acquire(pool).await?;
    let sql = sqlx::AssertSqlSafe(format!("BEGIN IMMEDIATE; {UPDATE_CLEVER_LOGIN}; COMMIT"));
    let updated =
        update_clever_login(sqlx::query_as(sql), profile, &new, token, now).fetch_all(one_trip.conn()).await;
    if let Some(row) = one_trip.settle(updated).await?.into_iter().next() {
        return Ok((row.into_user()?, false));
    }

    let mut tx = begin_write(pool).await?;
    let existing: Vec<UserRow> =
        update_clever_login(sqlx::query_as(UPDATE_CLEVER_LOGIN), profile, &new, token, now)
            .fetch_all(&mut *tx)
            .await?;
    if let Some(row) = existing.into_iter().next() {
        // Created by another login between the two transactions.
        tx.commit().await?;
        return Ok((row.into_user()?, false));
    }
    let (id, created) = create_clever_account(&mut tx, &profile.clever_id, &new, now).await?;
    if !created {
        // Cannot happen under the write lock: the query above found no account.
        return Err(StoreError::Corrupt(format!("identity {} appeared during upsert", profile.clever_id)));
    }
    audit::insert(&mut tx, &account_created(UserId(id), "Clever", new.role, now)).await?;
    if let Some(token) = token {
        save_clever_token(&mut *tx, UserId(id), token).await?;
    }
    let row: UserRow =
        sqlx::query_as(concat!(select_user!(), "WHERE u.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok((row.into_user()?, true))
}

/// A Clever login's writes to an existing account, found through its Clever identity: the
/// `role_changed` entry if the role differs, the profile, the token (if `$10` is not NULL), and
/// the account read back (no row: there is no account, and the statements changed nothing).
const UPDATE_CLEVER_LOGIN: &str = concat!(
    "INSERT INTO audit_log (at, action, subject_id, detail) \
         SELECT $1, 'role_changed', id, replace(role, '_', ' ') || ' → ' || $2 FROM users \
         WHERE id = (SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $3) \
           AND role <> $4; \
         UPDATE users SET role = $4, first_name = $5, middle_name = $6, last_name = $7, email = $8, grade = $9, \
             updated_at = $1 \
         WHERE id = (SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $3); \
         INSERT INTO clever_tokens (user_id, sealed, obtained_at, expires_at) \
         SELECT user_id, $10, $11, $12 FROM identities \
         WHERE provider = 'clever' AND external_id = $3 AND $10 IS NOT NULL \
         ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, obtained_at = excluded.obtained_at, \
             expires_at = excluded.expires_at; ",
    select_user!(),
    "WHERE i.external_id = $3"
);

/// [`UPDATE_CLEVER_LOGIN`] (or a query containing it) with its parameters bound.
fn update_clever_login<'q>(
    query: sqlx::query::QueryAs<'q, Sqlite, UserRow, SqliteArguments>,
    profile: &'q CleverProfile,
    new: &NewAccount<'q>,
    token: Option<&'q SealedToken>,
    now: OffsetDateTime,
) -> sqlx::query::QueryAs<'q, Sqlite, UserRow, SqliteArguments> {
    query
        .bind(ts(now))
        .bind(role_words(new.role))
        .bind(profile.clever_id.as_str())
        .bind(new.role.as_str())
        .bind(new.first_name)
        .bind(new.middle_name)
        .bind(new.last_name)
        .bind(new.email)
        .bind(new.grade)
        .bind(token.map(|t| t.sealed.as_slice()))
        .bind(token.map(|t| ts(t.obtained_at)))
        .bind(token.map(|t| ts(t.expires_at)))
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

/// Creates the account for a Clever id the caller just looked up (under the write lock) and
/// did not find, or adopts the account another writer linked meanwhile.
///
/// Race-free twice over: callers hold SQLite's write lock (`BEGIN IMMEDIATE`), so no other
/// writer runs between the lookup and the insert; and the identity insert is
/// `ON CONFLICT DO NOTHING` on the UNIQUE (provider, external_id) key, so on a backend without a
/// single writer the loser drops its fresh account row and adopts the winner's.
pub(super) async fn create_clever_account(
    conn: &mut SqliteConnection,
    clever: &CleverId,
    new: &NewAccount<'_>,
    now: OffsetDateTime,
) -> StoreResult<(i64, bool)> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(new.role.as_str())
    .bind(new.first_name)
    .bind(new.middle_name)
    .bind(new.last_name)
    .bind(new.email)
    .bind(new.grade)
    .bind(ts(now))
    .fetch_one(&mut *conn)
    .await?;
    let linked = sqlx::query(
        "INSERT INTO identities (provider, external_id, user_id, created_at) VALUES ('clever', $1, $2, $3) \
         ON CONFLICT (provider, external_id) DO NOTHING",
    )
    .bind(clever.as_str())
    .bind(id)
    .bind(ts(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if linked == 1 {
        return Ok((id, true));
    }
    sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *conn).await?;
    let existing = clever_account(conn, clever)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("identity {clever} vanished during upsert")))?;
    Ok((existing, false))
}

/// Nothing to lock on SQLite: every writer holds the one write lock (PostgreSQL's version takes
/// advisory locks on the ids).
#[allow(clippy::unused_async)]
pub(super) async fn lock_clever_ids(_conn: &mut SqliteConnection, _clever_ids: &[&str]) -> StoreResult<()> {
    Ok(())
}

/// The id of the account linked to a Clever id.
pub(super) async fn clever_account(
    conn: &mut SqliteConnection,
    clever: &CleverId,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $1")
        .bind(clever.as_str())
        .fetch_optional(conn)
        .await?)
}

/// Stores (replaces) the user's sealed Clever token.
pub(super) async fn save_clever_token(
    conn: impl sqlx::SqliteExecutor<'_>,
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
    .bind(ts(token.obtained_at))
    .bind(ts(token.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The user's sealed Clever token, if any.
pub(super) async fn clever_token(pool: &SqlitePool, user: UserId) -> StoreResult<Option<SealedToken>> {
    let row: Option<(Vec<u8>, OffsetDateTime, OffsetDateTime)> =
        sqlx::query_as("SELECT sealed, obtained_at, expires_at FROM clever_tokens WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(sealed, obtained_at, expires_at)| SealedToken { sealed, obtained_at, expires_at }))
}

/// Teachers with a linked Clever identity whose token is still valid at `now`, by id.
pub(super) async fn teachers_to_sync(
    pool: &SqlitePool,
    now: OffsetDateTime,
) -> StoreResult<Vec<(UserId, CleverId)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT u.id, i.external_id FROM users u \
         JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
         JOIN clever_tokens t ON t.user_id = u.id \
         WHERE u.role = 'teacher' AND t.expires_at > $1 ORDER BY u.id",
    )
    .bind(ts(now))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|(id, clever)| Ok((UserId(id), clever_id(&clever)?))).collect()
}

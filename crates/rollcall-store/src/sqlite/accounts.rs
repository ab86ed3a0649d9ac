//! Accounts, Clever identities and Clever tokens.

use rollcall_core::{CleverId, UserId};
use sqlx::{FromRow, Row, SqliteConnection, SqlitePool};
use time::OffsetDateTime;

use super::one_trip::{OneTrip, rows_by_statement};
use super::{clever_id, ts};
use crate::audit::{account_created_detail, role_words};
use crate::rows::{UserRow, select_user};
use crate::{CleverProfile, SealedToken, StoreError, StoreResult, User};

/// Creates the account on first login, else overwrites its profile: the profile comes from the
/// user's own token, so it is authoritative (a full last name replaces a roster's initial).
/// With a `token`, also stores it, in the same transaction.
///
/// One transaction sent as one query, one round trip (see [`super::one_trip`]), first login or
/// not ([`UPSERT_CLEVER_LOGIN`]). It holds the write lock from its `BEGIN IMMEDIATE`, so no other
/// login can create the account between its look and its insert.
pub(super) async fn upsert_clever_user(
    pool: &SqlitePool,
    profile: &CleverProfile,
    token: Option<&SealedToken>,
    now: OffsetDateTime,
) -> StoreResult<(User, bool)> {
    let detail = account_created_detail("Clever", profile.role);
    let query = sqlx::query(UPSERT_CLEVER_LOGIN)
        .bind(ts(now))
        .bind(role_words(profile.role))
        .bind(profile.clever_id.as_str())
        .bind(profile.role.as_str())
        .bind(&profile.first_name)
        .bind(profile.middle_name.as_deref())
        .bind(&profile.last_name)
        .bind(profile.email.as_deref())
        .bind(profile.grade.as_deref())
        .bind(token.map(|t| t.sealed.as_slice()))
        .bind(token.map(|t| ts(t.obtained_at)))
        .bind(token.map(|t| ts(t.expires_at)))
        .bind(detail);
    let mut one_trip = OneTrip::acquire(pool).await?;
    let statements = rows_by_statement(one_trip.conn(), query).await;
    let statements = one_trip.settle(statements).await?;
    let unexpected = || StoreError::Corrupt(format!("the login upsert gave {} statements", statements.len()));
    let (existed, account) = match statements.as_slice() {
        [_begin, existed, _role_changed, _update, _user, _identity, _created, _token, account, _commit] => {
            (existed, account)
        }
        _ => return Err(unexpected()),
    };
    let existed: bool = existed.first().ok_or_else(unexpected)?.try_get(0)?;
    let account = UserRow::from_row(account.first().ok_or_else(unexpected)?)?;
    Ok((account.into_user()?, !existed))
}

/// A Clever login's writes, finding the account through its Clever identity (`$3`): whether it
/// existed; for an existing one, the `role_changed` entry if the role differs and the profile;
/// for a missing one, the account, its identity (the new account's id is `last_insert_rowid()`,
/// as the two inserts run under the same condition) and its `account_created` entry (`$13`,
/// written when the identity insert just changed a row: `changes()` is the previous
/// statement's); then for either, the token (if `$10` is not NULL) and the account read back.
const UPSERT_CLEVER_LOGIN: &str = concat!(
    "BEGIN IMMEDIATE; \
     SELECT EXISTS (SELECT 1 FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO audit_log (at, action, subject_id, detail) \
         SELECT $1, 'role_changed', id, replace(role, '_', ' ') || ' → ' || $2 FROM users \
         WHERE id = (SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $3) \
           AND role <> $4; \
     UPDATE users SET role = $4, first_name = $5, middle_name = $6, last_name = $7, email = $8, grade = $9, \
         updated_at = $1 \
     WHERE id = (SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO users (role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
         SELECT $4, $5, $6, $7, $8, $9, $1, $1 \
         WHERE NOT EXISTS (SELECT 1 FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO identities (provider, external_id, user_id, created_at) \
         SELECT 'clever', $3, last_insert_rowid(), $1 \
         WHERE NOT EXISTS (SELECT 1 FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO audit_log (at, actor_id, action, subject_id, detail) \
         SELECT $1, user_id, 'account_created', user_id, $13 FROM identities \
         WHERE provider = 'clever' AND external_id = $3 AND changes() = 1; \
     INSERT INTO clever_tokens (user_id, sealed, obtained_at, expires_at) \
         SELECT user_id, $10, $11, $12 FROM identities \
         WHERE provider = 'clever' AND external_id = $3 AND $10 IS NOT NULL \
         ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, obtained_at = excluded.obtained_at, \
             expires_at = excluded.expires_at; ",
    select_user!(),
    "WHERE i.external_id = $3; \
     COMMIT"
);

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

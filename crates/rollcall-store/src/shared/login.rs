//! What a login reads, and the two small writes whose SQL is the same on both backends: ending a
//! session and recording a callback's outcome.
//!
//! The queries are the same on both backends, so this one file is compiled into each of them
//! (`#[path]`); each backend supplies `Pool`.

use rollcall_core::{CleverId, UserId};
use time::OffsetDateTime;

use super::Pool;
use crate::rows::{UserRow, select_user};
use crate::{SealedToken, StoreError, StoreResult, User};

/// One account.
pub(super) async fn user(pool: &Pool, id: UserId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> =
        sqlx::query_as(concat!(select_user!(), "WHERE u.id = $1")).bind(id.0).fetch_optional(pool).await?;
    row.map(UserRow::into_user).transpose()
}

/// The account linked to a Clever id.
pub(super) async fn user_by_clever_id(pool: &Pool, clever: &CleverId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(concat!(select_user!(), "WHERE i.external_id = $1"))
        .bind(clever.as_str())
        .fetch_optional(pool)
        .await?;
    row.map(UserRow::into_user).transpose()
}

/// The user's sealed Clever token, if any.
pub(super) async fn clever_token(pool: &Pool, user: UserId) -> StoreResult<Option<SealedToken>> {
    let row: Option<(Vec<u8>, OffsetDateTime, OffsetDateTime)> =
        sqlx::query_as("SELECT sealed, obtained_at, expires_at FROM clever_tokens WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(sealed, obtained_at, expires_at)| SealedToken { sealed, obtained_at, expires_at }))
}

/// Ends a session (a no-op if there is none).
pub(super) async fn delete_session(pool: &Pool, id_hash: &[u8; 32]) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash.as_slice()).execute(pool).await?;
    Ok(())
}

/// Records the outcome of a claimed code. `NotFound` if it was never claimed (or has expired).
pub(super) async fn finish_callback(
    pool: &Pool,
    code_hash: &[u8; 32],
    user: Option<UserId>,
) -> StoreResult<()> {
    let done = sqlx::query("UPDATE oauth_callbacks SET state = $1, user_id = $2 WHERE code_hash = $3")
        .bind(if user.is_some() { "done" } else { "failed" })
        .bind(user.map(|u| u.0))
        .bind(code_hash.as_slice())
        .execute(pool)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(StoreError::NotFound("callback claim".to_owned()));
    }
    Ok(())
}

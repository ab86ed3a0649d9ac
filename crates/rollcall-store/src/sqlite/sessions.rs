//! Login sessions and exactly-once OAuth callbacks.

use rollcall_core::UserId;
use sqlx::SqlitePool;
use time::OffsetDateTime;

use super::{begin_write, ts};
use crate::{CALLBACK_TTL, CallbackClaim, Session, StoreError, StoreResult};

/// Creates a session.
pub(super) async fn create_session(pool: &SqlitePool, s: &Session) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(s.id_hash.as_slice())
    .bind(s.user_id.0)
    .bind(&s.csrf_token)
    .bind(ts(s.created_at))
    .bind(ts(s.expires_at))
    .execute(pool)
    .await?;
    Ok(())
}

/// A session unexpired at `now`.
pub(super) async fn session(
    pool: &SqlitePool,
    id_hash: &[u8; 32],
    now: OffsetDateTime,
) -> StoreResult<Option<Session>> {
    let row: Option<(i64, String, OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
        "SELECT user_id, csrf_token, created_at, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash.as_slice())
    .bind(ts(now))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(user_id, csrf_token, created_at, expires_at)| Session {
        id_hash: *id_hash,
        user_id: UserId(user_id),
        csrf_token,
        created_at,
        expires_at,
    }))
}

/// Ends a session (a no-op if there is none).
pub(super) async fn delete_session(pool: &SqlitePool, id_hash: &[u8; 32]) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash.as_slice()).execute(pool).await?;
    Ok(())
}

/// Claims a code: the insert that wins is `First`; everyone else reads the state. Claims older
/// than [`CALLBACK_TTL`] are deleted first (so their codes can be claimed again).
pub(super) async fn claim_callback(
    pool: &SqlitePool,
    code_hash: &[u8; 32],
    now: OffsetDateTime,
) -> StoreResult<CallbackClaim> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("DELETE FROM oauth_callbacks WHERE created_at < $1")
        .bind(ts(now - CALLBACK_TTL))
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO oauth_callbacks (code_hash, user_id, state, created_at) VALUES ($1, NULL, 'pending', $2) \
         ON CONFLICT (code_hash) DO NOTHING",
    )
    .bind(code_hash.as_slice())
    .bind(ts(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let claim = if inserted == 1 {
        CallbackClaim::First
    } else {
        let (state, user): (String, Option<i64>) =
            sqlx::query_as("SELECT state, user_id FROM oauth_callbacks WHERE code_hash = $1")
                .bind(code_hash.as_slice())
                .fetch_one(&mut *tx)
                .await?;
        match (state.as_str(), user) {
            ("pending", _) => CallbackClaim::InProgress,
            ("done", Some(user)) => CallbackClaim::Done(UserId(user)),
            ("failed", _) => CallbackClaim::Failed,
            _ => return Err(StoreError::Corrupt(format!("callback state {state:?} with user {user:?}"))),
        }
    };
    tx.commit().await?;
    Ok(claim)
}

/// Records the outcome of a claimed code. `NotFound` if it was never claimed (or has expired).
pub(super) async fn finish_callback(
    pool: &SqlitePool,
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

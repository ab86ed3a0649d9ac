//! Login sessions and exactly-once OAuth callbacks.

use rollcall_core::UserId;
use sqlx::SqlitePool;
use time::OffsetDateTime;

use super::one_trip::OneTrip;
use super::ts;
use crate::rows::{SESSION_USER, SessionUserRow};
use crate::{CALLBACK_TTL, CallbackClaim, Session, StoreError, StoreResult, User};

/// Creates a session.
pub(super) async fn create_session(conn: impl sqlx::SqliteExecutor<'_>, s: &Session) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(s.id_hash.as_slice())
    .bind(s.user_id.0)
    .bind(&s.csrf_token)
    .bind(ts(s.created_at))
    .bind(ts(s.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// A session unexpired at `now`.
pub(super) async fn session(
    pool: &SqlitePool,
    id_hash: &[u8; 32],
    now: OffsetDateTime,
) -> StoreResult<Option<(Session, User)>> {
    let row: Option<SessionUserRow> =
        sqlx::query_as(SESSION_USER).bind(id_hash.as_slice()).bind(ts(now)).fetch_optional(pool).await?;
    row.map(|row| row.into_pair(id_hash)).transpose()
}

/// Claims a code: the insert that wins is `First`; everyone else reads the state. Claims older
/// than [`CALLBACK_TTL`] are deleted first (so their codes can be claimed again).
///
/// The whole transaction is one query, one round trip (see [`super::one_trip`]): the insert
/// returns a `first` row only when it wins; the last statement reads the claim as it now is.
pub(super) async fn claim_callback(
    pool: &SqlitePool,
    code_hash: &[u8; 32],
    now: OffsetDateTime,
) -> StoreResult<CallbackClaim> {
    let mut tx = OneTrip::acquire(pool).await?;
    let rows = sqlx::query_as::<_, (String, Option<i64>)>(
        "BEGIN IMMEDIATE; \
         DELETE FROM oauth_callbacks WHERE created_at < $1; \
         INSERT INTO oauth_callbacks (code_hash, user_id, state, created_at) VALUES ($2, NULL, 'pending', $3) \
         ON CONFLICT (code_hash) DO NOTHING RETURNING 'first', NULL; \
         SELECT state, user_id FROM oauth_callbacks WHERE code_hash = $2; \
         COMMIT",
    )
    .bind(ts(now - CALLBACK_TTL))
    .bind(code_hash.as_slice())
    .bind(ts(now))
    .fetch_all(tx.conn())
    .await;
    let rows = tx.settle(rows).await?;
    if rows.iter().any(|(state, _)| state == "first") {
        return Ok(CallbackClaim::First);
    }
    match rows.first().map(|(state, user)| (state.as_str(), *user)) {
        Some(("pending", _)) => Ok(CallbackClaim::InProgress),
        Some(("done", Some(user))) => Ok(CallbackClaim::Done(UserId(user))),
        Some(("failed", _)) => Ok(CallbackClaim::Failed),
        other => Err(StoreError::Corrupt(format!("callback claim read back as {other:?}"))),
    }
}

/// Marks a claimed code done for the session's account and creates the session, in one
/// transaction. `NotFound` (and no session) if the code was never claimed (or has expired).
///
/// One query, one round trip (see [`super::one_trip`]): the session is inserted only if the
/// update found the claim (`changes()` counts the previous statement's rows).
pub(super) async fn finish_callback_with_session(
    pool: &SqlitePool,
    code_hash: &[u8; 32],
    session: &Session,
) -> StoreResult<()> {
    let mut tx = OneTrip::acquire(pool).await?;
    let created = sqlx::query_scalar::<_, i64>(
        "BEGIN IMMEDIATE; \
         UPDATE oauth_callbacks SET state = 'done', user_id = $1 WHERE code_hash = $2; \
         INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
         SELECT $3, $1, $4, $5, $6 WHERE changes() = 1 RETURNING 1; \
         COMMIT",
    )
    .bind(session.user_id.0)
    .bind(code_hash.as_slice())
    .bind(session.id_hash.as_slice())
    .bind(&session.csrf_token)
    .bind(ts(session.created_at))
    .bind(ts(session.expires_at))
    .fetch_all(tx.conn())
    .await;
    // Nothing was written if nothing was created: the update found no claim.
    if tx.settle(created).await?.is_empty() {
        return Err(StoreError::NotFound("callback claim".to_owned()));
    }
    Ok(())
}

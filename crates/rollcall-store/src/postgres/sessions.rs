//! Login sessions and exactly-once OAuth callbacks.

use rollcall_core::UserId;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::rows::{SESSION_USER, SessionUserRow};
use crate::{CALLBACK_TTL, CallbackClaim, Session, StoreError, StoreResult, User};

/// Creates a session.
pub(super) async fn create_session(conn: impl sqlx::PgExecutor<'_>, s: &Session) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(s.id_hash.as_slice())
    .bind(s.user_id.0)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A session unexpired at `now`.
pub(super) async fn session(
    pool: &PgPool,
    id_hash: &[u8; 32],
    now: OffsetDateTime,
) -> StoreResult<Option<(Session, User)>> {
    let row: Option<SessionUserRow> =
        sqlx::query_as(SESSION_USER).bind(id_hash.as_slice()).bind(now).fetch_optional(pool).await?;
    row.map(|row| row.into_pair(id_hash)).transpose()
}

/// Claims a code. Claims older than [`CALLBACK_TTL`] are deleted first (so their codes can be
/// claimed again); then the claim is one `INSERT … ON CONFLICT DO NOTHING RETURNING`: across
/// every connection and replica exactly one insert returns a row, and that caller is `First`
/// (a concurrent insert of the same hash waits on the primary key until the winner commits, then
/// does nothing). Everyone else reads the state the winner left.
pub(super) async fn claim_callback(
    pool: &PgPool,
    code_hash: &[u8; 32],
    now: OffsetDateTime,
) -> StoreResult<CallbackClaim> {
    // One statement: the claim, taking over this code's own claim if it has expired, and the
    // other expired claims deleted (not this code's: one statement may not change a row twice).
    let inserted: Option<bool> = sqlx::query_scalar(
        "WITH expired AS (DELETE FROM oauth_callbacks WHERE created_at < $3 AND code_hash <> $1) \
         INSERT INTO oauth_callbacks (code_hash, user_id, state, created_at) VALUES ($1, NULL, 'pending', $2) \
         ON CONFLICT (code_hash) DO UPDATE SET user_id = NULL, state = 'pending', created_at = $2 \
         WHERE oauth_callbacks.created_at < $3 \
         RETURNING true",
    )
    .bind(code_hash.as_slice())
    .bind(now)
    .bind(now - CALLBACK_TTL)
    .fetch_optional(pool)
    .await?;
    if inserted.is_some() {
        return Ok(CallbackClaim::First);
    }
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT state, user_id FROM oauth_callbacks WHERE code_hash = $1")
            .bind(code_hash.as_slice())
            .fetch_optional(pool)
            .await?;
    Ok(match row {
        // Deleted as expired just now by a replica whose clock runs ahead: the code is dead, and
        // whoever claimed it is (or was) exchanging it.
        None => CallbackClaim::InProgress,
        Some((state, user)) => match (state.as_str(), user) {
            ("pending", _) => CallbackClaim::InProgress,
            ("done", Some(user)) => CallbackClaim::Done(UserId(user)),
            ("failed", _) => CallbackClaim::Failed,
            _ => return Err(StoreError::Corrupt(format!("callback state {state:?} with user {user:?}"))),
        },
    })
}

/// Marks a claimed code done for the session's account and creates the session, in one
/// transaction. `NotFound` (and no session) if the code was never claimed (or has expired).
pub(super) async fn finish_callback_with_session(
    pool: &PgPool,
    code_hash: &[u8; 32],
    session: &Session,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("UPDATE oauth_callbacks SET state = 'done', user_id = $1 WHERE code_hash = $2")
        .bind(session.user_id.0)
        .bind(code_hash.as_slice())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(StoreError::NotFound("callback claim".to_owned()));
    }
    create_session(&mut *tx, session).await?;
    tx.commit().await?;
    Ok(())
}

//! Linking and unlinking a Clever identity, and locking accounts for a change of who they are.
//!
//! The same queries on both backends, so this file is compiled into each of them (`#[path]`);
//! each backend supplies `Pool`, `Conn`, `begin_write`, `ts`, `FOR_UPDATE` (the row-lock clause
//! its `SELECT` takes: `FOR UPDATE` on PostgreSQL, none on SQLite, whose writers hold the one
//! write lock) and `accounts::{lock_clever_ids, clever_account}` (PostgreSQL's advisory locks
//! on Clever ids; nothing to do on SQLite).

use rollcall_core::UserId;
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::accounts::{clever_account, lock_clever_ids};
use super::audit::insert as audit;
use super::{Conn, FOR_UPDATE, Pool, begin_write, ts};
use crate::audit::own_entry;
use crate::rows::identity_conflict;
use crate::{AuditAction, CleverProfile, Conflict, StoreError, StoreResult};

/// Locks accounts `a` and `b` (pass one id twice for one account) until the transaction ends and
/// returns the `(id, role)` of those that still exist, by id.
///
/// The order is every writer's: first the advisory locks of the Clever ids involved (theirs,
/// plus `also`), as a login takes them before it touches an account, then the account rows
/// (`FOR UPDATE`, in id order). So two merges of overlapping accounts, or a merge and a link or
/// a login, run one after the other: the later one sees the earlier one's result, an account it
/// wanted may be gone. The rows are read after the locks are held, so they are current.
pub(super) async fn lock_accounts(
    conn: &mut Conn,
    a: i64,
    b: i64,
    also: Option<&str>,
) -> StoreResult<Vec<(i64, String)>> {
    let mut ids: Vec<String> = sqlx::query_scalar(
        "SELECT external_id FROM identities WHERE provider = 'clever' AND user_id IN ($1, $2)",
    )
    .bind(a)
    .bind(b)
    .fetch_all(&mut *conn)
    .await?;
    ids.extend(also.map(str::to_owned));
    lock_clever_ids(conn, &ids.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, role FROM users WHERE id IN ($1, $2) ORDER BY id{FOR_UPDATE}"
    )))
    .bind(a)
    .bind(b)
    .fetch_all(conn)
    .await?)
}

/// The account's Clever id, if it has one.
async fn clever_id_of(conn: &mut Conn, user: UserId) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT external_id FROM identities WHERE provider = 'clever' AND user_id = $1")
        .bind(user.0)
        .fetch_optional(conn)
        .await?)
}

/// Links the Clever identity to the account, with its `clever_linked` entry.
pub(super) async fn link_clever(
    pool: &Pool,
    user: UserId,
    profile: &CleverProfile,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let clever = &profile.clever_id;
    let mut tx = begin_write(pool).await?;
    if lock_accounts(&mut tx, user.0, user.0, Some(clever.as_str())).await?.is_empty() {
        return Err(StoreError::NotFound(format!("account {user}")));
    }
    match clever_account(&mut tx, clever).await? {
        Some(owner) if owner == user.0 => return Ok(()),
        Some(_) => return Err(Conflict::CleverLinkedElsewhere.into()),
        None => {}
    }
    if clever_id_of(&mut tx, user).await?.is_some() {
        return Err(Conflict::AccountHasOtherClever.into());
    }
    // The UNIQUE keys stay the last line of defence, should a writer ever skip the locks.
    sqlx::query(
        "INSERT INTO identities (provider, external_id, user_id, created_at) VALUES ('clever', $1, $2, $3)",
    )
    .bind(clever.as_str())
    .bind(user.0)
    .bind(ts(now))
    .execute(&mut *tx)
    .await
    .map_err(identity_conflict)?;
    audit(
        &mut tx,
        &own_entry(user, AuditAction::CleverLinked, format!("Linked Clever account {clever}"), now),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What unlinking removes besides the identity: the token, and the background sync's rows.
const UNLINKED: [&str; 3] = ["clever_tokens", "sync_jobs", "sync_leases"];

/// Unlinks the account's Clever identity (and its token and sync job), with its
/// `clever_unlinked` entry. `false` if it had none.
pub(super) async fn unlink_clever(pool: &Pool, user: UserId, now: OffsetDateTime) -> StoreResult<bool> {
    let mut tx = begin_write(pool).await?;
    if lock_accounts(&mut tx, user.0, user.0, None).await?.is_empty() {
        return Err(StoreError::NotFound(format!("account {user}")));
    }
    let Some(clever) = clever_id_of(&mut tx, user).await? else {
        return Ok(false);
    };
    let has_password: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM local_credentials WHERE user_id = $1)")
            .bind(user.0)
            .fetch_one(&mut *tx)
            .await?;
    if !has_password {
        return Err(Conflict::NoOtherLogin.into());
    }
    sqlx::query("DELETE FROM identities WHERE provider = 'clever' AND user_id = $1")
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    for table in UNLINKED {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1")))
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
    }
    let detail = format!("Unlinked Clever account {clever}");
    audit(&mut tx, &own_entry(user, AuditAction::CleverUnlinked, detail, now)).await?;
    tx.commit().await?;
    Ok(true)
}

//! The audit log: entries recorded inside the caller's transaction (or alone), and the list.
//!
//! The same queries on both backends, so this file is compiled into each of them (`#[path]`);
//! each backend supplies `Pool`, `Conn` and `ts` (how it binds a timestamp).

use rollcall_core::UserId;

use super::{Conn, Pool, ts};
use crate::rows::AuditRow;
use crate::{AuditEntry, AuditFilter, NewAuditEntry, StoreResult};

/// Records an entry in the caller's transaction.
pub(super) async fn insert(conn: &mut Conn, e: &NewAuditEntry) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, subject_id, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ts(e.at))
    .bind(e.actor.map(|a| a.0))
    .bind(e.action.as_str())
    .bind(e.subject.0)
    .bind(&e.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Entries matching `filter`, newest first, with the accounts' current names. Only the set
/// fields become conditions, so each can use its index.
pub(super) async fn audit_log(pool: &Pool, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>> {
    let mut next = 0;
    let mut placeholder = || {
        next += 1;
        format!("${next}")
    };
    let mut conditions = vec!["true".to_owned()];
    if filter.action.is_some() {
        conditions.push(format!("l.action = {}", placeholder()));
    }
    let user = filter.user.map(|u: UserId| u.0);
    if user.is_some() {
        let p = placeholder();
        conditions.push(format!("(l.subject_id = {p} OR l.actor_id = {p})"));
    }
    if filter.since.is_some() {
        conditions.push(format!("l.at >= {}", placeholder()));
    }
    if filter.until.is_some() {
        conditions.push(format!("l.at < {}", placeholder()));
    }
    if filter.before_id.is_some() {
        conditions.push(format!("l.id < {}", placeholder()));
    }
    let sql = format!(
        "SELECT l.id, l.at, l.actor_id, a.first_name || ' ' || a.last_name AS actor_name, l.action, \
                l.subject_id, s.first_name || ' ' || s.last_name AS subject_name, l.detail \
         FROM audit_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users s ON s.id = l.subject_id \
         WHERE {} ORDER BY l.id DESC LIMIT {}",
        conditions.join(" AND "),
        placeholder()
    );

    let mut query = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql));
    if let Some(action) = filter.action {
        query = query.bind(action.as_str());
    }
    if let Some(user) = user {
        query = query.bind(user);
    }
    if let Some(since) = filter.since {
        query = query.bind(ts(since));
    }
    if let Some(until) = filter.until {
        query = query.bind(ts(until));
    }
    if let Some(before) = filter.before_id {
        query = query.bind(before);
    }
    let rows = query.bind(i64::from(limit)).fetch_all(pool).await?;
    rows.into_iter().map(AuditRow::into_entry).collect()
}

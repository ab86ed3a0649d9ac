//! Local (email + password) accounts and the teacher's school.
//!
//! The same queries on both backends, so this file is compiled into each of them (`#[path]`);
//! each backend supplies `Pool`, `begin_write` and `ts`. An email is UNIQUE in
//! `local_credentials`, so two sign-ups with one email race safely: the second insert does
//! nothing, and its transaction (with the account it had just created) is rolled back.

use rollcall_core::UserId;
use time::OffsetDateTime;

use super::audit::insert as audit;
use super::linking::lock_accounts;
use super::{Pool, begin_write, ts};
use crate::audit::{account_created, own_entry};
use crate::rows::{CredentialRow, UserRow, credential, select_credential, select_user};
use crate::{
    AuditAction, Conflict, LocalCredential, NewAuditEntry, NewLocalAccount, StoreError, StoreResult, User,
};

/// Creates the account, its credential and its `account_created` entry, or nothing.
pub(super) async fn create_local_account(
    pool: &Pool,
    new: &NewLocalAccount,
    now: OffsetDateTime,
) -> StoreResult<User> {
    let mut tx = begin_write(pool).await?;
    // The login email is also the account's (informational) email.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (role, first_name, last_name, email, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(new.role.as_str())
    .bind(&new.first_name)
    .bind(&new.last_name)
    .bind(&new.email)
    .bind(ts(now))
    .fetch_one(&mut *tx)
    .await?;
    if !insert_credential(&mut tx, id, &new.email, &new.password_hash, now).await? {
        return Err(Conflict::EmailTaken.into());
    }
    audit(&mut tx, &account_created(UserId(id), "email and password", new.role, now)).await?;
    let row: UserRow =
        sqlx::query_as(concat!(select_user!(), "WHERE u.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    row.into_user()
}

/// Inserts a credential, its email confirmed now, unless its email (or the account) has one
/// already; returns whether it did.
async fn insert_credential(
    conn: &mut super::Conn,
    user: i64,
    email: &str,
    password_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO local_credentials (user_id, email, password_hash, created_at, confirmed_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING RETURNING user_id",
    )
    .bind(user)
    .bind(email)
    .bind(password_hash)
    .bind(ts(now))
    .fetch_optional(conn)
    .await?;
    Ok(inserted.is_some())
}

/// The credential for a login email.
pub(super) async fn credential_by_email(pool: &Pool, email: &str) -> StoreResult<Option<LocalCredential>> {
    let row: Option<CredentialRow> = sqlx::query_as(concat!(select_credential!(), "WHERE email = $1"))
        .bind(email)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(credential))
}

/// Records the credential's email as confirmed (keeping the first confirmation's time); false if
/// the account no longer logs in with `email`.
pub(super) async fn confirm_email(
    pool: &Pool,
    user: UserId,
    email: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query(
        "UPDATE local_credentials SET confirmed_at = coalesce(confirmed_at, $1) WHERE user_id = $2 AND email = $3",
    )
    .bind(ts(now))
    .bind(user.0)
    .bind(email)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(done == 1)
}

/// Gives an account a login email and password, with its `password_added` entry. The account is
/// locked first, so a merge cannot delete it meanwhile and two additions run one after the other.
pub(super) async fn add_credential(
    pool: &Pool,
    user: UserId,
    email: &str,
    password_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let mut tx = begin_write(pool).await?;
    if lock_accounts(&mut tx, user.0, user.0, None).await?.is_empty() {
        return Err(StoreError::NotFound(format!("account {user}")));
    }
    let has: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM local_credentials WHERE user_id = $1)")
        .bind(user.0)
        .fetch_one(&mut *tx)
        .await?;
    if has {
        return Err(Conflict::PasswordAlreadySet.into());
    }
    if !insert_credential(&mut tx, user.0, email, password_hash, now).await? {
        return Err(Conflict::EmailTaken.into());
    }
    let detail = format!("Added a password, logging in as {email}");
    audit(&mut tx, &own_entry(user, AuditAction::PasswordAdded, detail, now)).await?;
    tx.commit().await?;
    Ok(())
}

/// Grants (`admin`) or withdraws the admin pages for the account that logs in with
/// `login_email` (normalised); `NotFound` if no account does.
pub(super) async fn set_admin(
    pool: &Pool,
    login_email: &str,
    admin: bool,
    now: OffsetDateTime,
) -> StoreResult<User> {
    let mut tx = begin_write(pool).await?;
    let current: Option<(i64, bool)> = sqlx::query_as(
        "SELECT u.id, u.admin_since IS NOT NULL FROM users u \
         JOIN local_credentials c ON c.user_id = u.id WHERE c.email = $1",
    )
    .bind(login_email)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, was_admin)) = current else {
        return Err(StoreError::NotFound(format!("no account logs in with {login_email}")));
    };
    if was_admin != admin {
        sqlx::query("UPDATE users SET admin_since = CASE WHEN $1 THEN $2 END WHERE id = $3")
            .bind(admin)
            .bind(ts(now))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // Done on the server by an operator, not by an account: no actor.
        let detail = if admin {
            "May read the admin pages (granted on the server)"
        } else {
            "May no longer read the admin pages (revoked on the server)"
        };
        let entry = NewAuditEntry {
            at: now,
            actor: None,
            action: AuditAction::AdminChanged,
            subject: UserId(id),
            detail: detail.to_owned(),
        };
        audit(&mut tx, &entry).await?;
    }
    let row: UserRow =
        sqlx::query_as(concat!(select_user!(), "WHERE u.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    row.into_user()
}

/// The accounts that may read the admin pages, oldest grant first.
pub(super) async fn admins(pool: &Pool) -> StoreResult<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(concat!(
        select_user!(),
        "WHERE u.admin_since IS NOT NULL ORDER BY u.admin_since, u.id"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(UserRow::into_user).collect()
}

/// Whether any account has a password.
pub(super) async fn has_local_accounts(pool: &Pool) -> StoreResult<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM local_credentials)").fetch_one(pool).await?)
}

/// Sets or clears the school (a blank name clears it), with its `school_changed` entry; an
/// unchanged school records nothing.
pub(super) async fn set_school(
    pool: &Pool,
    user: UserId,
    school: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let school = school.map(str::trim).filter(|s| !s.is_empty());
    let mut tx = begin_write(pool).await?;
    let current: Option<Option<String>> = sqlx::query_scalar("SELECT school FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(current) = current else {
        return Err(StoreError::NotFound(format!("account {user}")));
    };
    if current.as_deref() == school {
        return Ok(());
    }
    sqlx::query("UPDATE users SET school = $1, updated_at = $2 WHERE id = $3")
        .bind(school)
        .bind(ts(now))
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    let detail = school.map_or_else(|| "School cleared".to_owned(), |s| format!("School set to {s}"));
    audit(&mut tx, &own_entry(user, AuditAction::SchoolChanged, detail, now)).await?;
    tx.commit().await?;
    Ok(())
}

/// Every school name set on some account, distinct, sorted case-insensitively (each backend's
/// `KNOWN_SCHOOLS` reads them from the partial index `users_by_school`).
pub(super) async fn known_schools(pool: &Pool) -> StoreResult<Vec<String>> {
    // Not kept prepared: PostgreSQL would keep the plan it made for the connection's first call,
    // and on a young database that is a scan of a near-empty `users` (SQLite loses nothing).
    Ok(sqlx::query_scalar(super::KNOWN_SCHOOLS).persistent(false).fetch_all(pool).await?)
}

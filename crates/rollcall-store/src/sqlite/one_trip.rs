//! Transactions sent whole: `BEGIN IMMEDIATE; …; COMMIT` as one multi-statement query (the
//! login's writes, a sync's), and `BEGIN; …; COMMIT` for reads that go together (the sync
//! snapshot, the dashboard).
//!
//! A transaction begun through sqlx costs a round trip to the connection's thread for `BEGIN`,
//! one per query and one for `COMMIT`, each a hand-off between threads and back, all while
//! SQLite's one write lock is held. A login's small transactions need no answer before their
//! last statement, so they are sent in one query: one round trip, and the lock is held only
//! while SQLite runs the statements.
//!
//! sqlx does not know about such a transaction, so [`OneTrip`] cleans up after it: when a
//! query fails part-way, SQLite usually keeps the transaction open, so it is rolled back before
//! the connection goes back to the pool; and a connection dropped mid-transaction (its future
//! dropped: for a write, only when the writer thread shuts down; for a read, when its caller
//! goes away) is closed, which rolls back.

use futures::TryStreamExt;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Either, Executor, FromRow, Sqlite, SqliteConnection, SqlitePool};

use crate::{StoreError, StoreResult};

/// A pool connection for one transaction sent as whole queries (the first begins with
/// `BEGIN IMMEDIATE`, the last ends with `COMMIT`); closed on drop unless [`OneTrip::settle`]d.
pub(super) struct OneTrip {
    conn: PoolConnection<Sqlite>,
    settled: bool,
}

impl OneTrip {
    /// A connection from the pool.
    pub(super) async fn acquire(pool: &SqlitePool) -> StoreResult<Self> {
        Ok(Self { conn: pool.acquire().await?, settled: false })
    }

    /// The connection, to run the transaction's queries on.
    pub(super) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }

    /// The result of a query (or of work done between queries) before the last: passed
    /// through, but on an error the transaction is rolled back first (see [`OneTrip::settle`]).
    pub(super) async fn step<T, E: Into<StoreError>>(&mut self, result: Result<T, E>) -> StoreResult<T> {
        let result = result.map_err(Into::into);
        if result.is_err() {
            self.roll_back().await;
        }
        result
    }

    /// The result of the query that ended with `COMMIT`. On failure the transaction, if still
    /// open, is rolled back; if even that fails (for any reason but there being no transaction
    /// left to roll back), the connection is closed instead of going back to the pool.
    pub(super) async fn settle<T, E: Into<StoreError>>(mut self, result: Result<T, E>) -> StoreResult<T> {
        if result.is_ok() {
            self.settled = true;
        }
        self.step(result).await
    }

    async fn roll_back(&mut self) {
        match sqlx::query("ROLLBACK").execute(&mut *self.conn).await {
            Ok(_) => self.settled = true,
            Err(e) if e.to_string().contains("no transaction is active") => self.settled = true,
            Err(_) => {} // closed when dropped
        }
    }
}

impl Drop for OneTrip {
    fn drop(&mut self) {
        if !self.settled {
            self.conn.close_on_drop();
        }
    }
}

/// Runs a query of several statements and returns each statement's rows, in order (a statement
/// that returns none, such as `BEGIN`, gives an empty list): how a read transaction sent whole
/// tells its statements' rows apart.
pub(super) async fn rows_by_statement(
    conn: &mut SqliteConnection,
    query: sqlx::query::Query<'_, Sqlite, SqliteArguments>,
) -> StoreResult<Vec<Vec<SqliteRow>>> {
    let mut results = conn.fetch_many(query);
    let mut statements = Vec::new();
    let mut rows = Vec::new();
    while let Some(result) = results.try_next().await? {
        match result {
            // sqlx reports each statement's end, after its rows.
            Either::Left(_done) => statements.push(std::mem::take(&mut rows)),
            Either::Right(row) => rows.push(row),
        }
    }
    Ok(statements)
}

/// One statement's rows (from [`rows_by_statement`]) as `T`s.
pub(super) fn decode<T: for<'r> FromRow<'r, SqliteRow>>(rows: &[SqliteRow]) -> StoreResult<Vec<T>> {
    Ok(rows.iter().map(T::from_row).collect::<Result<_, _>>()?)
}

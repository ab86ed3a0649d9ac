//! The SQLite store (being written).

/// The SQLite implementation of [`crate::Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    _pool: sqlx::SqlitePool,
}

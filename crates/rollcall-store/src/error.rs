//! Store errors.

/// A store failure. Callers map these to a generic 500 and log the source chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database holds a migration this build does not know: it was written by a newer Rollcall.
    #[error(
        "the database was migrated by a newer Rollcall (migration {0} is unknown to this build); upgrade Rollcall"
    )]
    NewerSchema(i64),
    /// A stored value could not be read back (corruption or a manual edit).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A database URL names no backend this build has (only its scheme is kept: the rest may hold
    /// a password).
    #[error(
        "unsupported database URL scheme {0:?}: use sqlite:// (a file) or postgres:// (a PostgreSQL server)"
    )]
    UnsupportedUrl(String),
    /// The write would break an account rule (see [`crate::Conflict`]); nothing was changed.
    #[error("refused: {0}")]
    Conflict(#[from] crate::Conflict),
    /// The requested row does not exist.
    #[error("not found: {0}")]
    NotFound(String),
}

//! Throw-away PostgreSQL databases for tests: one per test, named `rollcall_test_<pid>_<n>`,
//! created on the server `ROLLCALL_TEST_POSTGRES_URL` names and dropped when the test ends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

// The names are made here (`rollcall_test_<pid>_<n>`), never from input: safe to splice in.
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// The variable naming the server (any database on it: tests create their own beside it).
pub const URL_VAR: &str = "ROLLCALL_TEST_POSTGRES_URL";

/// How long to wait for the server before failing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Distinguishes databases made by one process; the process id distinguishes processes.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A database that exists for one test. [`TestDb::drop_database`] drops it; if the test never
/// gets there (a panic, an early return), `Drop` does it on a thread of its own.
pub struct TestDb {
    admin_url: String,
    name: String,
    url: String,
    dropped: bool,
}

impl TestDb {
    /// A new empty database, or `None` (after printing why) if no PostgreSQL is configured, in
    /// which case the calling test skips. A server that is configured but does not answer fails
    /// the test: CI sets the variable, and a PostgreSQL that is down must not pass as skipped.
    pub async fn create() -> Option<Self> {
        Self::create_on(std::env::var(URL_VAR).ok()).await
    }

    /// [`TestDb::create`] on the server `admin_url` names (`None`: skip).
    pub async fn create_on(admin_url: Option<String>) -> Option<Self> {
        let Some(admin_url) = admin_url else {
            eprintln!("skipping: {URL_VAR} is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)");
            return None;
        };
        let mut admin = match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(&admin_url)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => panic!("{URL_VAR} is set, but PostgreSQL cannot be reached there: {e}"),
            Err(_) => panic!("{URL_VAR} is set, but PostgreSQL did not answer within {CONNECT_TIMEOUT:?}"),
        };
        let name = format!("rollcall_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        admin.execute(AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
        admin.close().await.unwrap();
        let url = with_database(&admin_url, &name);
        Some(Self { admin_url, name, url, dropped: false })
    }

    /// The URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, closing any connection still open to it.
    pub async fn drop_database(mut self) {
        drop_database(&self.admin_url, &self.name).await;
        self.dropped = true;
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run on a runtime's worker thread, which must not block on a future: a thread
        // with its own runtime drops the database, and this one waits for it.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(drop_database(&admin_url, &name));
        });
        if dropper.join().is_err() {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// `DROP DATABASE … WITH (FORCE)`: connections still open (a pool a test leaked) are ended.
async fn drop_database(admin_url: &str, name: &str) {
    let mut admin = PgConnection::connect(admin_url).await.unwrap();
    admin.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await.unwrap();
    admin.close().await.unwrap();
}

/// `url` with its database (the path) replaced by `name`, keeping any `?parameters`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
#[tokio::test]
async fn an_unset_url_skips() {
    assert!(TestDb::create_on(None).await.is_none());
}

/// Nothing listens on port 1: a configured server that is down fails the test, never skips it.
#[cfg(test)]
#[tokio::test]
#[should_panic(expected = "PostgreSQL cannot be reached there")]
async fn a_set_url_whose_server_is_down_fails() {
    TestDb::create_on(Some("postgres://postgres@127.0.0.1:1/postgres".to_owned())).await;
}

#[cfg(test)]
#[test]
fn database_names_replace_the_path_only() {
    assert_eq!(with_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgresql://h", "x"), "postgresql://h/x");
}

//! A throw-away PostgreSQL database per test on the server `ROLLCALL_TEST_POSTGRES_URL` names;
//! `None` (the test skips, saying why) when the variable is unset; a server it names that cannot
//! be reached fails the test (CI sets it: a PostgreSQL that is down must not pass as skipped). Dropped by `drop_now()`, or by `Drop` if the
//! test panics first.

/// A fresh database on the test server.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    pub url: String,
    dropped: bool,
}

impl PgDatabase {
    pub async fn create() -> Option<Self> {
        let Ok(admin_url) = std::env::var("ROLLCALL_TEST_POSTGRES_URL") else {
            eprintln!("skipping: ROLLCALL_TEST_POSTGRES_URL is not set (CI sets it)");
            return None;
        };
        let admin = match sqlx::PgPool::connect(&admin_url).await {
            Ok(pool) => pool,
            Err(e) => {
                panic!("ROLLCALL_TEST_POSTGRES_URL is set, but PostgreSQL cannot be reached there: {e}")
            }
        };
        // Only digits and underscores: safe to splice into CREATE/DROP DATABASE.
        let name = format!("rollcall_web_test_{}", super::unique().replace('-', "_"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.unwrap();
        admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap();
        Some(Self { url: format!("{base}/{name}"), admin_url, name, dropped: false })
    }

    pub async fn drop_now(mut self) {
        drop_database(&self.admin_url, &self.name).await;
        self.dropped = true;
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(admin) = sqlx::PgPool::connect(admin_url).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&admin)
            .await;
        admin.close().await;
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(drop_database(&admin, &name));
            }
        })
        .join();
    }
}

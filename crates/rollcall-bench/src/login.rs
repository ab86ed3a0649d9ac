//! The login benchmark: "Sign up with Clever" end to end, through the real app and the real
//! emulator on loopback, with the app on a fresh SQLite file.
//!
//! A generated district gives every teacher exactly 6 sections × 30 students. Each iteration is
//! one teacher's login in a new cookie-jar browser: `GET /auth/clever/start` → the emulator's
//! `/oauth/authorize` (a queued `NextLogin`, so no login page) → the app's callback (code
//! exchange, `/me`, `/users/{id}`, sections, `mystudents`, the roster written by one
//! `SyncStore::apply_sync`) → `/dashboard`. Two rows: first logins (every teacher once, each importing 186 rows'
//! worth of classes and enrollments) and unchanged repeat logins (the sync finds nothing to do).

use std::collections::BTreeMap;

use futures::StreamExt;
use rollcall_web::sync::sync_teacher;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use clever_client::CleverConfig;
use clever_emulator::generate::{GenerateApp, GenerateSpec, generate};
use clever_emulator::model::{Role, World};
use clever_emulator::state::NextLogin;
use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator};
use rollcall_core::CleverId;
use rollcall_store::{SqliteStore, Store, SyncTrigger, WriterStats};
use rollcall_web::{AppState, WebConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::cpu::{self, CpuUse};
use super::load::{self, LoadResult};
use super::{Report, ms};
use crate::cli::BenchArgs;

#[path = "login_rig.rs"]
pub(super) mod rig;
use rig::{Pages, Rig, Runtimes};

pub(super) const CLIENT_ID: &str = "rollcall-bench";
pub(super) const CLIENT_SECRET: &str = "rollcall-bench-secret";
/// Teachers who log in; the generator adds one more who teaches nothing (a substitute).
const TEACHERS: usize = 600;
pub(super) const SECTIONS_PER_TEACHER: usize = 6;
pub(super) const STUDENTS_PER_SECTION: usize = 30;
/// Schools in the district: 600 teachers and 3,600 sections divide evenly among 4, which is what
/// gives every teacher exactly 6 sections (the generator deals a school's sections round-robin
/// to its teachers).
pub(super) const SCHOOLS: usize = 4;
/// Students per section from the generator's first pass (which seats every student once); the
/// rest of each roster is random classmates, so most students are in about three sections and
/// several teachers' syncs write the same student rows.
const FIRST_PASS_SEATS: usize = 10;
/// The large district's teachers (a multiple of [`SCHOOLS`]), their sections, and the size of
/// each one's first section.
const LARGE_TEACHERS: usize = 40;
const LARGE_SECTIONS: usize = 12;
const BIG_SECTION: usize = 150;

/// Targets on SQLite, logins/s.
const FIRST_TARGET: f64 = 300.0;
const REPEAT_TARGET: f64 = 1000.0;

/// Runs the benchmark and prints the table.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let duration = Duration::from_secs_f64(args.seconds);
    if let Some(latency) = args.clever_latency {
        return run_with_latency(args, Duration::from_millis(latency), duration).await;
    }
    let mut backends = vec![Backend::Sqlite];
    if let Some(url) = &args.postgres_url {
        backends.push(Backend::Postgres(url.clone()));
    }
    let runtimes = Runtimes::start()?;
    let results = measure_backends(&runtimes, &backends, args, duration).await;
    runtimes.stop();
    print_table(args, &results?);
    Ok(())
}

async fn measure_backends(
    runtimes: &Runtimes,
    backends: &[Backend],
    args: &BenchArgs,
    duration: Duration,
) -> anyhow::Result<Vec<(&'static str, Phase, Phase, DistrictRun)>> {
    let mut results = Vec::new();
    for backend in backends {
        let rig = Rig::start(runtimes, backend, District::Logins, args.database_pool, Pages::Paged).await?;
        let result = measure(&rig, args.connections, duration).await;
        rig.stop().await?;
        let (first, repeat) = result?;
        let rig = Rig::start(runtimes, backend, District::Full, args.database_pool, Pages::Paged).await?;
        let district = measure_district(&rig, args).await;
        rig.stop().await?;
        results.push((backend.name(), first, repeat, district?));
    }
    Ok(results)
}

/// `login --clever-latency`: the login rows with every call of the app to Clever answered
/// `latency` late, each with 1 browser and with `--connections`, on SQLite, each on a fresh
/// district (a first-login row uses up teachers): the 6 × 30 district, then the large one (12
/// classes, one of 150). Lists come whole, as Clever answers a Library teacher's token.
async fn run_with_latency(args: &BenchArgs, latency: Duration, duration: Duration) -> anyhow::Result<()> {
    let runtimes = Runtimes::start()?;
    let mut rows = Vec::new();
    let measured = async {
        for district in [District::Logins, District::Large] {
            for browsers in [1, args.connections] {
                let rig = Rig::start(&runtimes, &Backend::Sqlite, district, args.database_pool, Pages::Whole)
                    .await?;
                // The app's calls only: the browsers' visit to the authorize page is not a server's.
                for path in ["/oauth/tokens", "/v3.0/*"] {
                    let rule = serde_json::json!({"path": path, "latency_ms": latency.as_millis()});
                    rig.emulator.emulator.faults().add(serde_json::from_value(rule)?);
                }
                let result = measure(&rig, browsers, duration).await;
                rig.stop().await?;
                let (first, repeat) = result?;
                rows.push((district, browsers, first, repeat));
            }
        }
        anyhow::Ok(())
    }
    .await;
    runtimes.stop();
    measured?;
    print_latency_table(latency, &rows);
    Ok(())
}

fn print_latency_table(latency: Duration, rows: &[(District, usize, Phase, Phase)]) {
    let latency_ms = ms(latency);
    let mut report = Report::new(
        format!(
            "Login latency: app + emulator on loopback, SQLite, every call of the app to Clever answered \
             {latency_ms:.0} ms late (RT: the time in round trips to Clever, time ÷ {latency_ms:.0} ms)"
        ),
        &[
            "measurement",
            "browsers",
            "logins",
            "logins/s",
            "first page p50 ms (RT)",
            "first page p99 ms (RT)",
            "synced p50 ms (RT)",
            "synced p99 ms (RT)",
            "failed",
            "CPU ms/login: app · emulator · browsers",
        ],
    );
    let timed = |d: Duration| format!("{:.0} ({:.2})", ms(d), ms(d) / latency_ms);
    for (district, browsers, first, repeat) in rows {
        let names = match district {
            District::Large => ["first login, 12 classes (one of 150)", "returning, 12 classes (one of 150)"],
            _ => ["first login + import (6 × 30)", "returning teacher, nothing changed"],
        };
        for (name, phase) in names.into_iter().zip([first, repeat]) {
            report.row(vec![
                name.to_owned(),
                browsers.to_string(),
                phase.logins().to_string(),
                format!("{:.1}", phase.load.rate()),
                timed(phase.first_page.0),
                timed(phase.first_page.1),
                timed(phase.load.p50),
                timed(phase.load.p99),
                phase.load.failed.to_string(),
                phase.cpu_per_login().map_or_else(
                    || "n/a".to_owned(),
                    |c| format!("{:.2} · {:.2} · {:.2}", c.app, c.emulator, c.browsers),
                ),
            ]);
        }
    }
    report.note(
        "A login's time runs from the browser's first request (`/auth/clever/start`) to its first page (the \
         dashboard as it first appears: \"Importing your classes from Clever…\" on a first login, the classes \
         with \"Syncing your classes…\" for a returning teacher) and to the synced dashboard (the page it \
         reloads itself to when the sync has ended), which judges the login.",
    );
    report.note(
        "The floor is set by what each call needs: the code exchanged (1) and `/me` (2) sign a returning \
         teacher in; a new one also needs Clever's user record (3), asked at the same time as the sections and \
         the students, which the sync then writes. Lists come whole on one page, as Clever answers a Library \
         teacher's token (it cannot page); the emulator's default pages of 100 would add a round trip per \
         further page. The browser's own requests to the app and to Clever's authorize page are on loopback here.",
    );
    report.print();
}

/// Where the app keeps its data during a run.
enum Backend {
    /// A fresh temp SQLite file.
    Sqlite,
    /// A fresh database on the PostgreSQL server this admin URL names.
    Postgres(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// The database of one rig, and how to remove it afterwards.
enum BenchDb {
    Sqlite { store: SqliteStore, path: Option<PathBuf> },
    Postgres { admin_url: String, name: String },
}

impl BenchDb {
    async fn create(backend: &Backend, pg_pool: u32) -> anyhow::Result<(Self, Arc<dyn Store>)> {
        match backend {
            Backend::Sqlite => {
                let store = SqliteStore::open_temp().await.context("cannot create the benchmark database")?;
                let path = store.temp_path().map(PathBuf::from);
                let dyn_store: Arc<dyn Store> = Arc::new(store.clone());
                Ok((BenchDb::Sqlite { store, path }, dyn_store))
            }
            Backend::Postgres(admin_url) => {
                let name = format!("rollcall_bench_{}", std::process::id());
                let admin = sqlx::PgPool::connect(admin_url).await.with_context(|| {
                    format!("cannot reach PostgreSQL at {}", rollcall::app::redact(admin_url))
                })?;
                // Our own name (digits and underscores): safe to splice in.
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&admin)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
                admin.close().await;
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
                let store = rollcall_store::open_with_pool(&format!("{base}/{name}"), pg_pool).await?;
                Ok((BenchDb::Postgres { admin_url: admin_url.clone(), name }, store))
            }
        }
    }

    async fn destroy(self) -> anyhow::Result<()> {
        match self {
            BenchDb::Sqlite { store, path } => {
                store.close().await;
                drop(store); // the last clone: the temp file is removed here
                if let Some(db) = path {
                    for suffix in ["", "-wal", "-shm"] {
                        let mut path = db.clone().into_os_string();
                        path.push(suffix);
                        if std::path::Path::new(&path).exists() {
                            std::fs::remove_file(&path).with_context(|| {
                                format!("cannot remove {}", PathBuf::from(&path).display())
                            })?;
                        }
                    }
                }
            }
            BenchDb::Postgres { admin_url, name } => {
                let admin = sqlx::PgPool::connect(&admin_url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&admin)
                    .await?;
                admin.close().await;
            }
        }
        Ok(())
    }
}

/// Which district a rig generates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum District {
    /// 600 teachers with exactly 6 sections × 30 students each.
    Logins,
    /// 40 teachers with 12 sections each, one of 150 students and 11 of 30.
    Large,
    /// A whole district: 10,000 students, 500 sections of 30, 100 teachers with 5 sections each.
    Full,
}

/// A whole district's import (every teacher's first login) and re-sync (`rollcall sync --all`).
struct DistrictRun {
    teachers: usize,
    import: Duration,
    import_failed: u64,
    resync: Duration,
}

async fn measure_district(rig: &Rig, args: &BenchArgs) -> anyhow::Result<DistrictRun> {
    let pool = Arc::new(rig.teachers.clone());
    let next = Arc::new(AtomicUsize::new(0));
    // No time limit: the row ends when every teacher has logged in.
    let import = rig
        .phase(args.connections, Duration::from_secs(600), None, move |_, _| {
            pool.get(next.fetch_add(1, Ordering::Relaxed)).cloned()
        })
        .await?;
    let started = std::time::Instant::now();
    let targets = rig.state.store().teachers_to_sync(rig.state.now()).await?;
    anyhow::ensure!(targets.len() == rig.teachers.len(), "{} teachers can be synced", targets.len());
    let state = &rig.state;
    futures::stream::iter(targets)
        .map(|(teacher, clever)| sync_teacher(state, teacher, clever, SyncTrigger::Cli))
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    Ok(DistrictRun {
        teachers: rig.teachers.len(),
        import: import.load.elapsed,
        import_failed: import.load.failed,
        resync: started.elapsed(),
    })
}

async fn measure(rig: &Rig, workers: usize, duration: Duration) -> anyhow::Result<(Phase, Phase)> {
    let first = {
        let pool = Arc::new(rig.teachers.clone());
        let next = Arc::new(AtomicUsize::new(0));
        // The report names the classes first; how many students follow depends on how many
        // of the generated district's students share this teacher's sections.
        let expect = rig.classes.map(|n| format!("— {n} classes added, "));
        // Each worker takes the next teacher who never logged in; the pool running out ends the
        // row early.
        rig.phase(workers, duration, expect, move |_, _| {
            pool.get(next.fetch_add(1, Ordering::Relaxed)).cloned()
        })
        .await?
    };

    // Whoever is in the store now has logged in once (and has all 6 classes): see `logged_in`.
    let returning = Arc::new(rig.logged_in().await?);
    anyhow::ensure!(!returning.is_empty(), "no teacher completed a first login; nothing to repeat");
    let repeat = {
        let pool = Arc::clone(&returning);
        let next = Arc::new(AtomicUsize::new(0));
        let expect = Some(format!("— {}.", rollcall_core::summary::UP_TO_DATE));
        // Round-robin over the returning teachers, as often as the time allows.
        rig.phase(workers, duration, expect, move |_, _| {
            pool.get(next.fetch_add(1, Ordering::Relaxed) % pool.len()).cloned()
        })
        .await?
    };
    let mut first = first;
    first.distinct_teachers = returning.len();
    Ok((first, repeat))
}

/// One row's numbers.
struct Phase {
    /// To the synced dashboard, which judges the login.
    load: LoadResult,
    /// p50 and p99 to the first page (the dashboard as it first appears).
    first_page: (Duration, Duration),
    /// Requests the emulator answered (its journal's sequence numbers) during the row.
    emulator_requests: u64,
    /// Requests the browsers sent, to the app and to the emulator's authorize endpoint.
    browser_requests: u64,
    browser_to_emulator: u64,
    /// Teachers with an account and all their classes after the row (first logins only).
    distinct_teachers: usize,
    /// CPU time used during the row, by whom (Linux only).
    cpu: Option<CpuUse>,
    /// What the store's single writer did during the row (SQLite only).
    writer: Option<WriterStats>,
}

impl Phase {
    fn logins(&self) -> u64 {
        self.load.ok + self.load.failed
    }

    /// CPU milliseconds per login, by whom.
    fn cpu_per_login(&self) -> Option<CpuMs> {
        let cpu = self.cpu?;
        let per = |d: Duration| d.as_secs_f64() * 1000.0 / self.logins().max(1) as f64;
        Some(CpuMs {
            app: per(cpu.app),
            app_sqlite: per(cpu.app_sqlite),
            emulator: per(cpu.emulator),
            browsers: per(cpu.browsers),
            postgres: per(cpu.postgres),
        })
    }

    /// The single writer's share of the row's time (%) and its time per login (ms): near 100 %
    /// the writer, not the CPUs, sets the rate.
    fn writer_busy(&self) -> Option<(f64, f64)> {
        let busy = self.writer?.busy.as_secs_f64();
        let elapsed = self.load.elapsed.as_secs_f64();
        Some((100.0 * busy / elapsed.max(f64::EPSILON), 1000.0 * busy / self.logins().max(1) as f64))
    }

    /// (browser requests, app → Clever requests) per login.
    fn requests_per_login(&self) -> (f64, f64) {
        let n = self.logins().max(1) as f64;
        let app_to_clever = self.emulator_requests.saturating_sub(self.browser_to_emulator);
        (self.browser_requests as f64 / n, app_to_clever as f64 / n)
    }
}

/// [`CpuUse`] per login, in milliseconds.
struct CpuMs {
    app: f64,
    app_sqlite: f64,
    emulator: f64,
    browsers: f64,
    /// A local PostgreSQL server's processes (zero when the server is elsewhere).
    postgres: f64,
}

impl CpuMs {
    /// What the app's data costs per login, in its column's parentheses: its SQLite threads, or
    /// the local PostgreSQL server's processes ("–" if the server is on another machine).
    fn database(&self, backend: &str) -> String {
        match (backend, self.postgres) {
            ("SQLite", _) => format!("{:.2}", self.app_sqlite),
            (_, server) if server > 0.0 => format!("server {server:.2}"),
            _ => "–".to_owned(),
        }
    }
}

fn print_table(args: &BenchArgs, results: &[(&str, Phase, Phase, DistrictRun)]) {
    let mut report = Report::new(
        format!(
            "Login benchmark: app + emulator on loopback, {} browsers, up to {:.0} s per row, \
             load generator on the same cores",
            args.connections, args.seconds
        ),
        &[
            "backend",
            "measurement",
            "logins",
            "logins/s",
            "p50 ms",
            "p99 ms",
            "failed",
            "requests/login",
            "CPU ms/login: app (its SQLite / PG server) · emulator · browsers",
            "SQLite writer: busy · ms/login",
            "target",
        ],
    );
    for (backend, first, repeat, _) in results {
        for (name, phase, target) in [
            ("first login + import (6 × 30)", first, FIRST_TARGET),
            ("repeat login, nothing changed", repeat, REPEAT_TARGET),
        ] {
            let (browser, app) = phase.requests_per_login();
            report.row(vec![
                (*backend).to_owned(),
                name.to_owned(),
                phase.logins().to_string(),
                format!("{:.0}", phase.load.rate()),
                format!("{:.1}", ms(phase.load.p50)),
                format!("{:.1}", ms(phase.load.p99)),
                phase.load.failed.to_string(),
                format!("{browser:.1} + {app:.1}"),
                phase.cpu_per_login().map_or_else(
                    || "n/a".to_owned(),
                    |c| {
                        format!(
                            "{:.2} ({}) · {:.2} · {:.2}",
                            c.app,
                            c.database(backend),
                            c.emulator,
                            c.browsers
                        )
                    },
                ),
                phase
                    .writer_busy()
                    .map_or_else(|| "–".to_owned(), |(share, per)| format!("{share:.0} % · {per:.2}")),
                if *backend == "SQLite" { format!("≥{target:.0}/s") } else { String::new() },
            ]);
        }
    }
    for (backend, first, _, district) in results {
        report.note(format!(
            "{backend}: {} of {TEACHERS} teachers logged in for the first time in {:.1} s (the row ends when all have).",
            first.distinct_teachers,
            first.load.elapsed.as_secs_f64()
        ));
        report.note(format!(
            "{backend}: full district (10,000 students, 500 sections of 30, {} teachers): import through every \
             teacher's first login {:.1} s ({} failed); re-sync of every teacher (`rollcall sync --all`, 8 at once) {:.1} s.",
            district.teachers,
            district.import.as_secs_f64(),
            district.import_failed,
            district.resync.as_secs_f64()
        ));
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    for (backend, first, repeat, _) in results {
        let sqlite = *backend == "SQLite";
        // With PostgreSQL on this machine, the app's share of the cores is the app's and the server's.
        let per_login =
            |phase: &Phase| phase.cpu_per_login().map(|c| if sqlite { c.app } else { c.app + c.postgres });
        let (Some(first_ms), Some(repeat_ms)) = (per_login(first), per_login(repeat)) else { continue };
        let local_server = first.cpu_per_login().is_some_and(|c| c.postgres > 0.0);
        let (who, server) = match (sqlite, local_server) {
            (true, _) => ("the app alone", ""),
            (false, true) => ("the app and its PostgreSQL server (on this machine)", ""),
            (false, false) => ("the app alone", ", and more: the database server's own CPU is not counted"),
        };
        let cap = |ms: f64| 1000.0 * cores as f64 / ms;
        report.note(format!(
            "{backend}: {who} used {first_ms:.2} ms of CPU per first login and {repeat_ms:.2} ms per repeat \
             login; with these {cores} cores to itself (Clever and the browsers elsewhere) that is at most \
             {:.0} and {:.0} logins/s (a bound that assumes every core kept busy{server}).",
            cap(first_ms),
            cap(repeat_ms)
        ));
    }
    report.note(
        "CPU ms/login: each thread's CPU time from /proc over the row, divided by the logins; the emulator and \
         the browsers run on runtimes of their own, the app is everything else in the process (SQLite: its \
         connection and writer threads; PostgreSQL: the server's processes, when it runs on this machine).",
    );
    report.note(
        "SQLite writer: how much of the row SQLite's one write lock was held by the app's write transactions, \
         and for how long per login (`rollcall_sqlite_write_busy_seconds_total` in /metrics); near 100 % the \
         writer, not the CPUs, sets the rate.",
    );
    report.note(
        "requests/login: browser → app and Clever's authorize page + app → Clever (token, /me, /users, \
         sections, mystudents), counted by the browsers and the emulator's journal.",
    );
    report.print();
}

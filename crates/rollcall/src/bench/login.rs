//! The login benchmark: "Sign up with Clever" end to end, through the real app and the real
//! emulator on loopback, with the app on a fresh SQLite file.
//!
//! A generated district gives every teacher exactly 6 sections × 30 students. Each iteration is
//! one teacher's login in a new cookie-jar browser: `GET /auth/clever/start` → the emulator's
//! `/oauth/authorize` (a queued `NextLogin`, so no login page) → the app's callback (code
//! exchange, `/me`, `/users/{id}`, sections, `mystudents`, the roster written one transaction per
//! section) → `/dashboard`. Two rows: first logins (every teacher once, each importing 186 rows'
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
use rollcall_store::{SqliteStore, Store, SyncTrigger};
use rollcall_web::{AppState, WebConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::load::{self, LoadResult};
use super::{Report, ms};
use crate::cli::BenchArgs;

const CLIENT_ID: &str = "rollcall-bench";
const CLIENT_SECRET: &str = "rollcall-bench-secret";
/// Teachers who log in; the generator adds one more who teaches nothing (a substitute).
const TEACHERS: usize = 600;
const SECTIONS_PER_TEACHER: usize = 6;
const STUDENTS_PER_SECTION: usize = 30;
/// Schools in the district: 600 teachers and 3,600 sections divide evenly among 4, which is what
/// gives every teacher exactly 6 sections (the generator deals a school's sections round-robin
/// to its teachers).
const SCHOOLS: usize = 4;
/// Students per section from the generator's first pass (which seats every student once); the
/// rest of each roster is random classmates, so most students are in about three sections and
/// several teachers' syncs write the same student rows.
const FIRST_PASS_SEATS: usize = 10;

/// Targets on SQLite, logins/s.
const FIRST_TARGET: f64 = 300.0;
const REPEAT_TARGET: f64 = 1000.0;

/// Runs the benchmark and prints the table.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let duration = Duration::from_secs_f64(args.seconds);
    let mut backends = vec![Backend::Sqlite];
    if let Some(url) = &args.postgres_url {
        backends.push(Backend::Postgres(url.clone()));
    }
    let mut results = Vec::new();
    for backend in backends {
        let rig = Rig::start(&backend, District::Logins, args.database_pool).await?;
        let result = measure(&rig, args, duration).await;
        rig.stop().await?;
        let (first, repeat) = result?;
        let rig = Rig::start(&backend, District::Full, args.database_pool).await?;
        let district = measure_district(&rig, args).await;
        rig.stop().await?;
        results.push((backend.name(), first, repeat, district?));
    }
    print_table(args, &results);
    Ok(())
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
                    format!("cannot reach PostgreSQL at {}", crate::app::redact(admin_url))
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
        .await;
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

async fn measure(rig: &Rig, args: &BenchArgs, duration: Duration) -> anyhow::Result<(Phase, Phase)> {
    let first = {
        let pool = Arc::new(rig.teachers.clone());
        let next = Arc::new(AtomicUsize::new(0));
        let expect = format!(
            "{} added, 0 updated, 0 removed, 0 unchanged",
            SECTIONS_PER_TEACHER * (1 + STUDENTS_PER_SECTION)
        );
        // Each worker takes the next teacher who never logged in; the pool running out ends the
        // row early.
        rig.phase(args.connections, duration, Some(expect), move |_, _| {
            pool.get(next.fetch_add(1, Ordering::Relaxed)).cloned()
        })
        .await
    };

    // Whoever is in the store now has logged in once (and has all 6 classes): see `logged_in`.
    let returning = Arc::new(rig.logged_in().await?);
    anyhow::ensure!(!returning.is_empty(), "no teacher completed a first login; nothing to repeat");
    let repeat = {
        let pool = Arc::clone(&returning);
        let next = Arc::new(AtomicUsize::new(0));
        let expect = format!("0 added, 0 updated, 0 removed, {SECTIONS_PER_TEACHER} unchanged");
        // Round-robin over the returning teachers, as often as the time allows.
        rig.phase(args.connections, duration, Some(expect), move |_, _| {
            pool.get(next.fetch_add(1, Ordering::Relaxed) % pool.len()).cloned()
        })
        .await
    };
    let mut first = first;
    first.distinct_teachers = returning.len();
    Ok((first, repeat))
}

/// One row's numbers.
struct Phase {
    load: LoadResult,
    /// Requests the emulator answered (its journal's sequence numbers) during the row.
    emulator_requests: u64,
    /// Requests the browsers sent, to the app and to the emulator's authorize endpoint.
    browser_requests: u64,
    browser_to_emulator: u64,
    /// Teachers with an account and all their classes after the row (first logins only).
    distinct_teachers: usize,
}

impl Phase {
    fn logins(&self) -> u64 {
        self.load.ok + self.load.failed
    }

    /// (browser requests, app → Clever requests) per login.
    fn requests_per_login(&self) -> (f64, f64) {
        let n = self.logins().max(1) as f64;
        let app_to_clever = self.emulator_requests.saturating_sub(self.browser_to_emulator);
        (self.browser_requests as f64 / n, app_to_clever as f64 / n)
    }
}

/// The emulator and the app, wired to each other, on port 0 and a temp SQLite file.
struct Rig {
    emulator: RunningEmulator,
    app_url: String,
    state: AppState,
    db: BenchDb,
    /// Sections each pool teacher has, when every one has the same number (the login rows).
    classes: Option<usize>,
    stop_app: oneshot::Sender<()>,
    app_task: JoinHandle<std::io::Result<()>>,
    /// Clever ids of the teachers with exactly 6 sections × 30 students, in generation order.
    teachers: Vec<String>,
}

impl Rig {
    /// Binds the app first (its redirect URI must be registered), generates the district with
    /// the app registered, starts the emulator with the rate limit lifted, then the app.
    async fn start(backend: &Backend, district: District, pg_pool: u32) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let app_url = format!("http://{}", listener.local_addr()?);
        let redirect = format!("{app_url}{}", WebConfig::CALLBACK_PATH);

        let app = Some(GenerateApp {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            redirect_uris: vec![redirect.clone()],
            name: Some("Rollcall (benchmark)".to_owned()),
        });
        let spec = match district {
            District::Logins => GenerateSpec {
                namespace: "rollcall-bench".to_owned(),
                schools: SCHOOLS,
                teachers: TEACHERS + 1,
                students: TEACHERS * SECTIONS_PER_TEACHER * FIRST_PASS_SEATS,
                sections: TEACHERS * SECTIONS_PER_TEACHER,
                students_per_section: STUDENTS_PER_SECTION,
                co_taught_every: 0,
                app,
            },
            District::Full => GenerateSpec {
                namespace: "rollcall-bench-district".to_owned(),
                schools: SCHOOLS,
                teachers: 101,
                students: 10_000,
                sections: 500,
                students_per_section: STUDENTS_PER_SECTION,
                co_taught_every: 0,
                app,
            },
        };
        let clock = Clock::system();
        let world = generate(&spec, clock.now()).context("cannot generate the district")?;
        let teachers = match district {
            District::Logins => full_time_teachers(&world),
            District::Full => teachers_with_sections(&world),
        };
        anyhow::ensure!(
            district == District::Full || teachers.len() == TEACHERS,
            "the generated district has {} teachers with exactly {SECTIONS_PER_TEACHER} sections × \
             {STUDENTS_PER_SECTION} students, not {TEACHERS}",
            teachers.len()
        );
        // The rate limit is lifted (one token per login makes 5 calls, far below it anyway, but
        // the bench must never measure a 429); the check itself still runs.
        let config = EmulatorConfig { rate_limit_per_minute: u32::MAX, ..EmulatorConfig::default() };
        let emulator =
            RunningEmulator::start(Emulator::from_world(world, config, clock), "127.0.0.1:0".parse()?)
                .await?;

        let (db, store) = BenchDb::create(backend, pg_pool).await?;
        let config = WebConfig {
            public_url: app_url.clone(),
            clever: CleverConfig::new(CLIENT_ID, CLIENT_SECRET.to_owned().into(), redirect)
                .with_base_urls(&emulator.base_url, &emulator.base_url),
            dev_mode: true,
            session_ttl: time::Duration::hours(8),
            clever_token_ttl: time::Duration::hours(2),
            token_key: crate::app::random_key(),
            metrics_token: None,
            background_sync_every: None,
            admin_emails: Vec::new(),
        };
        config.validate()?;
        let state = crate::app::state_with_store(config, store)?;
        let (stop_app, stopped) = oneshot::channel::<()>();
        let app_task = tokio::spawn(rollcall_web::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        let classes = (district == District::Logins).then_some(SECTIONS_PER_TEACHER);
        Ok(Self { emulator, app_url, state, db, classes, stop_app, app_task, teachers })
    }

    /// Runs one row: `pick()` names the teacher each login is for (`None`: no more work), and a
    /// login succeeds when it ends on the dashboard with 6 classes and `expect` in its sync report.
    async fn phase<P>(&self, workers: usize, duration: Duration, expect: Option<String>, pick: P) -> Phase
    where
        P: Fn(usize, u64) -> Option<String> + Send + Sync + 'static,
    {
        let flow = Flow {
            emulator: self.emulator.emulator.clone(),
            emulator_url: Arc::from(self.emulator.base_url.as_str()),
            start_url: Arc::from(format!("{}/auth/clever/start", self.app_url).as_str()),
            expect: expect.map(|e| Arc::from(e.as_str())),
            classes: self.classes,
            browser_requests: Arc::new(AtomicU64::new(0)),
            browser_to_emulator: Arc::new(AtomicU64::new(0)),
        };
        let journal_before = journal_seq(&self.emulator.emulator);
        let load = {
            let flow = flow.clone();
            load::run(workers, duration, move |worker, i| {
                let teacher = pick(worker, i);
                let flow = flow.clone();
                async move { Some(flow.login(&teacher?).await) }
            })
            .await
        };
        Phase {
            emulator_requests: journal_seq(&self.emulator.emulator).saturating_sub(journal_before),
            browser_requests: flow.browser_requests.load(Ordering::Relaxed),
            browser_to_emulator: flow.browser_to_emulator.load(Ordering::Relaxed),
            distinct_teachers: 0,
            load,
        }
    }

    /// The pool's teachers who have an account now, each checked to have all their classes
    /// with full rosters in the store.
    async fn logged_in(&self) -> anyhow::Result<Vec<String>> {
        let store = self.state.store();
        let mut done = Vec::new();
        for teacher in &self.teachers {
            let Some(user) = store.user_by_clever_id(&CleverId::parse(teacher)?).await? else { continue };
            let sections = store.teacher_sections(user.id).await?;
            let complete = sections.len() == SECTIONS_PER_TEACHER
                && sections.iter().all(|s| s.active_students as usize == STUDENTS_PER_SECTION);
            anyhow::ensure!(complete, "teacher {teacher} logged in but their classes are incomplete");
            done.push(teacher.clone());
        }
        Ok(done)
    }

    /// Stops the app, then the emulator, and removes the database.
    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop_app.send(());
        self.app_task.await??;
        drop(self.state);
        self.db.destroy().await?;
        self.emulator.stop().await?;
        Ok(())
    }
}

/// Every teacher who teaches at least one section.
fn teachers_with_sections(world: &World) -> Vec<String> {
    world
        .users
        .values()
        .filter(|u| u.has(Role::Teacher) && world.section_ids_of(&u.id).next().is_some())
        .map(|u| u.id.clone())
        .collect()
}

/// Teachers whose sections (as primary teacher) are exactly 6, each with exactly 30 students.
fn full_time_teachers(world: &World) -> Vec<String> {
    let mut taught: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for section in world.sections().values() {
        for teacher in &section.teachers {
            taught.entry(teacher.as_str()).or_default().push(section.students.len());
        }
    }
    let mut teachers: Vec<&clever_emulator::model::UserRec> =
        world.users.values().filter(|u| u.has(Role::Teacher)).collect();
    teachers.sort_by(|a, b| a.key.cmp(&b.key));
    teachers
        .into_iter()
        .filter(|u| {
            taught.get(u.id.as_str()).is_some_and(|rosters| {
                rosters.len() == SECTIONS_PER_TEACHER && rosters.iter().all(|n| *n == STUDENTS_PER_SECTION)
            })
        })
        .map(|u| u.id.clone())
        .collect()
}

/// The emulator's request count so far (its journal is bounded, its sequence numbers are not).
fn journal_seq(emulator: &Emulator) -> u64 {
    emulator.journal().entries().last().map_or(0, |e| e.seq)
}

/// One login, as a browser does it.
#[derive(Clone)]
struct Flow {
    emulator: Emulator,
    emulator_url: Arc<str>,
    start_url: Arc<str>,
    /// Text the dashboard's sync report must contain, if known.
    expect: Option<Arc<str>>,
    /// Classes the dashboard must show, if every teacher has the same number.
    classes: Option<usize>,
    browser_requests: Arc<AtomicU64>,
    browser_to_emulator: Arc<AtomicU64>,
}

impl Flow {
    /// Queues `teacher` as the emulator's next login and signs in with a fresh browser.
    ///
    /// The emulator's next-login queue is one FIFO per emulator, so with concurrent workers the
    /// authorize request of one worker may pop the teacher another worker queued: two logins
    /// swap users. That is harmless here and is accepted rather than serialised: every worker
    /// queues exactly one teacher before its own authorize request, so the queue is never empty
    /// when a request pops it; each teacher is queued once per login, so in the first-login row
    /// every login is still a distinct teacher's first one. A login is therefore judged by what
    /// the dashboard shows (6 classes, and a sync report that every first login, or every repeat
    /// login, produces whoever the teacher is), and the distinct teachers are counted from the
    /// store afterwards.
    async fn login(&self, teacher: &str) -> bool {
        self.emulator
            .browser()
            .next_logins
            .push_back(NextLogin { user_id: teacher.to_owned(), client_id: Some(CLIENT_ID.to_owned()) });
        match self.sign_in().await {
            Ok(()) => true,
            Err(why) => {
                tracing::debug!(%why, "login failed");
                false
            }
        }
    }

    async fn sign_in(&self) -> anyhow::Result<()> {
        let browser = self.browser()?;
        self.browser_requests.fetch_add(1, Ordering::Relaxed);
        let response = browser.get(&*self.start_url).send().await?;
        let (status, path) = (response.status(), response.url().path().to_owned());
        let body = response.text().await?;
        anyhow::ensure!(status.is_success() && path == "/dashboard", "ended on {path} with {status}");
        let classes = body.matches("class=\"card section\"").count();
        anyhow::ensure!(self.classes.is_none_or(|n| n == classes), "the dashboard shows {classes} classes");
        if let Some(expect) = &self.expect {
            anyhow::ensure!(body.contains(&**expect), "the sync report is not {expect:?}");
        }
        Ok(())
    }

    /// A new browser: an empty cookie jar, following redirects and counting them.
    fn browser(&self) -> reqwest::Result<reqwest::Client> {
        let (requests, to_emulator) = (self.browser_requests.clone(), self.browser_to_emulator.clone());
        let emulator_url = self.emulator_url.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("too many redirects");
            }
            requests.fetch_add(1, Ordering::Relaxed);
            if attempt.url().as_str().starts_with(&*emulator_url) {
                to_emulator.fetch_add(1, Ordering::Relaxed);
            }
            attempt.follow()
        });
        // Plain http on loopback: no trust roots. Loading the platform's (reading and parsing
        // every PEM file in /etc/ssl/certs) for each new browser was a fifth of the load
        // generator's CPU, taken from the cores the servers run on.
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(policy)
            .tls_certs_only(std::iter::empty::<reqwest::Certificate>())
            .build()
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
    report.note(
        "requests/login: browser → app and Clever's authorize page + app → Clever (token, /me, /users, \
         sections, mystudents), counted by the browsers and the emulator's journal.",
    );
    report.print();
}

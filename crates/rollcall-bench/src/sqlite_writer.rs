//! `rollcall-bench sqlite-writer`: which SQLite driver the store's writes should use, decided
//! with numbers. The same write transactions on the real schema, through:
//!
//! - **A**, the store's write path: the [`Store`] methods of a [`SqliteStore`], each a job on the
//!   store's writer thread, which runs it on its one sqlx connection, every query a hand-off to
//!   sqlx's worker thread for that connection and back (`rollcall-store/src/sqlite/writer.rs`);
//! - **B**, a synchronous driver: `rusqlite` (over the same `libsqlite3-sys`, so the same build of
//!   SQLite) on a thread of its own fed by a channel, jobs one at a time as on the store's
//!   writer thread, with the store's connection settings and exactly the store's SQL (copied
//!   below from the file each comment names), each statement prepared once and cached;
//! - **C**, sqlx in the caller's task, as the store wrote before it had a writer thread: the same
//!   sqlx queries as the store's, on a pool of one connection of its own, behind a write turn
//!   like the store's.
//!
//! Every measurement sends a number of transactions from `--connections` callers on this
//! process's multi-threaded runtime and reports transactions/s, the callers' latency and the
//! writer's busy time per transaction: how long each job kept the writer, which is how long it
//! held SQLite's one write lock (for A, the store's own count of its writer's jobs,
//! `Store::writer_stats`; for C, its write turn). Each driver runs twice, alternating (A B C A B
//! C, and within each pass the drivers take turns by tenths), then once more each with every
//! core kept busy by a spinning thread, as the app's HTTP work keeps them during a login storm:
//! the hand-offs cost most when the threads they wake have to wait for a core.
//!
//! A first login's sync is not measured: its transaction is two queries with the rows planned
//! in Rust between them (`rollcall-store/src/sqlite/sync.rs`), which B and C would have to copy.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::TryStreamExt;
use rollcall_core::{CleverId, Clock, SyncCounts, SystemClock, UserId};
use rollcall_store::prelude::*;
use rollcall_store::{
    AccountRole, CallbackClaim, CleverProfile, RunRecord, SealedToken, Session, SqliteStore, Store,
    SyncTrigger,
};
use rusqlite::types::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Either, Executor, Row, SqlitePool};
use tokio::sync::oneshot;

use super::load::percentile;
use super::{Report, ms};
use crate::cli::BenchArgs;

/// As the store's `BUSY_TIMEOUT` (`rollcall-store/src/sqlite/mod.rs`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The store's connection settings (`rollcall-store/src/sqlite/mod.rs`, `SqliteStore::connect`):
/// WAL, synchronous NORMAL, foreign keys on, statement journals in memory, a 1 GiB mapping.
const SETTINGS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
     PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 1073741824;";

/// `rollcall-store/src/sqlite/sessions.rs`, `create_session`.
const INSERT_SESSION: &str =
    "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";

/// `rollcall-store/src/sqlite/sessions.rs`, `delete_session`.
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1";

/// `rollcall-store/src/sqlite/sessions.rs`, `claim_callback`.
const CLAIM_CALLBACK: &str = "BEGIN IMMEDIATE; \
         DELETE FROM oauth_callbacks WHERE created_at < $1; \
         INSERT INTO oauth_callbacks (code_hash, user_id, state, created_at) VALUES ($2, NULL, 'pending', $3) \
         ON CONFLICT (code_hash) DO NOTHING RETURNING 'first', NULL; \
         SELECT state, user_id FROM oauth_callbacks WHERE code_hash = $2; \
         COMMIT";

/// `rollcall-store/src/sqlite/accounts.rs`, `UPSERT_CLEVER_LOGIN`, with `select_user!()` from
/// `rollcall-store/src/rows.rs` written out.
const UPSERT_CLEVER_LOGIN: &str = "BEGIN IMMEDIATE; \
     SELECT EXISTS (SELECT 1 FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO audit_log (at, action, subject_id, detail) \
         SELECT $1, 'role_changed', id, replace(role, '_', ' ') || ' → ' || $2 FROM users \
         WHERE id = (SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $3) \
           AND role <> $4; \
     UPDATE users SET role = $4, first_name = $5, middle_name = $6, last_name = $7, email = $8, grade = $9, \
         updated_at = $1 \
     WHERE id = (SELECT user_id FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO users (role, first_name, middle_name, last_name, email, grade, created_at, updated_at) \
         SELECT $4, $5, $6, $7, $8, $9, $1, $1 \
         WHERE NOT EXISTS (SELECT 1 FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO identities (provider, external_id, user_id, created_at) \
         SELECT 'clever', $3, last_insert_rowid(), $1 \
         WHERE NOT EXISTS (SELECT 1 FROM identities WHERE provider = 'clever' AND external_id = $3); \
     INSERT INTO audit_log (at, actor_id, action, subject_id, detail) \
         SELECT $1, user_id, 'account_created', user_id, $13 FROM identities \
         WHERE provider = 'clever' AND external_id = $3 AND changes() = 1; \
     INSERT INTO clever_tokens (user_id, sealed, obtained_at, expires_at) \
         SELECT user_id, $10, $11, $12 FROM identities \
         WHERE provider = 'clever' AND external_id = $3 AND $10 IS NOT NULL \
         ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, obtained_at = excluded.obtained_at, \
             expires_at = excluded.expires_at; \
     SELECT u.id, u.role, u.first_name, u.middle_name, u.last_name, u.email, u.grade, u.school, \
         i.external_id AS clever_id, c.email AS login_email, u.admin_since IS NOT NULL AS admin, u.created_at \
     FROM users u \
     LEFT JOIN identities i ON i.user_id = u.id AND i.provider = 'clever' \
     LEFT JOIN local_credentials c ON c.user_id = u.id \
     WHERE i.external_id = $3; \
     COMMIT";

/// `rollcall-store/src/sqlite/history.rs`, `insert_run_and_commit` with `begin` (`INSERT_RUN`
/// between `BEGIN IMMEDIATE` and `COMMIT`): the whole of an unchanged sync's write transaction
/// (`sqlite/sync.rs`, `apply_sync` with no changes), one per repeat login.
const SYNC_RUN: &str = "BEGIN IMMEDIATE; \
     INSERT INTO sync_runs (user_id, trigger, started_at, finished_at, added, updated, removed, \
         unchanged, errors, problems, failed, needs_reconnect, changes) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $17, $18) RETURNING id; \
     INSERT INTO audit_log (at, actor_id, action, subject_id, detail) VALUES ($12, $13, $14, $1, $15); \
     DELETE FROM sync_leases WHERE user_id = $1 AND holder = $16; \
     COMMIT";

/// The statements of [`CLAIM_CALLBACK`], [`UPSERT_CLEVER_LOGIN`] and [`SYNC_RUN`], one by one:
/// the store sends a transaction's statements as one query to save hand-offs; a synchronous
/// driver has none to save, so B runs them as separate prepared statements (none of them holds
/// a `;` in a literal).
static CLAIM_STATEMENTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| statements(CLAIM_CALLBACK));
static UPSERT_STATEMENTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| statements(UPSERT_CLEVER_LOGIN));
static SYNC_RUN_STATEMENTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| statements(SYNC_RUN));

fn statements(sql: &'static str) -> Vec<&'static str> {
    sql.split(';').map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Transactions a warm-up sends before each kind's first measurement (statements prepared, the
/// page caches filled), at most the measurement's own count.
const WARM_UP: u64 = 2_000;

/// Runs the benchmark and prints the table.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let store = SqliteStore::open_temp().await?;
    let path = store.temp_path().context("a temp store has a file")?.to_owned();
    let sync = SyncWriter::start(&path)?;
    let in_task = InTask::connect(&path).await?;
    let callers = args.connections.max(1);
    let teachers = teachers(&store, callers).await?;
    let rig = Arc::new(Rig { store, sync, in_task, teachers, next_id: AtomicU64::new(0) });
    let transactions = args.transactions;
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);

    let mut results = Vec::new();
    for kind in Kind::ALL {
        for driver in Driver::ALL {
            measure(&rig, driver, kind, WARM_UP.min(transactions), callers).await;
        }
        for run in ["idle, 1st", "idle, 2nd"] {
            for (driver, m) in pass(&rig, kind, transactions, callers).await {
                results.push((kind, driver, run, m));
            }
        }
        let spinners = Spinners::start(cores)?;
        for (driver, m) in pass(&rig, kind, transactions, callers).await {
            results.push((kind, driver, "cores busy", m));
        }
        spinners.stop();
    }
    print_table(args, callers, cores, &results);
    Ok(())
}

/// Chunks a pass sends each driver's transactions in, the drivers taking turns chunk by chunk
/// (A B C A B C …), so that the machine's other load, which comes and goes, falls on every
/// driver alike.
const CHUNKS: u64 = 10;

/// One pass: `transactions` of `kind` through every driver, in [`CHUNKS`] turns.
async fn pass(rig: &Arc<Rig>, kind: Kind, transactions: u64, callers: usize) -> Vec<(Driver, Measurement)> {
    let mut samples: Vec<(Driver, Sample)> = Driver::ALL.iter().map(|d| (*d, Sample::default())).collect();
    let chunk = transactions.div_ceil(CHUNKS).max(1);
    let mut left = transactions;
    while left > 0 {
        let n = chunk.min(left);
        for (driver, sample) in &mut samples {
            sample.add(measure(rig, *driver, kind, n, callers).await);
        }
        left -= n;
    }
    samples.into_iter().map(|(driver, sample)| (driver, sample.finish())).collect()
}

/// The write transactions measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `create_session` then `delete_session`: one statement each, two transactions.
    Sessions,
    /// `claim_callback`: `BEGIN IMMEDIATE`, three statements, `COMMIT` (a fresh code each time).
    Claim,
    /// `upsert_clever_login` of an existing teacher (a repeat login): `BEGIN IMMEDIATE`, nine
    /// statements, `COMMIT`.
    Upsert,
    /// `apply_sync` with nothing to change and the run's record (a repeat login's sync):
    /// `BEGIN IMMEDIATE`, three statements, `COMMIT`.
    SyncRun,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Sessions, Kind::Claim, Kind::Upsert, Kind::SyncRun];

    fn name(self) -> &'static str {
        match self {
            Kind::Sessions => "session create+delete (2 small transactions)",
            Kind::Claim => "callback claim (BEGIN IMMEDIATE, 3 statements)",
            Kind::Upsert => "repeat Clever login upsert (BEGIN IMMEDIATE, 9 statements)",
            Kind::SyncRun => "unchanged sync's run record (BEGIN IMMEDIATE, 3 statements)",
        }
    }

    /// Transactions in one operation of this kind.
    fn transactions(self) -> u64 {
        match self {
            Kind::Sessions => 2,
            Kind::Claim | Kind::Upsert | Kind::SyncRun => 1,
        }
    }
}

/// Who runs the transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// A: the store's `Store` methods (sqlx on the writer thread).
    Store,
    /// B: rusqlite on a thread of its own.
    Rusqlite,
    /// C: sqlx in the caller's task.
    InTask,
}

impl Driver {
    const ALL: [Driver; 3] = [Driver::Store, Driver::Rusqlite, Driver::InTask];

    fn name(self) -> &'static str {
        match self {
            Driver::Store => "A store (sqlx, writer thread)",
            Driver::Rusqlite => "B rusqlite thread",
            Driver::InTask => "C sqlx in the caller's task",
        }
    }
}

/// What the callers share.
struct Rig {
    store: SqliteStore,
    sync: SyncWriter,
    in_task: InTask,
    /// One teacher per caller (each repeat login upserts its caller's own; each session is
    /// its caller's teacher's).
    teachers: Vec<Teacher>,
    /// Makes every session id and callback code unique.
    next_id: AtomicU64,
}

/// A teacher as the benchmark created them.
struct Teacher {
    id: UserId,
    profile: CleverProfile,
    token: SealedToken,
}

/// Creates one teacher per caller through the store (a first login each).
async fn teachers(store: &SqliteStore, count: usize) -> anyhow::Result<Vec<Teacher>> {
    let now = SystemClock.now();
    let mut teachers = Vec::with_capacity(count);
    for n in 0..count {
        let profile = CleverProfile {
            clever_id: CleverId::parse(&format!("bench-teacher-{n:04}"))?,
            role: AccountRole::Teacher,
            first_name: "Ada".to_owned(),
            middle_name: None,
            last_name: format!("Teacher{n}"),
            email: Some(format!("teacher{n}@example.invalid")),
            grade: None,
        };
        let token = SealedToken {
            sealed: vec![0x5a; 76],
            obtained_at: now,
            expires_at: now + time::Duration::hours(1),
        };
        let (user, created) = store.upsert_clever_login(&profile, &token, now).await?;
        anyhow::ensure!(created, "teacher {n} existed before the benchmark");
        teachers.push(Teacher { id: user.id, profile, token });
    }
    Ok(teachers)
}

impl Rig {
    /// A key no other session or code of this run has.
    fn unique_hash(&self) -> [u8; 32] {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut hash = [0x42; 32];
        hash[..8].copy_from_slice(&n.to_le_bytes());
        hash
    }

    /// The writer's counts so far: transactions and busy time.
    fn writer(&self, driver: Driver) -> (u64, Duration) {
        match driver {
            Driver::Store => self.store.writer_stats().map_or((0, Duration::ZERO), |s| (s.writes, s.busy)),
            Driver::Rusqlite => self.sync.stats(),
            Driver::InTask => self.in_task.stats(),
        }
    }

    /// One operation of `kind` (one or two transactions), each transaction's latency and
    /// outcome counted in `tally`.
    async fn operation(&self, driver: Driver, kind: Kind, caller: usize, tally: &mut Tally) {
        let now = SystemClock.now();
        let Some(teacher) = self.teachers.get(caller % self.teachers.len().max(1)) else {
            tally.record(Instant::now(), Err(anyhow::anyhow!("no teacher for caller {caller}")));
            return;
        };
        match kind {
            Kind::Sessions => {
                let session = Session {
                    id_hash: self.unique_hash(),
                    user_id: teacher.id,
                    // As long as the app's (32 random bytes in URL-safe base64).
                    csrf_token: format!("{caller:0>43}"),
                    created_at: now,
                    expires_at: now + time::Duration::hours(12),
                };
                let started = Instant::now();
                let created = match driver {
                    Driver::Store => self.store.create_session(&session).await.map_err(Into::into),
                    Driver::Rusqlite => {
                        let session = session.clone();
                        self.sync.run(move |conn| create_session(conn, &session)).await
                    }
                    Driver::InTask => self.in_task.create_session(&session).await,
                };
                tally.record(started, created);
                let started = Instant::now();
                let deleted = match driver {
                    Driver::Store => self.store.delete_session(&session.id_hash).await.map_err(Into::into),
                    Driver::Rusqlite => {
                        let id_hash = session.id_hash;
                        self.sync.run(move |conn| delete_session(conn, &id_hash)).await
                    }
                    Driver::InTask => self.in_task.delete_session(&session.id_hash).await,
                };
                tally.record(started, deleted);
            }
            Kind::Claim => {
                let code_hash = self.unique_hash();
                let started = Instant::now();
                let claim = match driver {
                    Driver::Store => self.store.claim_callback(&code_hash, now).await.map_err(Into::into),
                    Driver::Rusqlite => {
                        self.sync.run(move |conn| claim_callback(conn, &code_hash, now)).await
                    }
                    Driver::InTask => self.in_task.claim_callback(&code_hash, now).await,
                };
                let first = claim.and_then(|claim| match claim {
                    CallbackClaim::First => Ok(()),
                    other => Err(anyhow::anyhow!("a fresh code was claimed as {other:?}")),
                });
                tally.record(started, first);
            }
            Kind::Upsert => {
                let (profile, token) = (&teacher.profile, &teacher.token);
                let started = Instant::now();
                let upserted = match driver {
                    Driver::Store => self
                        .store
                        .upsert_clever_login(profile, token, now)
                        .await
                        .map(|(user, created)| (user.id, created))
                        .map_err(Into::into),
                    Driver::Rusqlite => {
                        let (profile, token) = (profile.clone(), token.clone());
                        self.sync.run(move |conn| upsert_clever_login(conn, &profile, &token, now)).await
                    }
                    Driver::InTask => self.in_task.upsert_clever_login(profile, token, now).await,
                };
                let repeat = upserted.and_then(|(_, created)| {
                    if created { Err(anyhow::anyhow!("a repeat login created an account")) } else { Ok(()) }
                });
                tally.record(started, repeat);
            }
            Kind::SyncRun => {
                let run = unchanged_run(now);
                let started = Instant::now();
                let recorded = match driver {
                    Driver::Store => {
                        self.store.apply_sync(teacher.id, &[], &[], now, Some(&run)).await.map_err(Into::into)
                    }
                    Driver::Rusqlite => {
                        let teacher = teacher.id;
                        self.sync.run(move |conn| record_run(conn, teacher, &run).map(Some)).await
                    }
                    Driver::InTask => self.in_task.record_run(teacher.id, &run).await.map(Some),
                };
                let recorded =
                    recorded.and_then(|id| id.map(drop).context("a run was recorded without an id"));
                tally.record(started, recorded);
            }
        }
    }
}

/// What a repeat login's sync records: six sections, none changed. The lease holder matches no
/// lease here (the login's sync would have taken one first): the `DELETE` finds nothing.
fn unchanged_run(now: time::OffsetDateTime) -> RunRecord {
    RunRecord {
        trigger: SyncTrigger::Login,
        started_at: now - time::Duration::milliseconds(3),
        finished_at: now,
        counts: SyncCounts {
            unchanged: 6,
            changes: Some(rollcall_core::Changes::default()),
            ..SyncCounts::default()
        },
        problems: Vec::new(),
        failed: false,
        needs_reconnect: false,
        lease_holder: Some("bench-login".to_owned()),
    }
}

/// `rollcall-store/src/sqlite/history.rs`, `bind_run`'s parameters, with the entry of
/// `sync_run_entry` (`rollcall-store/src/audit.rs`) for a login's run.
fn run_params(teacher: UserId, run: &RunRecord) -> anyhow::Result<Vec<Value>> {
    let c = run.counts;
    let detail = format!("At login: {}", c.summary());
    let changes = c.changes.map(|c| serde_json::to_string(&c)).transpose()?;
    Ok(vec![
        Value::Integer(teacher.0),
        Value::Text(run.trigger.as_str().to_owned()),
        Value::Text(ts(run.started_at)),
        Value::Text(ts(run.finished_at)),
        Value::Integer(i64::from(c.added)),
        Value::Integer(i64::from(c.updated)),
        Value::Integer(i64::from(c.removed)),
        Value::Integer(i64::from(c.unchanged)),
        Value::Integer(i64::from(c.errors)),
        Value::Text(serde_json::to_string(&run.problems)?),
        Value::Integer(i64::from(run.failed)),
        Value::Text(ts(run.finished_at)),
        Value::Integer(teacher.0),
        Value::Text("sync_run".to_owned()),
        Value::Text(detail),
        run.lease_holder.clone().map_or(Value::Null, Value::Text),
        Value::Integer(i64::from(run.needs_reconnect)),
        changes.map_or(Value::Null, Value::Text),
    ])
}

/// One caller's counts.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    failed: u64,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, started: Instant, outcome: anyhow::Result<()>) {
        self.latencies.push(started.elapsed());
        if let Err(e) = outcome {
            self.failed += 1;
            self.first_error.get_or_insert_with(|| format!("{e:#}"));
        }
    }
}

/// One measurement.
struct Measurement {
    transactions: u64,
    failed: u64,
    first_error: Option<String>,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    /// The writer's busy time per transaction.
    busy: Duration,
    /// Transactions the writer counted (the same as `transactions` unless something else wrote).
    writes: u64,
}

impl Measurement {
    fn rate(&self) -> f64 {
        self.transactions as f64 / self.elapsed.as_secs_f64()
    }
}

/// What one or more chunks of a measurement gave, before the percentiles.
#[derive(Default)]
struct Sample {
    tally: Tally,
    elapsed: Duration,
    /// Transactions the writer counted, and their busy time in all.
    writes: u64,
    busy: Duration,
}

impl Sample {
    fn add(&mut self, other: Sample) {
        self.tally.latencies.extend(other.tally.latencies);
        self.tally.failed += other.tally.failed;
        if self.tally.first_error.is_none() {
            self.tally.first_error = other.tally.first_error;
        }
        self.elapsed += other.elapsed;
        self.writes += other.writes;
        self.busy += other.busy;
    }

    fn finish(mut self) -> Measurement {
        self.tally.latencies.sort_unstable();
        let latencies = &self.tally.latencies;
        Measurement {
            transactions: latencies.len() as u64,
            failed: self.tally.failed,
            p50: percentile(latencies, 0.50),
            p99: percentile(latencies, 0.99),
            first_error: self.tally.first_error,
            elapsed: self.elapsed,
            busy: self.busy / u32::try_from(self.writes.max(1)).unwrap_or(u32::MAX),
            writes: self.writes,
        }
    }
}

/// Sends `transactions` (rounded up to whole operations) of `kind` through `driver` from
/// `callers` concurrent tasks, each waiting for its transaction before sending the next.
async fn measure(rig: &Arc<Rig>, driver: Driver, kind: Kind, transactions: u64, callers: usize) -> Sample {
    let operations = transactions.div_ceil(kind.transactions());
    let next = Arc::new(AtomicU64::new(0));
    let (writes_before, busy_before) = rig.writer(driver);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for caller in 0..callers {
        let (rig, next) = (Arc::clone(rig), Arc::clone(&next));
        tasks.spawn(async move {
            let mut tally = Tally::default();
            while next.fetch_add(1, Ordering::Relaxed) < operations {
                rig.operation(driver, kind, caller, &mut tally).await;
            }
            tally
        });
    }
    let mut all = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(tally) => {
                all.latencies.extend(tally.latencies);
                all.failed += tally.failed;
                if all.first_error.is_none() {
                    all.first_error = tally.first_error;
                }
            }
            Err(e) => {
                all.failed += 1;
                all.first_error.get_or_insert_with(|| format!("a caller panicked: {e}"));
            }
        }
    }
    let elapsed = started.elapsed();
    let (writes_after, busy_after) = rig.writer(driver);
    Sample {
        tally: all,
        elapsed,
        writes: writes_after.saturating_sub(writes_before),
        busy: busy_after.saturating_sub(busy_before),
    }
}

/// B's writer: a thread with one rusqlite connection running jobs one at a time, in the order
/// they were sent (as the store's writer thread does); it stops when this is dropped.
struct SyncWriter {
    jobs: mpsc::Sender<SyncJob>,
    /// Jobs finished and the time they took, in nanoseconds, on the thread.
    done: Arc<AtomicU64>,
    busy_nanos: Arc<AtomicU64>,
}

type SyncJob = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

impl SyncWriter {
    /// Opens the database file with the store's settings and starts the thread.
    fn start(path: &Path) -> anyhow::Result<Self> {
        let mut conn = rusqlite::Connection::open(path).context("cannot open the database with rusqlite")?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.execute_batch(SETTINGS)?;
        // Room for every statement of every kind (sqlx keeps 100 per connection).
        conn.set_prepared_statement_cache_capacity(100);
        let (jobs, queue) = mpsc::channel::<SyncJob>();
        std::thread::Builder::new().name("bench-rusqlite".into()).spawn(move || {
            while let Ok(job) = queue.recv() {
                // A job that panics fails alone: its caller sees the writer gone, the next runs.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
            }
        })?;
        Ok(Self { jobs, done: Arc::default(), busy_nanos: Arc::default() })
    }

    /// Runs `job` on the thread after the jobs sent before it, and returns its result.
    async fn run<T, F>(&self, job: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> anyhow::Result<T> + Send + 'static,
    {
        let (answer, result) = oneshot::channel();
        let (done, busy_nanos) = (Arc::clone(&self.done), Arc::clone(&self.busy_nanos));
        self.jobs
            .send(Box::new(move |conn| {
                let began = Instant::now();
                let outcome = job(conn);
                // Counted before the caller hears back, so a measurement that ends with its
                // last answer has counted every job.
                let took = u64::try_from(began.elapsed().as_nanos()).unwrap_or(u64::MAX);
                busy_nanos.fetch_add(took, Ordering::Relaxed);
                done.fetch_add(1, Ordering::Relaxed);
                let _ = answer.send(outcome);
            }))
            .map_err(|_| anyhow::anyhow!("the rusqlite writer thread stopped"))?;
        result.await.context("the rusqlite writer thread dropped a job")?
    }

    /// Jobs finished so far and their time on the thread.
    fn stats(&self) -> (u64, Duration) {
        (self.done.load(Ordering::Relaxed), Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed)))
    }
}

/// Runs `statements` in order, binding each one's `$N` parameters to `params[N - 1]` (as sqlx
/// binds them), and returns each statement's rows. A transaction begun by the first statement
/// is rolled back if a later one fails.
fn run_statements(
    conn: &rusqlite::Connection,
    statements: &[&str],
    params: &[Value],
) -> rusqlite::Result<Vec<Vec<Vec<Value>>>> {
    let mut results = Vec::with_capacity(statements.len());
    for sql in statements {
        match run_statement(conn, sql, params) {
            Ok(rows) => results.push(rows),
            Err(e) => {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                return Err(e);
            }
        }
    }
    Ok(results)
}

fn run_statement(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> rusqlite::Result<Vec<Vec<Value>>> {
    let mut statement = conn.prepare_cached(sql)?;
    for index in 1..=statement.parameter_count() {
        let number =
            statement.parameter_name(index).and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok());
        let value = number.and_then(|n| params.get(n.checked_sub(1)?)).ok_or_else(|| {
            rusqlite::Error::InvalidParameterName(statement.parameter_name(index).unwrap_or("?").to_owned())
        })?;
        statement.raw_bind_parameter(index, value)?;
    }
    let columns = statement.column_count();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push((0..columns).map(|c| row.get::<_, Value>(c)).collect::<rusqlite::Result<_>>()?);
    }
    Ok(out)
}

/// `rollcall-store/src/sqlite/sessions.rs`, `create_session`: one statement, no `BEGIN`.
fn create_session(conn: &mut rusqlite::Connection, s: &Session) -> anyhow::Result<()> {
    let params = [
        Value::Blob(s.id_hash.to_vec()),
        Value::Integer(s.user_id.0),
        Value::Text(s.csrf_token.clone()),
        Value::Text(ts(s.created_at)),
        Value::Text(ts(s.expires_at)),
    ];
    Ok(run_statements(conn, &[INSERT_SESSION], &params).map(drop)?)
}

/// `rollcall-store/src/sqlite/sessions.rs`, `delete_session`.
fn delete_session(conn: &mut rusqlite::Connection, id_hash: &[u8; 32]) -> anyhow::Result<()> {
    Ok(run_statements(conn, &[DELETE_SESSION], &[Value::Blob(id_hash.to_vec())]).map(drop)?)
}

/// `rollcall-store/src/sqlite/sessions.rs`, `claim_callback`, with its answer read as there.
fn claim_callback(
    conn: &mut rusqlite::Connection,
    code_hash: &[u8; 32],
    now: time::OffsetDateTime,
) -> anyhow::Result<CallbackClaim> {
    let params = [
        Value::Text(ts(now - rollcall_store::CALLBACK_TTL)),
        Value::Blob(code_hash.to_vec()),
        Value::Text(ts(now)),
    ];
    let statements = run_statements(conn, &CLAIM_STATEMENTS, &params)?;
    let rows: Vec<&Vec<Value>> = statements.iter().flatten().collect();
    let text = |row: &Vec<Value>| match row.first() {
        Some(Value::Text(state)) => Some(state.clone()),
        _ => None,
    };
    if rows.iter().any(|row| text(row).as_deref() == Some("first")) {
        return Ok(CallbackClaim::First);
    }
    let first = rows.first();
    match (first.and_then(|row| text(row)).as_deref(), first.and_then(|row| row.get(1))) {
        (Some("pending"), _) => Ok(CallbackClaim::InProgress),
        (Some("done"), Some(Value::Integer(user))) => Ok(CallbackClaim::Done(UserId(*user))),
        (Some("failed"), _) => Ok(CallbackClaim::Failed),
        other => Err(anyhow::anyhow!("callback claim read back as {other:?}")),
    }
}

/// `rollcall-store/src/sqlite/history.rs`, `insert_run_and_commit` with `begin`: the run's id.
fn record_run(conn: &mut rusqlite::Connection, teacher: UserId, run: &RunRecord) -> anyhow::Result<i64> {
    let statements = run_statements(conn, &SYNC_RUN_STATEMENTS, &run_params(teacher, run)?)?;
    match statements.iter().flatten().next().and_then(|row| row.first()) {
        Some(Value::Integer(id)) => Ok(*id),
        _ => Err(anyhow::anyhow!("a sync run was recorded without an id")),
    }
}

/// `rollcall-store/src/sqlite/accounts.rs`, `upsert_clever_user` with a token: the account's id
/// and whether it was created.
fn upsert_clever_login(
    conn: &mut rusqlite::Connection,
    profile: &CleverProfile,
    token: &SealedToken,
    now: time::OffsetDateTime,
) -> anyhow::Result<(UserId, bool)> {
    let role_words = profile.role.as_str().replace('_', " ");
    let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Text(s.to_owned()));
    let params = [
        Value::Text(ts(now)),
        Value::Text(role_words.clone()),
        Value::Text(profile.clever_id.as_str().to_owned()),
        Value::Text(profile.role.as_str().to_owned()),
        Value::Text(profile.first_name.clone()),
        text(profile.middle_name.as_deref()),
        Value::Text(profile.last_name.clone()),
        text(profile.email.as_deref()),
        text(profile.grade.as_deref()),
        Value::Blob(token.sealed.clone()),
        Value::Text(ts(token.obtained_at)),
        Value::Text(ts(token.expires_at)),
        // `account_created_detail("Clever", role)` (`rollcall-store/src/audit.rs`).
        Value::Text(format!("Signed up with Clever as {role_words}")),
    ];
    let statements = run_statements(conn, &UPSERT_STATEMENTS, &params)?;
    let unexpected = || anyhow::anyhow!("the login upsert gave {} statements", statements.len());
    let (existed, account) = match statements.as_slice() {
        [_begin, existed, _role_changed, _update, _user, _identity, _created, _token, account, _commit] => {
            (existed, account)
        }
        _ => return Err(unexpected()),
    };
    let existed = matches!(existed.first().and_then(|row| row.first()), Some(Value::Integer(1)));
    match account.first().and_then(|row| row.first()) {
        Some(Value::Integer(id)) => Ok((UserId(*id), !existed)),
        _ => Err(unexpected()),
    }
}

/// C's writer: sqlx on a pool of one connection, opened with the store's settings, each write
/// in the caller's task behind a write turn (a mutex taken for the transaction), whose time held
/// is the busy time. The queries are the store's (the files each method names).
struct InTask {
    pool: SqlitePool,
    turn: tokio::sync::Mutex<()>,
    writes: AtomicU64,
    busy_nanos: AtomicU64,
}

/// A turn at [`InTask`]'s writer: counted when it ends.
struct InTaskTurn<'a> {
    writer: &'a InTask,
    _guard: tokio::sync::MutexGuard<'a, ()>,
    began: Instant,
}

impl Drop for InTaskTurn<'_> {
    fn drop(&mut self) {
        let took = u64::try_from(self.began.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.writer.busy_nanos.fetch_add(took, Ordering::Relaxed);
        self.writer.writes.fetch_add(1, Ordering::Relaxed);
    }
}

impl InTask {
    /// The store's options for a file database (`rollcall-store/src/sqlite/mod.rs`, `connect`).
    async fn connect(path: &Path) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("mmap_size", "1073741824")
            .pragma("temp_store", "memory")
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .context("cannot open the database with sqlx")?;
        Ok(Self {
            pool,
            turn: tokio::sync::Mutex::new(()),
            writes: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
        })
    }

    async fn turn(&self) -> InTaskTurn<'_> {
        let guard = self.turn.lock().await;
        InTaskTurn { writer: self, _guard: guard, began: Instant::now() }
    }

    fn stats(&self) -> (u64, Duration) {
        (self.writes.load(Ordering::Relaxed), Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed)))
    }

    /// `rollcall-store/src/sqlite/sessions.rs`, `create_session`.
    async fn create_session(&self, s: &Session) -> anyhow::Result<()> {
        let _turn = self.turn().await;
        sqlx::query(INSERT_SESSION)
            .bind(s.id_hash.as_slice())
            .bind(s.user_id.0)
            .bind(&s.csrf_token)
            .bind(ts(s.created_at))
            .bind(ts(s.expires_at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// `rollcall-store/src/sqlite/sessions.rs`, `delete_session`.
    async fn delete_session(&self, id_hash: &[u8; 32]) -> anyhow::Result<()> {
        let _turn = self.turn().await;
        sqlx::query(DELETE_SESSION).bind(id_hash.as_slice()).execute(&self.pool).await?;
        Ok(())
    }

    /// `rollcall-store/src/sqlite/sessions.rs`, `claim_callback`: one query, rolled back if it
    /// fails (as `one_trip.rs` does).
    async fn claim_callback(
        &self,
        code_hash: &[u8; 32],
        now: time::OffsetDateTime,
    ) -> anyhow::Result<CallbackClaim> {
        let _turn = self.turn().await;
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query_as::<_, (String, Option<i64>)>(CLAIM_CALLBACK)
            .bind(ts(now - rollcall_store::CALLBACK_TTL))
            .bind(code_hash.as_slice())
            .bind(ts(now))
            .fetch_all(&mut *conn)
            .await;
        if rows.is_err() {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        }
        let rows = rows?;
        if rows.iter().any(|(state, _)| state == "first") {
            return Ok(CallbackClaim::First);
        }
        match rows.first().map(|(state, user)| (state.as_str(), *user)) {
            Some(("pending", _)) => Ok(CallbackClaim::InProgress),
            Some(("done", Some(user))) => Ok(CallbackClaim::Done(UserId(user))),
            Some(("failed", _)) => Ok(CallbackClaim::Failed),
            other => Err(anyhow::anyhow!("callback claim read back as {other:?}")),
        }
    }

    /// `rollcall-store/src/sqlite/accounts.rs`, `upsert_clever_user` with a token, its
    /// statements' rows told apart as `one_trip.rs`'s `rows_by_statement` does.
    async fn upsert_clever_login(
        &self,
        profile: &CleverProfile,
        token: &SealedToken,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<(UserId, bool)> {
        let role_words = profile.role.as_str().replace('_', " ");
        let detail = format!("Signed up with Clever as {role_words}");
        let query = sqlx::query(UPSERT_CLEVER_LOGIN)
            .bind(ts(now))
            .bind(&role_words)
            .bind(profile.clever_id.as_str())
            .bind(profile.role.as_str())
            .bind(&profile.first_name)
            .bind(profile.middle_name.as_deref())
            .bind(&profile.last_name)
            .bind(profile.email.as_deref())
            .bind(profile.grade.as_deref())
            .bind(token.sealed.as_slice())
            .bind(ts(token.obtained_at))
            .bind(ts(token.expires_at))
            .bind(detail);
        let _turn = self.turn().await;
        let statements = self.rows_by_statement(query).await?;
        let unexpected = || anyhow::anyhow!("the login upsert gave {} statements", statements.len());
        let (existed, account) = match statements.as_slice() {
            [
                _begin,
                existed,
                _role_changed,
                _update,
                _user,
                _identity,
                _created,
                _token,
                account,
                _commit,
            ] => (existed, account),
            _ => return Err(unexpected()),
        };
        let existed: bool = existed.first().ok_or_else(unexpected)?.try_get(0)?;
        let id: i64 = account.first().ok_or_else(unexpected)?.try_get(0)?;
        Ok((UserId(id), !existed))
    }

    /// `rollcall-store/src/sqlite/history.rs`, `insert_run_and_commit` with `begin`, its
    /// parameters bound as `bind_run` binds them.
    async fn record_run(&self, teacher: UserId, run: &RunRecord) -> anyhow::Result<i64> {
        let mut query = sqlx::query(SYNC_RUN);
        for param in run_params(teacher, run)? {
            query = match param {
                Value::Integer(n) => query.bind(n),
                Value::Text(text) => query.bind(text),
                Value::Null => query.bind(None::<String>),
                Value::Real(x) => query.bind(x),
                Value::Blob(bytes) => query.bind(bytes),
            };
        }
        let _turn = self.turn().await;
        let statements = self.rows_by_statement(query).await?;
        let row = statements.iter().flatten().next().context("a sync run was recorded without an id")?;
        Ok(row.try_get(0)?)
    }

    /// `rollcall-store/src/sqlite/one_trip.rs`, `rows_by_statement` on a connection of the pool,
    /// the transaction rolled back if the query fails (as `OneTrip` does).
    async fn rows_by_statement(
        &self,
        query: sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> anyhow::Result<Vec<Vec<sqlx::sqlite::SqliteRow>>> {
        let mut conn = self.pool.acquire().await?;
        let mut statements = Vec::new();
        let result: anyhow::Result<()> = async {
            let mut results = conn.fetch_many(query);
            let mut rows = Vec::new();
            while let Some(result) = results.try_next().await? {
                match result {
                    Either::Left(_done) => statements.push(std::mem::take(&mut rows)),
                    Either::Right(row) => rows.push(row),
                }
            }
            Ok(())
        }
        .await;
        if result.is_err() {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        }
        result?;
        Ok(statements)
    }
}

/// A timestamp as the store writes it (`rollcall-store/src/sqlite/mod.rs`, `ts`): UTC, fixed
/// width, microseconds.
fn ts(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Threads that keep every core busy until stopped, as the app's other work would.
struct Spinners {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Spinners {
    fn start(count: usize) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::with_capacity(count);
        for n in 0..count {
            let stop = Arc::clone(&stop);
            threads.push(std::thread::Builder::new().name(format!("bench-spin-{n}")).spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..1000 {
                        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                    }
                }
            })?);
        }
        Ok(Self { stop, threads })
    }

    fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Spinners {
    fn drop(&mut self) {
        self.halt();
    }
}

fn print_table(
    args: &BenchArgs,
    callers: usize,
    cores: usize,
    results: &[(Kind, Driver, &'static str, Measurement)],
) {
    let mut report = Report::new(
        format!(
            "SQLite writer: the store's write path (A), rusqlite on a thread (B) and sqlx in the caller's task \
             (C), the same SQL on one temp file, {} transactions per row from {callers} callers, the drivers taking \
             turns by tenths; {cores} cores",
            args.transactions
        ),
        &[
            "transaction",
            "driver",
            "run",
            "tx/s",
            "p50 ms",
            "p99 ms",
            "writer busy µs/tx",
            "failed",
            "÷A tx/s",
            "÷A busy",
        ],
    );
    let mut store_run: Option<&Measurement> = None;
    for (kind, driver, pass, m) in results {
        if *driver == Driver::Store {
            store_run = Some(m);
        }
        let (rate_ratio, busy_ratio) = match (driver, store_run) {
            (Driver::Rusqlite | Driver::InTask, Some(a)) => (
                format!("{:.2}", m.rate() / a.rate()),
                format!("{:.2}", m.busy.as_secs_f64() / a.busy.as_secs_f64().max(1e-9)),
            ),
            _ => (String::new(), String::new()),
        };
        report.row(vec![
            kind.name().to_owned(),
            driver.name().to_owned(),
            (*pass).to_owned(),
            format!("{:.0}", m.rate()),
            format!("{:.3}", ms(m.p50)),
            format!("{:.3}", ms(m.p99)),
            format!("{:.1}", m.busy.as_secs_f64() * 1e6),
            m.failed.to_string(),
            rate_ratio,
            busy_ratio,
        ]);
    }
    for kind in Kind::ALL {
        let busy = |driver: Driver, busy_cores: bool| {
            let runs: Vec<f64> = results
                .iter()
                .filter(|(k, d, pass, _)| *k == kind && *d == driver && (*pass == "cores busy") == busy_cores)
                .map(|(_, _, _, m)| m.busy.as_secs_f64() * 1e6)
                .collect();
            runs.iter().sum::<f64>() / runs.len().max(1) as f64
        };
        let (a_idle, b_idle, c_idle) =
            (busy(Driver::Store, false), busy(Driver::Rusqlite, false), busy(Driver::InTask, false));
        let (a_busy, b_busy, c_busy) =
            (busy(Driver::Store, true), busy(Driver::Rusqlite, true), busy(Driver::InTask, true));
        report.note(format!(
            "{}: writer busy per transaction idle (mean of 2) A {a_idle:.1} µs, B {b_idle:.1} µs (B÷A {:.2}), \
             C {c_idle:.1} µs (C÷A {:.2}); cores busy A {a_busy:.1} µs, B {b_busy:.1} µs (B÷A {:.2}), \
             C {c_busy:.1} µs (C÷A {:.2}).",
            kind.name(),
            b_idle / a_idle.max(1e-9),
            c_idle / a_idle.max(1e-9),
            b_busy / a_busy.max(1e-9),
            c_busy / a_busy.max(1e-9),
        ));
    }
    for (kind, driver, pass, m) in results {
        if m.writes != m.transactions {
            report.note(format!(
                "{} / {} / {pass}: the writer counted {} transactions, the callers {}.",
                kind.name(),
                driver.name(),
                m.writes,
                m.transactions
            ));
        }
        if let Some(error) = &m.first_error {
            report.note(format!(
                "{} / {} / {pass}: {} failed, first: {error}",
                kind.name(),
                driver.name(),
                m.failed
            ));
        }
    }
    report.note(
        "Writer busy: for A the store's writer jobs (`writer_stats`), timed on its writer thread from the \
         job's start to its end; for B the job's time on the rusqlite thread; for C its write \
         turn, taken in the caller's task. Each is how long the transaction kept SQLite's one writer. \
         Latency is each transaction's, as its caller waited for it. \"cores busy\": one spinning thread \
         per core beside the callers.",
    );
    report.print();
}

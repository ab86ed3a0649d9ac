//! `rollcall-bench soak`: the app as a real `rollcall serve` child process under a steady mix of
//! Clever logins, "Sync my classes" presses and dashboard and class reads, for minutes, at half
//! the rate it can take at most; a row per minute says what happened (operations, errors by
//! kind, p50/p99 latency, the child's memory and CPU).
//!
//! Steps: generate a district (every teacher 6 classes × 30 students) in an emulator in this
//! process on port 0; start `rollcall serve` on port 0 against it and wait until it says it
//! listens and answers `/healthz`; log every teacher in once (their first login imports their
//! classes; the browsers are kept as the sessions the mix reads and syncs in); measure the mix's
//! closed-loop maximum for `--seconds` with `--connections` browsers (unless `--rate` is given);
//! then run it open-loop at half that rate for `--minutes`. The verdict passes when no
//! operation failed (and the child logged no ERROR) and the child's own memory stayed flat.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use clever_emulator::generate::{GenerateApp, generate};
use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator};
use rollcall_web::WebConfig;

use super::child::{AppChild, Database, Memory, mib};
use super::load::{self, LoadResult, percentile};
use super::login::rig::{Flow, full_time_teachers, logins_district};
use super::login::{CLIENT_ID, CLIENT_SECRET, SCHOOLS, SECTIONS_PER_TEACHER};
use super::mix::{self, Mix, Op, Session};
use super::{Report, ms, say};
use crate::cli::{BenchArgs, Rate};

/// Operations due while this many are unanswered are not sent (and count as errors).
const MAX_IN_FLIGHT: usize = 1000;

/// How often the child's memory is sampled for each row's peak.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// Flat: the last row's anonymous memory at most this much above the baseline row's...
const FLAT_MIB: f64 = 8.0;
/// ...or this share of it, whichever is more.
const FLAT_SHARE: f64 = 0.10;

/// Runs the soak, prints it, and fails unless the verdict passes.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let db = Database::from_arg(&args.database_url, "soak")?;
    let result = soak(args, &db).await;
    db.remove_files()?;
    result
}

async fn soak(args: &BenchArgs, db: &Database) -> anyhow::Result<()> {
    let teachers = (args.teachers as usize).div_ceil(SCHOOLS) * SCHOOLS;
    let (emulator, teacher_ids) = start_emulator(teachers).await?;
    let app = AppChild::start(&db.url(), &emulator.base_url, (CLIENT_ID, CLIENT_SECRET), &[]).await?;
    let redirect = format!("{}{}", app.url, WebConfig::CALLBACK_PATH);
    if let Some(registered) = emulator.emulator.world_mut().apps.get_mut(CLIENT_ID) {
        registered.redirect_uris = vec![redirect];
    }
    let flow = Flow {
        emulator: emulator.emulator.clone(),
        emulator_url: Arc::from(emulator.base_url.as_str()),
        start_url: Arc::from(format!("{}/auth/clever/start", app.url).as_str()),
        expect: None,
        classes: Some(SECTIONS_PER_TEACHER),
        browser_requests: Arc::new(AtomicU64::new(0)),
        browser_to_emulator: Arc::new(AtomicU64::new(0)),
        first_pages: Arc::default(),
    };
    let outcome = measure(args, db, &app, flow, teacher_ids).await;
    app.stop().await?;
    emulator.stop().await?;
    outcome
}

/// The emulator in this process, on port 0, with the generated district (the rate limit lifted:
/// the soak must never measure a 429), and the teachers with 6 classes × 30.
async fn start_emulator(teachers: usize) -> anyhow::Result<(RunningEmulator, Vec<String>)> {
    // The app's port is not known yet: its redirect URI is registered once it listens.
    let app = GenerateApp {
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        redirect_uris: vec![format!("http://127.0.0.1:9{}", WebConfig::CALLBACK_PATH)],
        name: Some("Rollcall (soak)".to_owned()),
    };
    let clock = Clock::system();
    let world = generate(&logins_district(teachers, Some(app)), clock.now())
        .context("cannot generate the district")?;
    let ids = full_time_teachers(&world);
    anyhow::ensure!(
        ids.len() == teachers,
        "the district has {} full-time teachers, not {teachers}",
        ids.len()
    );
    let config = EmulatorConfig {
        rate_limit_per_minute: clever_emulator::config::MAX_RATE_LIMIT,
        ..EmulatorConfig::default()
    };
    let emulator =
        RunningEmulator::start(Emulator::from_world(world, config, clock)?, "127.0.0.1:0".parse()?).await?;
    Ok((emulator, ids))
}

async fn measure(
    args: &BenchArgs,
    db: &Database,
    app: &AppChild,
    flow: Flow,
    teachers: Vec<String>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let sessions = log_everyone_in(&flow, &teachers, args.connections).await?;
    say(&format!(
        "Soak of `rollcall serve` on {}: {} teachers × {SECTIONS_PER_TEACHER} classes × 30 students, each logged in \
         once ({:.1} s); mix {}.\n",
        db.describe(),
        teachers.len(),
        started.elapsed().as_secs_f64(),
        mix::describe()
    ));
    let mix = Arc::new(Mix::new(flow, app.url.clone(), teachers, sessions));
    let rate = match args.rate {
        Rate::PerSecond(rate) => {
            say(&format!("Open loop at {rate:.1} operations/s (--rate).\n"));
            rate
        }
        Rate::Calibrate => {
            let max = calibrate(&mix, args).await;
            anyhow::ensure!(max.ok > 0, "the calibration completed no operation ({} failed)", max.failed);
            let rate = max.rate() / 2.0;
            say(&format!(
                "Calibration, closed loop, {} browsers, {:.0} s: {:.1} operations/s at most (p50 {:.1} ms, \
                 p99 {:.1} ms, {} failed); the soak runs open-loop at half: {rate:.1}/s.\n",
                args.connections,
                max.elapsed.as_secs_f64(),
                max.rate(),
                ms(max.p50),
                ms(max.p99),
                max.failed
            ));
            rate
        }
    };
    let run = open_loop(&mix, app, rate, args).await?;
    verdict(run, app, rate)
}

/// Every teacher's first login (importing their classes), `workers` at a time; the browsers,
/// logged in, are the sessions the mix uses. Any failure ends the benchmark: there is no soak
/// without them.
async fn log_everyone_in(flow: &Flow, teachers: &[String], workers: usize) -> anyhow::Result<Vec<Session>> {
    let sessions = Arc::new(Mutex::new(Vec::with_capacity(teachers.len())));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let pool = Arc::new(teachers.to_vec());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (flow, kept, failed) = (flow.clone(), Arc::clone(&sessions), Arc::clone(&failures));
    load::run(workers, Duration::from_secs(3600), move |_, _| {
        let teacher = pool.get(next.fetch_add(1, Ordering::Relaxed)).cloned();
        let (flow, kept, failed) = (flow.clone(), Arc::clone(&kept), Arc::clone(&failed));
        async move {
            let teacher = teacher?;
            flow.queue(&teacher);
            let session = match tokio::time::timeout(mix::OP_TIMEOUT, flow.start_login()).await {
                Ok(Ok((browser, page))) => mix::judge(&page, "/dashboard", flow.classes)
                    .and_then(|()| Session::from_dashboard(browser, &page)),
                Ok(Err(e)) => Err(format!("transport: {e}")),
                Err(_) => Err("no answer in time".to_owned()),
            };
            let ok = session.is_ok();
            match session {
                Ok(session) => kept.lock().unwrap_or_else(PoisonError::into_inner).push(session),
                Err(why) => failed.lock().unwrap_or_else(PoisonError::into_inner).push(why),
            }
            Some(ok)
        }
    })
    .await;
    let failures = std::mem::take(&mut *failures.lock().unwrap_or_else(PoisonError::into_inner));
    anyhow::ensure!(
        failures.is_empty(),
        "{} of {} first logins failed before the soak began, e.g. {:?}",
        failures.len(),
        teachers.len(),
        failures.first()
    );
    Ok(std::mem::take(&mut *sessions.lock().unwrap_or_else(PoisonError::into_inner)))
}

/// The mix's closed-loop maximum: `--connections` users, each starting the next operation as
/// soon as the last was answered, for `--seconds`.
async fn calibrate(mix: &Arc<Mix>, args: &BenchArgs) -> LoadResult {
    let mix = Arc::clone(mix);
    load::run(args.connections, Duration::from_secs_f64(args.seconds), move |_, i| {
        let mix = Arc::clone(&mix);
        async move {
            let op = mix.next_op();
            Some(mix.run(op, i).await.is_ok())
        }
    })
    .await
}

/// What was answered, and how.
#[derive(Debug, Default)]
struct Tally {
    operations: u64,
    latencies: Vec<Duration>,
    /// Failures by what went wrong.
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn add(&mut self, latency: Option<Duration>, result: &Result<(), String>) {
        self.operations += 1;
        if let Some(latency) = latency {
            self.latencies.push(latency);
        }
        if let Err(why) = result {
            *self.errors.entry(why.clone()).or_default() += 1;
        }
    }

    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// "0", or "3: HTTP 503 on /dashboard ×2, timeout ×1".
    fn errors_cell(&self) -> String {
        let n = self.error_count();
        if n == 0 {
            return "0".to_owned();
        }
        let kinds: Vec<String> = self.errors.iter().map(|(why, k)| format!("{why} ×{k}")).collect();
        format!("{n}: {}", kinds.join(", "))
    }

    /// (p50, p99), latencies sorted first.
    fn percentiles(&mut self) -> (Duration, Duration) {
        self.latencies.sort_unstable();
        (percentile(&self.latencies, 0.50), percentile(&self.latencies, 0.99))
    }
}

/// The current row's tally and the whole run's, per operation.
#[derive(Default)]
struct Tallies {
    row: Tally,
    by_op: [Tally; 4],
}

impl Tallies {
    fn add(&mut self, op: Op, latency: Option<Duration>, result: &Result<(), String>) {
        self.row.add(latency, result);
        if let Some(tally) = self.by_op.get_mut(op.index()) {
            tally.add(latency, result);
        }
    }
}

/// One printed row.
struct Row {
    end: Duration,
    memory: Memory,
    /// The largest VmRSS sampled during the row.
    peak_rss: u64,
    /// The child's CPU use during the row, in % of one core.
    cpu: Option<f64>,
}

/// The open-loop run: a row every `--row-seconds`, printed as it ends; the run's tallies per
/// operation at the end.
async fn open_loop(mix: &Arc<Mix>, app: &AppChild, rate: f64, args: &BenchArgs) -> anyhow::Result<Run> {
    let duration = Duration::from_secs_f64(args.minutes * 60.0);
    let row = Duration::from_secs_f64(args.row_seconds.clamp(0.5, 3600.0));
    anyhow::ensure!(!duration.is_zero(), "--minutes must be more than 0");
    let rows = (duration.as_secs_f64() / row.as_secs_f64()).ceil() as u32;
    let tallies = Arc::new(Mutex::new(Tallies::default()));
    let lock = |t: &Arc<Mutex<Tallies>>| -> Tallies {
        std::mem::take(&mut *t.lock().unwrap_or_else(PoisonError::into_inner))
    };

    let (answered, skipped, m) = (Arc::clone(&tallies), Arc::clone(&tallies), Arc::clone(mix));
    let mut driver = Some(tokio::spawn(load::run_open(
        rate,
        duration,
        MAX_IN_FLIGHT,
        move |i, due| {
            let (mix, tallies) = (Arc::clone(&m), Arc::clone(&answered));
            async move {
                let op = mix::op_for(i);
                let result = mix.run(op, i).await;
                let latency = due.elapsed();
                tallies.lock().unwrap_or_else(PoisonError::into_inner).add(op, Some(latency), &result);
            }
        },
        move |i| {
            let why = Err(format!("not sent: {MAX_IN_FLIGHT} unanswered"));
            skipped.lock().unwrap_or_else(PoisonError::into_inner).add(mix::op_for(i), None, &why);
        },
    )));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (peak, pid_memory) = (Arc::clone(&peak), app.memory_reader());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SAMPLE_EVERY);
            loop {
                every.tick().await;
                if let Some(memory) = pid_memory() {
                    peak.fetch_max(memory.rss, Ordering::Relaxed);
                }
            }
        })
    };

    say(&format!(
        "\n| {:>6} | {:>6} | {:>6} | {:<20} | {:>7} | {:>7} | {:>7} | {:>8} | {:>8} | {:>8} | {:>7} |\n\
         |-------:|-------:|-------:|:---------------------|--------:|--------:|--------:|---------:|---------:|---------:|--------:|\n",
        "until",
        "ops",
        "ops/s",
        "errors (by kind)",
        "p50 ms",
        "p99 ms",
        "RSS MiB",
        "anon MiB",
        "file MiB",
        "peak MiB",
        "CPU %"
    ));
    let start = tokio::time::Instant::now();
    let mut cpu_before = app.cpu();
    let mut printed = Vec::new();
    let mut sent = None;
    let mut by_op = Tallies::default().by_op;
    for k in 1..=rows {
        let end = (row * k).min(duration);
        tokio::time::sleep_until(start + end).await;
        if k == rows
            && let Some(driver) = driver.take()
        {
            // The last row also holds what was still in flight at the end.
            sent = Some(driver.await.context("the load generator failed")?);
        }
        let taken = lock(&tallies);
        for (all, now) in by_op.iter_mut().zip(taken.by_op) {
            all.operations += now.operations;
            all.latencies.extend(now.latencies);
            for (why, n) in now.errors {
                *all.errors.entry(why).or_default() += n;
            }
        }
        let mut tally = taken.row;
        let memory = app.memory().unwrap_or_default();
        let cpu_now = app.cpu();
        let elapsed = if k == 1 { end } else { end.saturating_sub(row * (k - 1)) };
        let cpu = cpu_before.zip(cpu_now).map(|(b, a)| 100.0 * (a - b).as_secs_f64() / elapsed.as_secs_f64());
        cpu_before = cpu_now;
        let peak_rss = peak.swap(0, Ordering::Relaxed).max(memory.rss);
        let (p50, p99) = tally.percentiles();
        say(&format!(
            "| {:>6} | {:>6} | {:>6.1} | {:<20} | {:>7.1} | {:>7.1} | {:>7.1} | {:>8.1} | {:>8.1} | {:>8.1} | {:>7} |\n",
            clock(end),
            tally.operations,
            tally.operations as f64 / elapsed.as_secs_f64().max(f64::EPSILON),
            tally.errors_cell(),
            ms(p50),
            ms(p99),
            mib(memory.rss),
            mib(memory.anon),
            mib(memory.file),
            mib(peak_rss),
            cpu.map_or_else(|| "–".to_owned(), |c| format!("{c:.0}"))
        ));
        printed.push(Row { end, memory, peak_rss, cpu });
    }
    sampler.abort();
    Ok(Run { rows: printed, by_op, sent })
}

/// The whole open-loop run.
struct Run {
    rows: Vec<Row>,
    by_op: [Tally; 4],
    sent: Option<load::OpenLoop>,
}

/// `m:ss`.
fn clock(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The summary per operation and the verdict; an error (a non-zero exit) unless it passes.
fn verdict(mut run: Run, app: &AppChild, rate: f64) -> anyhow::Result<()> {
    let mut report = Report::new(
        format!("Soak summary: open loop at {rate:.1} operations/s"),
        &["operation", "count", "errors", "p50 ms", "p99 ms"],
    );
    let mut all = Tally::default();
    for (op, tally) in Op::ALL.iter().zip(run.by_op.iter_mut()) {
        let (p50, p99) = tally.percentiles();
        report.row(vec![
            op.name().to_owned(),
            tally.operations.to_string(),
            tally.errors_cell(),
            format!("{:.1}", ms(p50)),
            format!("{:.1}", ms(p99)),
        ]);
        all.operations += tally.operations;
        all.latencies.extend(tally.latencies.iter().copied());
        for (why, n) in &tally.errors {
            *all.errors.entry(why.clone()).or_default() += n;
        }
    }
    let (p50, p99) = all.percentiles();
    report.row(vec![
        "all".to_owned(),
        all.operations.to_string(),
        all.errors_cell(),
        format!("{:.1}", ms(p50)),
        format!("{:.1}", ms(p99)),
    ]);

    if let Some(sent) = run.sent {
        report.note(format!(
            "Open loop: {} operations sent on time, {} not sent (due with {MAX_IN_FLIGHT} unanswered).",
            sent.sent, sent.not_sent
        ));
    }
    let log = app.log();
    let errors = all.error_count() + log.errors;
    let mut failed = Vec::new();
    report.note(format!(
        "Errors: {} failed operations, and the app logged {} ERROR and {} WARN lines{}: {}.",
        all.error_count(),
        log.errors,
        log.warnings,
        if log.first.is_empty() { String::new() } else { format!(" (first: {})", log.first.join("; ")) },
        if errors == 0 { "PASS (must be 0)" } else { "FAIL (must be 0)" }
    ));
    if errors > 0 {
        failed.push(format!("{errors} errors"));
    }
    // Minute 1 holds the warm-up's growth (caches, pools, the first sessions), so the baseline is
    // the second row when there are three or more.
    let base_index = if run.rows.len() >= 3 { 1 } else { 0 };
    if let (Some(base), Some(last)) = (run.rows.get(base_index), run.rows.last()) {
        let growth = mib(last.memory.anon) - mib(base.memory.anon);
        let allowed = FLAT_MIB.max(FLAT_SHARE * mib(base.memory.anon));
        let flat = growth <= allowed;
        report.note(format!(
            "Memory: the app's own (RssAnon) {:.1} MiB at {} → {:.1} MiB at {} ({growth:+.1} MiB; flat means at most \
             +{allowed:.1} MiB: {FLAT_MIB:.0} MiB or {:.0} %, whichever is more): {}. VmRSS {:.1} → {:.1} MiB, of which \
             file pages mapped in (the executable, and SQLite's memory-mapped database file, which grows; the \
             kernel takes such pages back when it needs them) {:.1} → {:.1} MiB; highest sampled VmRSS {:.1} MiB.",
            mib(base.memory.anon),
            clock(base.end),
            mib(last.memory.anon),
            clock(last.end),
            FLAT_SHARE * 100.0,
            if flat { "PASS" } else { "FAIL" },
            mib(base.memory.rss),
            mib(last.memory.rss),
            mib(base.memory.file),
            mib(last.memory.file),
            run.rows.iter().map(|r| mib(r.peak_rss)).fold(0.0, f64::max),
        ));
        if !flat {
            failed.push(format!("memory grew {growth:+.1} MiB"));
        }
    }
    let cpu: Vec<f64> = run.rows.iter().filter_map(|r| r.cpu).collect();
    if !cpu.is_empty() {
        report.note(format!(
            "The app's CPU: {:.0} % of one core on average (this machine has {}).",
            cpu.iter().sum::<f64>() / cpu.len() as f64,
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        ));
    }
    report.note(
        "Latency counts from when an operation was due, so a late start counts against it; p99 over time is \
         shown, not judged (other work on a shared machine moves it).",
    );
    let verdict = if failed.is_empty() { "PASS".to_owned() } else { format!("FAIL ({})", failed.join(", ")) };
    report.note(format!("Verdict: {verdict}"));
    say("\n");
    report.print();
    anyhow::ensure!(failed.is_empty(), "the soak failed: {}", failed.join(", "));
    Ok(())
}

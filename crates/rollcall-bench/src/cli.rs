//! `rollcall-bench`'s command line: which benchmark, and its knobs.

use clap::{Args, Parser, ValueEnum};

/// Rollcall's benchmarks: each prints a Markdown table (and soak and passwords a verdict).
#[derive(Debug, Parser)]
#[command(name = "rollcall-bench", version, about)]
pub struct BenchCli {
    #[command(flatten)]
    pub args: BenchArgs,
}

/// What to run, and how long.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which benchmark.
    #[arg(value_enum, default_value = "emulator")]
    pub which: BenchKind,
    /// Seconds to run each measurement (the first-login row also ends when every teacher of the
    /// generated district has logged in; `soak`: the closed-loop calibration).
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Concurrent keep-alive connections (`soak`: the calibration's browsers).
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// `soak` and `passwords`: the database of the `rollcall serve` under test. `sqlite` (a fresh
    /// temp file, removed afterwards), or a URL as `serve --database-url` takes it, e.g. an empty
    /// PostgreSQL database `postgres://postgres@127.0.0.1:5432/rollcall_soak` (used as it is).
    #[arg(long, default_value = "sqlite")]
    pub database_url: String,
    /// `soak`: how long the open-loop run lasts, in minutes (fractions allowed).
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// `soak`: seconds per printed row (a minute; shorter for a quick look).
    #[arg(long, default_value_t = 60.0)]
    pub row_seconds: f64,
    /// `soak`: the open-loop rate in operations per second, or `calibrate` (half the mix's
    /// closed-loop maximum, measured for --seconds first).
    #[arg(long, default_value = "calibrate", value_parser = parse_rate)]
    pub rate: Rate,
    /// `soak`: teachers in the generated district, each with 6 classes of 30 (rounded up to a
    /// multiple of 4, the district's schools; fewer than 20 leave too few students for full
    /// classes); every one logs in once before the measurements.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(20..=4000))]
    pub teachers: u32,
    /// `passwords`: password logins sent at once.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub concurrency: u32,
    /// `login` also runs every row on PostgreSQL, in a fresh database created (and dropped)
    /// on the server this admin URL names, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
    #[arg(long, env = "ROLLCALL_BENCH_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// `login`: milliseconds the emulator waits before answering each of the app's calls to
    /// Clever (the code exchange and the Data API), as a Clever a network away would; the table
    /// then gives each login's time in round trips (time ÷ this), with 1 browser and with
    /// `--connections`, on SQLite.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=5000))]
    pub clever_latency: Option<u64>,
    /// `sqlite-writer`: write transactions per measurement (rounded up to whole operations).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub transactions: u64,
    /// The PostgreSQL rows' pool size (as `serve --database-pool`).
    #[arg(long, default_value_t = rollcall_store::DEFAULT_PG_POOL_SIZE, env = "ROLLCALL_DATABASE_POOL",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool: u32,
}

/// Available benchmarks.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BenchKind {
    /// Emulator start-up (10k-student district) and token-exchange and /v3.0/me throughput next
    /// to a trivial axum handler.
    Emulator,
    /// "Sign up with Clever" logins/s through the real app and emulator on SQLite (and PostgreSQL
    /// with --postgres-url): first logins (each imports 6 classes × 30 students), unchanged repeat
    /// logins, and a whole district's import and re-sync (10,000 students, 500 sections).
    Login,
    /// A `rollcall serve` child under an open-loop mix of Clever logins, "Sync my classes" and
    /// dashboard and class reads at half its measured maximum: a row per minute (errors, p50/p99,
    /// RSS); fails unless there were no errors and memory stayed flat.
    Soak,
    /// Many password logins at once against a `rollcall serve` child: answers by status and the
    /// child's memory against the bound its password-hashing limit implies.
    Passwords,
    /// The store's SQLite write transactions through its real write path (sqlx on the writer
    /// thread) next to the same SQL through rusqlite on a thread of its own: transactions/s,
    /// latency and the writer's busy time per transaction, idle twice and with the cores busy.
    SqliteWriter,
}

/// `soak --rate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// Half the closed-loop maximum, measured first.
    Calibrate,
    /// This many operations per second.
    PerSecond(f64),
}

fn parse_rate(value: &str) -> Result<Rate, String> {
    if value == "calibrate" {
        return Ok(Rate::Calibrate);
    }
    match value.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Rate::PerSecond(rate)),
        _ => Err(format!("{value:?} is neither `calibrate` nor a positive number of operations per second")),
    }
}

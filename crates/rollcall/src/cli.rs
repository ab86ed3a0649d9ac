//! Command-line interface. Every flag can also be set by environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Rollcall: a Clever Library ("Sign up with Clever") integration, and a strict Clever emulator.
#[derive(Debug, Parser)]
#[command(name = "rollcall", version, about)]
pub struct Cli {
    /// Log format on stderr. The level is set with ROLLCALL_LOG (e.g. `debug`, `rollcall=trace`).
    #[arg(long, value_enum, default_value = "text", env = "ROLLCALL_LOG_FORMAT", global = true)]
    pub log_format: LogFormat,
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Clever emulator on its own (OAuth server, portal, Data API, admin API).
    Emulator(EmulatorArgs),
    /// Run a benchmark and print a table.
    Bench(BenchArgs),
}

/// `rollcall emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4000", env = "CLEVER_EMULATOR_LISTEN")]
    pub listen: SocketAddr,
    /// Seed file (TOML or JSON) describing apps, districts, schools, people and sections.
    /// Without --seed or --generate the built-in demo district is loaded.
    #[arg(long, env = "CLEVER_EMULATOR_SEED", conflicts_with = "generate")]
    pub seed: Option<PathBuf>,
    /// Generate a large district instead, e.g. `students=10000,teachers=400,sections=500`.
    #[arg(long, env = "CLEVER_EMULATOR_GENERATE")]
    pub generate: Option<String>,
    /// The URL clients use to reach the emulator, if not http://<listen> (e.g. behind a proxy).
    #[arg(long, env = "CLEVER_EMULATOR_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 86_400, env = "CLEVER_EMULATOR_TOKEN_TTL")]
    pub token_ttl_secs: i64,
    /// Authorization-code lifetime in seconds.
    #[arg(long, default_value_t = 60, env = "CLEVER_EMULATOR_CODE_TTL")]
    pub code_ttl_secs: i64,
    /// Requests per token per minute before 429.
    #[arg(long, default_value_t = 1200, env = "CLEVER_EMULATOR_RATE_LIMIT")]
    pub rate_limit: u32,
}

/// `rollcall bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which benchmark.
    #[arg(value_enum, default_value = "emulator")]
    pub which: BenchKind,
    /// Seconds to run each measurement.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
}

/// Available benchmarks.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BenchKind {
    /// Emulator start-up (10k-student district) and token-exchange and /v3.0/me throughput next
    /// to a trivial axum handler.
    Emulator,
}

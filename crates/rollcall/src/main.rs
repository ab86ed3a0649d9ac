//! `rollcall`: the classroom app, its demo, and the Clever emulator, in one binary.
//!
//! `main` only parses the command line and hands over; each command lives in its own module.
#![forbid(unsafe_code)]

mod admin_cmd;
mod app;
mod bench;
mod cli;
mod demo_cmd;
mod emulator_cmd;
mod shutdown;
mod sync_cmd;

use clap::Parser;

use crate::cli::{Cli, Command};

/// mimalloc instead of the system allocator: the app, the emulator and the benchmarks allocate
/// per request (headers, JSON, rows), and glibc's malloc showed up in the login benchmark's profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // A benchmark measures the work, not one log line per request: warnings only unless asked.
    let default_level = if matches!(cli.command, Command::Bench(_)) { "warn" } else { "info" };
    init_tracing(&cli.log_format, default_level);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => demo_cmd::run(args).await,
            Command::Serve(args) => app::serve(args).await,
            Command::Migrate(args) => app::migrate(args).await,
            Command::Admin(args) => admin_cmd::run(args).await,
            Command::Sync(args) => sync_cmd::run(args).await,
            Command::Emulator(args) => emulator_cmd::run(args).await,
            Command::Bench(args) => bench::run(args).await,
        }
    })
}

fn init_tracing(format: &cli::LogFormat, default_level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ROLLCALL_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    use std::io::IsTerminal;
    // Colour only on a terminal: escape codes would litter a log file or a collector.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        cli::LogFormat::Json => builder.json().init(),
        cli::LogFormat::Text => builder.init(),
    }
}

//! `rollcall-bench`: Rollcall's benchmarks, each printing a Markdown table. Performance lives
//! here, never in timed tests. Run with `cargo run --release -p rollcall-bench -- <which>`
//! (see this crate's README).
//!
//! The app under load is the product itself: `login` and `emulator` run the real app and
//! emulator in this process, and `soak` and `passwords` start `rollcall serve` as a child, by
//! running this executable as `rollcall-bench app serve …` — the `rollcall` library this bench
//! was built with, so no second binary has to be built or found.
#![forbid(unsafe_code)]

mod child;
mod cli;
mod cpu;
mod emulator;
mod load;
mod login;
mod mix;
mod passwords;
mod report;
mod soak;
mod sqlite_writer;

use clap::Parser;

use crate::cli::{BenchArgs, BenchCli, BenchKind};
use crate::report::{Report, ms, say};

/// As in the `rollcall` binary: the numbers should be those of the product as shipped.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The first argument that makes this executable the `rollcall` command (see the crate docs).
pub(crate) const APP_COMMAND: &str = "app";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os();
    if std::env::args_os().nth(1).is_some_and(|first| first == APP_COMMAND) {
        let program = args.next().unwrap_or_else(|| "rollcall".into());
        let cli = rollcall::cli::Cli::parse_from(std::iter::once(program).chain(args.skip(1)));
        return rollcall::run(cli, "info");
    }
    let cli = BenchCli::parse();
    // A benchmark measures the work, not one log line per request: warnings only unless asked.
    rollcall::init_tracing(rollcall::cli::LogFormat::Text, "warn");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli.args))
}

/// Runs the chosen benchmark.
async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        tracing::warn!("this is a debug build: numbers will be far lower than with --release");
    }
    match args.which {
        BenchKind::Emulator => emulator::run(&args).await,
        BenchKind::Login => login::run(&args).await,
        BenchKind::Soak => soak::run(&args).await,
        BenchKind::Passwords => passwords::run(&args).await,
        BenchKind::SqliteWriter => sqlite_writer::run(&args).await,
    }
}

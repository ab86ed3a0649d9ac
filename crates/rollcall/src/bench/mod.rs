//! `rollcall bench`: benchmarks that print a table. Performance targets live here, never in
//! timed tests.

mod emulator;
mod load;

use crate::cli::{BenchArgs, BenchKind};

/// Runs the chosen benchmark.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        tracing::warn!("this is a debug build: numbers will be far lower than with --release");
    }
    match args.which {
        BenchKind::Emulator => emulator::run(&args).await,
    }
}

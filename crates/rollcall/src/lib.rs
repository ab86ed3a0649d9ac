//! The `rollcall` command as a library: the classroom app (`serve`), its demo, the Clever
//! emulator, and the operator commands (`migrate`, `admin`, `sync`). The binary (`main.rs`) only
//! parses the command line and calls [`run`]; `rollcall-bench` links this library to start the
//! very same `rollcall serve` it measures.
#![forbid(unsafe_code)]

mod admin_cmd;
pub mod app;
pub mod cli;
mod demo_cmd;
mod emulator_cmd;
pub mod listen;
mod shutdown;
mod sync_cmd;

use crate::cli::{Cli, Command, LogFormat};

/// Runs one command of the parsed command line to its end, logging to stderr at `default_level`
/// unless `ROLLCALL_LOG` says otherwise.
pub fn run(cli: Cli, default_level: &str) -> anyhow::Result<()> {
    init_tracing(cli.log_format, default_level);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => demo_cmd::run(args).await,
            Command::Serve(args) => app::serve(args).await,
            Command::Migrate(args) => app::migrate(args).await,
            Command::Admin(args) => admin_cmd::run(args).await,
            Command::Sync(args) => sync_cmd::run(args).await,
            Command::Emulator(args) => emulator_cmd::run(args).await,
        }
    })
}

/// How the process ends after [`run`]: an address that cannot be listened on (a port another
/// demo holds) is one line on stderr naming the flags that pick another, with no causes and no
/// backtrace whatever `RUST_BACKTRACE` says; any other error is printed as `main` returning it
/// would (`Error: …` with its causes). Both exit with status 1.
pub fn exit_code(result: anyhow::Result<()>) -> std::process::ExitCode {
    use std::io::Write;
    let Err(error) = result else { return std::process::ExitCode::SUCCESS };
    let message = match error.downcast_ref::<listen::CannotListen>() {
        Some(refusal) => format!("rollcall: {refusal}\n"),
        None => format!("Error: {error:?}\n"),
    };
    let _ = std::io::stderr().write_all(message.as_bytes());
    std::process::ExitCode::FAILURE
}

/// Log lines on stderr in the chosen format, filtered by `ROLLCALL_LOG` (default `default_level`).
pub fn init_tracing(format: LogFormat, default_level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ROLLCALL_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    use std::io::IsTerminal;
    // Colour only on a terminal: escape codes would litter a log file or a collector.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

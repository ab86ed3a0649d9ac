//! `rollcall`: the classroom app, its demo, and the Clever emulator, in one binary.
//!
//! `main` only parses the command line and hands over to the library; each command lives in its
//! own module there.
#![forbid(unsafe_code)]

use clap::Parser;

/// mimalloc instead of the system allocator: the app and the emulator allocate per request
/// (headers, JSON, rows), and glibc's malloc showed up in the login benchmark's profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rollcall::exit_code(rollcall::run(rollcall::cli::Cli::parse(), "info"))
}

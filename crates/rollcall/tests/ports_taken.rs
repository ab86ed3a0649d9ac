//! A port another process holds (a second `rollcall demo`, say), as the person who typed the
//! command meets it: the real binary, with `RUST_BACKTRACE=1` set as a developer's shell may
//! have it, answers in one line naming the address and the flags that pick other ports, and
//! exits with a failure status.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::Killed;

/// Runs `rollcall <args>` in a fresh directory and returns its exit status and stderr, once it
/// has exited. A command that keeps running (it did not notice the port was taken) fails the
/// test after a generous minute instead of hanging it.
fn run(args: &[&str]) -> (std::process::ExitStatus, String) {
    use std::sync::atomic::{AtomicU32, Ordering};
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rollcall-ports-taken-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .current_dir(&dir)
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1")
        .env_remove("ROLLCALL_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut child = Killed(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    let text = rx.recv_timeout(Duration::from_secs(60)).expect("the command exits when its port is taken");
    let status = child.0.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (status, text)
}

/// The one line, checked for what a reader needs and for what must not be there.
fn one_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, not:\n{stderr}");
    for noise in ["backtrace", "Caused by", "panicked", "Error:"] {
        assert!(!stderr.contains(noise), "{noise:?} in:\n{stderr}");
    }
    lines[0]
}

#[test]
fn a_second_demo_on_a_taken_app_port_says_so_in_one_line_with_the_flags() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (status, stderr) = run(&["demo", "--listen", &addr, "--emulator-listen", "127.0.0.1:0"]);
    assert!(!status.success(), "{status}");
    let line = one_line(&stderr);
    assert!(line.contains(&format!("{addr} is already in use")), "{line}");
    assert!(line.contains("--listen") && line.contains("--emulator-listen"), "{line}");
}

#[test]
fn a_taken_emulator_port_names_the_same_flags() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (status, stderr) = run(&["demo", "--listen", "127.0.0.1:0", "--emulator-listen", &addr]);
    assert!(!status.success(), "{status}");
    let line = one_line(&stderr);
    assert!(line.contains(&format!("{addr} is already in use")), "{line}");
    assert!(line.contains("--listen") && line.contains("--emulator-listen"), "{line}");
}

#[test]
fn serve_on_a_taken_port_says_so_in_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (status, stderr) = run(&[
        "serve",
        "--listen",
        &addr,
        "--dev",
        "--clever-client-id",
        "app",
        "--clever-client-secret",
        "secret",
        "--database-url",
        "sqlite://serve-taken.db",
    ]);
    assert!(!status.success(), "{status}");
    let line = one_line(&stderr);
    assert!(line.contains(&format!("{addr} is already in use")) && line.contains("--listen"), "{line}");
}

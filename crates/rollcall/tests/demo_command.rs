//! `rollcall demo` as a newcomer runs it: the banner names whom to log in as (María, whom the
//! README's story follows, among them), and the demo's log-out page leads to the embedded
//! emulator's Clever log-out.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::Killed;

/// Starts the demo on free ports with its database in a fresh directory; returns it with its
/// banner (every line up to "Stop with Ctrl-C", printed once both servers listen).
fn start_demo(dir: &std::path::Path) -> (Killed, Vec<String>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["demo", "--listen", "127.0.0.1:0", "--emulator-listen", "127.0.0.1:0"])
        .args(["--database-url", "sqlite://demo.db"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let mut banner = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.contains("Stop with Ctrl-C");
        banner.push(line);
        if done {
            return (child, banner);
        }
    }
    panic!("the demo ended before its banner was complete: {banner:#?}");
}

/// The first `http://…` on the banner line that starts with `prefix`.
fn url_after(banner: &[String], prefix: &str) -> String {
    let line = banner.iter().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} line"));
    let at = line.find("http://").unwrap();
    line[at..].split_whitespace().next().unwrap().trim_end_matches("/portal").to_owned()
}

#[tokio::test]
async fn the_banner_names_maria_and_the_log_out_page_leads_to_the_emulators_clever_log_out() {
    let dir = std::env::temp_dir().join(format!("rollcall-demo-command-{}", std::process::id()));
    let (_demo, banner) = start_demo(&dir);
    let text = banner.join("\n");
    assert!(
        banner.iter().any(|l| l.trim_start().starts_with("student  María Núñez — Grade 4 Math")),
        "María, whom the README's story follows, can be picked: {text}"
    );
    assert!(text.contains("maria@rollcall.demo"), "{text}");

    let app = url_after(&banner, "Rollcall demo ready");
    let clever = url_after(&banner, "Clever emulator:");
    assert!(text.contains(&format!("{clever}/logout")), "the banner tells of Clever's log-out: {text}");
    let logged_out = reqwest::get(format!("{app}/logged-out")).await.unwrap().text().await.unwrap();
    assert!(logged_out.contains(&format!("href=\"{clever}/logout\"")), "{logged_out}");
    let clever_logout = reqwest::get(format!("{clever}/logout")).await.unwrap();
    assert!(clever_logout.url().path().ends_with("/portal/logout"), "{}", clever_logout.url());
    assert!(clever_logout.text().await.unwrap().contains("You are logged out of Clever"));
    let _ = std::fs::remove_dir_all(&dir);
}

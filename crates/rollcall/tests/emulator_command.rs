//! `rollcall emulator` as a user runs it: start the binary, read the banner, use the URL it prints.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::Killed;

/// Starts the binary and returns it with the banner lines (up to the apps list).
fn start(args: &[&str]) -> (Killed, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("emulator")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Apps");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

fn base_url(banner: &[String]) -> String {
    let first = &banner[0];
    assert!(first.starts_with("Clever emulator ready at http://127.0.0.1:"), "{first}");
    first.split_whitespace().nth(4).unwrap().to_owned()
}

#[tokio::test]
async fn demo_emulator_prints_its_url_and_serves_it() {
    let (_child, banner) = start(&[]);
    let url = base_url(&banner);
    let health: serde_json::Value =
        reqwest::get(format!("{url}/__admin/health")).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert!(banner.iter().any(|l| l.contains("4 teachers, 8 students")), "{banner:?}");
}

#[tokio::test]
async fn generated_district_has_the_requested_size() {
    let (_child, banner) = start(&["--generate", "students=1200,teachers=40,sections=60"]);
    let url = base_url(&banner);
    assert!(banner.iter().any(|l| l.contains("1200 students") && l.contains("60 sections")), "{banner:?}");
    let health: serde_json::Value =
        reqwest::get(format!("{url}/__admin/health")).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
}

#[test]
fn a_broken_seed_file_is_refused_with_the_reason() {
    let mut file = tempfile_in_target("broken-seed.toml");
    writeln!(file.1, "[[sections]]\nkey = \"s\"\nname = \"S\"\nteachers = [\"ghost\"]").unwrap();
    drop(file.1);
    let output = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--seed"])
        .arg(&file.0)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("section \"s\""), "{stderr}");
    let _ = std::fs::remove_file(&file.0);
}

/// A scratch file under the target directory (no temp-dir crate needed).
fn tempfile_in_target(name: &str) -> (std::path::PathBuf, std::fs::File) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("{}-{name}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    (path, file)
}

//! `rollcall-bench soak`, `passwords` and `sqlite-writer` in a short mode, so they cannot rot:
//! the first two start a real `rollcall serve` child on port 0 and must print their table and a
//! passing verdict; `sqlite-writer` must print every row of its table with no failed
//! transaction. The numbers themselves are not judged here (performance lives in the benchmarks).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::Command;

fn bench(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rollcall-bench"))
        .args(args)
        .env_remove("ROLLCALL_LOG")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stdout, stderr)
}

/// Three 2-second rows after a 2-second calibration, on a small district.
const SHORT_SOAK: [&str; 9] =
    ["soak", "--teachers", "20", "--seconds", "2", "--minutes", "0.1", "--row-seconds", "2"];

fn assert_soak_passed(ok: bool, stdout: &str, stderr: &str) {
    assert!(ok, "the soak failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("Calibration, closed loop"), "{stdout}");
    assert!(stdout.contains("|  until |    ops |  ops/s | errors (by kind)"), "{stdout}");
    for row in ["|   0:02 |", "|   0:04 |", "|   0:06 |"] {
        assert!(stdout.contains(row), "no row {row}: {stdout}");
    }
    assert!(stdout.contains("| Clever login (OAuth + sync) |"), "{stdout}");
    assert!(stdout.contains("Errors: 0 failed operations"), "{stdout}");
    assert!(stdout.contains("Verdict: PASS"), "{stdout}");
}

#[test]
fn a_short_soak_on_sqlite_prints_its_rows_and_passes() {
    let (ok, stdout, stderr) = bench(&SHORT_SOAK);
    assert_soak_passed(ok, &stdout, &stderr);
    assert!(stdout.contains("on SQLite (a fresh temp file)"), "{stdout}");
}

#[tokio::test]
async fn a_short_soak_on_postgres_prints_its_rows_and_passes() {
    let Some(db) = test_support::pg::TestDb::create().await else { return };
    let url = db.url().to_owned();
    let mut args: Vec<String> = SHORT_SOAK.iter().map(|a| (*a).to_owned()).collect();
    args.extend(["--database-url".to_owned(), url]);
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        bench(&args)
    })
    .await
    .unwrap();
    db.drop_database().await;
    assert_soak_passed(ok, &stdout, &stderr);
    assert!(stdout.contains("on PostgreSQL (postgres://"), "{stdout}");
}

#[test]
fn the_soak_refuses_a_rate_that_is_not_one() {
    let (ok, _, stderr) = bench(&["soak", "--rate", "fast"]);
    assert!(!ok && stderr.contains("neither `calibrate` nor a positive number"), "{stderr}");
}

#[test]
fn passwords_at_once_are_answered_401_or_503_within_the_hashing_bound() {
    let (ok, stdout, stderr) = bench(&["passwords", "--concurrency", "20"]);
    assert!(ok, "the passwords benchmark failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("Password logins: 20 at once"), "{stdout}");
    assert!(stdout.contains("| answer "), "{stdout}");
    assert!(stdout.contains("wrong email or password"), "{stdout}");
    assert!(stdout.contains("Bound: the app hashes at most"), "{stdout}");
    assert!(stdout.contains("Answers other than 401 and 503: 0."), "{stdout}");
    assert!(stdout.contains("Verdict: PASS"), "{stdout}");
}

#[test]
fn a_short_sqlite_writer_run_prints_every_driver_for_every_transaction() {
    let (ok, stdout, stderr) = bench(&["sqlite-writer", "--transactions", "40", "--connections", "4"]);
    assert!(ok, "the sqlite-writer benchmark failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("| transaction "), "{stdout}");
    assert!(stdout.contains("writer busy µs/tx"), "{stdout}");
    for kind in [
        "session create+delete",
        "callback claim",
        "repeat Clever login upsert",
        "unchanged sync's run record",
    ] {
        for driver in ["A store (sqlx, writer thread)", "B rusqlite thread", "C sqlx in the caller's task"] {
            for run in ["idle, 1st", "idle, 2nd", "cores busy"] {
                let row = stdout.lines().find(|l| l.contains(kind) && l.contains(driver) && l.contains(run));
                let row = row.unwrap_or_else(|| panic!("no row {kind} / {driver} / {run}:\n{stdout}"));
                // The failed column: every transaction committed as the store's would.
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                assert_eq!(cells.get(8), Some(&"0"), "failures in {row}:\n{stdout}");
            }
        }
    }
    // Every writer counted the transactions its callers sent, so busy per transaction is per one.
    assert!(!stdout.contains("the writer counted"), "{stdout}");
}

#[test]
fn login_latency_counts_the_round_trips_each_page_needs() {
    let (ok, stdout, stderr) =
        bench(&["login", "--clever-latency", "20", "--seconds", "0.5", "--connections", "2"]);
    assert!(ok, "the latency benchmark failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("answered 20 ms late"), "{stdout}");
    let rows: Vec<&str> =
        stdout.lines().filter(|l| l.starts_with("| first login") || l.starts_with("| returning")).collect();
    assert_eq!(rows.len(), 8, "two rows for each district, with 1 browser and with 2: {stdout}");
    assert!(stdout.contains("| first login, 12 classes (one of 150)"), "{stdout}");
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[9], "0", "no login failed: {row}");
        // "151 (7.56)": a p50 in round trips. No page comes before the code and /me (2), nor the
        // synced classes before the user record or the lists (3), unless the latency was not applied.
        let rt =
            |cell: &str| -> f64 { cell.split('(').nth(1).unwrap().trim_end_matches(')').parse().unwrap() };
        let (first_page, synced) = (rt(cells[5]), rt(cells[7]));
        assert!(first_page >= 2.0, "a first page came in fewer than 2 round trips: {row}");
        assert!(synced >= 3.0, "the classes were synced in fewer than 3 round trips: {row}");
        assert!(first_page <= synced, "{row}");
    }
}

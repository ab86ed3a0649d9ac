//! `rollcall sync --all` stopped by SIGTERM in the middle of a teacher's sync (a deploy, a cron
//! timeout, Ctrl-C) gives that teacher's sync lease back and says how far it got, so a rerun,
//! another replica or the teacher's next login can sync at once instead of waiting for a lease
//! nobody renews.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use clever_emulator::faults::FaultSpec;
use clever_emulator::state::NextLogin;
use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator, Seed};

const CLIENT: &str = "rollcall-demo";
/// Where Clever sends the browser back; nothing listens there, the test carries the code over.
const PUBLIC_URL: &str = "http://127.0.0.1:9";
const TOKEN_KEY: &str = "8f3a1c5e7b9d0f2a4c6e8a0b2d4f6a8c0e2b4d6f8a1c3e5a7b9d1f3a5c7e9b1d";

/// The flags `serve` and `sync` share: the database, the emulator as Clever, the token key.
fn app_flags(db_url: &str, clever: &str, secret: &str) -> Vec<String> {
    [
        "--dev",
        "--public-url",
        PUBLIC_URL,
        "--database-url",
        db_url,
        "--clever-client-id",
        CLIENT,
        "--clever-client-secret",
        secret,
        "--clever-oauth-url",
        clever,
        "--clever-api-url",
        clever,
        "--token-key",
        TOKEN_KEY,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Signs the seed's teacher `key` in through a real `rollcall serve`, which stores the teacher
/// and a sealed Clever token in the database, then stops it.
async fn sign_in_through_serve(emulator: &RunningEmulator, flags: &[String], key: &str) {
    let mut args = flags.to_vec();
    args.extend(["--background-sync-minutes".to_owned(), "0".to_owned()]);
    let (_serve, addr) = common::serve(&args);

    let user_id = emulator.emulator.world().users.values().find(|u| u.key == key).unwrap().id.clone();
    emulator.emulator.browser().next_logins.push_back(NextLogin { user_id, client_id: Some(CLIENT.into()) });
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_owned();
    let start = browser.get(format!("http://{addr}/auth/clever/start")).send().await.unwrap();
    let authorize = browser.get(location(&start)).send().await.unwrap();
    let callback = location(&authorize);
    let callback = callback.replace(PUBLIC_URL, &format!("http://{addr}"));
    let signed_in = browser.get(callback).send().await.unwrap();
    assert_eq!(signed_in.headers()["location"], "/dashboard", "the teacher signed in");
    // The login's sync runs behind the dashboard, which reloads itself to `?wait=1` until the
    // sync has ended and then sends the browser back to `/dashboard`.
    let settled = browser.get(format!("http://{addr}/dashboard?wait=1")).send().await.unwrap();
    assert_eq!(settled.headers()["location"], "/dashboard", "the login's sync ended");
}

#[tokio::test]
async fn sigterm_during_sync_all_gives_the_lease_back_and_says_how_far_it_got() {
    let mut seed = Seed::demo();
    seed.set_redirect_uris(CLIENT, vec![format!("{PUBLIC_URL}/auth/clever/callback")]);
    let secret = seed.apps[0].client_secret.clone();
    let emulator = Emulator::new(seed, EmulatorConfig::default(), Clock::system()).unwrap();
    let emulator = RunningEmulator::start(emulator, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let db = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sync-signal-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let db_url = format!("sqlite://{}", db.display());
    let flags = app_flags(&db_url, &emulator.base_url, &secret);
    sign_in_through_serve(&emulator, &flags, "skelly").await;

    // From now on Clever holds every Data API answer for two minutes: the sync is mid-way.
    let hold: FaultSpec = serde_json::from_value(serde_json::json!({
        "path": "/v3.0/*", "latency_ms": 120_000
    }))
    .unwrap();
    emulator.emulator.faults().add(hold);
    let mut sync = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["sync", "--all"])
        .args(&flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Readiness: the sync's first Clever request has arrived and is being held.
    let arrived = async {
        while emulator.emulator.faults().list().iter().all(|rule| rule.matched == 0) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), arrived).await.expect("the sync asked Clever");

    let killed = Command::new("kill").args(["-TERM", &sync.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = sync.wait().unwrap();
    let mut stderr = String::new();
    sync.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!status.success(), "a stopped sync is not a success");
    assert!(stderr.contains("stopped by a signal while syncing teacher"), "{stderr}");
    assert!(stderr.contains("0 of 1 teacher(s) were synced; the sync lease was given back"), "{stderr}");

    // Another process can take the teacher's lease at once: nobody holds it any more.
    let store = rollcall_store::open(&db_url).await.unwrap();
    let teacher_id = emulator.emulator.world().users.values().find(|u| u.key == "skelly").unwrap().id.clone();
    let teacher = store
        .user_by_clever_id(&rollcall_core::CleverId::parse(&teacher_id).unwrap())
        .await
        .unwrap()
        .expect("serve created the teacher");
    let now = rollcall_core::Clock::now(&rollcall_core::SystemClock);
    let taken =
        store.take_sync_lease(teacher.id, "another-replica", now, time::Duration::seconds(60)).await.unwrap();
    assert!(taken, "the lease was given back");
    let _ = std::fs::remove_file(&db);
}

//! `rollcall serve` refuses configurations Clever's Library guide forbids, and says why.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::Command;

fn serve(public_url: &str, extra: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["serve", "--listen", "127.0.0.1:0", "--public-url", public_url])
        .args(["--clever-client-id", "id", "--clever-client-secret", "secret"])
        .args(extra)
        .env_remove("ROLLCALL_DEV")
        .env_remove("ROLLCALL_TOKEN_KEY")
        .output()
        .unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn an_http_redirect_uri_is_refused_outside_dev_mode() {
    let key = "ab".repeat(32);
    let (ok, stderr) = serve("http://rollcall.example", &["--token-key", &key]);
    assert!(!ok);
    assert!(stderr.contains("is not https") && stderr.contains("--dev"), "{stderr}");
}

#[test]
fn a_redirect_uri_with_a_fragment_is_refused() {
    let key = "ab".repeat(32);
    let (ok, stderr) = serve("https://rollcall.example/#app", &["--token-key", &key]);
    assert!(!ok);
    assert!(stderr.contains("fragment"), "{stderr}");
}

#[test]
fn a_token_key_is_required_outside_dev_mode() {
    let (ok, stderr) = serve("https://rollcall.example", &[]);
    assert!(!ok);
    assert!(stderr.contains("--token-key") && stderr.contains("openssl rand -hex 32"), "{stderr}");
}

/// Admin rights come only from `rollcall admin` on the server: `serve` has no flag that makes an
/// email an admin's (a sign-up would claim it), and granting an email no account logs in with
/// says what to do first.
#[test]
fn admin_rights_come_only_from_the_admin_command() {
    let key = "ab".repeat(32);
    let (ok, stderr) =
        serve("https://rollcall.example", &["--token-key", &key, "--admin-email", "ops@school.org"]);
    assert!(!ok && stderr.contains("--admin-email"), "the flag is gone: {stderr}");

    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("admin-{}.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    let admin = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .arg("admin")
            .args(args)
            .args(["--database-url", &url])
            .output()
            .unwrap()
    };
    let list = admin(&["list"]);
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    assert!(String::from_utf8_lossy(&list.stdout).contains("Nobody may read the admin pages"));
    let grant = admin(&["grant", "Ops@School.org"]);
    let stderr = String::from_utf8_lossy(&grant.stderr);
    assert!(!grant.status.success());
    assert!(
        stderr.contains("no account logs in with ops@school.org") && stderr.contains("sign up"),
        "{stderr}"
    );
    let bad = admin(&["grant", "ops at school"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("not an email address"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn an_unknown_database_scheme_is_refused_without_its_password() {
    let key = "ab".repeat(32);
    let (ok, stderr) = serve(
        "https://rollcall.example",
        &["--token-key", &key, "--database-url", "mysql://app:hunter2@db/rollcall"],
    );
    assert!(!ok);
    assert!(stderr.contains("unsupported database URL scheme") && stderr.contains("app:***@db"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn an_unreachable_postgres_is_reported_without_its_password() {
    let key = "ab".repeat(32);
    let url = "postgres://app:hunter2@127.0.0.1:1/rollcall";
    let (ok, stderr) = serve("https://rollcall.example", &["--token-key", &key, "--database-url", url]);
    assert!(!ok);
    assert!(stderr.contains("cannot open the database postgres://app:***@127.0.0.1:1/rollcall"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn migrate_prepares_a_fresh_database_and_says_so() {
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("migrate-{}.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    for _ in 0..2 {
        let output = Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args(["migrate", "--database-url", &url])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains("migrations applied"));
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn sync(extra: &[&str]) -> std::process::Output {
    let path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sync-{}.db", std::process::id()));
    let url = format!("sqlite://{}", path.display());
    Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["sync", "--dev", "--public-url", "http://127.0.0.1:9", "--database-url", &url])
        .args(["--clever-client-id", "id", "--clever-client-secret", "secret"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn sync_all_with_nobody_to_sync_says_so() {
    let output = sync(&["--all"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("no teachers with a valid Clever token"));
}

#[test]
fn sync_of_an_unknown_teacher_is_refused_with_the_reason() {
    let output = sync(&["--teacher", "5f1e2d3c4b5a697887766554"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no Rollcall account has the Clever id"));
}

#[test]
fn sync_needs_a_teacher_or_all() {
    let output = sync(&[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--teacher"));
}

/// Only `--dev` may leave out the public URL (it is then the address serve listens on);
/// anywhere else the redirect URI registered with Clever must be said.
#[test]
fn the_public_url_may_be_left_out_only_in_dev_mode() {
    let key = "ab".repeat(32);
    let output = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["serve", "--listen", "127.0.0.1:0", "--token-key", &key])
        .args(["--clever-client-id", "id", "--clever-client-secret", "secret"])
        .env_remove("ROLLCALL_DEV")
        .env_remove("ROLLCALL_PUBLIC_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--public-url (ROLLCALL_PUBLIC_URL) is required outside --dev"), "{stderr}");
}

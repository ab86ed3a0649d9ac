//! The audit log: what happened to an account is shown to its owner, and to admins (with
//! filters); to anyone else the admin page does not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use clever_emulator::model::Role;
use reqwest::StatusCode;
use rollcall_store::AccountRole;
use support::{ADMIN_EMAIL, TestApp, user_id};

const PASSWORD: &str = "an admin's password";

/// The rows of the audit table (the filter's list names every action too).
fn rows(page: &support::Page) -> &str {
    page.body.split("<tbody>").nth(1).and_then(|t| t.split("</tbody>").next()).unwrap_or_default()
}

async fn admin(app: &TestApp) -> support::Browser {
    app.password_account(AccountRole::Teacher, ("Ops", "Admin"), ADMIN_EMAIL, PASSWORD).await;
    // What `rollcall admin grant` does on the server.
    app.store().set_admin(ADMIN_EMAIL, true, app.state.now()).await.unwrap();
    let browser = app.browser();
    let home = browser.password_login(ADMIN_EMAIL, PASSWORD).await;
    assert!(home.url.ends_with("/admin/audit"), "an admin lands on the admin pages: {}", home.url);
    assert!(home.contains("Audit log"), "{}", home.body);
    let dashboard = browser.get("/dashboard").await;
    assert!(dashboard.contains("href=\"/admin/audit\""), "admins see the link: {}", dashboard.body);
    browser
}

/// The admin email cannot be claimed: whoever signs up with an operator's address (before the
/// operator, even as a student) gets an ordinary account; only the operator's grant on the server
/// opens the admin pages, and only for the account it names.
#[tokio::test]
async fn signing_up_with_the_operators_email_gives_no_admin_rights() {
    let app = TestApp::spawn().await;
    let squatter = app.browser();
    let page = squatter.sign_up(("Eve", "Mallory"), ADMIN_EMAIL, PASSWORD, "student").await;
    assert!(page.contains("Check your email"), "{}", page.body);
    // The link went to the operator's inbox, which the squatter cannot read: no account exists,
    // so there is nothing to log in to and nothing an operator's grant could find.
    let login = squatter.password_login(ADMIN_EMAIL, PASSWORD).await;
    assert!(login.contains("Wrong email or password."), "{}", login.body);
    let grant = app.store().set_admin(ADMIN_EMAIL, true, rollcall_core::Clock::now(&app.clock)).await;
    assert!(matches!(grant, Err(rollcall_store::StoreError::NotFound(_))), "{grant:?}");
    let admin = squatter.get("/admin/audit").await;
    assert!(admin.contains("Log in to Rollcall") && !admin.contains("Audit"), "{}", admin.body);
}

#[tokio::test]
async fn admins_list_the_log_with_filters_and_others_find_nothing_there() {
    let app = TestApp::spawn().await;
    let sam = app.browser();
    app.login(&sam, "skelly").await;
    // Sofia's class has not been synced yet: her login creates her account.
    app.login(&app.browser(), "sofia").await;
    let sam_id = app.clever_account("skelly").await.unwrap().id;

    // Not an admin: no link, and the page does not exist for them.
    assert!(!sam.get("/dashboard").await.contains("/admin/audit"));
    assert_eq!(sam.get("/admin/audit").await.status, StatusCode::NOT_FOUND);
    assert!(app.browser().get("/admin/audit").await.on("/login"), "anonymous: log in first");

    let ops = admin(&app).await;
    let all = ops.get("/admin/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    for expected in ["Account created", "Classes synced", "Sam Kelly", "Sofía"] {
        assert!(rows(&all).contains(expected), "{expected}: {}", all.body);
    }
    let syncs = ops.get("/admin/audit?action=sync_run").await;
    assert!(
        rows(&syncs).contains("Classes synced") && !rows(&syncs).contains("Account created"),
        "{}",
        syncs.body
    );
    let sofia = app.clever_account("sofia").await.unwrap().id;
    let sofias = ops.get(&format!("/admin/audit?user={sofia}")).await;
    assert!(rows(&sofias).contains("Sofía") && !rows(&sofias).contains("Classes synced"), "{}", sofias.body);
    let today = app.clock_date();
    let sams = ops.get(&format!("/admin/audit?user={sam_id}&since={today}&until={today}")).await;
    assert!(rows(&sams).contains("Classes synced"), "{}", sams.body);
    let future = ops.get("/admin/audit?since=2999-01-01").await;
    assert!(future.contains("No entries match."));
    let bad = ops.get("/admin/audit?since=yesterday").await;
    assert!(bad.contains("Dates are YYYY-MM-DD."), "an unreadable filter is said, not ignored");
}

#[tokio::test]
async fn a_role_change_from_clever_is_recorded() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "dbrooks").await;
    app.emulator().world_mut().users.get_mut(&user_id("dbrooks")).unwrap().roles =
        BTreeSet::from([Role::Student]);
    let dan = app.browser();
    let page = app.login(&dan, "dbrooks").await;
    assert!(page.contains("Your classes will appear here"), "he is a student now: {}", page.body);
    let profile = dan.get("/profile").await;
    assert!(profile.contains("Role changed") && profile.contains("teacher → student"), "{}", profile.body);
}

#[tokio::test]
async fn the_owner_sees_their_own_history_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let sam = app.browser();
    app.login(&sam, "skelly").await;
    app.login(&app.browser(), "aortega").await;
    let profile = sam.get("/profile").await;
    assert!(profile.contains("Account created") && profile.contains("Classes synced"), "{}", profile.body);
    assert_eq!(profile.body.matches("Account created").count(), 1, "only Sam's own: {}", profile.body);
}

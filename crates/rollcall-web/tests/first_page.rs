//! What a teacher sees first, with Clever a network away: the dashboard as soon as Rollcall knows
//! who they are, the sync behind it, and the synced classes when it ends. Every call the app
//! makes about the teacher is answered late here (an emulator latency fault), so which calls had
//! been answered when the first page arrived is read from the emulator's journal: the order and
//! overlap of calls, never a measured time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rollcall_store::AccountRole;
use support::{Page, TestApp, section_id, user_id};

/// Long enough that a page served "at once" is served while these calls are still unanswered.
const LATE_MS: u64 = 3_000;

/// The Data API paths the emulator had answered so far, in order.
fn answered(app: &TestApp) -> Vec<String> {
    let entries = app.emulator().journal().entries();
    entries.iter().filter(|e| e.path.starts_with("/v3.0/")).map(|e| e.path.clone()).collect()
}

/// The synced page a self-reloading dashboard leads to.
async fn settled(browser: &support::Browser, first: &Page) -> Page {
    let next = first.refresh().expect("the page reloads itself while the sync runs");
    let page = browser.get(&first.resolve(&next)).await;
    assert!(page.on("/dashboard") && page.refresh().is_none(), "{}\n{}", page.url, page.body);
    assert!(!page.contains("id=\"syncing\""), "{}", page.body);
    page
}

#[tokio::test]
async fn a_returning_teacher_sees_their_classes_once_clever_has_said_who_they_are() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "skelly").await;
    app.emulator()
        .world_mut()
        .update_section(&section_id("reading4"), |s| s.name = "Reading Workshop".into());
    app.fault(serde_json::json!({"path": "/v3.0/users/*", "latency_ms": LATE_MS}));
    app.emulator().journal().clear();

    let browser = app.browser();
    let first = app.login(&browser.without_refresh(), "skelly").await;
    let before = answered(&app);
    assert!(first.on("/dashboard"), "{}", first.url);
    assert_eq!(before, ["/v3.0/me"], "the page came when the code and /me were answered, nothing else");
    assert_eq!(app.token_exchanges(), 1);
    assert!(first.contains("Syncing your classes…"), "{}", first.body);
    assert!(first.contains("Grade 4 Reading"), "the classes Rollcall has are shown meanwhile");

    let synced = settled(&browser, &first).await;
    assert!(synced.contains("Reading Workshop") && synced.contains("id=\"sync-report\""), "{}", synced.body);
    let sam = user_id("skelly");
    let calls = app.emulator().journal().entries();
    let behind: Vec<_> = calls.iter().filter(|e| e.path.starts_with(&format!("/v3.0/users/{sam}"))).collect();
    assert_eq!(behind.len(), 3, "the user, the sections and the students, once each: {behind:?}");
    assert!(behind.iter().any(|e| e.in_flight >= 2), "asked at once, not one after another: {behind:?}");
    assert_eq!(app.token_exchanges(), 1, "the code is exchanged once");
}

#[tokio::test]
async fn a_first_login_says_it_is_importing_and_becomes_the_dashboard() {
    let app = TestApp::spawn().await;
    for list in ["/v3.0/users/*/sections", "/v3.0/users/*/mystudents"] {
        app.fault(serde_json::json!({"path": list, "latency_ms": LATE_MS}));
    }
    let browser = app.browser();
    let first = app.login(&browser.without_refresh(), "skelly").await;
    let sam = user_id("skelly");
    assert_eq!(
        answered(&app),
        ["/v3.0/me".to_owned(), format!("/v3.0/users/{sam}")],
        "the lists are still coming"
    );
    assert!(first.on("/dashboard"), "{}", first.url);
    assert!(first.contains("Importing your classes from Clever…"), "{}", first.body);
    assert!(first.contains(">Sam Kelly<"), "who is signed in is shown: {}", first.body);
    assert!(!first.contains("have not been synced yet") && !first.contains("no classes in Clever"));
    assert!(app.clever_account("skelly").await.is_some(), "the account exists from the first page on");

    let synced = settled(&browser, &first).await;
    for class in ["Grade 4 Math", "Grade 4 Reading", "Homeroom 4B"] {
        assert!(synced.contains(class), "{class} missing: {}", synced.body);
    }
}

#[tokio::test]
async fn nothing_is_written_before_the_first_login_question_is_answered() {
    let app = TestApp::spawn().await;
    let old = app
        .password_account(AccountRole::Teacher, ("Other", "Teacher"), "other@school.test", "pw-12345678")
        .await;
    app.fault(serde_json::json!({"path": "/v3.0/users/*/s*", "latency_ms": LATE_MS}));
    let browser = app.browser();
    let question = app.login(&browser, "skelly").await;
    assert!(question.contains("Do you already have a Rollcall account?"), "{}", question.body);
    assert!(app.clever_account("skelly").await.is_none(), "no account while the question is open");
    assert!(app.store().teacher_sections(old.id).await.unwrap().is_empty());

    let glance = browser.without_refresh();
    let first = glance.submit(&question, &app.url, "Create my Rollcall account").await;
    assert!(first.contains("Importing your classes from Clever…"), "{}", first.body);
    let synced = settled(&browser, &first).await;
    assert!(synced.contains("Grade 4 Math"), "{}", synced.body);
    assert!(app.store().teacher_sections(old.id).await.unwrap().is_empty(), "the other account is untouched");
}

#[tokio::test]
async fn when_clever_fails_behind_the_page_nothing_is_flagged_and_the_teacher_is_told() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "skelly").await;
    app.emulator()
        .world_mut()
        .update_section(&section_id("math4"), |s| s.students.retain(|id| *id != user_id("jamal")));
    app.fault(serde_json::json!({"path": "/v3.0/users/*/sections", "latency_ms": LATE_MS, "status": 503}));

    let browser = app.browser();
    let first = app.login(&browser.without_refresh(), "skelly").await;
    assert!(first.contains("Syncing your classes…"), "{}", first.body);
    let synced = settled(&browser, &first).await;
    assert!(synced.contains("Clever is not responding right now. Nothing was changed"), "{}", synced.body);
    assert!(synced.contains("Grade 4 Math") && !synced.contains("removed in Clever"), "{}", synced.body);
    let sam = app.clever_account("skelly").await.unwrap();
    let math = app
        .store()
        .teacher_sections(sam.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Grade 4 Math")
        .unwrap();
    assert_eq!(math.active_students, 5, "Jamal is not flagged on a failed sync");
    assert_eq!(math.removed_students, 0);
}

#[tokio::test]
async fn reloading_or_double_submitting_the_callback_while_the_sync_runs_is_harmless() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "skelly").await;
    app.fault(serde_json::json!({"path": "/v3.0/users/*", "latency_ms": LATE_MS}));
    let sam = app.clever_account("skelly").await.unwrap();
    let runs_before = app.store().sync_runs(sam.id, 10).await.unwrap().len();

    let browser = app.stepping_browser();
    let callback = app.callback_url(&browser, "skelly").await;
    let (a, b) = tokio::join!(browser.get(&callback), browser.get(&callback));
    let reload = browser.get(&callback).await;
    for page in [&a, &b, &reload] {
        assert_eq!(page.location(), Some("/dashboard"), "{}", page.body);
    }
    assert_eq!(app.token_exchanges(), 2, "this login's code was exchanged once (the first login's too)");
    let first = browser.get("/dashboard").await;
    assert!(first.contains("Syncing your classes…"), "{}", first.body);
    let done = browser.get("/dashboard?wait=1").await;
    assert_eq!(done.location(), Some("/dashboard"), "the wait ends with the sync");
    let runs = app.store().sync_runs(sam.id, 10).await.unwrap();
    assert_eq!(runs.len(), runs_before + 1, "one sync for this login: {runs:?}");
}

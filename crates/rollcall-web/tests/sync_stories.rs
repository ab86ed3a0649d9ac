//! Sync stories: what a teacher sees when Clever changes, fails, or is slow — and that a failed
//! or partial Clever response never deletes or flags anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use clever_emulator::EmulatorConfig;
use rollcall_core::CleverId;
use rollcall_store::{RosterEntry, SectionSummary};
use support::{Browser, Page, TestApp, section_id, user_id};

fn cid(s: &str) -> CleverId {
    CleverId::parse(s).unwrap()
}

impl TestApp {
    async fn teacher_sections(&self, key: &str) -> Vec<SectionSummary> {
        let teacher = self.store().user_by_clever_id(&cid(&user_id(key))).await.unwrap().unwrap();
        self.store().teacher_sections(teacher.id).await.unwrap()
    }

    async fn roster(&self, teacher: &str, section: &str) -> Vec<RosterEntry> {
        let t = self.store().user_by_clever_id(&cid(&user_id(teacher))).await.unwrap().unwrap();
        let s = self
            .teacher_sections(teacher)
            .await
            .into_iter()
            .find(|s| s.clever_id.as_str() == section_id(section))
            .unwrap();
        self.store().section_roster(t.id, s.id).await.unwrap().unwrap().students
    }

    /// Logs Sam in and returns his browser and the dashboard's CSRF token.
    async fn sam(&self) -> (Browser, String) {
        let browser = self.browser();
        let page = self.login(&browser, "skelly").await;
        let csrf = page.csrf();
        (browser, csrf)
    }

    /// Renames Reading and moves Jamal out of Math in Clever.
    fn change_clever(&self) {
        let mut world = self.emulator().world_mut();
        world.update_section(&section_id("reading4"), |s| s.name = "Reading Workshop".into());
        world.update_section(&section_id("math4"), |s| s.students.retain(|id| *id != user_id("jamal")));
    }
}

fn active(roster: &[RosterEntry]) -> usize {
    roster.iter().filter(|s| !s.removed_in_clever).count()
}

#[tokio::test]
async fn a_login_asks_clever_who_it_is_then_for_the_user_the_classes_and_the_students_at_once() {
    let app = TestApp::spawn().await;
    // Each call about the teacher takes a while, as from a school's server to Clever a network
    // away: calls sent one after the other are never answered at the same time.
    app.fault(serde_json::json!({"path": "/v3.0/users/*", "latency_ms": 200}));
    app.emulator().journal().clear();
    let (browser, _) = app.sam().await;
    assert!(browser.get("/dashboard").await.contains("Grade 4 Math"), "the classes came in");

    let calls = app.emulator().journal().entries();
    let sam = user_id("skelly");
    let api: Vec<&str> =
        calls.iter().filter(|e| e.path.starts_with("/v3.0/")).map(|e| e.path.as_str()).collect();
    assert_eq!(api.first(), Some(&"/v3.0/me"), "who it is comes first: {api:?}");
    let mut rest = api[1..].to_vec();
    rest.sort_unstable();
    let (user, sections, students) = (
        format!("/v3.0/users/{sam}"),
        format!("/v3.0/users/{sam}/mystudents"),
        format!("/v3.0/users/{sam}/sections"),
    );
    assert_eq!(rest, [user.as_str(), sections.as_str(), students.as_str()], "one call each, one page each");
    let most_at_once = calls.iter().filter(|e| e.path.starts_with("/v3.0/users/")).map(|e| e.in_flight).max();
    assert_eq!(
        most_at_once,
        Some(2),
        "the user, the sections and the students were not asked together: {calls:?}"
    );
    let exchanged: Vec<_> = calls.iter().filter(|e| e.path == "/oauth/tokens").collect();
    assert_eq!(exchanged.len(), 1, "the code is exchanged once");
}

#[tokio::test]
async fn a_student_known_to_rollcall_is_not_asked_for_a_teachers_lists() {
    let app = TestApp::spawn().await;
    let maria = user_id("maria");
    let lists = |app: &TestApp| {
        let calls = app.emulator().journal().entries();
        calls.iter().filter(|e| e.path.ends_with("/sections") || e.path.ends_with("/mystudents")).count()
    };
    app.login(&app.browser(), "maria").await;
    assert!(lists(&app) <= 2, "a first login asks for the two lists at most, unused");
    app.emulator().journal().clear();
    let page = app.login(&app.browser(), "maria").await;
    assert!(page.on("/dashboard"), "{}", page.url);
    assert_eq!(lists(&app), 0, "her second login asks only who she is");
    let calls = app.emulator().journal().entries();
    assert!(calls.iter().any(|e| e.path == format!("/v3.0/users/{maria}")), "{calls:?}");
}

#[tokio::test]
async fn a_section_with_more_students_than_one_page_is_imported_whole() {
    let app =
        TestApp::spawn_with(EmulatorConfig { default_page_limit: 2, ..EmulatorConfig::default() }).await;
    app.sam().await;
    assert_eq!(active(&app.roster("skelly", "math4").await), 5, "five students over three pages");
    assert_eq!(app.teacher_sections("skelly").await.len(), 3, "three sections over two pages");
}

#[tokio::test]
async fn two_co_teachers_logging_in_at_the_same_moment_share_one_section() {
    let app = TestApp::spawn().await;
    app.next_login("skelly");
    app.next_login("aortega");
    let (a, b) = (app.browser(), app.browser());
    let (pa, pb) = tokio::join!(a.get("/auth/clever/start"), b.get("/auth/clever/start"));
    assert!(pa.on("/dashboard") && pb.on("/dashboard"), "no error pages");
    let sam = app.teacher_sections("skelly").await;
    let ana = app.teacher_sections("aortega").await;
    let math = |list: &[SectionSummary]| {
        list.iter().find(|s| s.clever_id.as_str() == section_id("math4")).map(|s| s.id)
    };
    assert!(math(&sam).is_some());
    assert_eq!(math(&sam), math(&ana), "one row, both teachers");
    assert_eq!(active(&app.roster("skelly", "math4").await), 5, "students enrolled once");
}

#[tokio::test]
async fn a_server_error_mid_roster_changes_nothing_in_that_section_and_the_next_sync_converges() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.change_clever();
    // mystudents fails, so each section is fetched on its own, and Math's fetch keeps failing.
    app.fault(serde_json::json!({"path": "/v3.0/users/*/mystudents", "status": 500}));
    app.fault(
        serde_json::json!({"path": format!("/v3.0/sections/{}/users", section_id("math4")), "status": 500}),
    );
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(page.contains("Grade 4 Math: Clever is not responding"), "{}", page.body);
    assert!(page.contains("Reading Workshop"), "the other sections still synced");
    assert_eq!(active(&app.roster("skelly", "math4").await), 5, "Jamal is not flagged on a failed fetch");

    app.emulator().faults().clear();
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(
        page.contains("— 1 student removed in Clever.") && !page.contains("not responding"),
        "{}",
        page.body
    );
    assert_eq!(active(&app.roster("skelly", "math4").await), 4, "converged: Jamal flagged now");
}

#[tokio::test]
async fn a_truncated_body_mid_roster_loses_nothing() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.change_clever();
    app.fault(serde_json::json!({"path": "/v3.0/users/*/mystudents", "status": 503}));
    app.fault(serde_json::json!({"path": format!("/v3.0/sections/{}/users", section_id("math4")), "body": "truncated"}));
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(page.contains("Grade 4 Math: Clever sent an answer we could not read"), "{}", page.body);
    assert_eq!(active(&app.roster("skelly", "math4").await), 5);
}

#[tokio::test]
async fn a_401_mid_roster_asks_to_reconnect_and_flags_nobody() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.change_clever();
    app.fault(serde_json::json!({"path": "/v3.0/users/*/mystudents", "status": 500}));
    app.fault(
        serde_json::json!({"path": format!("/v3.0/sections/{}/users", section_id("math4")), "status": 401}),
    );
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(page.contains("role=\"alert\""), "the reconnect banner shows: {}", page.body);
    assert_eq!(active(&app.roster("skelly", "math4").await), 5);
}

#[tokio::test]
async fn a_429_storm_is_waited_out_and_the_sync_completes() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.change_clever();
    app.fault(serde_json::json!({"path": "/v3.0/users/*", "rate_limit": true, "times": 2}));
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(
        page.contains("Reading Workshop") && page.contains("1 class renamed, 1 student removed in Clever."),
        "{}",
        page.body
    );
    assert!(!page.contains("not synced"), "{}", page.body);
}

#[tokio::test]
async fn a_class_that_is_not_shared_tells_the_teacher_whom_to_ask() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.fault(serde_json::json!({"path": "/v3.0/users/*/mystudents", "status": 500}));
    // Clever's answer for a record outside the token's scope.
    app.fault(serde_json::json!({"path": format!("/v3.0/sections/{}/users", section_id("homeroom4")), "status": 403}));
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(
        page.contains("Homeroom 4B: Clever did not share this class with Rollcall. Ask your district"),
        "{}",
        page.body
    );
    assert_eq!(active(&app.roster("skelly", "homeroom4").await), 3);
}

/// A server without `/sections/{id}/users` (404) and with `mystudents` failing: the students a
/// section lists are asked for one by one, and the class is synced in full, nothing flagged.
#[tokio::test]
async fn a_server_without_the_section_users_path_is_not_read_as_not_shared() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.fault(serde_json::json!({"path": "/v3.0/users/*/mystudents", "status": 500}));
    app.fault(serde_json::json!({"path": "/v3.0/sections/*/users", "status": 404}));
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(!page.contains("not synced") && !page.contains("did not share"), "{}", page.body);
    assert_eq!(active(&app.roster("skelly", "homeroom4").await), 3);
    assert!(!page.contains("removed in Clever"), "{}", page.body);
    let teacher = format!("/v3.0/users/{}", user_id("skelly"));
    let asked_one_by_one = app
        .emulator()
        .journal()
        .entries()
        .iter()
        .any(|e| e.path.starts_with("/v3.0/users/") && !e.path.starts_with(&teacher) && e.status == 200);
    assert!(asked_one_by_one, "the students were asked for one by one");
}

#[tokio::test]
async fn when_the_section_list_fails_nothing_changes_and_the_teacher_is_told() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.change_clever();
    app.fault(serde_json::json!({"path": "/v3.0/users/*/sections", "status": 500}));
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(page.contains("Clever is not responding right now. Nothing was changed"), "{}", page.body);
    assert!(page.contains("Grade 4 Reading") && !page.contains("Reading Workshop"));
    assert_eq!(
        app.teacher_sections("skelly").await.iter().filter(|s| s.archived).count(),
        0,
        "nothing archived"
    );
}

#[tokio::test]
async fn an_expired_clever_authorization_asks_the_teacher_to_reconnect() {
    // A server that says its tokens live an hour (`expires_in`): they expire within a session.
    let profiles = clever_emulator::Profiles::parse("expiring-tokens").unwrap();
    let app = TestApp::spawn_with(EmulatorConfig { profiles, ..EmulatorConfig::default() }).await;
    let (browser, csrf) = app.sam().await;
    app.clock.advance(time::Duration::hours(2));
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(page.contains("Reconnect Clever"), "{}", page.body);
    assert!(page.contains("href=\"/auth/clever/start\""), "a one-click way back");
    let page = app.login(&browser, "skelly").await;
    assert!(!page.contains("has expired"), "signing in again fixes it: {}", page.body);
}

#[tokio::test]
async fn a_teachers_own_class_name_survives_resync() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    let math = app
        .teacher_sections("skelly")
        .await
        .into_iter()
        .find(|s| s.clever_id.as_str() == section_id("math4"))
        .unwrap();
    let page = browser
        .post(&format!("/sections/{}/name", math.id), &[("csrf", &csrf), ("display_name", "Math Wizards")])
        .await;
    assert!(page.contains("Math Wizards"));
    app.emulator().world_mut().update_section(&section_id("math4"), |s| s.name = "Mathematics 4".into());
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(page.contains("Math Wizards") && !page.contains("<h2>Mathematics 4</h2>"), "{}", page.body);
    let section = browser.get(&format!("/sections/{}", math.id)).await;
    assert!(section.contains("Clever calls it “Mathematics 4”"), "the synced name is still tracked");
}

#[tokio::test]
async fn a_class_gone_from_clever_is_archived_with_its_students() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    app.emulator().world_mut().update_section(&section_id("homeroom4"), |s| s.teachers.clear());
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    let archived = page.body.split("Archived").nth(1).unwrap_or_default();
    assert!(archived.contains("Homeroom 4B"), "{}", page.body);
    assert_eq!(app.roster("skelly", "homeroom4").await.len(), 3, "kept, not deleted");

    app.emulator()
        .world_mut()
        .update_section(&section_id("homeroom4"), |s| s.teachers.push(user_id("skelly")));
    let page = browser.post("/sync", &[("csrf", &csrf)]).await;
    assert!(!page.body.contains("<h2 class=\"sub\">Archived"), "back when Clever lists it again");
}

#[tokio::test]
async fn the_sync_history_keeps_every_run() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    browser.post("/sync", &[("csrf", &csrf)]).await;
    let history = browser.get("/sync/history").await;
    assert!(
        history.contains("<td>When you logged in</td>") && history.contains("<td>Sync my classes</td>"),
        "{}",
        history.body
    );
    assert!(history.contains("<td>3 classes added, 6 students added</td>"), "{}", history.body);
    assert!(history.contains("<td>Everything was already up to date</td>"), "{}", history.body);
}

#[tokio::test]
async fn syncs_of_one_teacher_never_run_twice_at_once() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    let teacher = app.store().user_by_clever_id(&cid(&user_id("skelly"))).await.unwrap().unwrap();
    // Slow Clever down so the two presses overlap.
    app.fault(serde_json::json!({"path": "/v3.0/users/*/sections", "latency_ms": 1000, "times": 1}));
    let form = [("csrf", csrf.as_str())];
    let (a, b) = tokio::join!(browser.post("/sync", &form), browser.post("/sync", &form));
    assert!(a.on("/dashboard") && b.on("/dashboard"));
    let runs = app.store().sync_runs(teacher.id, 10).await.unwrap();
    assert_eq!(runs.len(), 2, "the login's run and one shared button run, not two: {runs:?}");
}

#[tokio::test]
async fn a_sync_of_all_teachers_reaches_those_with_a_live_token_and_picks_up_changes() {
    let app = TestApp::spawn().await;
    app.sam().await;
    app.login(&app.browser(), "nokafor").await;
    app.emulator().world_mut().update_section(&section_id("science7"), |s| s.name = "Biology 7".into());
    let targets = app.store().teachers_to_sync(app.state.now()).await.unwrap();
    assert_eq!(targets.len(), 2, "Sam and Ngozi");
    for (teacher, clever_id) in targets {
        rollcall_web::sync::sync_teacher(&app.state, teacher, clever_id, rollcall_store::SyncTrigger::Cli)
            .await;
    }
    assert!(app.teacher_sections("nokafor").await.iter().any(|s| s.synced_name == "Biology 7"));
    app.clock.advance(time::Duration::hours(25)); // past Clever's 24-hour token
    assert!(
        app.store().teachers_to_sync(app.state.now()).await.unwrap().is_empty(),
        "expired tokens are not reached"
    );
}

#[tokio::test]
async fn two_replicas_never_sync_one_teacher_at_once_and_the_second_says_so() {
    let app = TestApp::spawn().await;
    let (browser, csrf) = app.sam().await;
    let teacher = app.store().user_by_clever_id(&cid(&user_id("skelly"))).await.unwrap().unwrap();
    // A second replica: its own pool on the same database, its own in-process state.
    let store = rollcall_store::open(&format!("sqlite://{}", app.db.display())).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = support::Replica::start(
        listener,
        &app.emulator.base_url,
        "demo-secret-change-me",
        store,
        app.clock.clone(),
    )
    .await;
    app.fault(serde_json::json!({"path": "/v3.0/users/*/sections", "latency_ms": 1000, "times": 1}));
    let form = [("csrf", csrf.as_str())];
    let other_sync = format!("{}/sync", other.url);
    let glance = browser.without_refresh();
    let (a, b) = tokio::join!(glance.post("/sync", &form), glance.post(&other_sync, &form));
    // One replica syncs; the other, finding its lease taken, does not wait for it: its dashboard
    // says the classes are being synced and reloads itself until that sync ends.
    assert!(a.on("/dashboard") && b.on("/dashboard"), "{}\n{}", a.url, b.url);
    let told: Vec<&Page> = [&a, &b].into_iter().filter(|p| p.contains("Syncing your classes…")).collect();
    assert_eq!(told.len(), 1, "{}\n{}", a.body, b.body);
    assert_eq!(told[0].refresh().as_deref(), Some("/dashboard?wait=1"));
    let settled = browser.get(&told[0].resolve("/dashboard?wait=1")).await;
    assert!(!settled.contains("Syncing your classes…") && settled.refresh().is_none(), "{}", settled.body);
    let runs = app.store().sync_runs(teacher.id, 10).await.unwrap();
    assert_eq!(runs.len(), 2, "the login's run and one button run: {runs:?}");
}

#[tokio::test]
async fn a_teacher_is_never_kept_waiting_for_another_processs_sync() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let dashboard = app.login(&browser, "skelly").await;
    let sam = app.clever_account("skelly").await.unwrap().id;
    // `rollcall sync` on another machine is syncing Sam's classes (its lease is live for minutes).
    let now = rollcall_core::Clock::now(&app.clock);
    assert!(app.store().take_sync_lease(sam, "cron-host/42", now, time::Duration::minutes(5)).await.unwrap());

    let patience = std::time::Duration::from_secs(30);
    let glance = browser.without_refresh();
    let pressed = tokio::time::timeout(patience, glance.post("/sync", &[("csrf", &dashboard.csrf())]))
        .await
        .expect("the button answers at once, not when the other sync ends");
    assert!(pressed.on("/dashboard"), "{}", pressed.url);
    assert!(pressed.contains("Syncing your classes…"), "{}", pressed.body);
    assert!(pressed.contains("Grade 4 Math"), "the classes are still shown");

    // A new login goes straight to the dashboard too.
    let again = tokio::time::timeout(patience, app.login(&app.browser().without_refresh(), "skelly"))
        .await
        .expect("the login answers at once");
    assert!(again.on("/dashboard"), "{}", again.url);
    assert!(again.contains("Grade 4 Math") && again.contains("Syncing your classes…"));

    // When the other process's sync ends (its run recorded, the lease given back), the reloading
    // dashboard shows that.
    app.store().release_sync_lease(sam, "cron-host/42").await.unwrap();
    let settled = browser.get("/dashboard?wait=1").await;
    assert!(!settled.contains("Syncing your classes…"), "{}", settled.body);
}

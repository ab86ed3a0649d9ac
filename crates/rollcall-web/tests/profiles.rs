//! The core stories under every emulator profile: strict Clever, each profile on its own, and
//! the worst Clever-compatible server together (`no-member-lists`, `no-section-users`,
//! `legacy-me`, `foreign-ids`, `no-links`, `loose-enums`). Whatever the server leaves out, a
//! teacher's classes show their students (found another way) or say plainly that Clever did not
//! say who is in them; nothing is flagged or removed; a student is told the truth. Each story
//! runs on SQLite and, when `ROLLCALL_TEST_POSTGRES_URL` is set, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use clever_emulator::{EmulatorConfig, Profile, Profiles};
use rollcall_core::CleverId;
use support::{Backend, TestApp};

/// What the teacher's dashboard says on the card of a class whose students Clever did not give.
const UNKNOWN: &str = "<p class=\"flag roster-unknown\">Clever did not say who is in this class</p>";

/// What the last sync's report says of such a class.
const UNKNOWN_REPORT: &str =
    "Clever did not say who is in this class, so its students were left as they were";

/// The demo teacher's classes and how many students each has in the seed.
const CLASSES: [(&str, usize); 3] = [("Grade 4 Math", 5), ("Grade 4 Reading", 4), ("Homeroom 4B", 3)];

/// Every setting the suite runs under.
fn every_profile() -> Vec<Profiles> {
    let mut all = vec![Profiles::strict()];
    all.extend(Profile::ALL.iter().map(|p| [*p].into_iter().collect()));
    all.push(worst_server());
    all
}

/// The server of the issue that found these bugs: no member lists and no way to ask a section.
fn worst_server() -> Profiles {
    Profiles::parse("no-member-lists,no-section-users,legacy-me,foreign-ids,no-links,loose-enums").unwrap()
}

/// Whether a server with these profiles has no way to tell who is in a teacher's class (the
/// demo teacher has three, so `mystudents` cannot decide either).
fn rosters_unknowable(profiles: &Profiles) -> bool {
    profiles.has(Profile::NoMemberLists) && profiles.has(Profile::NoSectionUsers)
}

/// Every (backend, profiles) pair to run a story under.
fn settings(profiles: Vec<Profiles>) -> Vec<(Backend, Profiles)> {
    [Backend::Sqlite, Backend::Postgres]
        .into_iter()
        .flat_map(|b| profiles.iter().map(move |p| (b, p.clone())))
        .collect()
}

/// A fresh app for one setting, named for the failure messages; `None` (skipped, as printed)
/// for PostgreSQL when no server is configured. One at a time: each holds database connections.
async fn spawn(backend: Backend, profiles: &Profiles) -> Option<(String, TestApp)> {
    let config = EmulatorConfig { profiles: profiles.clone(), ..EmulatorConfig::default() };
    let app = TestApp::spawn_on(config, backend).await?;
    Some((format!("{backend:?}, {profiles}"), app))
}

#[tokio::test]
async fn a_teachers_first_login_and_sync_under_every_profile() {
    for (backend, p) in settings(every_profile()) {
        let Some((profiles, app)) = spawn(backend, &p).await else { continue };
        let browser = app.browser();
        let page = app.login(&browser, "skelly").await;
        assert!(page.on("/dashboard"), "[{profiles}] {}\n{}", page.url, page.body);
        let unknowable = rosters_unknowable(&p);
        for (class, students) in CLASSES {
            assert!(page.contains(class), "[{profiles}] {class} missing: {}", page.body);
            if !unknowable {
                assert!(
                    page.contains(&format!("{students} students")),
                    "[{profiles}] {class}: {}",
                    page.body
                );
            }
        }
        let expected = if unknowable { 3 } else { 0 };
        assert_eq!(page.body.matches(UNKNOWN).count(), expected, "[{profiles}] {}", page.body);
        assert_eq!(
            page.body.matches(UNKNOWN_REPORT).count(),
            expected,
            "[{profiles}] the sync report says so"
        );
        assert!(!page.contains("0 students"), "[{profiles}] never '0 students': {}", page.body);
        assert!(
            !page.contains("removed in Clever") && !page.contains("not synced"),
            "[{profiles}] {}",
            page.body
        );

        // The teacher is the primary teacher of their classes, whatever the server said.
        let teacher = app.store().user_by_clever_id(&cid(&app.user_id("skelly"))).await.unwrap().unwrap();
        let sections = app.store().teacher_sections(teacher.id).await.unwrap();
        assert_eq!(sections.len(), 3, "[{profiles}]");
        assert!(sections.iter().all(|s| s.co_teachers.is_empty()), "[{profiles}] nobody else is on them");

        // "Sync my classes" again: nothing is flagged, removed or renamed.
        let csrf = page.csrf();
        let again = browser.post("/sync", &[("csrf", &csrf)]).await;
        let runs = app.store().sync_runs(teacher.id, 1).await.unwrap();
        assert_eq!((runs[0].counts.removed, runs[0].counts.errors), (0, 0), "[{profiles}] {:?}", runs[0]);
        for (class, _) in CLASSES {
            assert!(again.contains(class), "[{profiles}] {class} after the sync");
        }
        let after = app.store().teacher_sections(teacher.id).await.unwrap();
        let counts = |v: &[rollcall_store::SectionSummary]| {
            v.iter()
                .map(|s| (s.synced_name.clone(), s.active_students, s.removed_students))
                .collect::<Vec<_>>()
        };
        assert_eq!(counts(&after), counts(&sections), "[{profiles}]");

        // The token's expiry is the server's `expires_in` when it sends one, else 24 hours.
        let token = app.store().clever_token(teacher.id).await.unwrap().unwrap();
        let lifetime = token.expires_at - token.obtained_at;
        if p.has(Profile::ExpiringTokens) {
            assert!(
                lifetime < time::Duration::hours(24) && lifetime > time::Duration::ZERO,
                "[{profiles}] {lifetime}"
            );
        } else {
            assert_eq!(lifetime, time::Duration::hours(24), "[{profiles}]");
        }
    }
}

#[tokio::test]
async fn a_student_is_told_the_truth_under_every_profile() {
    for (backend, p) in settings(every_profile()) {
        let Some((profiles, app)) = spawn(backend, &p).await else { continue };
        app.login(&app.browser(), "skelly").await;
        let student = app.browser();
        let page = app.login(&student, "maria").await;
        assert!(page.on("/dashboard"), "[{profiles}] {}\n{}", page.url, page.body);
        if rosters_unknowable(&p) {
            assert!(
                page.contains("Clever has not told Rollcall which classes you are in"),
                "[{profiles}] {}",
                page.body
            );
            assert!(
                !page.contains("as soon as your teacher has set up Rollcall"),
                "[{profiles}] {}",
                page.body
            );
        } else {
            assert!(
                page.contains("Grade 4 Math") && page.contains("Sam Kelly"),
                "[{profiles}] {}",
                page.body
            );
        }
    }
}

/// A server that stops sending member lists between two syncs (a partial answer) changes
/// nothing a teacher can see: every student stays, nobody is flagged, no class is renamed; the
/// class pages say that Clever did not say who is in them, and the next full answer clears that.
#[tokio::test]
async fn member_lists_vanishing_between_two_syncs_change_nothing() {
    for (backend, p) in settings(vec![Profiles::strict()]) {
        let Some((name, app)) = spawn(backend, &p).await else { continue };
        member_lists_vanish(&name, &app).await;
    }
}

async fn member_lists_vanish(backend: &str, app: &TestApp) {
    let browser = app.browser();
    let page = app.login(&browser, "skelly").await;
    let teacher = app.store().user_by_clever_id(&cid(&app.user_id("skelly"))).await.unwrap().unwrap();
    let before = app.store().teacher_sections(teacher.id).await.unwrap();

    app.emulator().set_profiles(Profiles::parse("no-member-lists,no-section-users").unwrap()).unwrap();
    let page = browser.post("/sync", &[("csrf", &page.csrf())]).await;
    assert_eq!(page.body.matches(UNKNOWN).count(), 3, "[{backend}] {}", page.body);
    assert!(!page.contains("removed in Clever"), "{}", page.body);
    let after = app.store().teacher_sections(teacher.id).await.unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&a.name, a.active_students, a.removed_students), (&b.name, b.active_students, 0));
        assert!(!a.roster_known);
    }
    let class = browser.get(&format!("/sections/{}", after[0].id)).await;
    assert!(class.contains("id=\"roster-unknown\"") && class.contains("found"), "{}", class.body);
    assert!(!class.contains("Removed in Clever"), "{}", class.body);

    app.emulator().set_profiles(Profiles::strict()).unwrap();
    let page = browser.post("/sync", &[("csrf", &page.csrf())]).await;
    assert_eq!(page.body.matches(UNKNOWN).count(), 0, "{}", page.body);
    let restored = app.store().teacher_sections(teacher.id).await.unwrap();
    assert!(restored.iter().all(|s| s.roster_known && s.removed_students == 0));
}

fn cid(s: &str) -> CleverId {
    CleverId::parse(s).unwrap()
}

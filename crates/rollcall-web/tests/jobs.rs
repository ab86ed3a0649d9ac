//! Background sync: the job queue in the database re-syncs teachers' classes while their Clever
//! token is valid, stops (asking to reconnect) when it is not, and survives a replica dying
//! mid-sync. Worker steps are run with `work_once`, and time moves with the app's FixedClock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use clever_emulator::{Emulator, EmulatorConfig, RunningEmulator, Seed};
use rollcall_core::{CleverId, Clock as _, FixedClock, UserId};
use rollcall_store::{Store, SyncTrigger};
use rollcall_web::WebConfig;
use rollcall_web::jobs::{LEASE, work_once};
use support::{CLIENT_ID, Replica, TestApp, section_id, user_id};
use test_support::pg::TestDb;
use time::Duration;
use tokio::net::TcpListener;

/// The test config's `background_sync_every`.
const EVERY: Duration = Duration::hours(1);

/// `t` as the store keeps it (microseconds).
fn stored(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.replace_nanosecond(t.microsecond() * 1000).unwrap()
}

async fn teacher_id(store: &dyn Store, key: &str) -> UserId {
    store.user_by_clever_id(&CleverId::parse(&user_id(key)).unwrap()).await.unwrap().unwrap().id
}

async fn section_names(store: &dyn Store, teacher: UserId) -> Vec<String> {
    let mut names: Vec<String> =
        store.teacher_sections(teacher).await.unwrap().into_iter().map(|s| s.synced_name).collect();
    names.sort();
    names
}

fn rename_reading(emulator: &Emulator) {
    emulator.world_mut().update_section(&section_id("reading4"), |s| s.name = "Reading Workshop".into());
}

#[tokio::test]
async fn a_teacher_who_logged_in_is_resynced_in_the_background_on_schedule() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.login(&browser, "skelly").await;
    let sam = teacher_id(app.store(), "skelly").await;
    let job = app.store().sync_job(sam).await.unwrap().expect("logging in schedules a job");
    assert_eq!(job.run_after, stored(app.clock.now() + EVERY));
    assert_eq!(job.claimed_by, None);

    rename_reading(app.emulator());
    assert_eq!(work_once(&app.state, "w1").await, None, "not due yet");
    app.clock.advance(EVERY + Duration::minutes(1));
    let report = work_once(&app.state, "w1").await.expect("the job is due");
    assert_eq!(report.teacher, sam);
    assert!(report.finished && report.error.is_none(), "{report:?}");
    assert_eq!(report.next_run, Some(app.clock.now() + EVERY));

    assert!(section_names(app.store(), sam).await.contains(&"Reading Workshop".to_owned()));
    let run = app.store().sync_runs(sam, 1).await.unwrap().remove(0);
    assert_eq!((run.trigger, run.failed, run.counts.updated), (SyncTrigger::Background, false, 1));
    let job = app.store().sync_job(sam).await.unwrap().unwrap();
    assert_eq!((job.run_after, job.claimed_by, job.attempts), (stored(app.clock.now() + EVERY), None, 0));
    assert_eq!(work_once(&app.state, "w1").await, None, "rescheduled, not due again yet");
}

#[tokio::test]
async fn pressing_sync_keeps_the_job_and_an_expired_token_stops_it_and_asks_to_reconnect() {
    // A server that says its tokens live an hour (`expires_in`): they expire within a session.
    let profiles = clever_emulator::Profiles::parse("expiring-tokens").unwrap();
    let app = TestApp::spawn_with(clever_emulator::EmulatorConfig { profiles, ..Default::default() }).await;
    let browser = app.browser();
    let page = app.login(&browser, "skelly").await;
    let sam = teacher_id(app.store(), "skelly").await;
    let scheduled = app.store().sync_job(sam).await.unwrap().unwrap().run_after;

    // "Sync my classes" still syncs at once; the job stays (at its earlier time).
    rename_reading(app.emulator());
    let after = browser.post("/sync", &[("csrf", &page.csrf())]).await;
    assert!(after.contains("Reading Workshop"), "{}", after.body);
    assert_eq!(app.store().sync_job(sam).await.unwrap().unwrap().run_after, scheduled);

    // The token (an hour, as the server said) expires before the next runs.
    app.clock.advance(Duration::hours(2));
    let report = work_once(&app.state, "w1").await.expect("the job is due");
    assert_eq!(report.next_run, None);
    assert_eq!(report.error.as_deref(), Some(rollcall_core::RECONNECT_ADVICE));
    assert_eq!(app.store().sync_job(sam).await.unwrap(), None, "the job is removed");
    let run = app.store().sync_runs(sam, 1).await.unwrap().remove(0);
    assert_eq!(run.trigger, SyncTrigger::Background);
    assert!(run.problems.iter().any(|p| p.ends_with(rollcall_core::RECONNECT_ADVICE)), "{run:?}");
    assert_eq!(work_once(&app.state, "w1").await, None, "nothing left to run");

    let dashboard = browser.get("/dashboard").await;
    assert!(
        dashboard.contains("role=\"alert\"") && dashboard.contains("Reconnect Clever"),
        "{}",
        dashboard.body
    );

    // Reconnecting schedules it again.
    app.login(&browser, "skelly").await;
    let job = app.store().sync_job(sam).await.unwrap().expect("a new job");
    assert_eq!(job.run_after, stored(app.clock.now() + EVERY));
}

/// Logs `key` in through `replica`.
async fn login(emulator: &RunningEmulator, replica: &Replica, key: &str) {
    emulator.emulator.browser().next_logins.push_back(clever_emulator::state::NextLogin {
        user_id: user_id(key),
        client_id: Some(CLIENT_ID.into()),
    });
    let page = replica.browser().get("/auth/clever/start").await;
    assert!(page.on("/dashboard"), "{}", page.url);
}

/// Two replicas (each its own pool and in-process state) on one fresh PostgreSQL database, with
/// the demo district in the emulator and one clock; `None` without PostgreSQL.
async fn two_replicas() -> Option<(TestDb, RunningEmulator, FixedClock, Replica, Replica)> {
    let db = TestDb::create().await?;
    let listeners =
        [TcpListener::bind("127.0.0.1:0").await.unwrap(), TcpListener::bind("127.0.0.1:0").await.unwrap()];
    let mut seed = Seed::demo();
    let redirects =
        listeners.iter().map(|l| format!("http://{}{}", l.local_addr().unwrap(), WebConfig::CALLBACK_PATH));
    seed.set_redirect_uris(CLIENT_ID, redirects.collect());
    let secret = seed.apps[0].client_secret.clone();
    let emulator = test_support::demo::start(seed, EmulatorConfig::default()).await;
    let clock = FixedClock::new(emulator.emulator.now());
    let mut replicas = Vec::new();
    for listener in listeners {
        let store = rollcall_store::open(db.url()).await.unwrap();
        replicas.push(Replica::start(listener, &emulator.base_url, &secret, store, clock.clone()).await);
    }
    let [a, b] = <[Replica; 2]>::try_from(replicas).ok().unwrap();

    Some((db, emulator, clock, a, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_replica_died_mid_sync_is_finished_by_the_other_replica_once_its_lease_ends() {
    let Some((db, emulator, clock, a, b)) = two_replicas().await else { return };
    login(&emulator, &a, "skelly").await;
    let sam = teacher_id(a.state.store(), "skelly").await;
    let before = section_names(a.state.store(), sam).await;
    assert!(before.contains(&"Grade 4 Reading".to_owned()));
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let enrollments = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM enrollments WHERE removed_in_clever_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let enrolled = enrollments().await;

    // Clever changes two sections; the job falls due; replica A claims it, takes the teacher's
    // sync lease, applies the first section of its plan (one transaction, as a sync does) and
    // dies before the rest.
    rename_reading(&emulator.emulator);
    emulator
        .emulator
        .world_mut()
        .update_section(&section_id("math4"), |s| s.students.retain(|id| *id != user_id("jamal")));
    clock.advance(EVERY + Duration::minutes(1));
    let dead = "replica-a/dead";
    let claimed = a.state.store().claim_sync_job(dead, clock.now(), LEASE).await.unwrap().unwrap();
    assert_eq!(claimed.user_id, sam);
    assert!(a.state.store().take_sync_lease(sam, dead, clock.now(), LEASE).await.unwrap());
    let reading = CleverId::parse(&section_id("reading4")).unwrap();
    let local = a.state.store().snapshot(sam, std::slice::from_ref(&reading)).await.unwrap();
    let current = local.sections.iter().find(|s| s.clever_id == reading).unwrap();
    let change = rollcall_core::SectionChange {
        section: rollcall_core::SyncedSection {
            clever_id: reading.clone(),
            name: "Reading Workshop".into(),
            section_number: current.section_number.clone(),
            subject: current.subject.clone(),
            grade: current.grade.clone(),
            primary: false,
            roster_known: true,
        },
        existing: Some(current.id),
        kind: rollcall_core::SectionChangeKind::Updated {
            changed: vec![rollcall_core::SectionField::Name],
            restored: false,
        },
        students: vec![],
    };
    a.state.store().apply_sync(sam, std::slice::from_ref(&change), &[], clock.now(), None).await.unwrap();
    drop(a);

    // The database is consistent: Reading is wholly new, Math wholly old (Jamal still enrolled).
    let partial = section_names(b.state.store(), sam).await;
    assert!(partial.contains(&"Reading Workshop".to_owned()) && partial.contains(&"Grade 4 Math".to_owned()));
    assert_eq!(enrollments().await, enrolled);

    // While A's lease is live, nobody else runs the job.
    clock.advance(LEASE - Duration::seconds(1));
    assert_eq!(work_once(&b.state, "replica-b").await, None, "never run by two workers at once");

    // Once it ends, replica B takes the job over and completes the sync.
    clock.advance(Duration::seconds(1));
    let report = work_once(&b.state, "replica-b").await.expect("B claims the abandoned job");
    assert_eq!(report.teacher, sam);
    assert!(report.finished && report.error.is_none(), "{report:?}");
    assert_eq!(report.next_run, Some(clock.now() + EVERY));
    let after = section_names(b.state.store(), sam).await;
    assert!(after.contains(&"Reading Workshop".to_owned()) && !after.contains(&"Grade 4 Reading".to_owned()));
    assert_eq!(enrollments().await, enrolled - 1, "converged: Jamal flagged in Math, nobody duplicated");
    let job = b.state.store().sync_job(sam).await.unwrap().unwrap();
    assert_eq!((job.claimed_by, job.attempts), (None, 0));
    let run = b.state.store().sync_runs(sam, 1).await.unwrap().remove(0);
    assert_eq!((run.trigger, run.failed), (SyncTrigger::Background, false));

    // A's claim is void: had it come back, it could not finish (or remove) the job.
    assert!(!b.state.store().finish_sync_job(sam, dead, None, None).await.unwrap());
    assert!(b.state.store().sync_job(sam).await.unwrap().is_some());

    pool.close().await;
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_on_two_replicas_run_each_due_job_exactly_once() {
    let Some((db, emulator, clock, a, b)) = two_replicas().await else { return };
    let keys = ["skelly", "aortega", "nokafor"];
    for (i, key) in keys.iter().enumerate() {
        login(&emulator, if i % 2 == 0 { &a } else { &b }, key).await;
    }
    clock.advance(EVERY);

    // Two workers per replica race through the queue until it is empty.
    let workers = [(&a, "a1"), (&a, "a2"), (&b, "b1"), (&b, "b2")].map(|(replica, id)| {
        let state = replica.state.clone();
        tokio::spawn(async move {
            let mut done = Vec::new();
            while let Some(report) = work_once(&state, id).await {
                done.push(report);
            }
            done
        })
    });
    let mut reports = Vec::new();
    for worker in workers {
        reports.extend(worker.await.unwrap());
    }
    let store = a.state.store();
    let mut ran: Vec<UserId> = reports.iter().map(|r| r.teacher).collect();
    ran.sort_by_key(|t| t.0);
    let mut want = Vec::new();
    for key in keys {
        want.push(teacher_id(store, key).await);
    }
    want.sort_by_key(|t| t.0);
    assert_eq!(ran, want, "every due job ran, each once: {reports:?}");
    assert!(reports.iter().all(|r| r.finished && r.error.is_none()), "{reports:?}");
    for teacher in want {
        let runs = store.sync_runs(teacher, 10).await.unwrap();
        let background = runs.iter().filter(|r| r.trigger == SyncTrigger::Background).count();
        assert_eq!(background, 1, "one background run for {teacher}");
        let job = store.sync_job(teacher).await.unwrap().unwrap();
        assert_eq!((job.claimed_by, job.run_after), (None, stored(clock.now() + EVERY)));
    }
    db.drop_database().await;
}

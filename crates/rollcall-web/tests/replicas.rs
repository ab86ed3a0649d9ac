//! Several app replicas on one PostgreSQL: the deployment for a company serving many districts.
//! Skips (with the reason printed) where no PostgreSQL is reachable; CI sets
//! ROLLCALL_TEST_POSTGRES_URL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use clever_emulator::seed::{SeedApp, SeedDistrict, SeedPerson, SeedSchool, SeedSection};
use clever_emulator::state::NextLogin;
use clever_emulator::{EmulatorConfig, Seed};
use rollcall_core::{CleverId, FixedClock};
use rollcall_web::WebConfig;
use support::{CLIENT_ID, Replica};
use test_support::pg::TestDb;
use tokio::net::TcpListener;

const TEACHERS: usize = 50;
const SECTIONS: usize = 10;
const STUDENTS: usize = 100;

fn teacher_sections(t: usize) -> [usize; 3] {
    [t % SECTIONS, (t + 3) % SECTIONS, (t + 7) % SECTIONS]
}

fn section_students(s: usize) -> Vec<usize> {
    // Ten of its own, plus the first student of the next section: students share sections too.
    (s * 10..s * 10 + 10).chain([(s * 10 + 10) % STUDENTS]).collect()
}

/// 50 teachers over 10 sections, each section taught by 15 of them.
fn seed(redirect_uris: Vec<String>) -> Seed {
    let person = |key: String, first: &str, school: bool| SeedPerson {
        key,
        first: first.into(),
        last: "Replica".into(),
        school: school.then(|| "s".to_owned()),
        ..SeedPerson::default()
    };
    Seed {
        namespace: "replicas".into(),
        apps: vec![SeedApp {
            client_id: CLIENT_ID.into(),
            client_secret: "replica-secret".into(),
            name: Some("Rollcall".into()),
            redirect_uris,
            kind: Default::default(),
            districts: vec![],
        }],
        districts: vec![SeedDistrict { key: "d".into(), id: None, name: "Replica District".into() }],
        schools: vec![SeedSchool {
            key: "s".into(),
            id: None,
            name: "Replica School".into(),
            district: None,
        }],
        teachers: (0..TEACHERS).map(|t| person(format!("t{t:02}"), "Teacher", true)).collect(),
        students: (0..STUDENTS).map(|s| person(format!("st{s:03}"), "Student", true)).collect(),
        sections: (0..SECTIONS)
            .map(|s| SeedSection {
                key: format!("sec{s}"),
                name: format!("Section {s}"),
                teachers: (0..TEACHERS)
                    .filter(|t| teacher_sections(*t).contains(&s))
                    .map(|t| format!("t{t:02}"))
                    .collect(),
                students: section_students(s).into_iter().map(|st| format!("st{st:03}")).collect(),
                ..SeedSection::default()
            })
            .collect(),
        ..Seed::default()
    }
}

async fn count(pool: &sqlx::PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_co_teachers_logging_in_through_two_replicas_at_once_make_one_roster() {
    let Some(db) = TestDb::create().await else { return };
    let listeners =
        [TcpListener::bind("127.0.0.1:0").await.unwrap(), TcpListener::bind("127.0.0.1:0").await.unwrap()];
    let redirects = listeners
        .iter()
        .map(|l| format!("http://{}{}", l.local_addr().unwrap(), WebConfig::CALLBACK_PATH))
        .collect();
    let emulator = test_support::demo::start(seed(redirects), EmulatorConfig::default()).await;
    let clock = FixedClock::new(emulator.emulator.now());
    let mut replicas = Vec::new();
    for listener in listeners {
        // Each replica has its own pool and its own in-process state, as separate processes would.
        let store = rollcall_store::open(db.url()).await.unwrap();
        replicas
            .push(Replica::start(listener, &emulator.base_url, "replica-secret", store, clock.clone()).await);
    }
    let replicas = Arc::new(replicas);

    // Every teacher logs in once; the emulator hands queued teachers to whichever authorize
    // request comes first, so the pairing of browser and teacher is up to the race.
    for t in 0..TEACHERS {
        let user_id = clever_emulator::ids::derive_id("replicas", "user", &format!("t{t:02}"));
        emulator
            .emulator
            .browser()
            .next_logins
            .push_back(NextLogin { user_id, client_id: Some(CLIENT_ID.into()) });
    }
    let logins = (0..TEACHERS).map(|i| {
        let replicas = Arc::clone(&replicas);
        async move {
            let page = replicas[i % 2].browser().get("/auth/clever/start").await;
            let path = reqwest::Url::parse(&page.url).unwrap().path().to_owned();
            (page.status, path, page.body)
        }
    });
    for (status, path, body) in futures::future::join_all(logins).await {
        assert_eq!(status, 200, "no error pages: {body}");
        assert_eq!(path, "/dashboard");
        assert!(body.contains("Section "), "the teacher sees their classes");
    }

    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM users WHERE role = 'teacher'").await, TEACHERS as i64);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM users WHERE role = 'student'").await,
        STUDENTS as i64,
        "no duplicate students"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM sections").await, SECTIONS as i64, "no duplicate sections");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM section_teachers WHERE removed_in_clever_at IS NULL").await,
        (TEACHERS * 3) as i64
    );
    let enrollments: usize = (0..SECTIONS).map(|s| section_students(s).len()).sum();
    assert_eq!(
        count(&pool, "SELECT count(*) FROM enrollments WHERE removed_in_clever_at IS NULL").await,
        enrollments as i64
    );
    let store = replicas[0].state.store();
    for t in 0..TEACHERS {
        let id = CleverId::parse(&clever_emulator::ids::derive_id("replicas", "user", &format!("t{t:02}")))
            .unwrap();
        let teacher = store.user_by_clever_id(&id).await.unwrap().unwrap();
        let mut got: Vec<String> =
            store.teacher_sections(teacher.id).await.unwrap().into_iter().map(|s| s.synced_name).collect();
        let mut want: Vec<String> = teacher_sections(t).iter().map(|s| format!("Section {s}")).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "teacher {t} is on every section they teach");
    }
    pool.close().await;
    db.drop_database().await;
}

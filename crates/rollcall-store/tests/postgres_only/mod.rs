//! What only the PostgreSQL backend has: migrations on a server, and races between replicas
//! (separate pools on one database, as two app processes would have).

use std::sync::Arc;

use rollcall_core::SectionUnlink;
use rollcall_store::prelude::*;
use rollcall_store::{AccountRole, CallbackClaim, PgStore, Store, StoreError};
use sqlx::{Connection, PgConnection};

use crate::conformance::{AppSteps, at, cid, created, dashboard, profile, section, student, teacher};
use crate::pg::TestDb;

/// Two stores on one database: two replicas, each with its own pool.
async fn replicas(db: &TestDb) -> [Arc<dyn Store>; 2] {
    let a = PgStore::open(db.url()).await.unwrap();
    let b = PgStore::open(db.url()).await.unwrap();
    [Arc::new(a), Arc::new(b)]
}

#[tokio::test]
async fn migrations_apply_and_reopen_cleanly() {
    let Some(db) = TestDb::create().await else { return };
    let store = PgStore::open(db.url()).await.unwrap();
    let t = teacher(&store, "t1", "Tara", "Ng").await;
    store.close().await;

    let reopened = PgStore::open(db.url()).await.unwrap();
    assert_eq!(reopened.user(t.id).await.unwrap().unwrap().clever_id, Some(cid("t1")));
    reopened.migrate().await.unwrap();
    reopened.close().await;

    let mut raw = PgConnection::connect(db.url()).await.unwrap();
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut raw)
        .await
        .unwrap();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    raw.close().await.unwrap();
    db.drop_database().await;
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let Some(db) = TestDb::create().await else { return };
    PgStore::open(db.url()).await.unwrap().close().await;
    let mut raw = PgConnection::connect(db.url()).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', true, '\\x00', 0)",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    raw.close().await.unwrap();

    let err = PgStore::open(db.url()).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema(9999)), "{err:?}");
    db.drop_database().await;
}

#[tokio::test]
async fn a_clever_id_cannot_be_taken_by_a_second_account() {
    let Some(db) = TestDb::create().await else { return };
    let store = PgStore::open(db.url()).await.unwrap();
    teacher(&store, "t1", "Tara", "Ng").await;
    let mut raw = PgConnection::connect(db.url()).await.unwrap();
    let other: i64 = sqlx::query_scalar(
        "INSERT INTO users (role, first_name, last_name, created_at, updated_at) \
         VALUES ('teacher', 'Eve', 'X', now(), now()) RETURNING id",
    )
    .fetch_one(&mut raw)
    .await
    .unwrap();
    let taken = sqlx::query(
        "INSERT INTO identities (provider, external_id, user_id, created_at) VALUES ('clever', 't1', $1, now())",
    )
    .bind(other)
    .execute(&mut raw)
    .await
    .unwrap_err();
    assert!(taken.as_database_error().unwrap().is_unique_violation(), "{taken}");
    raw.close().await.unwrap();
    store.close().await;
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_on_two_replicas_give_one_first() {
    let Some(db) = TestDb::create().await else { return };
    let stores = replicas(&db).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = stores[i % 2].clone();
            tokio::spawn(async move { store.claim_callback(&[9; 32], at(0)).await.unwrap() })
        })
        .collect();
    let claims: Vec<_> = futures::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(claims.iter().filter(|c| **c == CallbackClaim::First).count(), 1, "{claims:?}");
    assert!(claims.iter().all(|c| matches!(c, CallbackClaim::First | CallbackClaim::InProgress)));
    drop(stores);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_logins_on_two_replicas_make_one_account() {
    let Some(db) = TestDb::create().await else { return };
    let stores = replicas(&db).await;
    let p = profile("t1", AccountRole::Teacher, "Tara", "Ng");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, p) = (stores[i % 2].clone(), p.clone());
            tokio::spawn(async move { store.clever_login(&p, at(0)).await.unwrap() })
        })
        .collect();
    let results: Vec<_> = futures::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1, "exactly one login creates");
    let id = results[0].0.id;
    assert!(results.iter().all(|(u, _)| u.id == id), "every login sees the same account");
    drop(stores);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roster_sync_racing_the_students_logins_makes_one_account() {
    let Some(db) = TestDb::create().await else { return };
    let stores = replicas(&db).await;
    let t = teacher(&*stores[0], "t1", "Tara", "Ng").await;
    let sync = {
        let store = stores[1].clone();
        let c = created(section("c1", "Math", &["t1"]), &[student("s1", "Ana", "B")]);
        tokio::spawn(async move { store.apply_section(t.id, &c, at(0)).await.unwrap() })
    };
    let p = profile("s1", AccountRole::Student, "Ana", "Bautista");
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (store, p) = (stores[i % 2].clone(), p.clone());
            tokio::spawn(async move { store.clever_login(&p, at(0)).await.unwrap() })
        })
        .collect();
    let results: Vec<_> = futures::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    sync.await.unwrap();
    assert!(results.iter().filter(|(_, created)| *created).count() <= 1, "at most one login creates");
    let id = results[0].0.id;
    assert!(results.iter().all(|(u, _)| u.id == id), "every login sees the same account");
    let snapshot = stores[0].snapshot(t.id, &[]).await.unwrap();
    assert_eq!(snapshot.sections[0].students.len(), 1);
    assert_eq!(stores[1].user_by_clever_id(&cid("s1")).await.unwrap().map(|u| u.id), Some(id));
    drop(stores);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn co_teachers_unlinking_on_two_replicas_archive_the_section() {
    let Some(db) = TestDb::create().await else { return };
    let stores = replicas(&db).await;
    let a = teacher(&*stores[0], "t1", "Tara", "Ng").await;
    let b = teacher(&*stores[0], "t2", "Bo", "Li").await;
    let relist = |at_minute| {
        let stores = stores.clone();
        let teachers = [a.id, b.id];
        async move {
            for t in teachers {
                let c = created(section("c1", "Math", &["t1", "t2"]), &[]);
                stores[1].apply_section(t, &c, at(at_minute)).await.unwrap();
            }
        }
    };
    relist(1).await;
    let unlink = SectionUnlink {
        section_id: stores[0].snapshot(a.id, &[]).await.unwrap().sections[0].id,
        clever_id: cid("c1"),
        name: "Math".to_owned(),
    };
    for round in 0..10 {
        let tasks: Vec<_> = [a.id, b.id]
            .into_iter()
            .zip(stores.iter().cloned())
            .map(|(teacher, store)| {
                let unlink = unlink.clone();
                tokio::spawn(async move { store.apply_unlink(teacher, &unlink, at(2)).await.unwrap() })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(dashboard(&*stores[0], a.id).await, [("Math".to_owned(), true)], "round {round}");
        let (archived,): (bool,) = {
            let mut raw = PgConnection::connect(db.url()).await.unwrap();
            let row = sqlx::query_as("SELECT archived_at IS NOT NULL FROM sections")
                .fetch_one(&mut raw)
                .await
                .unwrap();
            raw.close().await.unwrap();
            row
        };
        assert!(archived, "round {round}: no teacher remains, so the section is archived");
        relist(3).await;
    }
    drop(stores);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncs_sharing_students_on_two_replicas_neither_deadlock_nor_duplicate() {
    let Some(db) = TestDb::create().await else { return };
    let stores = replicas(&db).await;
    let teachers =
        [teacher(&*stores[0], "t1", "Tara", "Ng").await, teacher(&*stores[0], "t2", "Bo", "Li").await];
    // Every section lists the same 20 students, in a different order; none exists yet.
    let students: Vec<_> = (0..20).map(|i| student(&format!("s{i}"), "Stu", &format!("{i}"))).collect();
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let store = stores[n % 2].clone();
            let t = &teachers[n % 2];
            let (id, clever) = (t.id, t.clever_id.clone().unwrap());
            let mut roster = students.clone();
            roster.rotate_left(n * 7 % 20);
            if n % 3 == 0 {
                roster.reverse();
            }
            let c = created(section(&format!("c{n}"), &format!("Class {n}"), &[clever.as_str()]), &roster);
            tokio::spawn(async move { store.apply_section(id, &c, at(1)).await.unwrap() })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut ids = Vec::new();
    for s in &students {
        ids.push(stores[1].user_by_clever_id(&s.clever_id).await.unwrap().unwrap().id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "one account per student");
    for t in &teachers {
        let sections = stores[0].teacher_sections(t.id).await.unwrap();
        assert_eq!(sections.len(), 8);
        assert!(sections.iter().all(|s| s.active_students == 20));
    }
    drop(stores);
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_of_one_connection_serves_concurrent_logins_and_syncs() {
    let Some(db) = TestDb::create().await else { return };
    // No store call may hold a connection while it waits for another: on a pool of one that
    // would wait out the acquire timeout and fail.
    let store: Arc<dyn Store> = Arc::new(PgStore::open_with_pool(db.url(), 1).await.unwrap());
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let (id, clever) = (t.id, t.clever_id.clone().unwrap());
    let students: Vec<_> = (0..10).map(|i| student(&format!("s{i}"), "Stu", &format!("{i}"))).collect();
    let tasks: Vec<_> = (0..6)
        .map(|n| {
            let store = store.clone();
            let c = created(section(&format!("c{n}"), &format!("Class {n}"), &[clever.as_str()]), &students);
            let login = profile(&format!("s{n}"), AccountRole::Student, "Stu", &format!("{n}"));
            tokio::spawn(async move {
                store.apply_section(id, &c, at(1)).await.unwrap();
                store.clever_login(&login, at(2)).await.unwrap();
                store.snapshot(id, std::slice::from_ref(&c.section.clever_id)).await.unwrap()
            })
        })
        .collect();
    for task in tasks {
        let snapshot = task.await.unwrap();
        assert!(!snapshot.sections.is_empty());
    }
    let sections = store.teacher_sections(t.id).await.unwrap();
    assert_eq!(sections.len(), 6);
    assert!(sections.iter().all(|s| s.active_students == 10));
    drop(store);
    db.drop_database().await;
}

#[tokio::test]
async fn a_known_student_as_listed_is_not_rewritten() {
    let Some(db) = TestDb::create().await else { return };
    let store = PgStore::open(db.url()).await.unwrap();
    let raw = sqlx::PgPool::connect(db.url()).await.unwrap();
    let updated_at = async |clever: &str| -> time::OffsetDateTime {
        sqlx::query_scalar(crate::conformance::sync::UPDATED_AT).bind(clever).fetch_one(&raw).await.unwrap()
    };
    crate::conformance::sync::a_known_student_as_listed_is_not_rewritten(&store, updated_at).await;
    raw.close().await;
    store.close().await;
    db.drop_database().await;
}

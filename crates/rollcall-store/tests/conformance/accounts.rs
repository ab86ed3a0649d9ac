//! Accounts: first login, repeat logins, races, roster-created students, tokens.

use std::sync::Arc;

use rollcall_core::{SectionChangeKind, StudentChange};
use rollcall_store::{AccountRole, SealedToken, Store};

use super::{at, change, cid, created, profile, section, student, teacher};

pub async fn first_login_creates_then_updates(store: Arc<dyn Store>) {
    let mut p = profile("t1", AccountRole::Teacher, "Tara", "Ng");
    let (first, created) = store.upsert_clever_user(&p, at(0)).await.unwrap();
    assert!(created);
    assert_eq!((first.first_name.as_str(), first.last_name.as_str()), ("Tara", "Ng"));
    assert_eq!(first.clever_id, Some(cid("t1")));
    assert_eq!(first.created_at, at(0));

    p.last_name = "Ng-Smith".to_owned();
    p.middle_name = Some("Q".to_owned());
    p.email = Some("tara@example.org".to_owned());
    let (again, created) = store.upsert_clever_user(&p, at(5)).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, first.id);
    assert_eq!(again.last_name, "Ng-Smith");
    assert_eq!(again.middle_name.as_deref(), Some("Q"));
    assert_eq!(again.email.as_deref(), Some("tara@example.org"));
    assert_eq!(again.created_at, at(0), "created_at is kept");

    assert_eq!(store.user(first.id).await.unwrap(), Some(again.clone()));
    assert_eq!(store.user_by_clever_id(&cid("t1")).await.unwrap(), Some(again));
    assert_eq!(store.user_by_clever_id(&cid("nobody")).await.unwrap(), None);
}

pub async fn concurrent_first_logins_make_one_account(store: Arc<dyn Store>) {
    let p = profile("t1", AccountRole::Teacher, "Tara", "Ng");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, p) = (store.clone(), p.clone());
            tokio::spawn(async move { store.upsert_clever_user(&p, at(0)).await.unwrap() })
        })
        .collect();
    let results: Vec<_> = futures::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1, "exactly one login creates");
    let id = results[0].0.id;
    assert!(results.iter().all(|(u, _)| u.id == id), "every login sees the same account");
}

pub async fn each_clever_id_has_its_own_account(store: Arc<dyn Store>) {
    // Email is informational: two Clever ids sharing one email are two accounts.
    let mut a = profile("a1", AccountRole::Teacher, "Sam", "Lee");
    a.email = Some("shared@example.org".to_owned());
    let mut b = profile("b2", AccountRole::Staff, "Sam", "Lee");
    b.email = a.email.clone();
    let (ua, _) = store.upsert_clever_user(&a, at(0)).await.unwrap();
    let (ub, created) = store.upsert_clever_user(&b, at(0)).await.unwrap();
    assert!(created);
    assert_ne!(ua.id, ub.id);
    assert_eq!(ub.role, AccountRole::Staff);

    // The same Clever id with a different role and name is still the same account, updated.
    let a2 = profile("a1", AccountRole::DistrictAdmin, "Samantha", "Lee");
    let (ua2, created) = store.upsert_clever_user(&a2, at(1)).await.unwrap();
    assert!(!created);
    assert_eq!(ua2.id, ua.id);
    assert_eq!(ua2.role, AccountRole::DistrictAdmin);
    assert_eq!(ua2.first_name, "Samantha");
}

pub async fn tokens_are_replaced(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    assert_eq!(store.clever_token(t.id).await.unwrap(), None);
    let first = SealedToken { sealed: vec![1, 2, 3], obtained_at: at(0), expires_at: at(60) };
    store.save_clever_token(t.id, &first).await.unwrap();
    assert_eq!(store.clever_token(t.id).await.unwrap(), Some(first));
    let second = SealedToken { sealed: vec![9; 40], obtained_at: at(10), expires_at: at(70) };
    store.save_clever_token(t.id, &second).await.unwrap();
    assert_eq!(store.clever_token(t.id).await.unwrap(), Some(second));
}

pub async fn roster_student_who_logs_in_keeps_the_account(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let ana = student("s1", "Ana", "B");
    store
        .apply_section(t.id, &created(section("c1", "Math", &["t1"]), std::slice::from_ref(&ana)), at(1))
        .await
        .unwrap();
    let rostered = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    assert_eq!((rostered.role, rostered.last_name.as_str()), (AccountRole::Student, "B"));

    let mut p = profile("s1", AccountRole::Student, "Ana", "Bautista");
    p.grade = Some("5".to_owned());
    let (me, new) = store.upsert_clever_user(&p, at(2)).await.unwrap();
    assert!(!new, "the roster's account is reused");
    assert_eq!(me.id, rostered.id);
    assert_eq!(me.last_name, "Bautista", "the student's own token has the full last name");

    // Later syncs see only the initial; they keep the fuller name unless told otherwise.
    let keep = StudentChange::Updated { student: ana.clone(), update_name: false, restored: false };
    let c = change(section("c1", "Math", &["t1"]), SectionChangeKind::Unchanged, vec![keep]);
    store.apply_section(t.id, &c, at(3)).await.unwrap();
    let again = created(section("c2", "Art", &["t1"]), &[ana]);
    store.apply_section(t.id, &again, at(4)).await.unwrap();
    assert_eq!(store.user(me.id).await.unwrap().unwrap().last_name, "Bautista");
    let snap = store.snapshot(t.id, &[]).await.unwrap();
    assert_eq!(snap.sections.len(), 2);
    assert!(snap.sections.iter().all(|s| s.students[0].last_name == "Bautista"));
}

pub async fn only_teachers_with_a_live_token_are_synced(store: Arc<dyn Store>) {
    let token = |expires| SealedToken { sealed: vec![1; 40], obtained_at: at(0), expires_at: at(expires) };
    let (live, _) =
        store.upsert_clever_user(&profile("t1", AccountRole::Teacher, "Live", "T"), at(0)).await.unwrap();
    let (stale, _) =
        store.upsert_clever_user(&profile("t2", AccountRole::Teacher, "Stale", "T"), at(0)).await.unwrap();
    let (pupil, _) =
        store.upsert_clever_user(&profile("s1", AccountRole::Student, "Pupil", "S"), at(0)).await.unwrap();
    store.upsert_clever_user(&profile("t3", AccountRole::Teacher, "Tokenless", "T"), at(0)).await.unwrap();
    store.save_clever_token(live.id, &token(100)).await.unwrap();
    store.save_clever_token(stale.id, &token(10)).await.unwrap();
    store.save_clever_token(pupil.id, &token(100)).await.unwrap();
    assert_eq!(store.teachers_to_sync(at(50)).await.unwrap(), vec![(live.id, cid("t1"))]);
    assert_eq!(
        store.teachers_to_sync(at(5)).await.unwrap(),
        vec![(live.id, cid("t1")), (stale.id, cid("t2"))]
    );
}

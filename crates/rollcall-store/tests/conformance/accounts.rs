//! Accounts: first login, repeat logins, races, roster-created students, tokens.

use std::sync::Arc;

use rollcall_core::{SectionChangeKind, StudentChange};
use rollcall_store::{AccountRole, AuditAction, SealedToken, Store};

use super::{AppSteps, at, change, cid, created, local, profile, section, student, teacher};

pub async fn first_login_creates_then_updates(store: Arc<dyn Store>) {
    let mut p = profile("t1", AccountRole::Teacher, "Tara", "Ng");
    let (first, created) = store.clever_login(&p, at(0)).await.unwrap();
    assert!(created);
    assert_eq!((first.first_name.as_str(), first.last_name.as_str()), ("Tara", "Ng"));
    assert_eq!(first.clever_id, Some(cid("t1")));
    assert_eq!(first.created_at, at(0));

    p.last_name = "Ng-Smith".to_owned();
    p.middle_name = Some("Q".to_owned());
    p.email = Some("tara@example.org".to_owned());
    let (again, created) = store.clever_login(&p, at(5)).await.unwrap();
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
            tokio::spawn(async move { store.clever_login(&p, at(0)).await.unwrap() })
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
    let (ua, _) = store.clever_login(&a, at(0)).await.unwrap();
    let (ub, created) = store.clever_login(&b, at(0)).await.unwrap();
    assert!(created);
    assert_ne!(ua.id, ub.id);
    assert_eq!(ub.role, AccountRole::Staff);

    // The same Clever id with a different role and name is still the same account, updated.
    let a2 = profile("a1", AccountRole::DistrictAdmin, "Samantha", "Lee");
    let (ua2, created) = store.clever_login(&a2, at(1)).await.unwrap();
    assert!(!created);
    assert_eq!(ua2.id, ua.id);
    assert_eq!(ua2.role, AccountRole::DistrictAdmin);
    assert_eq!(ua2.first_name, "Samantha");
}

pub async fn tokens_are_replaced(store: Arc<dyn Store>) {
    let p = profile("t1", AccountRole::Teacher, "Tara", "Ng");
    let first = SealedToken { sealed: vec![1, 2, 3], obtained_at: at(0), expires_at: at(60) };
    let (t, _) = store.upsert_clever_login(&p, &first, at(0)).await.unwrap();
    assert_eq!(store.clever_token(t.id).await.unwrap(), Some(first));
    let second = SealedToken { sealed: vec![9; 40], obtained_at: at(10), expires_at: at(70) };
    store.upsert_clever_login(&p, &second, at(10)).await.unwrap();
    assert_eq!(store.clever_token(t.id).await.unwrap(), Some(second), "the next login's token replaces it");
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
    let (me, new) = store.clever_login(&p, at(2)).await.unwrap();
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
    let login = async |clever: &str, role, first: &str, expires| {
        store.upsert_clever_login(&profile(clever, role, first, "T"), &token(expires), at(0)).await.unwrap().0
    };
    let live = login("t1", AccountRole::Teacher, "Live", 100).await;
    let stale = login("t2", AccountRole::Teacher, "Stale", 10).await;
    login("s1", AccountRole::Student, "Pupil", 100).await;
    // A password teacher who linked Clever from the profile has no Clever token.
    let tokenless = store
        .create_local_account(&local(AccountRole::Teacher, "Tokenless", "T", "t3@example.org"), at(0))
        .await
        .unwrap();
    store
        .link_clever(tokenless.id, &profile("t3", AccountRole::Teacher, "Tokenless", "T"), at(0))
        .await
        .unwrap();
    assert_eq!(store.teachers_to_sync(at(50)).await.unwrap(), vec![(live.id, cid("t1"))]);
    assert_eq!(
        store.teachers_to_sync(at(5)).await.unwrap(),
        vec![(live.id, cid("t1")), (stale.id, cid("t2"))]
    );
}

pub async fn a_login_stores_the_account_and_its_token_together(store: Arc<dyn Store>) {
    let token =
        |n: u8, minutes| SealedToken { sealed: vec![n; 40], obtained_at: at(minutes), expires_at: at(60) };
    let mut p = profile("t1", AccountRole::Teacher, "Tara", "Ng");
    let (me, created) = store.upsert_clever_login(&p, &token(1, 0), at(0)).await.unwrap();
    assert!(created);
    assert_eq!(store.clever_token(me.id).await.unwrap(), Some(token(1, 0)));
    assert_eq!(super::actions(&*store, me.id).await, [AuditAction::AccountCreated]);

    // Every later login replaces both the profile and the token.
    p.last_name = "Ng-Smith".to_owned();
    p.role = AccountRole::Student;
    let (again, created) = store.upsert_clever_login(&p, &token(2, 5), at(5)).await.unwrap();
    assert!(!created);
    assert_eq!((again.id, again.last_name.as_str(), again.role), (me.id, "Ng-Smith", AccountRole::Student));
    assert_eq!(again.created_at, at(0), "created_at is kept");
    assert_eq!(store.user(me.id).await.unwrap(), Some(again));
    assert_eq!(store.clever_token(me.id).await.unwrap(), Some(token(2, 5)));
    assert_eq!(super::actions(&*store, me.id).await, [AuditAction::AccountCreated, AuditAction::RoleChanged]);

    // Racing first logins of one person: one account, holding one of their tokens.
    let q = profile("t2", AccountRole::Teacher, "Otto", "Vo");
    let tasks: Vec<_> = (0..20u8)
        .map(|n| {
            let (store, q) = (store.clone(), q.clone());
            tokio::spawn(async move { store.upsert_clever_login(&q, &token(n, 0), at(0)).await.unwrap() })
        })
        .collect();
    let results: Vec<_> = futures::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1, "exactly one login creates");
    let id = results[0].0.id;
    assert!(results.iter().all(|(u, _)| u.id == id), "every login sees the same account");
    let kept = store.clever_token(id).await.unwrap().unwrap();
    assert!((0..20).any(|n| kept == token(n, 0)), "the token is one login's, whole");
    assert_eq!(super::actions(&*store, id).await, [AuditAction::AccountCreated], "created once");
}

pub async fn racing_rosters_create_each_student_once(store: Arc<dyn Store>) {
    // Sections applied at once by different teachers share students nobody has seen yet (and
    // one roster lists a student twice): every Clever id still gets exactly one account.
    let teachers = [
        teacher(&*store, "t1", "Tara", "Ng").await,
        teacher(&*store, "t2", "Otto", "Vo").await,
        teacher(&*store, "t3", "Ida", "Po").await,
    ];
    // c0 has s0..s5, c1 s3..s8, c2 s6..s11.
    let kids: Vec<_> = (0..12).map(|n| student(&format!("s{n}"), &format!("Kid{n}"), "K")).collect();
    let tasks: Vec<_> = teachers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut roster: Vec<_> = kids.iter().skip(i * 3).take(6).cloned().collect();
            roster.push(roster[0].clone());
            let c = created(section(&format!("c{i}"), "Math", &[&format!("t{}", i + 1)]), &roster);
            let (store, id) = (store.clone(), t.id);
            tokio::spawn(async move { store.apply_section(id, &c, at(1)).await.unwrap() })
        })
        .collect();
    for task in futures::future::join_all(tasks).await {
        task.unwrap();
    }
    let mut ids = Vec::new();
    for kid in &kids {
        let account = store.user_by_clever_id(&kid.clever_id).await.unwrap().unwrap();
        assert_eq!(
            (account.role, account.first_name.as_str()),
            (AccountRole::Student, kid.first_name.as_str())
        );
        ids.push(account.id);
    }
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!((ids.len(), distinct.len()), (12, 12), "s0..s11 each have their own account");
    for (i, t) in teachers.iter().enumerate() {
        let snap = store.snapshot(t.id, &[]).await.unwrap();
        let names: Vec<_> = snap.sections[0].students.iter().map(|s| s.first_name.clone()).collect();
        assert_eq!(names.len(), 6, "section c{i}: six students, the doubled one enrolled once: {names:?}");
    }
}

backend_tests!(
    first_login_creates_then_updates,
    concurrent_first_logins_make_one_account,
    each_clever_id_has_its_own_account,
    tokens_are_replaced,
    only_teachers_with_a_live_token_are_synced,
    roster_student_who_logs_in_keeps_the_account,
    a_login_stores_the_account_and_its_token_together,
    racing_rosters_create_each_student_once,
);

//! Linking a Clever identity to an existing account, and unlinking it.

use std::sync::Arc;

use rollcall_core::UserId;
use rollcall_store::{AccountRole, AuditAction, Conflict, NewAssignment, SealedToken, Store, StoreError};
use time::Duration;

use super::{AppSteps, actions, at, cid, created, local, profile, section, student, teacher};

pub async fn a_local_teacher_links_clever_and_logs_in_with_it(store: Arc<dyn Store>) {
    let tara = store
        .create_local_account(&local(AccountRole::Teacher, "Tara", "Ng", "tara@example.org"), at(0))
        .await
        .unwrap();
    let mut p = profile("t1", AccountRole::Teacher, "Tara", "Ng-Smith");
    p.email = Some("tara@district.example".to_owned());
    store.link_clever(tara.id, &p, at(1)).await.unwrap();
    let linked = store.user_by_clever_id(&cid("t1")).await.unwrap().unwrap();
    assert_eq!(linked.id, tara.id);
    assert_eq!(linked.last_name, "Ng", "linking leaves the names alone");
    assert_eq!(linked.login_email.as_deref(), Some("tara@example.org"));

    store.link_clever(tara.id, &p, at(2)).await.unwrap(); // idempotent
    assert_eq!(actions(&*store, tara.id).await, [AuditAction::AccountCreated, AuditAction::CleverLinked]);

    let (me, created) = store.clever_login(&p, at(3)).await.unwrap();
    assert!(!created, "the next Clever login finds the linked account");
    assert_eq!(me.id, tara.id);
    assert_eq!(me.last_name, "Ng-Smith", "and refreshes its profile");
    assert_eq!(me.login_email.as_deref(), Some("tara@example.org"), "the password stays");
}

pub async fn link_refuses_what_would_share_a_clever_id(store: Arc<dyn Store>) {
    let clever = teacher(&*store, "t1", "Tara", "Ng").await;
    let mine = store
        .create_local_account(&local(AccountRole::Teacher, "T", "Ng", "t@example.org"), at(0))
        .await
        .unwrap();
    let p = |id| profile(id, AccountRole::Teacher, "Tara", "Ng");
    let err = store.link_clever(mine.id, &p("t1"), at(1)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::CleverLinkedElsewhere)), "{err:?}");
    assert_eq!(store.user_by_clever_id(&cid("t1")).await.unwrap().unwrap().id, clever.id);

    store.link_clever(mine.id, &p("t2"), at(2)).await.unwrap();
    let err = store.link_clever(mine.id, &p("t3"), at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::AccountHasOtherClever)), "{err:?}");
    assert_eq!(store.user_by_clever_id(&cid("t3")).await.unwrap(), None);
    let err = store.link_clever(clever.id, &p("t2"), at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::CleverLinkedElsewhere)), "{err:?}");
    let err = store.link_clever(UserId(9999), &p("t4"), at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(store.user_by_clever_id(&cid("t4")).await.unwrap(), None);
    assert_eq!(actions(&*store, mine.id).await, [AuditAction::AccountCreated, AuditAction::CleverLinked]);
}

pub async fn racing_links_and_a_first_login_give_the_clever_id_one_account(store: Arc<dyn Store>) {
    let a = store
        .create_local_account(&local(AccountRole::Teacher, "A", "A", "a@example.org"), at(0))
        .await
        .unwrap();
    let b = store
        .create_local_account(&local(AccountRole::Teacher, "B", "B", "b@example.org"), at(0))
        .await
        .unwrap();
    let p = profile("t1", AccountRole::Teacher, "Tara", "Ng");
    let (la, lb, login) = tokio::join!(
        store.link_clever(a.id, &p, at(1)),
        store.link_clever(b.id, &p, at(1)),
        store.clever_login(&p, at(1)),
    );
    let (login, created) = login.unwrap();
    let owner = store.user_by_clever_id(&cid("t1")).await.unwrap().unwrap().id;
    assert_eq!(login.id, owner, "the login found whoever holds the id");
    let linked: Vec<_> = [(a.id, &la), (b.id, &lb)].into_iter().filter(|(_, r)| r.is_ok()).collect();
    match linked.as_slice() {
        [] => assert!(created, "no link won, so the login created the account"),
        [(id, _)] => assert_eq!((*id, created), (owner, false)),
        _ => panic!("both links succeeded: {la:?} {lb:?}"),
    }
    for r in [&la, &lb] {
        if let Err(e) = r {
            assert!(matches!(e, StoreError::Conflict(Conflict::CleverLinkedElsewhere)), "{e:?}");
        }
    }
}

pub async fn unlink_keeps_the_classes_and_needs_a_password(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    store
        .apply_section(t.id, &created(section("c1", "Math", &["t1"]), &[student("s1", "Ana", "B")]), at(1))
        .await
        .unwrap();
    let sid = store.teacher_sections(t.id).await.unwrap()[0].id;
    let work = NewAssignment {
        section: sid,
        title: "Fractions".to_owned(),
        instructions: String::new(),
        due_on: None,
    };
    let assignment = store.create_assignment(t.id, &work, at(2)).await.unwrap();
    let token = SealedToken { sealed: vec![1; 40], obtained_at: at(0), expires_at: at(600) };
    store
        .upsert_clever_login(&profile("t1", AccountRole::Teacher, "Tara", "Ng"), &token, at(2))
        .await
        .unwrap();
    store.schedule_sync(t.id, at(60), at(2)).await.unwrap();
    assert!(store.take_sync_lease(t.id, "replica-1", at(2), Duration::minutes(5)).await.unwrap());

    let err = store.unlink_clever(t.id, at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::NoOtherLogin)), "{err:?}");
    assert_eq!(store.user(t.id).await.unwrap().unwrap().clever_id, Some(cid("t1")), "nothing changed");

    store.add_credential(t.id, "tara@example.org", "$argon2id$t", at(4)).await.unwrap();
    assert!(store.unlink_clever(t.id, at(5)).await.unwrap());
    let me = store.user(t.id).await.unwrap().unwrap();
    assert_eq!((me.clever_id, me.login_email.as_deref()), (None, Some("tara@example.org")));
    assert_eq!(store.user_by_clever_id(&cid("t1")).await.unwrap(), None);
    assert_eq!(store.clever_token(t.id).await.unwrap(), None);
    assert_eq!(store.sync_job(t.id).await.unwrap(), None);
    assert!(
        store.take_sync_lease(t.id, "replica-2", at(5), Duration::minutes(5)).await.unwrap(),
        "lease gone"
    );
    assert_eq!(store.teachers_to_sync(at(6)).await.unwrap(), []);
    // Everything else stays: the class, its student, its work.
    let roster = store.section_roster(t.id, sid).await.unwrap().unwrap();
    assert_eq!(roster.students.len(), 1);
    assert_eq!(store.section_assignments(t.id, sid).await.unwrap()[0].id, assignment);
    assert!(!store.unlink_clever(t.id, at(6)).await.unwrap(), "nothing left to unlink");
    let err = store.unlink_clever(UserId(9999), at(6)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    // The Clever id is free again: linking it back restores the old account's Clever login.
    store.link_clever(t.id, &profile("t1", AccountRole::Teacher, "Tara", "Ng"), at(7)).await.unwrap();
    assert_eq!(store.user_by_clever_id(&cid("t1")).await.unwrap().unwrap().id, t.id);
    let history = actions(&*store, t.id).await;
    assert_eq!(
        history,
        [
            AuditAction::AccountCreated,
            AuditAction::PasswordAdded,
            AuditAction::CleverUnlinked,
            AuditAction::CleverLinked
        ]
    );
}

backend_tests!(
    a_local_teacher_links_clever_and_logs_in_with_it,
    link_refuses_what_would_share_a_clever_id,
    racing_links_and_a_first_login_give_the_clever_id_one_account,
    unlink_keeps_the_classes_and_needs_a_password,
);

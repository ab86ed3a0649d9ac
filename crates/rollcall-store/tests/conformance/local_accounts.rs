//! Local accounts: signing up with an email and password, adding a password, the school,
//! failure counters.

use std::sync::Arc;

use rollcall_core::UserId;
use rollcall_store::{AccountRole, AuditAction, AuditFilter, Conflict, Store, StoreError};
use time::Duration;

use super::{actions, at, local, local_student, teacher};

pub async fn sign_up_then_find_the_credential_by_email(store: Arc<dyn Store>) {
    assert!(!store.has_local_accounts().await.unwrap(), "a fresh store has no passwords");
    let new = local(AccountRole::Teacher, "Tara", "Ng", "  Tara@Example.org ");
    let tara = store.create_local_account(&new, at(1)).await.unwrap();
    assert_eq!(tara.role, AccountRole::Teacher);
    assert_eq!((tara.first_name.as_str(), tara.last_name.as_str()), ("Tara", "Ng"));
    assert_eq!(tara.login_email.as_deref(), Some("tara@example.org"));
    assert_eq!(tara.email.as_deref(), Some("tara@example.org"), "also the informational email");
    assert_eq!((tara.clever_id.as_ref(), tara.middle_name.as_ref(), tara.grade.as_ref()), (None, None, None));
    assert_eq!(tara.created_at, at(1));
    assert_eq!(store.user(tara.id).await.unwrap(), Some(tara.clone()));
    assert!(store.has_local_accounts().await.unwrap());

    let cred = store.credential_by_email("tara@example.org").await.unwrap().unwrap();
    assert_eq!((cred.user_id, cred.password_hash.as_str()), (tara.id, new.password_hash.as_str()));
    assert!(cred.confirmed, "an account is created only once its email is proven");
    // Confirming again changes nothing; another email, or an unknown account, is not confirmed.
    assert!(store.confirm_email(tara.id, "tara@example.org", at(2)).await.unwrap());
    assert!(!store.confirm_email(tara.id, "other@example.org", at(2)).await.unwrap());
    assert!(!store.confirm_email(UserId(tara.id.0 + 1000), "tara@example.org", at(2)).await.unwrap());
    assert_eq!(store.credential_by_email("tara@example.org").await.unwrap(), Some(cred));
    assert_eq!(store.credential_by_email("nobody@example.org").await.unwrap(), None);
    let entries = store.audit_log(&AuditFilter::default(), 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].action, entries[0].actor, entries[0].subject),
        (AuditAction::AccountCreated, Some(tara.id), tara.id)
    );
    assert_eq!(entries[0].detail, "Signed up with email and password as teacher");
}

pub async fn a_taken_email_is_refused_and_nothing_is_created(store: Arc<dyn Store>) {
    let first = local_student(&*store, "Ana", "Bautista", "ana@example.org").await;
    // Another person types the same address differently; the caller normalises it.
    let again = local(AccountRole::Teacher, "Eve", "Impostor", " ANA@example.ORG");
    let err = store.create_local_account(&again, at(2)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::EmailTaken)), "{err:?}");
    assert_eq!(store.user(UserId(first.id.0 + 1)).await.unwrap(), None, "no account was created");
    assert_eq!(store.audit_log(&AuditFilter::default(), 10).await.unwrap().len(), 1);
    assert_eq!(store.credential_by_email("ana@example.org").await.unwrap().unwrap().user_id, first.id);

    // Ten sign-ups with one new email at once: exactly one account gets it.
    let tries = (0..10).map(|i| {
        let store = store.clone();
        async move {
            store
                .create_local_account(
                    &local(AccountRole::Student, "Ben", &format!("{i}"), "ben@example.org"),
                    at(3),
                )
                .await
        }
    });
    let results = futures::future::join_all(tries).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, StoreError::Conflict(Conflict::EmailTaken)))
    );
    let created = AuditFilter { action: Some(AuditAction::AccountCreated), ..AuditFilter::default() };
    assert_eq!(store.audit_log(&created, 100).await.unwrap().len(), 2);
}

pub async fn a_clever_account_adds_a_password_once(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let other = local_student(&*store, "Ana", "B", "ana@example.org").await;
    let err = store.add_credential(t.id, "ana@example.org", "$argon2id$x", at(1)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::EmailTaken)), "{err:?}");
    assert_eq!(
        store.credential_by_email("ana@example.org").await.unwrap().map(|c| c.user_id),
        Some(other.id)
    );
    assert_eq!(store.credential_by_email("tara@example.org").await.unwrap(), None);

    store.add_credential(t.id, "tara@example.org", "$argon2id$t", at(2)).await.unwrap();
    let me = store.user(t.id).await.unwrap().unwrap();
    assert_eq!(me.login_email.as_deref(), Some("tara@example.org"));
    assert_eq!(me.email, None, "the informational email is Clever's, left alone");
    assert_eq!(store.credential_by_email("tara@example.org").await.unwrap().unwrap().user_id, t.id);
    let err = store.add_credential(t.id, "tara2@example.org", "$argon2id$u", at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::PasswordAlreadySet)), "{err:?}");
    let err = store.add_credential(other.id, "new@example.org", "$argon2id$v", at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(Conflict::PasswordAlreadySet)), "{err:?}");
    let err =
        store.add_credential(UserId(9999), "ghost@example.org", "$argon2id$w", at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(actions(&*store, t.id).await, [AuditAction::AccountCreated, AuditAction::PasswordAdded]);
}

pub async fn the_school_is_set_cleared_and_listed(store: Arc<dyn Store>) {
    let one = teacher(&*store, "t1", "Tara", "Ng").await;
    let two = teacher(&*store, "t2", "Cole", "Park").await;
    let three = teacher(&*store, "t3", "Otto", "Vo").await;
    assert!(store.known_schools().await.unwrap().is_empty());
    store.set_school(one.id, Some("Elm Street Elementary"), at(1)).await.unwrap();
    store.set_school(two.id, Some("avenue Middle"), at(1)).await.unwrap();
    store.set_school(three.id, Some("Elm Street Elementary"), at(1)).await.unwrap();
    assert_eq!(store.user(one.id).await.unwrap().unwrap().school.as_deref(), Some("Elm Street Elementary"));
    assert_eq!(store.known_schools().await.unwrap(), ["avenue Middle", "Elm Street Elementary"]);

    store.set_school(one.id, Some("Elm Street Elementary"), at(2)).await.unwrap(); // unchanged
    store.set_school(three.id, None, at(3)).await.unwrap();
    assert_eq!(store.user(three.id).await.unwrap().unwrap().school, None);
    let err = store.set_school(UserId(9999), Some("Nowhere"), at(3)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    let filter = AuditFilter { action: Some(AuditAction::SchoolChanged), ..AuditFilter::default() };
    let entries = store.audit_log(&filter, 10).await.unwrap();
    let details: Vec<_> = entries.iter().map(|e| (e.subject, e.detail.as_str())).collect();
    assert_eq!(
        details,
        [
            (three.id, "School cleared"),
            (three.id, "School set to Elm Street Elementary"),
            (two.id, "School set to avenue Middle"),
            (one.id, "School set to Elm Street Elementary"),
        ],
        "newest first; setting the same school again records nothing"
    );
}

pub async fn failures_are_counted_in_windows(store: Arc<dyn Store>) {
    let window = Duration::minutes(15);
    let key = "login:ana@example.org";
    assert_eq!(store.failures(key, at(0)).await.unwrap(), None);
    for n in 1..=3 {
        let count = store.count_failure(key, at(n), window).await.unwrap();
        assert_eq!((count.failures, count.window_ends), (u32::try_from(n).unwrap(), at(1) + window));
    }
    let now = store.failures(key, at(10)).await.unwrap().unwrap();
    assert_eq!((now.failures, now.window_ends), (3, at(16)));
    assert_eq!(store.failures("login:other@example.org", at(10)).await.unwrap(), None, "keys are apart");
    assert_eq!(store.failures(key, at(16)).await.unwrap(), None, "the window ended");

    let restarted = store.count_failure(key, at(16), window).await.unwrap();
    assert_eq!((restarted.failures, restarted.window_ends), (1, at(31)));
    let counts = futures::future::join_all((0..10).map(|_| store.count_failure(key, at(17), window))).await;
    assert!(counts.iter().all(Result::is_ok));
    assert_eq!(store.failures(key, at(20)).await.unwrap().unwrap().failures, 11, "none lost");
    store.clear_failures(key).await.unwrap();
    assert_eq!(store.failures(key, at(20)).await.unwrap(), None);
    assert_eq!(store.count_failure(key, at(21), window).await.unwrap().failures, 1);
}

/// Admin rights are granted and withdrawn by login email (the operator's `rollcall admin`), show
/// on the account wherever it is read, and are never there by default.
pub async fn admin_rights_are_granted_by_login_email_only(store: Arc<dyn Store>) {
    let ops = store
        .create_local_account(&local(AccountRole::Teacher, "Ops", "Lead", "ops@school.org"), at(0))
        .await
        .unwrap();
    assert!(!ops.admin, "a new account is never an admin");
    let granted = store.set_admin("ops@school.org", true, at(1)).await.unwrap();
    assert_eq!(granted.id, ops.id);
    assert!(granted.admin && store.user(ops.id).await.unwrap().unwrap().admin);
    assert_eq!(store.admins().await.unwrap().iter().map(|u| u.id).collect::<Vec<_>>(), [ops.id]);
    let err = store.set_admin("nobody@school.org", true, at(2)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    // Granting again changes nothing and records nothing.
    assert!(store.set_admin("ops@school.org", true, at(2)).await.unwrap().admin);
    assert!(!store.set_admin("ops@school.org", false, at(3)).await.unwrap().admin);
    assert!(store.admins().await.unwrap().is_empty());

    // Each change is in the audit log, done by nobody's account (an operator on the server).
    let filter = AuditFilter { action: Some(AuditAction::AdminChanged), ..AuditFilter::default() };
    let entries = store.audit_log(&filter, 10).await.unwrap();
    let seen: Vec<_> = entries.iter().map(|e| (e.at, e.actor, e.subject, e.detail.as_str())).collect();
    assert_eq!(
        seen,
        [
            (at(3), None, ops.id, "May no longer read the admin pages (revoked on the server)"),
            (at(1), None, ops.id, "May read the admin pages (granted on the server)"),
        ]
    );
}

backend_tests!(
    admin_rights_are_granted_by_login_email_only,
    sign_up_then_find_the_credential_by_email,
    a_taken_email_is_refused_and_nothing_is_created,
    a_clever_account_adds_a_password_once,
    the_school_is_set_cleared_and_listed,
    failures_are_counted_in_windows,
);

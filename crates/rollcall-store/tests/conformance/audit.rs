//! The audit log: what logins, syncs and account changes record, and how the list is filtered.

use std::sync::Arc;

use rollcall_core::{SyncCounts, UserId};
use rollcall_store::{AccountRole, AuditAction, AuditEntry, AuditFilter, NewAuditEntry, Store, SyncTrigger};

use super::{AppSteps, at, profile, run, teacher};

fn summary(entries: &[AuditEntry]) -> Vec<(AuditAction, Option<UserId>, UserId, &str)> {
    entries.iter().map(|e| (e.action, e.actor, e.subject, e.detail.as_str())).collect()
}

pub async fn logins_and_syncs_are_recorded_with_them(store: Arc<dyn Store>) {
    let mut p = profile("u1", AccountRole::Student, "Sam", "Lee");
    let (sam, _) = store.clever_login(&p, at(0)).await.unwrap();
    store.clever_login(&p, at(1)).await.unwrap(); // same role: nothing to record
    p.role = AccountRole::Teacher;
    store.clever_login(&p, at(2)).await.unwrap();
    p.role = AccountRole::DistrictAdmin;
    store.clever_login(&p, at(3)).await.unwrap();
    p.role = AccountRole::Teacher;
    store.clever_login(&p, at(4)).await.unwrap();
    let counts = SyncCounts { added: 3, updated: 1, removed: 0, unchanged: 5, errors: 0 };
    store
        .record_sync_run(sam.id, &run(SyncTrigger::Login, at(5), at(6), counts, &[], false, None))
        .await
        .unwrap();
    let failed = SyncCounts { added: 0, updated: 0, removed: 0, unchanged: 0, errors: 1 };
    let problems = ["Clever did not answer".to_owned()];
    store
        .record_sync_run(sam.id, &run(SyncTrigger::Background, at(7), at(8), failed, &problems, true, None))
        .await
        .unwrap();
    assert_eq!(store.sync_runs(sam.id, 10).await.unwrap().len(), 2, "the runs themselves are kept too");

    let mut entries = store.audit_log(&AuditFilter::default(), 100).await.unwrap();
    entries.reverse();
    assert_eq!(
        summary(&entries),
        [
            (AuditAction::AccountCreated, Some(sam.id), sam.id, "Signed up with Clever as student"),
            (AuditAction::RoleChanged, None, sam.id, "student → teacher"),
            (AuditAction::RoleChanged, None, sam.id, "teacher → district admin"),
            (AuditAction::RoleChanged, None, sam.id, "district admin → teacher"),
            (
                AuditAction::SyncRun,
                Some(sam.id),
                sam.id,
                "At login: 3 added, 1 updated, 0 removed, 5 unchanged, 0 errors"
            ),
            (
                AuditAction::SyncRun,
                None,
                sam.id,
                "Background sync: 0 added, 0 updated, 0 removed, 0 unchanged, 1 errors (failed)"
            ),
        ]
    );
    assert_eq!(entries[0].at, at(0));
    assert_eq!(entries[5].at, at(8), "a run is recorded when it finished");
    assert!(entries.iter().all(|e| e.subject_name.as_deref() == Some("Sam Lee")));
    assert_eq!(entries[0].actor_name.as_deref(), Some("Sam Lee"));
    assert_eq!(entries[1].actor_name, None, "Rollcall itself");
    assert!(entries.windows(2).all(|w| w[0].id < w[1].id));
}

pub async fn filters_narrow_the_list_newest_first(store: Arc<dyn Store>) {
    let admin = teacher(&*store, "t1", "Ada", "Min").await;
    let bo = teacher(&*store, "t2", "Bo", "Li").await;
    let ghost = UserId(9999);
    let note = |minute, actor, action, subject, detail: &str| NewAuditEntry {
        at: at(minute),
        actor,
        action,
        subject,
        detail: detail.to_owned(),
    };
    for e in [
        note(10, Some(admin.id), AuditAction::CleverLinked, bo.id, "e1"),
        note(20, None, AuditAction::SyncRun, bo.id, "e2"),
        note(30, Some(bo.id), AuditAction::SchoolChanged, admin.id, "e3"),
        note(40, Some(admin.id), AuditAction::AccountsMerged, ghost, "e4"),
        note(50, None, AuditAction::SyncRun, admin.id, "e5"),
    ] {
        store.record_audit(&e).await.unwrap();
    }
    let details = |filter: AuditFilter, limit| {
        let store = store.clone();
        async move {
            let entries = store.audit_log(&filter, limit).await.unwrap();
            entries.into_iter().map(|e| e.detail).filter(|d| d.starts_with('e')).collect::<Vec<_>>()
        }
    };
    let all = AuditFilter::default();
    assert_eq!(details(all.clone(), 100).await, ["e5", "e4", "e3", "e2", "e1"]);
    assert_eq!(details(all.clone(), 2).await, ["e5", "e4"]);
    let action = AuditFilter { action: Some(AuditAction::SyncRun), ..all.clone() };
    assert_eq!(details(action, 100).await, ["e5", "e2"]);
    let as_subject_or_actor = AuditFilter { user: Some(bo.id), ..all.clone() };
    assert_eq!(details(as_subject_or_actor, 100).await, ["e3", "e2", "e1"]);
    let window = AuditFilter { since: Some(at(20)), until: Some(at(40)), ..all.clone() };
    assert_eq!(details(window, 100).await, ["e3", "e2"], "since is inclusive, until is not");
    let entries = store.audit_log(&all, 100).await.unwrap();
    let e3 = entries.iter().find(|e| e.detail == "e3").unwrap().id;
    let older = AuditFilter { before_id: Some(e3), ..all.clone() };
    assert_eq!(details(older, 100).await, ["e2", "e1"]);
    let combined = AuditFilter {
        action: Some(AuditAction::SyncRun),
        user: Some(admin.id),
        since: Some(at(0)),
        until: Some(at(60)),
        before_id: Some(i64::MAX),
    };
    assert_eq!(details(combined, 100).await, ["e5"]);

    let e4 = entries.iter().find(|e| e.detail == "e4").unwrap();
    assert_eq!(
        (e4.actor_name.as_deref(), e4.subject, e4.subject_name.as_deref()),
        (Some("Ada Min"), ghost, None)
    );
    let e3 = entries.iter().find(|e| e.detail == "e3").unwrap();
    assert_eq!(
        (e3.actor_name.as_deref(), e3.subject_name.as_deref(), e3.at),
        (Some("Bo Li"), Some("Ada Min"), at(30))
    );
}

backend_tests!(logins_and_syncs_are_recorded_with_them, filters_narrow_the_list_newest_first,);

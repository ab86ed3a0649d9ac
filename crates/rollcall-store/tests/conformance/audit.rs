//! The audit log: what logins, syncs and account changes record, and how the list is filtered.

use std::sync::Arc;

use rollcall_core::{Changes, SyncCounts, UserId};
use rollcall_store::{AccountRole, AuditAction, AuditEntry, AuditFilter, Store, SyncTrigger};

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
    let changes = Changes { classes_added: 1, students_added: 2, students_renamed: 1, ..Changes::default() };
    let counts =
        SyncCounts { added: 3, updated: 1, removed: 0, unchanged: 5, errors: 0, changes: Some(changes) };
    store
        .record_sync_run(sam.id, &run(SyncTrigger::Login, at(5), at(6), counts, &[], false, None))
        .await
        .unwrap();
    let failed = SyncCounts { errors: 1, ..SyncCounts::default() };
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
                "At login: 1 class added, 2 students added, 1 student renamed"
            ),
            (AuditAction::SyncRun, None, sam.id, "Background sync: the sync failed, nothing changed"),
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
    let ada = teacher(&*store, "t1", "Ada", "Min").await;
    let bo = teacher(&*store, "t2", "Bo", "Li").await;
    // Five entries, each written by the operation it records, after the two sign-ups at 0.
    store.set_school(bo.id, Some("Lincoln Elementary"), at(10)).await.unwrap();
    let quiet = SyncCounts::default();
    store
        .record_sync_run(bo.id, &run(SyncTrigger::Background, at(19), at(20), quiet, &[], false, None))
        .await
        .unwrap();
    store.set_school(ada.id, Some("Adams Middle"), at(30)).await.unwrap();
    store.unlink_clever(bo.id, at(35)).await.unwrap_err(); // refused: no entry
    store.set_school(bo.id, None, at(40)).await.unwrap();
    store
        .record_sync_run(ada.id, &run(SyncTrigger::Login, at(49), at(50), quiet, &[], false, None))
        .await
        .unwrap();

    let seen = |filter: AuditFilter, limit| {
        let store = store.clone();
        async move {
            let entries = store.audit_log(&filter, limit).await.unwrap();
            entries.into_iter().map(|e| (e.action, e.at)).collect::<Vec<_>>()
        }
    };
    let (school, sync) = (AuditAction::SchoolChanged, AuditAction::SyncRun);
    let all = AuditFilter { since: Some(at(1)), ..AuditFilter::default() };
    assert_eq!(
        seen(all.clone(), 100).await,
        [(sync, at(50)), (school, at(40)), (school, at(30)), (sync, at(20)), (school, at(10))]
    );
    assert_eq!(seen(AuditFilter::default(), 100).await.len(), 7, "and the two accounts' creation");
    assert_eq!(seen(all.clone(), 2).await, [(sync, at(50)), (school, at(40))]);
    let action = AuditFilter { action: Some(sync), ..all.clone() };
    assert_eq!(seen(action, 100).await, [(sync, at(50)), (sync, at(20))]);
    let bo_only = AuditFilter { user: Some(bo.id), ..all.clone() };
    assert_eq!(seen(bo_only, 100).await, [(school, at(40)), (sync, at(20)), (school, at(10))]);
    let window = AuditFilter { since: Some(at(20)), until: Some(at(40)), ..all.clone() };
    assert_eq!(
        seen(window, 100).await,
        [(school, at(30)), (sync, at(20))],
        "since is inclusive, until is not"
    );
    let entries = store.audit_log(&all, 100).await.unwrap();
    let older = AuditFilter { before_id: Some(entries[2].id), ..all.clone() };
    assert_eq!(seen(older, 100).await, [(sync, at(20)), (school, at(10))]);
    let combined = AuditFilter {
        action: Some(sync),
        user: Some(ada.id),
        since: Some(at(0)),
        until: Some(at(60)),
        before_id: Some(i64::MAX),
    };
    assert_eq!(seen(combined, 100).await, [(sync, at(50))]);

    let by_login = &entries[0];
    assert_eq!(
        (by_login.actor_name.as_deref(), by_login.subject_name.as_deref()),
        (Some("Ada Min"), Some("Ada Min"))
    );
    let background = &entries[3];
    assert_eq!((background.actor_name.as_deref(), background.subject_name.as_deref()), (None, Some("Bo Li")));
}

backend_tests!(logins_and_syncs_are_recorded_with_them, filters_narrow_the_list_newest_first,);

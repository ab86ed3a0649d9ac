//! Merging two student accounts, or two teacher accounts: everything moves, or nothing; racing
//! merges never half-merge.

use std::sync::Arc;

use rollcall_core::{SectionChangeKind, SectionId, StudentChange, UserId};
use rollcall_store::{
    AccountRole, AuditAction, AuditFilter, Conflict, NewAssignment, Session, Store, StoreError, User,
};

use super::{
    AppSteps, actions, at, change, cid, created, local, local_student, profile, section, student, teacher,
};

/// A session cookie hash for the test's `n`th session.
fn session(n: u8, user: &User) -> Session {
    Session {
        id_hash: [n; 32],
        user_id: user.id,
        csrf_token: format!("csrf{n}"),
        created_at: at(0),
        expires_at: at(600),
    }
}

/// Posts an assignment to a section.
async fn post(
    store: &dyn Store,
    teacher: UserId,
    section: SectionId,
    title: &str,
) -> rollcall_core::AssignmentId {
    let new = NewAssignment { section, title: title.to_owned(), instructions: String::new(), due_on: None };
    store.create_assignment(teacher, &new, at(2)).await.unwrap()
}

/// The section ids of a teacher's sections by name.
async fn section_ids(store: &dyn Store, teacher: UserId) -> Vec<(String, SectionId)> {
    store.teacher_sections(teacher).await.unwrap().into_iter().map(|s| (s.name, s.id)).collect()
}

pub async fn a_merge_keeps_everything_of_both_students(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let (ana, ana2) = (student("s1", "Ana", "B"), student("s2", "Ana", "B"));
    for (c, name, kids) in [
        ("c1", "Art", vec![ana.clone()]),
        ("c2", "Bio", vec![ana.clone(), ana2.clone()]),
        ("c3", "Chem", vec![ana2.clone()]),
    ] {
        store.apply_section(t.id, &created(section(c, name, &["t1"]), &kids), at(1)).await.unwrap();
    }
    let ids = section_ids(&*store, t.id).await;
    let (c1, c2, c3) = (ids[0].1, ids[1].1, ids[2].1);
    let (a1, a2, a3) = (
        post(&*store, t.id, c1, "A1").await,
        post(&*store, t.id, c2, "A2").await,
        post(&*store, t.id, c3, "A3").await,
    );
    let old = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    let new = store.user_by_clever_id(&cid("s2")).await.unwrap().unwrap();
    store.set_done(new.id, a2, true, at(3)).await.unwrap();
    store.set_done(old.id, a2, true, at(4)).await.unwrap();
    store.set_done(old.id, a1, true, at(5)).await.unwrap();
    store.set_done(new.id, a3, true, at(6)).await.unwrap();
    // Clever drops the old id from Bio; the old account gets a password and leaves Clever.
    let gone = StudentChange::RemovedInClever { student_clever_id: cid("s1") };
    store
        .apply_section(
            t.id,
            &change(section("c2", "Bio", &["t1"]), SectionChangeKind::Unchanged, vec![gone]),
            at(7),
        )
        .await
        .unwrap();
    store.add_credential(old.id, "ana@example.org", "$argon2id$a", at(8)).await.unwrap();
    assert!(store.unlink_clever(old.id, at(8)).await.unwrap());
    store.set_school(new.id, Some("Elm"), at(9)).await.unwrap();
    store.create_session(&session(1, &old)).await.unwrap();
    store.create_session(&session(2, &new)).await.unwrap();

    // As from the web: the student signed in to the newer account asks for the merge.
    let report = store.merge_accounts(old.id, new.id, new.id, at(10)).await.unwrap();
    assert_eq!((report.survivor, report.absorbed), (old.id, new.id));
    assert_eq!((report.enrollments_moved, report.enrollments_shared), (1, 1));
    assert_eq!((report.submissions_moved, report.submissions_shared), (1, 1));
    // Art and A1 were only the older account's: what the student, in the newer one, gains.
    assert_eq!((report.enrollments_gained, report.submissions_gained), (1, 1));
    assert_eq!(
        (report.identities_moved.as_slice(), report.sessions_moved),
        (["clever".to_owned()].as_slice(), 1)
    );

    assert_eq!(store.user(new.id).await.unwrap(), None, "the absorbed account is gone");
    let me = store.user_by_clever_id(&cid("s2")).await.unwrap().unwrap();
    assert_eq!((me.id, me.login_email.as_deref()), (old.id, Some("ana@example.org")));
    assert_eq!(store.session(&[2; 32], at(11)).await.unwrap().unwrap().0.user_id, old.id, "still logged in");
    let classes: Vec<_> = store.student_sections(old.id).await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(classes, ["Art", "Bio", "Chem"], "Bio is active: the absorbed account's enrollment won");
    for sid in [c1, c2, c3] {
        let roster = store.section_roster(t.id, sid).await.unwrap().unwrap();
        let rows: Vec<_> = roster.students.iter().map(|s| (s.user_id, s.removed_in_clever)).collect();
        assert_eq!(rows, [(old.id, false)], "one row per section");
    }
    let work: Vec<_> =
        store.student_assignments(old.id).await.unwrap().into_iter().map(|a| (a.title, a.done_at)).collect();
    assert!(work.contains(&("A1".to_owned(), Some(at(5)))), "{work:?}");
    assert!(work.contains(&("A2".to_owned(), Some(at(3)))), "the earlier time is kept: {work:?}");
    assert!(work.contains(&("A3".to_owned(), Some(at(6)))), "{work:?}");
    let (a2_now, _) = store.assignment_progress(t.id, a2).await.unwrap().unwrap();
    assert_eq!((a2_now.done, a2_now.students), (1, 1));

    // The absorbed account's history now names the survivor; the merge is recorded.
    let history = actions(&*store, old.id).await;
    assert!(history.contains(&AuditAction::SchoolChanged), "{history:?}");
    assert_eq!(history.last(), Some(&AuditAction::AccountsMerged));
    let filter = AuditFilter { action: Some(AuditAction::AccountsMerged), ..AuditFilter::default() };
    let merged = store.audit_log(&filter, 1).await.unwrap().remove(0);
    assert_eq!(
        (merged.actor, merged.subject),
        (Some(old.id), old.id),
        "the actor was the absorbed account: the entry names the account that still exists"
    );
    assert_eq!(
        merged.detail,
        format!(
            "Merged account {} into {}: 1 class, 1 completed assignment, Clever login, 1 session",
            new.id, old.id
        )
    );
    assert!(
        store
            .audit_log(&AuditFilter { user: Some(new.id), ..AuditFilter::default() }, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Clever and the roster sync now reach the survivor.
    let (again, created) =
        store.clever_login(&profile("s2", AccountRole::Student, "Ana", "Bautista"), at(11)).await.unwrap();
    assert_eq!((again.id, created), (old.id, false));
    let snap = store.snapshot(t.id, &[]).await.unwrap();
    let students: Vec<_> = snap.sections.iter().flat_map(|s| &s.students).collect();
    assert_eq!(students.len(), 3);
    assert!(students.iter().all(|e| e.student_clever_id == cid("s2") && e.last_name == "Bautista"));
}

pub async fn refused_merges_change_nothing(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    store
        .apply_section(
            t.id,
            &created(section("c1", "Math", &["t1"]), &[student("s1", "Ana", "B"), student("s2", "Ben", "C")]),
            at(1),
        )
        .await
        .unwrap();
    let ana = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    let ben = store.user_by_clever_id(&cid("s2")).await.unwrap().unwrap();
    let local_ana = local_student(&*store, "Ana", "B", "ana@example.org").await;
    let staff = store
        .create_local_account(&local(AccountRole::Staff, "Sam", "S", "sam@example.org"), at(0))
        .await
        .unwrap();

    let refusals = [
        (ana.id, ana.id, Conflict::SameAccount),
        (t.id, local_ana.id, Conflict::NotTheSameKind),
        (local_ana.id, staff.id, Conflict::NotTheSameKind),
        (ana.id, ben.id, Conflict::BothLinkedToClever),
    ];
    for (survivor, absorbed, why) in refusals {
        let err = store.merge_accounts(survivor, absorbed, t.id, at(2)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(c) if c == why), "{survivor} <- {absorbed}: {err:?}");
    }
    for (survivor, absorbed) in [(ana.id, UserId(9999)), (UserId(9999), ana.id)] {
        let err = store.merge_accounts(survivor, absorbed, t.id, at(2)).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    }
    for u in [&ana, &ben, &local_ana, &staff] {
        assert_eq!(store.user(u.id).await.unwrap().as_ref(), Some(u), "unchanged");
    }
    assert_eq!(
        store
            .section_roster(t.id, section_ids(&*store, t.id).await[0].1)
            .await
            .unwrap()
            .unwrap()
            .students
            .len(),
        2
    );
    let filter = AuditFilter { action: Some(AuditAction::AccountsMerged), ..AuditFilter::default() };
    assert!(store.audit_log(&filter, 10).await.unwrap().is_empty());
}

/// Two students with a class each (one of them Clever's), a password and a session each.
async fn pair(store: &dyn Store, t: &User, n: u8) -> (User, User, [SectionId; 2]) {
    let s = |k: u8| format!("s{n}-{k}");
    for (k, name) in [(1, "a"), (2, "b")] {
        let class = section(&format!("c{n}-{k}"), &format!("{n}{name}"), &["t1"]);
        store.apply_section(t.id, &created(class, &[student(&s(k), "A", "B")]), at(1)).await.unwrap();
    }
    let a = store.user_by_clever_id(&cid(&s(1))).await.unwrap().unwrap();
    let b = store.user_by_clever_id(&cid(&s(2))).await.unwrap().unwrap();
    for (k, u) in [(1, &a), (2, &b)] {
        store.add_credential(u.id, &format!("{n}-{k}@example.org"), "$argon2id$x", at(2)).await.unwrap();
        store.create_session(&session(n * 10 + k, u)).await.unwrap();
    }
    assert!(store.unlink_clever(b.id, at(3)).await.unwrap());
    let ids = section_ids(store, t.id).await;
    let find = |name: String| ids.iter().find(|(n, _)| *n == name).map(|(_, id)| *id).unwrap();
    (a, b, [find(format!("{n}a")), find(format!("{n}b"))])
}

/// Exactly one of two racing merges succeeded, the other found an account gone.
fn one_won<T: std::fmt::Debug>(x: &Result<T, StoreError>, y: &Result<T, StoreError>) {
    assert_eq!(u8::from(x.is_ok()) + u8::from(y.is_ok()), 1, "{x:?} {y:?}");
    let lost = x.as_ref().err().or(y.as_ref().err()).unwrap();
    assert!(matches!(lost, StoreError::NotFound(_)), "{lost:?}");
}

pub async fn racing_merges_leave_one_whole_account(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    for n in 1..=3 {
        // a <- b against b <- a.
        let (a, b, sections) = pair(&*store, &t, n).await;
        let (x, y) = tokio::join!(
            store.merge_accounts(a.id, b.id, t.id, at(4)),
            store.merge_accounts(b.id, a.id, t.id, at(4)),
        );
        one_won(&x, &y);
        let (winner, loser) = if x.is_ok() { (a.id, b.id) } else { (b.id, a.id) };
        assert_eq!(store.user(loser).await.unwrap(), None);
        assert_eq!(store.student_sections(winner).await.unwrap().len(), 2, "both classes, once");
        for sid in sections {
            let roster = store.section_roster(t.id, sid).await.unwrap().unwrap();
            assert_eq!(roster.students.iter().map(|s| s.user_id).collect::<Vec<_>>(), [winner]);
        }
        for k in [1, 2] {
            assert_eq!(store.session(&[n * 10 + k; 32], at(5)).await.unwrap().unwrap().0.user_id, winner);
        }
        assert_eq!(store.user(winner).await.unwrap().unwrap().clever_id, Some(cid(&format!("s{n}-1"))));
        let merges = AuditFilter {
            action: Some(AuditAction::AccountsMerged),
            user: Some(winner),
            ..AuditFilter::default()
        };
        assert_eq!(store.audit_log(&merges, 10).await.unwrap().len(), 1);
    }
    // a <- b against c <- b: b ends in exactly one of them.
    let (a, b, _) = pair(&*store, &t, 7).await;
    let c = local_student(&*store, "C", "C", "c@example.org").await;
    let (x, y) = tokio::join!(
        store.merge_accounts(a.id, b.id, t.id, at(4)),
        store.merge_accounts(c.id, b.id, t.id, at(4)),
    );
    one_won(&x, &y);
    let (winner, other) = if x.is_ok() { (a.id, c.id) } else { (c.id, a.id) };
    assert_eq!(store.user(b.id).await.unwrap(), None);
    assert_eq!(store.session(&[72; 32], at(5)).await.unwrap().unwrap().0.user_id, winner);
    let classes = |id| {
        let store = store.clone();
        async move { store.student_sections(id).await.unwrap().len() }
    };
    assert_eq!(
        (classes(winner).await, classes(other).await),
        (if winner == a.id { 2 } else { 1 }, if other == a.id { 1 } else { 0 })
    );
}

/// A teacher's older password account (it taught Math and Art before Clever was unlinked, and
/// names a school) and the Clever account they made by mistake (Math and Science, an assignment
/// in Science).
async fn teacher_pair(store: &dyn Store, n: u8) -> (User, User, Vec<(String, SectionId)>) {
    let clever = format!("t{n}");
    let new = teacher(store, &clever, "Tara", "Ng").await;
    let old = store
        .create_local_account(
            &local(AccountRole::Teacher, "Tara", "Ng", &format!("tara{n}@example.org")),
            at(0),
        )
        .await
        .unwrap();
    store.set_school(old.id, Some("Elm Street School"), at(0)).await.unwrap();
    let (math, art, science) = (format!("m{n}"), format!("a{n}"), format!("s{n}"));
    for (who, id, name) in
        [(&old, &math, "Math"), (&old, &art, "Art"), (&new, &math, "Math"), (&new, &science, "Science")]
    {
        store.apply_section(who.id, &created(section(id, name, &[&clever]), &[]), at(1)).await.unwrap();
    }
    let sections = section_ids(store, new.id).await;
    let (_, science_id) = sections.iter().find(|(name, _)| name == "Science").unwrap().clone();
    post(store, new.id, science_id, "Cells").await;
    (old, new, sections)
}

pub async fn a_teachers_two_accounts_merge_keeping_classes_assignments_and_school(store: Arc<dyn Store>) {
    let (old, new, _) = teacher_pair(&*store, 1).await;
    let report = store.merge_accounts(old.id, new.id, new.id, at(3)).await.unwrap();
    assert_eq!(
        (report.classes_taught_moved, report.classes_taught_shared, report.classes_taught_gained),
        (1, 1, 1),
        "Science moved, Math on both, Art only on the older account"
    );
    assert_eq!(report.identities_moved, ["clever"]);
    let mut names: Vec<String> = section_ids(&*store, old.id).await.into_iter().map(|(n, _)| n).collect();
    names.sort();
    assert_eq!(names, ["Art", "Math", "Science"], "every class, once");
    let science = section_ids(&*store, old.id).await.into_iter().find(|(n, _)| n == "Science").unwrap().1;
    let work = store.section_assignments(old.id, science).await.unwrap();
    assert_eq!(work.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(), ["Cells"], "the assignment moved");
    let survivor = store.user(old.id).await.unwrap().unwrap();
    assert_eq!(survivor.clever_id, Some(cid("t1")), "Clever now opens the older account");
    assert_eq!(survivor.school.as_deref(), Some("Elm Street School"));
    assert_eq!(store.user(new.id).await.unwrap(), None);
    assert_eq!(store.user_by_clever_id(&cid("t1")).await.unwrap().map(|u| u.id), Some(old.id));
}

pub async fn racing_teacher_merges_leave_one_whole_account(store: Arc<dyn Store>) {
    for n in 2..=4 {
        let (old, new, _) = teacher_pair(&*store, n).await;
        let (x, y) = tokio::join!(
            store.merge_accounts(old.id, new.id, new.id, at(4)),
            store.merge_accounts(new.id, old.id, new.id, at(4)),
        );
        one_won(&x, &y);
        let winner = if x.is_ok() { old.id } else { new.id };
        assert_eq!(section_ids(&*store, winner).await.len(), 3, "Art, Math and Science, once each");
    }
}

backend_tests!(
    a_teachers_two_accounts_merge_keeping_classes_assignments_and_school,
    racing_teacher_merges_leave_one_whole_account,
    a_merge_keeps_everything_of_both_students,
    refused_merges_change_nothing,
    racing_merges_leave_one_whole_account,
);

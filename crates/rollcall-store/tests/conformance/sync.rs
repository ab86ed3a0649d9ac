//! Applying sync plans: sections, co-teachers, enrollments, display names, unlinks.

use std::sync::Arc;

use rollcall_core::{
    SectionChangeKind, SectionUnlink, StudentChange, SyncCounts, SyncedStudent, TeacherLink,
};
use rollcall_store::{AccountRole, AuditAction, RunRecord, Store, StoreError, SyncTrigger};

use super::{
    AppSteps, at, change, cid, created, dashboard, profile, run, section, section_for, student, teacher,
};

/// When the account of a Clever id (`$1`) last changed: not part of the `Store` API, so each
/// backend's own test reads it for [`a_known_student_as_listed_is_not_rewritten`].
pub const UPDATED_AT: &str = "SELECT u.updated_at FROM users u JOIN identities i ON i.user_id = u.id \
     WHERE i.provider = 'clever' AND i.external_id = $1";

/// A student another class already brought in, listed as they are, is not written again (their
/// account's `updated_at`, which only a backend's own SQL can read, stays); a changed grade is.
pub async fn a_known_student_as_listed_is_not_rewritten(
    store: &dyn Store,
    updated_at: impl AsyncFn(&str) -> time::OffsetDateTime,
) {
    let (a, b) = (teacher(store, "t1", "Tara", "Ng").await, teacher(store, "t2", "Cole", "Park").await);
    let ana = student("s1", "Ana", "B");
    let roster = std::slice::from_ref(&ana);
    store.apply_section(a.id, &created(section("c1", "Math", &["t1"]), roster), at(1)).await.unwrap();
    store.apply_section(b.id, &created(section("c2", "Art", &["t2"]), roster), at(5)).await.unwrap();
    assert_eq!(updated_at("s1").await, at(1), "listed as she is: not rewritten");

    let older = SyncedStudent { grade: Some("6".to_owned()), ..ana };
    let moved = StudentChange::Updated { student: older, update_name: false, restored: false };
    let art = change(section("c2", "Art", &["t2"]), SectionChangeKind::Unchanged, vec![moved]);
    store.apply_section(b.id, &art, at(9)).await.unwrap();
    assert_eq!(updated_at("s1").await, at(9), "her grade changed");
    let account = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    assert_eq!(account.grade.as_deref(), Some("6"));
}

pub async fn created_section_shows_in_the_snapshot(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let other = teacher(&*store, "t9", "Otto", "Vo").await;
    let students = [student("s2", "Ben", "C"), student("s1", "Ana", "B")];
    store.apply_section(t.id, &created(section("c1", "Math 5", &["t1"]), &students), at(1)).await.unwrap();

    let snap = store.snapshot(t.id, &[]).await.unwrap();
    assert_eq!(snap.sections.len(), 1);
    let s = &snap.sections[0];
    assert_eq!((s.clever_id.as_str(), s.synced_name.as_str()), ("c1", "Math 5"));
    assert_eq!((s.section_number.as_deref(), s.subject.as_deref()), (Some("1"), Some("math")));
    assert_eq!(s.teacher_link, TeacherLink::Active);
    assert!(!s.archived);
    let names: Vec<_> =
        s.students.iter().map(|e| (e.student_clever_id.as_str(), e.removed_in_clever)).collect();
    assert_eq!(names, [("s1", false), ("s2", false)]);

    // Another teacher sees it only when asked by Clever id, and as not linked.
    assert!(store.snapshot(other.id, &[]).await.unwrap().sections.is_empty());
    let theirs = store.snapshot(other.id, &[cid("c1"), cid("nope")]).await.unwrap();
    assert_eq!(theirs.sections.len(), 1);
    assert_eq!(theirs.sections[0].teacher_link, TeacherLink::NotLinked);
    assert_eq!(theirs.sections[0].id, s.id);
    assert_eq!(theirs.sections[0].students.len(), 2);
}

pub async fn co_teacher_joins_the_same_row(store: Arc<dyn Store>) {
    let first = teacher(&*store, "t1", "Tara", "Ng").await;
    let co = teacher(&*store, "t2", "Cole", "Park").await;
    let (src, co_src) =
        (section("c1", "Math", &["t1", "t2"]), section_for("t2", "c1", "Math", &["t1", "t2"]));
    // The co-teacher syncs first; roles still follow Clever's order, not who came first.
    store.apply_section(co.id, &created(co_src, &[student("s1", "Ana", "B")]), at(1)).await.unwrap();
    let join = change(src, SectionChangeKind::JoinedAsCoTeacher { changed: vec![] }, vec![]);
    store.apply_section(first.id, &join, at(2)).await.unwrap();

    let a = store.teacher_sections(first.id).await.unwrap();
    let b = store.teacher_sections(co.id).await.unwrap();
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(a[0].id, b[0].id, "one row per Clever id");
    assert_eq!(a[0].co_teachers, ["Cole Park"]);
    assert_eq!(b[0].co_teachers, ["Tara Ng"]);
    let ana = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    let classes = store.student_sections(ana.id).await.unwrap();
    assert_eq!(classes[0].teachers, ["Tara Ng", "Cole Park"], "primary first");
}

pub async fn concurrent_co_teachers_make_one_row(store: Arc<dyn Store>) {
    let one = teacher(&*store, "t1", "Tara", "Ng").await;
    let two = teacher(&*store, "t2", "Cole", "Park").await;
    // Both planners saw no local row, so both apply `Created`, with overlapping students.
    let mut tasks = Vec::new();
    for n in 0..10 {
        for (who, clever) in [(one.id, "t1"), (two.id, "t2")] {
            let store = store.clone();
            let src = section_for(clever, &format!("c{n}"), &format!("Class {n}"), &["t1", "t2"]);
            let kids = [student(&format!("s{n}"), "Ana", "B"), student("shared", "Zed", "Q")];
            tasks.push(tokio::spawn(
                async move { store.apply_section(who, &created(src, &kids), at(1)).await },
            ));
        }
    }
    for r in futures::future::join_all(tasks).await {
        r.unwrap().unwrap();
    }
    let a = store.teacher_sections(one.id).await.unwrap();
    let b = store.teacher_sections(two.id).await.unwrap();
    assert_eq!((a.len(), b.len()), (10, 10));
    let ids = |v: &[rollcall_store::SectionSummary]| {
        let mut ids: Vec<_> = v.iter().map(|s| s.id).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&a), ids(&b), "both teachers are on the same ten rows");
    assert!(a.iter().all(|s| s.active_students == 2 && s.co_teachers == ["Cole Park"]));
    let zed = store.user_by_clever_id(&cid("shared")).await.unwrap().unwrap();
    assert_eq!(store.student_sections(zed.id).await.unwrap().len(), 10, "one account for the shared student");
}

pub async fn removed_students_are_flagged_and_restored(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let src = section("c1", "Math", &["t1"]);
    let (ana, ben) = (student("s1", "Ana", "B"), student("s2", "Ben", "A"));
    store.apply_section(t.id, &created(src.clone(), &[ana, ben.clone()]), at(1)).await.unwrap();
    let sid = store.teacher_sections(t.id).await.unwrap()[0].id;

    let gone = StudentChange::RemovedInClever { student_clever_id: cid("s2") };
    store
        .apply_section(t.id, &change(src.clone(), SectionChangeKind::Unchanged, vec![gone]), at(2))
        .await
        .unwrap();
    let roster = store.section_roster(t.id, sid).await.unwrap().unwrap();
    let rows: Vec<_> = roster.students.iter().map(|s| (s.first_name.as_str(), s.removed_in_clever)).collect();
    assert_eq!(rows, [("Ana", false), ("Ben", true)], "kept, flagged, listed last");
    assert_eq!((roster.section.active_students, roster.section.removed_students), (1, 1));
    let snap = store.snapshot(t.id, &[]).await.unwrap();
    assert!(
        snap.sections[0].students.iter().any(|e| e.student_clever_id == cid("s2") && e.removed_in_clever)
    );
    let ben_id = store.user_by_clever_id(&cid("s2")).await.unwrap().unwrap().id;
    assert!(store.student_sections(ben_id).await.unwrap().is_empty());

    let back = StudentChange::Updated { student: ben, update_name: true, restored: true };
    store.apply_section(t.id, &change(src, SectionChangeKind::Unchanged, vec![back]), at(3)).await.unwrap();
    let roster = store.section_roster(t.id, sid).await.unwrap().unwrap();
    assert!(roster.students.iter().all(|s| !s.removed_in_clever));
    assert_eq!(store.student_sections(ben_id).await.unwrap().len(), 1);
}

pub async fn roster_updates_grades_and_names_only_when_told(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let src = section("c1", "Math", &["t1"]);
    let (ana, ben) = (student("s1", "Ana", "B"), student("s2", "Ben", "A"));
    store.apply_section(t.id, &created(src.clone(), &[ana.clone(), ben.clone()]), at(1)).await.unwrap();
    let moved_up = |s: &SyncedStudent, first: &str| SyncedStudent {
        first_name: first.to_owned(),
        grade: Some("6".to_owned()),
        ..s.clone()
    };
    let changes = vec![
        StudentChange::Updated { student: moved_up(&ana, "Anabel"), update_name: true, restored: false },
        StudentChange::Updated { student: moved_up(&ben, "Benjamin"), update_name: false, restored: false },
    ];
    store.apply_section(t.id, &change(src, SectionChangeKind::Unchanged, changes), at(2)).await.unwrap();
    for (clever, first) in [("s1", "Anabel"), ("s2", "Ben")] {
        let user = store.user_by_clever_id(&cid(clever)).await.unwrap().unwrap();
        assert_eq!((user.first_name.as_str(), user.grade.as_deref()), (first, Some("6")));
    }
    let sid = store.teacher_sections(t.id).await.unwrap()[0].id;
    assert_eq!(store.section_roster(t.id, sid).await.unwrap().unwrap().students.len(), 2);
}

pub async fn display_name_survives_sync(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let stranger = teacher(&*store, "t9", "Otto", "Vo").await;
    store.apply_section(t.id, &created(section("c1", "MATH-5-P3", &["t1"]), &[]), at(1)).await.unwrap();
    let sid = store.teacher_sections(t.id).await.unwrap()[0].id;
    store.set_display_name(t.id, sid, Some("  Period 3 Math ")).await.unwrap();

    let renamed =
        SectionChangeKind::Updated { changed: vec![rollcall_core::SectionField::Name], restored: false };
    store
        .apply_section(t.id, &change(section("c1", "MATH-5-P3b", &["t1"]), renamed, vec![]), at(2))
        .await
        .unwrap();
    let s = &store.teacher_sections(t.id).await.unwrap()[0];
    assert_eq!((s.name.as_str(), s.synced_name.as_str()), ("Period 3 Math", "MATH-5-P3b"));
    assert_eq!(s.display_name.as_deref(), Some("Period 3 Math"));
    assert_eq!(s.last_synced_at, at(2));

    let err = store.set_display_name(stranger.id, sid, Some("Mine")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    store.set_display_name(t.id, sid, None).await.unwrap();
    assert_eq!(store.teacher_sections(t.id).await.unwrap()[0].name, "MATH-5-P3b");
}

pub async fn unlink_archives_only_when_no_teacher_remains(store: Arc<dyn Store>) {
    let one = teacher(&*store, "t1", "Tara", "Ng").await;
    let two = teacher(&*store, "t2", "Cole", "Park").await;
    let src = section("c1", "Math", &["t1", "t2"]);
    store.apply_section(one.id, &created(src.clone(), &[student("s1", "Ana", "B")]), at(1)).await.unwrap();
    let join = change(src.clone(), SectionChangeKind::JoinedAsCoTeacher { changed: vec![] }, vec![]);
    store.apply_section(two.id, &join, at(1)).await.unwrap();
    let sid = store.teacher_sections(one.id).await.unwrap()[0].id;
    let unlink = SectionUnlink { section_id: sid, clever_id: cid("c1"), name: "Math".to_owned() };

    store.apply_unlink(one.id, &unlink, at(2)).await.unwrap();
    let snap = store.snapshot(one.id, &[]).await.unwrap();
    assert_eq!(snap.sections[0].teacher_link, TeacherLink::RemovedInClever);
    assert!(!snap.sections[0].archived, "Cole still teaches it");
    assert_eq!(dashboard(&*store, one.id).await, [("Math".to_owned(), true)], "flagged for Tara");
    assert_eq!(dashboard(&*store, two.id).await, [("Math".to_owned(), false)]);
    assert_eq!(store.teacher_sections(two.id).await.unwrap()[0].co_teachers, Vec::<String>::new());
    let ana = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    assert_eq!(store.student_sections(ana.id).await.unwrap()[0].teachers, ["Cole Park"]);

    store.apply_unlink(two.id, &unlink, at(3)).await.unwrap();
    store.apply_unlink(two.id, &unlink, at(4)).await.unwrap(); // idempotent
    let snap = store.snapshot(two.id, &[]).await.unwrap();
    assert!(snap.sections[0].archived, "nobody teaches it any more");
    assert_eq!(snap.sections[0].students.len(), 1, "nothing deleted");
    assert!(store.student_sections(ana.id).await.unwrap().is_empty());

    // Clever lists it again for Cole: restored and un-archived; Tara stays flagged.
    let back = change(src, SectionChangeKind::Updated { changed: vec![], restored: true }, vec![]);
    store.apply_section(two.id, &back, at(5)).await.unwrap();
    assert_eq!(dashboard(&*store, two.id).await, [("Math".to_owned(), false)]);
    assert_eq!(dashboard(&*store, one.id).await, [("Math".to_owned(), true)]);
    assert_eq!(store.student_sections(ana.id).await.unwrap()[0].teachers, ["Cole Park"]);
}

pub async fn unlink_needs_a_link(store: Arc<dyn Store>) {
    let one = teacher(&*store, "t1", "Tara", "Ng").await;
    let stranger = teacher(&*store, "t9", "Otto", "Vo").await;
    store.apply_section(one.id, &created(section("c1", "Math", &["t1"]), &[]), at(1)).await.unwrap();
    let sid = store.teacher_sections(one.id).await.unwrap()[0].id;
    let unlink = SectionUnlink { section_id: sid, clever_id: cid("c1"), name: "Math".to_owned() };
    let err = store.apply_unlink(stranger.id, &unlink, at(2)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(dashboard(&*store, one.id).await, [("Math".to_owned(), false)], "nothing changed");
}

pub async fn one_sync_lease_per_teacher_until_it_is_released_or_runs_out(store: Arc<dyn Store>) {
    let (t, _) = store.clever_login(&profile("t1", AccountRole::Teacher, "Tara", "Ng"), at(0)).await.unwrap();
    let lease = time::Duration::minutes(5);
    assert!(!store.sync_in_progress(t.id, at(0)).await.unwrap(), "nobody syncs yet");
    let takers: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store.take_sync_lease(t.id, &format!("replica-{i}"), at(0), lease).await.unwrap()
            })
        })
        .collect();
    let taken = futures::future::join_all(takers).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(taken, 1, "exactly one of twenty concurrent syncs holds the lease");
    assert!(store.sync_in_progress(t.id, at(4)).await.unwrap(), "a live lease is a sync in progress");
    assert!(!store.sync_in_progress(t.id, at(5)).await.unwrap(), "a lease that ran out is not");
    assert!(!store.take_sync_lease(t.id, "late", at(1), lease).await.unwrap(), "live lease");
    assert!(
        store.take_sync_lease(t.id, "late", at(6), lease).await.unwrap(),
        "a lease that ran out is taken over"
    );
    store.release_sync_lease(t.id, "somebody-else").await.unwrap();
    assert!(!store.take_sync_lease(t.id, "third", at(7), lease).await.unwrap(), "only the holder releases");
    // The holder renews its own lease: at 10 it still holds it, past the first lease's end.
    assert!(store.take_sync_lease(t.id, "late", at(9), lease).await.unwrap(), "the holder renews");
    assert!(!store.take_sync_lease(t.id, "third", at(13), lease).await.unwrap(), "the renewed lease is live");
    store.release_sync_lease(t.id, "late").await.unwrap();
    assert!(!store.sync_in_progress(t.id, at(13)).await.unwrap(), "a released lease is not");
    assert!(store.take_sync_lease(t.id, "third", at(13), lease).await.unwrap());
}

pub async fn recording_a_run_gives_its_lease_back(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let lease = time::Duration::minutes(5);
    let counts = SyncCounts { added: 3, ..SyncCounts::default() };
    assert!(store.take_sync_lease(t.id, "a", at(0), lease).await.unwrap());

    // Someone else's run does not free the holder's lease.
    let other = store
        .record_sync_run(t.id, &run(SyncTrigger::Login, at(0), at(1), counts, &[], false, Some("b")))
        .await
        .unwrap();
    assert!(!store.take_sync_lease(t.id, "c", at(1), lease).await.unwrap(), "a still holds it");

    let problems = vec!["Art: try again".to_owned()];
    let mine = store
        .record_sync_run(t.id, &run(SyncTrigger::Button, at(2), at(3), counts, &problems, true, Some("a")))
        .await
        .unwrap();
    assert!(store.take_sync_lease(t.id, "c", at(3), lease).await.unwrap(), "given back with the run");
    let runs = store.sync_runs(t.id, 10).await.unwrap();
    let ids: Vec<_> = runs.iter().map(|r| r.id).collect();
    assert_eq!(ids, [mine, other], "both runs are on record, newest first");
    assert_eq!((runs[0].counts, runs[0].problems.clone(), runs[0].failed), (counts, problems, true));
    assert_eq!(
        super::actions(&*store, t.id).await,
        [AuditAction::AccountCreated, AuditAction::SyncRun, AuditAction::SyncRun]
    );
}

pub async fn a_whole_sync_is_written_with_its_run(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let lease = time::Duration::minutes(5);
    store.apply_section(t.id, &created(section("old", "Art", &["t1"]), &[]), at(0)).await.unwrap();
    let old = store.teacher_sections(t.id).await.unwrap()[0].id;
    assert!(store.take_sync_lease(t.id, "me", at(1), lease).await.unwrap());

    let changes = [
        created(section("c1", "Math", &["t1"]), &[student("s1", "Ana", "B"), student("s2", "Ben", "C")]),
        created(section("c2", "Science", &["t1"]), &[student("s2", "Ben", "C")]),
    ];
    let unlinks = [SectionUnlink { section_id: old, clever_id: cid("old"), name: "Art".to_owned() }];
    let run = RunRecord {
        trigger: SyncTrigger::Login,
        started_at: at(1),
        finished_at: at(2),
        counts: SyncCounts { added: 3, removed: 1, ..SyncCounts::default() },
        problems: vec![],
        failed: false,
        needs_reconnect: false,
        lease_holder: Some("me".to_owned()),
    };
    let id = store.apply_sync(t.id, &changes, &unlinks, at(2), Some(&run)).await.unwrap();

    let mut classes = dashboard(&*store, t.id).await;
    classes.sort();
    let expected = [("Art", true), ("Math", false), ("Science", false)].map(|(n, a)| (n.to_owned(), a));
    assert_eq!(classes, expected, "both sections written, the gone one archived");
    let ben = store.user_by_clever_id(&cid("s2")).await.unwrap().unwrap();
    assert_eq!(store.student_sections(ben.id).await.unwrap().len(), 2, "one account in two classes");
    let runs = store.sync_runs(t.id, 10).await.unwrap();
    assert_eq!((Some(runs[0].id), runs[0].counts), (id, run.counts), "the run is on record");
    assert!(store.take_sync_lease(t.id, "next", at(3), lease).await.unwrap(), "and the lease given back");

    // The next sync removes Ben from Math only, and adds Cy to Science, in one call.
    let gone = StudentChange::RemovedInClever { student_clever_id: cid("s2") };
    let cy = StudentChange::Added { student: student("s3", "Cy", "D") };
    let changes = [
        change(section("c1", "Math", &["t1"]), SectionChangeKind::Unchanged, vec![gone]),
        change(section("c2", "Science", &["t1"]), SectionChangeKind::Unchanged, vec![cy]),
    ];
    store.apply_sync(t.id, &changes, &[], at(4), None).await.unwrap();
    let classes: Vec<_> = store.student_sections(ben.id).await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(classes, ["Science"], "flagged in Math only");
    let sections = store.teacher_sections(t.id).await.unwrap();
    let counts: Vec<_> = sections
        .iter()
        .filter(|s| !s.archived)
        .map(|s| (s.name.as_str(), s.active_students, s.removed_students))
        .collect();
    assert_eq!(counts, [("Math", 1, 1), ("Science", 2, 0)]);

    // The usual sync, changes and its run without unlinks (SQLite sends them as one query):
    // Ben back in Math, a new class, the run on record and the lease given back.
    // (The lease "next" took at 3 minutes has run out by 9.)
    assert!(store.take_sync_lease(t.id, "third", at(9), lease).await.unwrap());
    let back =
        StudentChange::Updated { student: student("s2", "Ben", "C"), update_name: false, restored: true };
    let changes = [
        change(section("c1", "Math", &["t1"]), SectionChangeKind::Unchanged, vec![back]),
        created(section("c3", "Music", &["t1"]), &[student("s4", "Di", "E")]),
    ];
    let run =
        RunRecord { lease_holder: Some("third".to_owned()), started_at: at(5), finished_at: at(6), ..run };
    let id = store.apply_sync(t.id, &changes, &[], at(6), Some(&run)).await.unwrap();
    assert_eq!(store.sync_runs(t.id, 1).await.unwrap()[0].id, id.unwrap(), "the run is on record");
    let mut classes: Vec<_> =
        store.student_sections(ben.id).await.unwrap().into_iter().map(|c| c.name).collect();
    classes.sort();
    assert_eq!(classes, ["Math", "Science"], "Ben is back in Math");
    assert!(store.user_by_clever_id(&cid("s4")).await.unwrap().is_some(), "Di's account was created");
    assert_eq!(dashboard(&*store, t.id).await.len(), 4, "Music added beside the other three");
    assert!(store.take_sync_lease(t.id, "fourth", at(11), lease).await.unwrap(), "the lease was given back");
}

pub async fn a_sync_that_fails_to_write_records_no_run(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let stranger = teacher(&*store, "t9", "Otto", "Vo").await;
    store.apply_section(stranger.id, &created(section("c9", "Theirs", &["t9"]), &[]), at(0)).await.unwrap();
    let theirs = store.teacher_sections(stranger.id).await.unwrap()[0].id;
    let run = RunRecord {
        trigger: SyncTrigger::Button,
        started_at: at(1),
        finished_at: at(2),
        counts: SyncCounts::default(),
        problems: vec![],
        failed: false,
        needs_reconnect: false,
        lease_holder: None,
    };
    // An unlink of a section the teacher was never linked to fails the write.
    let unlink = SectionUnlink { section_id: theirs, clever_id: cid("c9"), name: "Theirs".to_owned() };
    let err = store.apply_sync(t.id, &[], &[unlink], at(2), Some(&run)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert!(store.sync_runs(t.id, 10).await.unwrap().is_empty(), "no run recorded for a failed write");
    assert_eq!(dashboard(&*store, stranger.id).await, [("Theirs".to_owned(), false)], "nothing archived");
}

/// A section whose students Clever did not list keeps every enrollment, is marked "roster
/// unknown" (on the dashboard, in the snapshot, for students), and is unmarked by the next sync
/// that lists them.
pub async fn an_unknown_roster_keeps_its_enrollments_and_is_marked(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let src = section("c1", "Math", &["t1"]);
    let kids = [student("s1", "Ana", "B"), student("s2", "Ben", "A")];
    store.apply_section(t.id, &created(src.clone(), &kids), at(1)).await.unwrap();
    assert!(!store.any_roster_unknown().await.unwrap());

    let unknown = rollcall_core::SyncedSection { roster_known: false, ..src.clone() };
    let marked =
        SectionChangeKind::Updated { changed: vec![rollcall_core::SectionField::Roster], restored: false };
    store.apply_section(t.id, &change(unknown.clone(), marked.clone(), vec![]), at(2)).await.unwrap();
    let s = &store.teacher_sections(t.id).await.unwrap()[0];
    assert!(!s.roster_known);
    assert_eq!((s.active_students, s.removed_students), (2, 0), "nobody dropped or flagged");
    assert!(store.any_roster_unknown().await.unwrap());
    let snap = store.snapshot(t.id, &[cid("c1")]).await.unwrap();
    assert!(!snap.sections[0].roster_known);
    // Marked again later: still the same section, still both students.
    store.apply_section(t.id, &change(unknown, marked.clone(), vec![]), at(3)).await.unwrap();
    assert_eq!(store.teacher_sections(t.id).await.unwrap()[0].active_students, 2);

    store.apply_section(t.id, &change(src, marked, vec![]), at(4)).await.unwrap();
    assert!(store.teacher_sections(t.id).await.unwrap()[0].roster_known);
    assert!(!store.any_roster_unknown().await.unwrap());
}

/// A grade the plan leaves out (Clever did not send one) keeps the stored grade, for a student
/// updated in this section and for a known student enrolled in a new one.
pub async fn a_grade_clever_did_not_send_is_kept(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let ana = student("s1", "Ana", "B");
    store
        .apply_section(t.id, &created(section("c1", "Math", &["t1"]), std::slice::from_ref(&ana)), at(1))
        .await
        .unwrap();
    let no_grade = SyncedStudent { grade: None, first_name: "Anabel".into(), ..ana };
    let renamed = StudentChange::Updated { student: no_grade.clone(), update_name: true, restored: false };
    store
        .apply_section(
            t.id,
            &change(section("c1", "Math", &["t1"]), SectionChangeKind::Unchanged, vec![renamed]),
            at(2),
        )
        .await
        .unwrap();
    store.apply_section(t.id, &created(section("c2", "Art", &["t1"]), &[no_grade]), at(3)).await.unwrap();
    let user = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    assert_eq!((user.first_name.as_str(), user.grade.as_deref()), ("Anabel", Some("5")));
}

backend_tests!(
    created_section_shows_in_the_snapshot,
    co_teacher_joins_the_same_row,
    concurrent_co_teachers_make_one_row,
    removed_students_are_flagged_and_restored,
    roster_updates_grades_and_names_only_when_told,
    an_unknown_roster_keeps_its_enrollments_and_is_marked,
    a_grade_clever_did_not_send_is_kept,
    display_name_survives_sync,
    unlink_archives_only_when_no_teacher_remains,
    one_sync_lease_per_teacher_until_it_is_released_or_runs_out,
    unlink_needs_a_link,
    recording_a_run_gives_its_lease_back,
    a_whole_sync_is_written_with_its_run,
    a_sync_that_fails_to_write_records_no_run,
);

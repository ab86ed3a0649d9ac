//! Dashboards and the sync history.

use std::sync::Arc;

use rollcall_core::{SectionChangeKind, SectionId, SectionUnlink, StudentChange, SyncCounts};
use rollcall_store::{AccountRole, SealedToken, Store, SyncTrigger};

use super::{
    AppSteps, at, change, cid, created, dashboard, login_token, profile, run, section, section_for, student,
    teacher,
};

pub async fn teacher_sections_active_first_by_name(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    for (c, name) in [("c1", "biology"), ("c2", "Algebra"), ("c3", "Chemistry"), ("c4", "Art")] {
        store.apply_section(t.id, &created(section(c, name, &["t1"]), &[]), at(1)).await.unwrap();
    }
    let art =
        store.snapshot(t.id, &[]).await.unwrap().sections.into_iter().find(|s| s.clever_id == cid("c4"));
    let unlink = SectionUnlink { section_id: art.unwrap().id, clever_id: cid("c4"), name: "Art".to_owned() };
    store.apply_unlink(t.id, &unlink, at(2)).await.unwrap();
    let chem = store.snapshot(t.id, &[cid("c3")]).await.unwrap().sections;
    let chem = chem.iter().find(|s| s.clever_id == cid("c3")).unwrap().id;
    store.set_display_name(t.id, chem, Some("Zoology, really")).await.unwrap();

    let names: Vec<_> = dashboard(&*store, t.id).await;
    let expected = [("Algebra", false), ("biology", false), ("Zoology, really", false), ("Art", true)];
    assert_eq!(names, expected.map(|(n, a)| (n.to_owned(), a)));
}

pub async fn teacher_dashboard_reads_everything_at_once(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let empty = store.teacher_dashboard(t.id, true).await.unwrap();
    assert!(empty.sections.is_empty() && empty.last_sync.is_none());
    assert_eq!(empty.token_expires_at, Some(login_token(at(0)).expires_at), "the login's token");
    assert!(empty.schools.is_empty(), "no account has a school yet");

    let co = teacher(&*store, "t2", "Cole", "Park").await;
    let kids = [student("s1", "Zoe", "A"), student("s2", "Ana", "B")];
    store.apply_section(t.id, &created(section("c1", "Math", &["t1", "t2"]), &kids), at(1)).await.unwrap();
    store
        .apply_section(co.id, &created(section_for("t2", "c1", "Math", &["t1", "t2"]), &kids), at(1))
        .await
        .unwrap();
    store.apply_section(t.id, &created(section("c2", "Art", &["t1"]), &kids[..1]), at(1)).await.unwrap();
    let gone = StudentChange::RemovedInClever { student_clever_id: cid("s2") };
    let flag = change(section("c1", "Math", &["t1", "t2"]), SectionChangeKind::Unchanged, vec![gone]);
    store.apply_section(t.id, &flag, at(2)).await.unwrap();
    let counts = SyncCounts { removed: 1, unchanged: 1, ..SyncCounts::default() };
    let recorded = store
        .record_sync_run(t.id, &run(SyncTrigger::Login, at(2), at(3), counts, &[], false, None))
        .await
        .unwrap();
    let token = SealedToken { sealed: vec![7; 40], obtained_at: at(2), expires_at: at(62) };
    store
        .upsert_clever_login(&profile("t1", AccountRole::Teacher, "Tara", "Ng"), &token, at(2))
        .await
        .unwrap();
    store.set_school(co.id, Some("Lincoln Elementary"), at(4)).await.unwrap();

    let seen = store.teacher_dashboard(t.id, false).await.unwrap();
    let sections: Vec<_> = seen
        .sections
        .iter()
        .map(|s| (s.name.as_str(), s.active_students, s.removed_students, s.co_teachers.clone()))
        .collect();
    assert_eq!(sections, [("Art", 1, 0, vec![]), ("Math", 1, 1, vec!["Cole Park".to_owned()])]);
    assert_eq!(seen.sections, store.teacher_sections(t.id).await.unwrap(), "as the dashboard's own read");
    let last = seen.last_sync.expect("the recorded run");
    assert_eq!((last.id, last.counts, last.finished_at), (recorded, counts, at(3)));
    assert_eq!(seen.token_expires_at, Some(at(62)));
    assert!(seen.schools.is_empty(), "schools only when asked for");
    let with_schools = store.teacher_dashboard(t.id, true).await.unwrap();
    assert_eq!(with_schools.schools, ["Lincoln Elementary"]);
    assert_eq!(with_schools.sections, seen.sections);
}

pub async fn section_roster_is_for_linked_teachers_only(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let stranger = teacher(&*store, "t9", "Otto", "Vo").await;
    let kids = [student("s1", "Zoe", "A"), student("s2", "Ana", "B"), student("s3", "Bea", "A")];
    store.apply_section(t.id, &created(section("c1", "Math", &["t1"]), &kids), at(1)).await.unwrap();
    let sid = store.teacher_sections(t.id).await.unwrap()[0].id;

    assert_eq!(store.section_roster(stranger.id, sid).await.unwrap(), None);
    assert_eq!(store.section_roster(t.id, SectionId(sid.0 + 1000)).await.unwrap(), None);
    let roster = store.section_roster(t.id, sid).await.unwrap().unwrap();
    assert_eq!(roster.section.id, sid);
    assert_eq!(roster.section.clever_id, cid("c1"));
    assert_eq!((roster.section.active_students, roster.section.removed_students), (3, 0));
    let order: Vec<_> = roster.students.iter().map(|s| format!("{} {}", s.first_name, s.last_name)).collect();
    assert_eq!(order, ["Bea A", "Zoe A", "Ana B"], "by last then first name");
    assert_eq!(roster.students[0].clever_id, cid("s3"));
    assert_eq!(roster.students[0].grade.as_deref(), Some("5"));
}

pub async fn rosters_sort_names_as_people_read_them(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let kids = [
        student("s1", "Zoë", "Çelik"),
        student("s2", "Wei", "李"),
        student("s3", "Ana", "Wang"),
        student("s4", "Cal", "Celano"),
        student("s5", "émile", "Chen"),
        student("s6", "Eli", "chen"),
    ];
    store.apply_section(t.id, &created(section("c1", "Math", &["t1"]), &kids), at(1)).await.unwrap();
    let sid = store.teacher_sections(t.id).await.unwrap()[0].id;
    let roster = store.section_roster(t.id, sid).await.unwrap().unwrap();
    let order: Vec<_> = roster.students.iter().map(|s| s.last_name.as_str()).collect();
    assert_eq!(
        order,
        ["Celano", "Çelik", "chen", "Chen", "李", "Wang"],
        "accents and case do not push names to the end"
    );
    assert_eq!(roster.students[3].first_name, "émile", "then by first name: Eli before émile");
    let posted = store
        .create_assignment(
            t.id,
            &rollcall_store::NewAssignment {
                section: sid,
                title: "Quiz".to_owned(),
                instructions: String::new(),
                due_on: None,
            },
            at(2),
        )
        .await
        .unwrap();
    let (_, rows) = store.assignment_progress(t.id, posted).await.unwrap().unwrap();
    let order: Vec<_> = rows.iter().map(|r| r.last_name.as_str()).collect();
    assert_eq!(order, ["Celano", "Çelik", "chen", "Chen", "李", "Wang"]);
}

pub async fn student_sections_list_active_classes(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let ana = student("s1", "Ana", "B");
    store
        .apply_section(t.id, &created(section("c2", "Science", &["t1"]), std::slice::from_ref(&ana)), at(1))
        .await
        .unwrap();
    store.apply_section(t.id, &created(section("c1", "Math", &["t1"]), &[ana]), at(1)).await.unwrap();
    store.apply_section(t.id, &created(section("c3", "Art", &["t1"]), &[]), at(1)).await.unwrap();
    let me = store.user_by_clever_id(&cid("s1")).await.unwrap().unwrap();
    let classes = store.student_sections(me.id).await.unwrap();
    let names: Vec<_> = classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Math", "Science"]);
    assert_eq!(classes[0].subject.as_deref(), Some("math"));
    assert_eq!(classes[0].teachers, ["Tara Ng"]);
    assert!(store.student_sections(t.id).await.unwrap().is_empty());
}

pub async fn sync_runs_round_trip_newest_first(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let other = teacher(&*store, "t2", "Cole", "Park").await;
    let changes = rollcall_core::Changes {
        classes_renamed: 1,
        students_added: 2,
        students_removed: 2,
        ..Default::default()
    };
    let counts =
        SyncCounts { added: 3, updated: 1, removed: 2, unchanged: 4, errors: 1, changes: Some(changes) };
    let problems = vec!["Art: Clever did not share this class".to_owned(), "quote \" and ünïcode".to_owned()];
    let first = store
        .record_sync_run(t.id, &run(SyncTrigger::Login, at(1), at(2), counts, &problems, false, None))
        .await
        .unwrap();
    let second = store
        .record_sync_run(
            t.id,
            &run(SyncTrigger::Button, at(10), at(11), SyncCounts::default(), &[], true, None),
        )
        .await
        .unwrap();
    store
        .record_sync_run(other.id, &run(SyncTrigger::Cli, at(20), at(21), counts, &[], false, None))
        .await
        .unwrap();

    let runs = store.sync_runs(t.id, 10).await.unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [second, first]);
    let r = &runs[1];
    assert_eq!((r.user_id, r.trigger, r.started_at, r.finished_at), (t.id, SyncTrigger::Login, at(1), at(2)));
    assert_eq!((r.counts, &r.problems, r.failed), (counts, &problems, false));
    assert!(runs[0].failed && runs[0].problems.is_empty());
    assert_eq!(runs[0].counts.changes, None, "a run without the breakdown keeps none");
    assert_eq!(store.sync_runs(t.id, 1).await.unwrap().len(), 1);
    assert_eq!(store.sync_runs(other.id, 10).await.unwrap()[0].trigger, SyncTrigger::Cli);
    let last = store.teacher_dashboard(other.id, false).await.unwrap().last_sync.unwrap();
    assert_eq!(last.counts, counts, "the dashboard reads the breakdown too");
}

pub async fn a_run_that_needs_a_reconnect_says_so_as_data(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let advice = vec![rollcall_core::RECONNECT_ADVICE.to_owned()];
    let mut expired = run(SyncTrigger::Background, at(1), at(2), SyncCounts::default(), &advice, true, None);
    expired.needs_reconnect = true;
    store.record_sync_run(t.id, &expired).await.unwrap();
    assert!(store.sync_runs(t.id, 1).await.unwrap()[0].needs_reconnect);
    let last = store.teacher_dashboard(t.id, false).await.unwrap().last_sync.unwrap();
    assert!(last.needs_reconnect, "the dashboard reads it too");

    // The same words without the flag (a problem quoting the advice) ask for nothing.
    let quoted = run(SyncTrigger::Button, at(3), at(4), SyncCounts::default(), &advice, false, None);
    store.record_sync_run(t.id, &quoted).await.unwrap();
    let last = store.teacher_dashboard(t.id, false).await.unwrap().last_sync.unwrap();
    assert!(!last.needs_reconnect && last.problems == advice);
}

backend_tests!(
    a_run_that_needs_a_reconnect_says_so_as_data,
    teacher_sections_active_first_by_name,
    teacher_dashboard_reads_everything_at_once,
    section_roster_is_for_linked_teachers_only,
    rosters_sort_names_as_people_read_them,
    student_sections_list_active_classes,
    sync_runs_round_trip_newest_first,
);

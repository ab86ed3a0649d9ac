//! Classwork: who may post, read and complete assignments; counts and order.

use std::sync::Arc;

use rollcall_core::{AssignmentId, SectionChangeKind, SectionId, SectionUnlink, StudentChange, UserId};
use rollcall_store::{NewAssignment, Store, StoreError};
use time::{Date, Month};

use super::{AppSteps, at, change, cid, created, section, student, teacher};

fn work(section: SectionId, title: &str, due_on: Option<Date>) -> NewAssignment {
    NewAssignment { section, title: title.to_owned(), instructions: format!("Do {title}."), due_on }
}

fn day(d: u8) -> Option<Date> {
    Some(Date::from_calendar_date(2025, Month::September, d).unwrap())
}

async fn user(store: &dyn Store, clever: &str) -> UserId {
    store.user_by_clever_id(&cid(clever)).await.unwrap().unwrap().id
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::NotFound(_))), "{r:?}");
}

pub async fn teachers_post_only_to_sections_they_actively_teach(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let stranger = teacher(&*store, "t9", "Otto", "Vo").await;
    store
        .apply_section(t.id, &created(section("c1", "Math", &["t1"]), &[student("s1", "Ana", "B")]), at(1))
        .await
        .unwrap();
    store.apply_section(t.id, &created(section("c2", "Old", &["t1"]), &[]), at(1)).await.unwrap();
    let ids: Vec<_> = store.teacher_sections(t.id).await.unwrap().into_iter().map(|s| s.id).collect();
    let (math, old) = (ids[0], ids[1]);
    let kept = store.create_assignment(t.id, &work(old, "Kept", None), at(2)).await.unwrap();
    store
        .apply_unlink(
            t.id,
            &SectionUnlink { section_id: old, clever_id: cid("c2"), name: "Old".to_owned() },
            at(3),
        )
        .await
        .unwrap();

    not_found(store.create_assignment(t.id, &work(old, "Late", None), at(4)).await);
    not_found(store.create_assignment(stranger.id, &work(math, "Mine", None), at(4)).await);
    not_found(store.create_assignment(t.id, &work(SectionId(9999), "Void", None), at(4)).await);
    let posted = store.create_assignment(t.id, &work(math, "Fractions", day(9)), at(5)).await.unwrap();

    let list = store.section_assignments(t.id, math).await.unwrap();
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!(
        (a.id, a.section_id, a.title.as_str(), a.instructions.as_str()),
        (posted, math, "Fractions", "Do Fractions.")
    );
    assert_eq!(
        (a.due_on, a.posted_by.as_str(), a.created_at, a.done, a.students),
        (day(9), "Tara Ng", at(5), 0, 1)
    );
    let archived = store.section_assignments(t.id, old).await.unwrap();
    assert_eq!(
        archived.iter().map(|a| a.id).collect::<Vec<_>>(),
        [kept],
        "an archived class's work stays readable"
    );
    assert!(store.section_assignments(stranger.id, math).await.unwrap().is_empty());
    assert_eq!(store.assignment_progress(stranger.id, posted).await.unwrap(), None);
    assert_eq!(store.assignment_progress(t.id, AssignmentId(9999)).await.unwrap(), None);
    let ana = user(&*store, "s1").await;
    not_found(store.set_done(ana, kept, true, at(6)).await);
}

pub async fn students_complete_work_of_their_active_classes(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    let src = section("c1", "Math", &["t1"]);
    let kids = [student("s1", "Ana", "Bo"), student("s2", "Cy", "Ax"), student("s3", "Di", "Zu")];
    store.apply_section(t.id, &created(src.clone(), &kids), at(1)).await.unwrap();
    store
        .apply_section(t.id, &created(section("c2", "Art", &["t1"]), &[student("s4", "Eve", "E")]), at(1))
        .await
        .unwrap();
    let sid = store.teacher_sections(t.id).await.unwrap().into_iter().find(|s| s.name == "Math").unwrap().id;
    let (ana, cy, di, eve) = (
        user(&*store, "s1").await,
        user(&*store, "s2").await,
        user(&*store, "s3").await,
        user(&*store, "s4").await,
    );
    let a = store.create_assignment(t.id, &work(sid, "Fractions", None), at(2)).await.unwrap();

    store.set_done(ana, a, true, at(5)).await.unwrap();
    store.set_done(ana, a, true, at(7)).await.unwrap(); // keeps the first time
    store.set_done(di, a, true, at(6)).await.unwrap();
    store.set_done(cy, a, true, at(6)).await.unwrap();
    store.set_done(cy, a, false, at(8)).await.unwrap(); // undo
    store.set_done(cy, a, false, at(8)).await.unwrap(); // and again: still not done
    not_found(store.set_done(eve, a, true, at(8)).await);
    // Di leaves the class in Clever: kept on the page (she had done it) but not counted.
    let gone = StudentChange::RemovedInClever { student_clever_id: cid("s3") };
    store.apply_section(t.id, &change(src, SectionChangeKind::Unchanged, vec![gone]), at(9)).await.unwrap();
    not_found(store.set_done(di, a, false, at(10)).await);
    assert!(store.student_assignments(di).await.unwrap().is_empty());

    let (assignment, rows) = store.assignment_progress(t.id, a).await.unwrap().unwrap();
    assert_eq!((assignment.done, assignment.students), (1, 2));
    let rows: Vec<_> = rows.iter().map(|c| (c.first_name.as_str(), c.done_at, c.removed_in_clever)).collect();
    assert_eq!(rows, [("Cy", None, false), ("Ana", Some(at(5)), false), ("Di", Some(at(6)), true)]);
    assert_eq!(store.section_assignments(t.id, sid).await.unwrap()[0].done, 1);

    let mine = store.student_assignments(ana).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].id, mine[0].section_name.as_str(), mine[0].done_at), (a, "Math", Some(at(5))));
    assert!(store.student_assignments(eve).await.unwrap().is_empty());
    assert!(store.section_assignments(t.id, sid).await.unwrap().iter().all(|x| x.students == 2));
}

pub async fn a_students_list_puts_what_is_due_first(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    store
        .apply_section(t.id, &created(section("c1", "Math", &["t1"]), &[student("s1", "Ana", "B")]), at(1))
        .await
        .unwrap();
    store
        .apply_section(t.id, &created(section("c2", "Art", &["t1"]), &[student("s1", "Ana", "B")]), at(1))
        .await
        .unwrap();
    let ids: Vec<_> = store.teacher_sections(t.id).await.unwrap().into_iter().map(|s| s.id).collect();
    let (art, math) = (ids[0], ids[1]);
    let ana = user(&*store, "s1").await;
    let mut posted = Vec::new();
    for (n, (sid, title, due)) in [
        (math, "Later", day(20)),
        (art, "Undated old", None),
        (math, "Soon", day(5)),
        (art, "Done early", day(1)),
        (math, "Undated new", None),
        (art, "Done late", day(30)),
    ]
    .into_iter()
    .enumerate()
    {
        let minute = i64::try_from(n).unwrap() + 2;
        posted.push(store.create_assignment(t.id, &work(sid, title, due), at(minute)).await.unwrap());
    }
    store.set_done(ana, posted[3], true, at(10)).await.unwrap();
    store.set_done(ana, posted[5], true, at(11)).await.unwrap();
    let titles: Vec<_> = store
        .student_assignments(ana)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.title, a.section_name))
        .collect();
    let expected = [
        ("Soon", "Math"),
        ("Later", "Math"),
        ("Undated new", "Math"),
        ("Undated old", "Art"),
        ("Done late", "Art"),
        ("Done early", "Art"),
    ];
    assert_eq!(titles, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    let newest_first: Vec<_> =
        store.section_assignments(t.id, art).await.unwrap().into_iter().map(|a| a.title).collect();
    assert_eq!(newest_first, ["Done late", "Done early", "Undated old"]);
}

pub async fn an_archived_class_leaves_the_students_list(store: Arc<dyn Store>) {
    let t = teacher(&*store, "t1", "Tara", "Ng").await;
    store
        .apply_section(t.id, &created(section("c1", "Math", &["t1"]), &[student("s1", "Ana", "B")]), at(1))
        .await
        .unwrap();
    let math = store.teacher_sections(t.id).await.unwrap()[0].id;
    let posted = store.create_assignment(t.id, &work(math, "Fractions", None), at(2)).await.unwrap();
    let ana = user(&*store, "s1").await;
    assert_eq!(store.student_assignments(ana).await.unwrap().len(), 1);

    let unlink = SectionUnlink { section_id: math, clever_id: cid("c1"), name: "Math".to_owned() };
    store.apply_unlink(t.id, &unlink, at(3)).await.unwrap();
    assert!(store.student_sections(ana).await.unwrap().is_empty(), "the class is archived");
    assert!(store.student_assignments(ana).await.unwrap().is_empty(), "and so is its work");
    not_found(store.set_done(ana, posted, true, at(4)).await);
    assert_eq!(store.section_assignments(t.id, math).await.unwrap().len(), 1, "the teacher still reads it");
}

backend_tests!(
    teachers_post_only_to_sections_they_actively_teach,
    students_complete_work_of_their_active_classes,
    a_students_list_puts_what_is_due_first,
    an_archived_class_leaves_the_students_list,
);

//! One story per planner rule.

use super::plan;
use super::support::*;
use crate::ids::SectionId;
use crate::plan::{Changes, SectionChangeKind, SectionField, SectionUnlink, StudentChange, SyncCounts};
use crate::roster::{FetchErrorKind, TeacherLink};

fn added(clever_id: &str) -> StudentChange {
    StudentChange::Added { student: synced(student(clever_id)) }
}

fn removed(clever_id: &str) -> StudentChange {
    StudentChange::RemovedInClever { student_clever_id: id(clever_id) }
}

#[test]
fn a_failed_student_fetch_is_skipped_and_never_read_as_empty() {
    let local = snapshot([local(1, "s1").enrolled(["a", "b"])]);
    let fetched = roster([section("s1").failed(FetchErrorKind::CleverFailed)]);

    let p = plan(&local, &fetched);

    assert!(p.sections.is_empty(), "no section change, so no student is flagged");
    assert!(p.unlinks.is_empty(), "the section is still the teacher's");
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].clever_id, id("s1"));
    assert_eq!(p.skipped[0].name, "Class s1");
    assert_eq!(p.skipped[0].error.kind, FetchErrorKind::CleverFailed);
    assert!(p.is_noop());
    assert_eq!(
        p.counts(),
        SyncCounts { errors: 1, changes: Some(Changes::default()), ..SyncCounts::default() }
    );
}

#[test]
fn a_new_section_is_created_with_every_student_added_in_id_order() {
    let fetched = roster([section("s1").named("Math").students(["c", "a", "b"])]);

    let p = plan(&snapshot([]), &fetched);

    assert_eq!(p.sections.len(), 1);
    let s = &p.sections[0];
    assert_eq!(s.section.name, "Math");
    assert_eq!(s.existing, None);
    assert_eq!(s.kind, SectionChangeKind::Created);
    assert_eq!(s.students, vec![added("a"), added("b"), added("c")]);
    let changes = Changes { classes_added: 1, students_added: 3, ..Changes::default() };
    assert_eq!(p.counts(), SyncCounts { added: 4, changes: Some(changes), ..SyncCounts::default() });
}

#[test]
fn a_co_teacher_joins_the_existing_section_instead_of_duplicating_it() {
    // Another teacher synced s1 under its old name; this teacher is not on it yet.
    let local = snapshot([local(7, "s1").link(TeacherLink::NotLinked).enrolled(["a"])]);
    let fetched = roster([section("s1").named("Math 2").students(["a", "b"])]);

    let p = plan(&local, &fetched);

    let s = &p.sections[0];
    assert_eq!(s.existing, Some(SectionId(7)));
    assert_eq!(s.kind, SectionChangeKind::JoinedAsCoTeacher { changed: vec![SectionField::Name] });
    assert_eq!(s.students, vec![added("b")]);
}

#[test]
fn a_not_linked_section_clever_does_not_list_is_left_alone() {
    let local = snapshot([local(7, "s1").link(TeacherLink::NotLinked).enrolled(["a"])]);

    let p = plan(&local, &roster([]));

    assert!(p.is_noop());
    assert!(p.sections.is_empty() && p.skipped.is_empty());
}

#[test]
fn a_linked_section_whose_fields_changed_is_updated() {
    let local = snapshot([local(1, "s1")]);
    let fetched = roster([section("s1").named("Algebra").subject("math")]);

    let p = plan(&local, &fetched);

    let expected = vec![SectionField::Name, SectionField::Subject];
    assert_eq!(p.sections[0].kind, SectionChangeKind::Updated { changed: expected, restored: false });
    assert_eq!(p.counts().updated, 1);
    assert_eq!(p.counts().changes, Some(Changes { classes_renamed: 1, ..Changes::default() }));
}

#[test]
fn a_linked_section_with_nothing_new_is_unchanged() {
    let local = snapshot([local(1, "s1").enrolled(["a", "b"])]);
    let fetched = roster([section("s1").students(["b", "a"])]);

    let p = plan(&local, &fetched);

    assert_eq!(p.sections[0].kind, SectionChangeKind::Unchanged);
    assert!(p.sections[0].students.is_empty());
    assert!(p.is_noop());
    assert_eq!(
        p.counts(),
        SyncCounts { unchanged: 1, changes: Some(Changes::default()), ..SyncCounts::default() }
    );
}

#[test]
fn an_archived_section_that_comes_back_is_restored() {
    let local = snapshot([local(1, "s1").archived()]);

    let p = plan(&local, &roster([section("s1")]));

    assert_eq!(p.sections[0].kind, SectionChangeKind::Updated { changed: vec![], restored: true });
}

#[test]
fn a_flagged_link_that_clever_lists_again_is_restored_with_its_changes() {
    let local = snapshot([local(1, "s1").link(TeacherLink::RemovedInClever)]);

    let p = plan(&local, &roster([section("s1").named("Art")]));

    let expected = SectionChangeKind::Updated { changed: vec![SectionField::Name], restored: true };
    assert_eq!(p.sections[0].kind, expected);
    assert!(p.unlinks.is_empty());
}

#[test]
fn enrollments_are_added_flagged_and_restored_but_never_flagged_twice() {
    let local =
        snapshot([local(1, "s1").enrolled(["keeps", "leaves"]).with(enrolled("back").flagged()).with(
            enrolled("gone").flagged(), // flagged earlier, still absent: nothing to do
        )]);
    let fetched = roster([section("s1").students(["keeps", "back", "new"])]);

    let p = plan(&local, &fetched);

    let restored =
        StudentChange::Updated { student: synced(student("back")), update_name: false, restored: true };
    assert_eq!(p.sections[0].kind, SectionChangeKind::Unchanged);
    assert_eq!(p.sections[0].students, vec![restored, removed("leaves"), added("new")]);
    let changes =
        Changes { students_added: 1, students_restored: 1, students_removed: 1, ..Changes::default() };
    assert_eq!(
        p.counts(),
        SyncCounts { added: 1, updated: 1, removed: 1, changes: Some(changes), ..SyncCounts::default() }
    );
}

#[test]
fn a_grade_change_alone_updates_the_student_but_not_the_name() {
    let local = snapshot([local(1, "s1").with(enrolled("a").named("Ann", "Smith").grade("3"))]);
    let fetched = roster([section("s1").with(student("a").named("Ann", "S").grade("4"))]);

    let p = plan(&local, &fetched);

    let expected = StudentChange::Updated {
        student: synced(student("a").named("Ann", "S").grade("4")),
        update_name: false,
        restored: false,
    };
    assert_eq!(p.sections[0].students, vec![expected]);
}

#[test]
fn a_full_last_name_is_never_shrunk_to_the_initial_the_teacher_sees() {
    for (stored, fetched) in [("Smith", "S"), ("Núñez", "N"), ("Núñez", "Nú"), ("李雷", "李"), ("S", "S")]
    {
        let local = snapshot([local(1, "s1").with(enrolled("a").named("Ann", stored))]);
        let fetched = roster([section("s1").with(student("a").named("Ann", fetched))]);

        let p = plan(&local, &fetched);

        assert!(p.is_noop(), "stored {stored:?}, fetched {fetched:?}: {p:?}");
    }
}

#[test]
fn a_name_that_really_differs_is_updated() {
    // Case-sensitive: "nunez" is not "N…"; a different first name always wins.
    for (stored, fetched) in
        [(("Ann", "Smith"), ("Ann", "J")), (("Ann", "nunez"), ("Ann", "N")), (("Ann", "S"), ("Anna", "S"))]
    {
        let local = snapshot([local(1, "s1").with(enrolled("a").named(stored.0, stored.1))]);
        let fetched = roster([section("s1").with(student("a").named(fetched.0, fetched.1))]);

        let p = plan(&local, &fetched);

        let StudentChange::Updated { update_name, restored, .. } = &p.sections[0].students[0] else {
            panic!("expected an update for {stored:?} -> {fetched:?}: {p:?}");
        };
        assert!(*update_name && !*restored, "{stored:?} -> {fetched:?}");
    }
}

#[test]
fn a_student_listed_twice_in_one_section_counts_once() {
    let fetched = roster([section("s1").students(["a", "a"]).with(student("a").named("Other", "O"))]);

    let p = plan(&snapshot([]), &fetched);

    assert_eq!(p.sections[0].students, vec![added("a")], "the first listing is the student's data");
}

#[test]
fn a_section_clever_no_longer_lists_is_unlinked_once_and_only_if_active() {
    let local = snapshot([
        local(3, "gone"),
        local(4, "flagged").link(TeacherLink::RemovedInClever),
        local(5, "other").link(TeacherLink::NotLinked),
        local(6, "failing").enrolled(["a"]),
    ]);
    let fetched = roster([section("failing").failed(FetchErrorKind::RateLimited)]);

    let p = plan(&local, &fetched);

    let unlink = SectionUnlink { section_id: SectionId(3), clever_id: id("gone"), name: "Class gone".into() };
    assert_eq!(p.unlinks, vec![unlink]);
    let changes = Changes { classes_removed: 1, ..Changes::default() };
    assert_eq!(
        p.counts(),
        SyncCounts { removed: 1, errors: 1, changes: Some(changes), ..SyncCounts::default() }
    );
}

#[test]
fn a_section_clever_lists_twice_is_planned_once_from_its_first_listing() {
    let fetched = roster([section("s1").named("First").students(["a"]), section("s1").named("Second")]);
    let p = plan(&snapshot([]), &fetched);
    assert_eq!(p.sections.len(), 1);
    assert_eq!(p.sections[0].section.name, "First");

    // The first listing decides even when it failed: an error is not overridden by a repeat.
    let fetched = roster([section("s1").failed(FetchErrorKind::Malformed), section("s1").students(["a"])]);
    let p = plan(&snapshot([local(1, "s1")]), &fetched);
    assert!(p.sections.is_empty() && p.unlinks.is_empty());
    assert_eq!(p.skipped.len(), 1);
}

#[test]
fn sections_keep_clevers_order_and_the_snapshots_order_does_not_matter() {
    let fetched = roster([section("z").students(["b"]), section("a"), section("m")]);
    let rows = [local(1, "m"), local(2, "old2").enrolled(["x", "y"]), local(3, "old1"), local(4, "z")];
    let mut reversed = rows.clone();
    reversed.reverse();

    let p = plan(&snapshot(rows), &fetched);

    let order: Vec<_> = p.sections.iter().map(|s| s.section.clever_id.as_str()).collect();
    assert_eq!(order, ["z", "a", "m"]);
    let unlinked: Vec<_> = p.unlinks.iter().map(|u| u.clever_id.as_str()).collect();
    assert_eq!(unlinked, ["old1", "old2"]);
    assert_eq!(p, plan(&snapshot(reversed), &fetched));
}

#[test]
fn syncing_again_after_applying_the_plan_changes_nothing() {
    let local = snapshot([
        local(1, "s1").archived().enrolled(["a"]).with(enrolled("b").flagged()),
        local(2, "s2").link(TeacherLink::NotLinked).with(enrolled("c").named("Cy", "Cooper")),
        local(3, "gone"),
    ]);
    let fetched = roster([
        section("s1").named("Math").students(["b", "d"]),
        section("s2").with(student("c").named("Cy", "C").grade("9")),
        section("s3").students(["a"]),
        section("s4").failed(FetchErrorKind::NotShared),
    ]);

    let first = plan(&local, &fetched);
    assert!(!first.is_noop());
    let second = plan(&apply(&local, &first), &fetched);

    assert!(second.is_noop(), "{second:?}");
    assert_eq!(second.skipped, first.skipped, "a failing section is reported on every sync");
}

#[test]
fn a_section_clever_lists_without_its_students_keeps_every_enrollment_and_flags_nobody() {
    let local = snapshot([local(1, "s1").enrolled(["a", "b"]).with(enrolled("c").flagged())]);
    let fetched = roster([section("s1").members_unknown()]);

    let p = plan(&local, &fetched);

    let s = &p.sections[0];
    assert!(s.students.is_empty(), "nobody added, updated or flagged");
    assert!(!s.section.roster_known);
    assert_eq!(s.kind, SectionChangeKind::Updated { changed: vec![SectionField::Roster], restored: false });
    assert_eq!(p.counts().removed, 0);
    // Once marked, the same answer again changes nothing.
    let again = plan(&apply(&local, &p), &fetched);
    assert!(again.is_noop(), "{again:?}");
}

#[test]
fn a_new_section_without_a_member_list_is_created_empty_and_marked_unknown() {
    let p = plan(&snapshot([]), &roster([section("s1").members_unknown()]));

    assert_eq!(p.sections[0].kind, SectionChangeKind::Created);
    assert!(p.sections[0].students.is_empty());
    assert!(!p.sections[0].section.roster_known);
}

#[test]
fn fields_clever_did_not_send_keep_the_stored_values() {
    let mut stored = local(1, "s1").enrolled(["a"]);
    stored.synced_name = "Algebra".into();
    stored.subject = Some("math".into());
    stored.section_number = Some("7".into());
    let mut bare_student = student("a").bare();
    bare_student.last_name = None;
    let fetched = roster([section("s1").bare().with(bare_student)]);

    let p = plan(&snapshot([stored]), &fetched);

    let s = &p.sections[0];
    assert_eq!(s.section.name, "Algebra");
    assert_eq!(s.section.subject.as_deref(), Some("math"));
    assert_eq!(s.section.section_number.as_deref(), Some("7"));
    assert_eq!(s.kind, SectionChangeKind::Unchanged);
    assert!(s.students.is_empty(), "a student sent without names or grade is unchanged: {:?}", s.students);
}

#[test]
fn a_new_section_without_a_name_is_untitled_not_blank() {
    let p = plan(&snapshot([]), &roster([section("s1").bare()]));
    assert_eq!(p.sections[0].section.name, crate::plan::UNNAMED_SECTION);
}

#[test]
fn the_teacher_whose_token_listed_a_section_naming_no_teacher_is_its_primary_teacher() {
    let fetched = roster([section("s1").bare(), section("s2").teachers(["other", TEACHER]), section("s3")]);

    let p = plan(&snapshot([]), &fetched);

    let primary: Vec<bool> = p.sections.iter().map(|s| s.section.primary).collect();
    assert_eq!(primary, [true, false, true]);
}

#[test]
fn the_counts_tell_classes_from_students_and_count_a_student_once() {
    // "a" is new in both classes; "b" changed grade; s2's subject changed; s3 came back.
    let local =
        snapshot([local(1, "s1").with(enrolled("b").grade("3")), local(2, "s2"), local(3, "s3").archived()]);
    let fetched = roster([
        section("s1").with(student("b").grade("4")).students(["a"]),
        section("s2").subject("Math").students(["a"]),
        section("s3").named("Art"),
    ]);

    let p = plan(&local, &fetched);

    let changes = Changes {
        classes_restored: 1,
        classes_updated: 1,
        students_added: 1,
        students_regraded: 1,
        ..Changes::default()
    };
    assert_eq!(p.counts().changes, Some(changes));
    assert_eq!(p.counts().added, 2, "the totals still count enrollments");
    assert_eq!(
        p.counts().summary(),
        "1 class restored, 1 class updated, 1 student added, 1 student’s grade changed"
    );
}

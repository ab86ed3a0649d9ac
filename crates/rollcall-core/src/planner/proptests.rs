//! Property tests: arbitrary small snapshots and rosters over a tiny id alphabet, so sections and
//! students collide across (and within) the two inputs, checked against the planner's invariants.
//! Every part of a fetched roster may be absent (a section's name, number, subject, grade,
//! teachers or member list; a student's names or grade), as other Clever-compatible servers
//! send them, and `absent_parts_decide_nothing` checks that nothing those parts would have
//! decided changes.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::plan;
use super::support::{apply, id};
use crate::ids::{CleverId, SectionId};
use crate::plan::{SectionChangeKind, StudentChange, SyncCounts, SyncPlan};
use crate::roster::{
    CleverSection, CleverStudent, FetchError, FetchErrorKind, FetchedRoster, FetchedSection, LocalEnrollment,
    LocalSection, LocalSnapshot, Members, TeacherLink,
};

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(options).prop_map(String::from)
}

fn maybe(options: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(pick(options))
}

fn clever_id(alphabet: &'static [&'static str]) -> impl Strategy<Value = CleverId> {
    proptest::sample::select(alphabet).prop_map(id)
}

const SECTION_IDS: &[&str] = &["s0", "s1", "s2", "s3", "s4"];
const STUDENT_IDS: &[&str] = &["a", "b", "c", "d"];
const FIRST: &[&str] = &["Ann", "Bo"];
// Initials, full names and their prefixes, non-Latin ones and empty: every branch of the name rule.
const LAST: &[&str] = &["", "S", "Smith", "N", "Nú", "Núñez", "nunez", "李", "李雷"];
const GRADES: &[&str] = &["3", "4"];

fn clever_student() -> impl Strategy<Value = CleverStudent> {
    (clever_id(STUDENT_IDS), maybe(FIRST), maybe(LAST), maybe(GRADES)).prop_map(
        |(clever_id, first_name, last_name, grade)| CleverStudent { clever_id, first_name, last_name, grade },
    )
}

fn fetch_error() -> impl Strategy<Value = FetchError> {
    use FetchErrorKind::*;
    proptest::sample::select(&[Unauthorized, NotShared, RateLimited, CleverFailed, Malformed][..])
        .prop_map(|kind| FetchError { kind, detail: "generated".into() })
}

const TEACHERS: &[&str] = &["teacher", "other"];

fn fetched_section() -> impl Strategy<Value = FetchedSection> {
    let teachers = proptest::option::of(proptest::collection::vec(clever_id(TEACHERS), 0..3));
    let section = (
        clever_id(SECTION_IDS),
        maybe(&["Math", "Art"]),
        maybe(&["1"]),
        maybe(&["", "math"]),
        maybe(GRADES),
        proptest::option::of(clever_id(TEACHERS)),
        teachers,
    )
        .prop_map(|(clever_id, name, section_number, subject, grade, primary_teacher, teacher_ids)| {
            CleverSection { clever_id, name, section_number, subject, grade, primary_teacher, teacher_ids }
        });
    let students = prop_oneof![
        4 => proptest::collection::vec(clever_student(), 0..5).prop_map(|s| Ok(Members::Listed(s))),
        1 => Just(Ok(Members::Unknown)),
        1 => fetch_error().prop_map(Err),
    ];
    (section, students).prop_map(|(section, students)| FetchedSection { section, students })
}

fn roster() -> impl Strategy<Value = FetchedRoster> {
    proptest::collection::vec(fetched_section(), 0..6)
        .prop_map(|sections| FetchedRoster { teacher: id("teacher"), sections })
}

fn enrollment() -> impl Strategy<Value = LocalEnrollment> {
    (clever_id(STUDENT_IDS), pick(FIRST), pick(LAST), maybe(GRADES), any::<bool>()).prop_map(
        |(student_clever_id, first_name, last_name, grade, removed_in_clever)| LocalEnrollment {
            student_clever_id,
            first_name,
            last_name,
            grade,
            removed_in_clever,
        },
    )
}

fn local_section() -> impl Strategy<Value = LocalSection> {
    let link = proptest::sample::select(
        &[TeacherLink::NotLinked, TeacherLink::Active, TeacherLink::RemovedInClever][..],
    );
    let fields =
        (clever_id(SECTION_IDS), pick(&["Math", "Art"]), maybe(&["1"]), maybe(&["", "math"]), maybe(GRADES));
    let students = proptest::collection::vec(enrollment(), 0..5);
    (fields, any::<bool>(), any::<bool>(), link, students).prop_map(
        |(
            (clever_id, synced_name, section_number, subject, grade),
            archived,
            roster_known,
            teacher_link,
            mut students,
        )| {
            // The store keeps one enrollment per student (UNIQUE).
            let mut seen = BTreeSet::new();
            students.retain(|e| seen.insert(e.student_clever_id.clone()));
            LocalSection {
                id: SectionId(0),
                clever_id,
                synced_name,
                section_number,
                subject,
                grade,
                archived,
                roster_known,
                teacher_link,
                students,
            }
        },
    )
}

fn snapshot() -> impl Strategy<Value = LocalSnapshot> {
    proptest::collection::vec(local_section(), 0..6).prop_map(|mut sections| {
        // The store keeps one section per Clever id (UNIQUE); local ids are its own.
        let mut seen = BTreeSet::new();
        sections.retain(|s| seen.insert(s.clever_id.clone()));
        for (i, s) in sections.iter_mut().enumerate() {
            s.id = SectionId(i64::try_from(i).unwrap() + 1);
        }
        LocalSnapshot { sections }
    })
}

/// The first listing of each section id, in Clever's order: what the planner must act on.
fn first_listings(fetched: &FetchedRoster) -> Vec<&FetchedSection> {
    let mut seen = BTreeSet::new();
    fetched.sections.iter().filter(|f| seen.insert(&f.section.clever_id)).collect()
}

/// The students Clever listed for a section, when it listed them.
fn listed(f: &FetchedSection) -> Option<&Vec<CleverStudent>> {
    match &f.students {
        Ok(Members::Listed(students)) => Some(students),
        Ok(Members::Unknown) | Err(_) => None,
    }
}

fn student_id(change: &StudentChange) -> &CleverId {
    match change {
        StudentChange::Added { student } | StudentChange::Updated { student, .. } => &student.clever_id,
        StudentChange::RemovedInClever { student_clever_id } => student_clever_id,
    }
}

fn local_by_id<'a>(local: &'a LocalSnapshot, clever_id: &CleverId) -> Option<&'a LocalSection> {
    local.sections.iter().find(|l| &l.clever_id == clever_id)
}

/// Counts tallied kind by kind, as a teacher would read them off the plan.
fn tally(p: &SyncPlan) -> SyncCounts {
    let n = |x: usize| u32::try_from(x).unwrap();
    let changes = || p.sections.iter().flat_map(|s| &s.students);
    let kinds = |f: fn(&SectionChangeKind) -> bool| n(p.sections.iter().filter(|s| f(&s.kind)).count());
    SyncCounts {
        added: kinds(|k| {
            matches!(k, SectionChangeKind::Created | SectionChangeKind::JoinedAsCoTeacher { .. })
        }) + n(changes().filter(|c| matches!(c, StudentChange::Added { .. })).count()),
        updated: kinds(|k| matches!(k, SectionChangeKind::Updated { .. }))
            + n(changes().filter(|c| matches!(c, StudentChange::Updated { .. })).count()),
        removed: n(p.unlinks.len())
            + n(changes().filter(|c| matches!(c, StudentChange::RemovedInClever { .. })).count()),
        unchanged: n(p
            .sections
            .iter()
            .filter(|s| s.kind == SectionChangeKind::Unchanged && s.students.is_empty())
            .count()),
        errors: n(p.skipped.len()),
        changes: None,
    }
}

proptest! {
    #[test]
    fn skipped_sections_are_left_entirely_alone(local in snapshot(), fetched in roster()) {
        let p = plan(&local, &fetched);
        for skipped in &p.skipped {
            prop_assert!(p.sections.iter().all(|s| s.section.clever_id != skipped.clever_id));
            prop_assert!(p.unlinks.iter().all(|u| u.clever_id != skipped.clever_id));
        }
    }

    #[test]
    fn each_listed_section_is_planned_or_skipped_exactly_once_in_clevers_order(
        local in snapshot(), fetched in roster()
    ) {
        let p = plan(&local, &fetched);
        let firsts = first_listings(&fetched);
        let ok: Vec<_> = firsts.iter().filter(|f| f.students.is_ok()).map(|f| &f.section.clever_id).collect();
        let failed: Vec<_> = firsts.iter().filter(|f| f.students.is_err()).map(|f| &f.section.clever_id).collect();
        prop_assert_eq!(p.sections.iter().map(|s| &s.section.clever_id).collect::<Vec<_>>(), ok);
        prop_assert_eq!(p.skipped.iter().map(|s| &s.clever_id).collect::<Vec<_>>(), failed);
        for s in &p.sections {
            let existing = local_by_id(&local, &s.section.clever_id);
            prop_assert_eq!(s.existing, existing.map(|l| l.id));
            let expected_join = existing.is_some_and(|l| l.teacher_link == TeacherLink::NotLinked);
            prop_assert_eq!(matches!(s.kind, SectionChangeKind::JoinedAsCoTeacher { .. }), expected_join);
        }
    }

    #[test]
    fn exactly_the_active_sections_clever_stopped_listing_are_unlinked(
        local in snapshot(), fetched in roster()
    ) {
        let p = plan(&local, &fetched);
        let listed: BTreeSet<_> = fetched.sections.iter().map(|f| &f.section.clever_id).collect();
        let expected: BTreeSet<_> = local
            .sections
            .iter()
            .filter(|l| l.teacher_link == TeacherLink::Active && !listed.contains(&l.clever_id))
            .map(|l| (l.id, &l.clever_id))
            .collect();
        let unlinked: BTreeSet<_> = p.unlinks.iter().map(|u| (u.section_id, &u.clever_id)).collect();
        prop_assert_eq!(unlinked, expected);
        prop_assert_eq!(p.unlinks.len(), p.unlinks.iter().map(|u| &u.clever_id).collect::<BTreeSet<_>>().len());
    }

    #[test]
    fn planning_again_after_applying_the_plan_is_a_noop(local in snapshot(), fetched in roster()) {
        let first = plan(&local, &fetched);
        let applied = apply(&local, &first);
        let second = plan(&applied, &fetched);
        prop_assert!(second.is_noop(), "second plan: {:?}", second);
        prop_assert_eq!(second.skipped, first.skipped);
        // And the store converged on Clever's roster: every listed student is actively
        // enrolled, every other enrollment is flagged.
        for f in first_listings(&fetched) {
            let Some(students) = listed(f) else { continue };
            let row = local_by_id(&applied, &f.section.clever_id).unwrap();
            let listed: BTreeSet<_> = students.iter().map(|s| &s.clever_id).collect();
            let active: BTreeSet<_> =
                row.students.iter().filter(|e| !e.removed_in_clever).map(|e| &e.student_clever_id).collect();
            prop_assert_eq!(active, listed);
        }
    }

    #[test]
    fn student_changes_respect_the_enrollments(local in snapshot(), fetched in roster()) {
        let p = plan(&local, &fetched);
        let fetched_students: BTreeMap<_, _> = first_listings(&fetched)
            .into_iter()
            .filter_map(|f| Some((&f.section.clever_id, listed(f)?)))
            .collect();
        for s in &p.sections {
            let Some(students) = fetched_students.get(&s.section.clever_id) else {
                prop_assert!(s.students.is_empty(), "an unknown roster changes no enrollment");
                continue;
            };
            let listed: BTreeSet<_> = students.iter().map(|st| &st.clever_id).collect();
            let enrolled: BTreeMap<_, _> = local_by_id(&local, &s.section.clever_id)
                .map(|l| l.students.iter().map(|e| (&e.student_clever_id, e)).collect())
                .unwrap_or_default();
            let ids: Vec<_> = s.students.iter().map(student_id).collect();
            prop_assert!(ids.windows(2).all(|w| w[0] < w[1]), "sorted, one change per student: {:?}", ids);
            for change in &s.students {
                let sid = student_id(change);
                match change {
                    // Flagged only if Clever stopped listing them and they were not flagged yet.
                    StudentChange::RemovedInClever { .. } => {
                        prop_assert!(!listed.contains(sid));
                        prop_assert!(enrolled.get(sid).is_some_and(|e| !e.removed_in_clever));
                    }
                    // Never enroll someone already enrolled (flagged ones are restored instead).
                    StudentChange::Added { .. } => prop_assert!(listed.contains(sid) && !enrolled.contains_key(sid)),
                    StudentChange::Updated { restored, .. } => {
                        prop_assert!(listed.contains(sid));
                        prop_assert_eq!(*restored, enrolled[sid].removed_in_clever);
                    }
                }
            }
        }
    }

    #[test]
    fn names_agree_with_clever_but_never_shrink_to_an_initial(local in snapshot(), fetched in roster()) {
        let applied = apply(&local, &plan(&local, &fetched));
        for f in first_listings(&fetched) {
            let Some(students) = listed(f) else { continue };
            let after = local_by_id(&applied, &f.section.clever_id).unwrap();
            let before = local_by_id(&local, &f.section.clever_id);
            // A student listed twice is the first listing's.
            let mut seen = BTreeSet::new();
            for st in students.iter().filter(|st| seen.insert(&st.clever_id)) {
                let find = |l: &'_ LocalSection| l.students.iter().find(|e| e.student_clever_id == st.clever_id).cloned();
                let (Some(was), Some(now)) = (before.and_then(find), find(after)) else { continue };
                // A part Clever did not send agrees with what is stored.
                let first = st.first_name.as_ref().unwrap_or(&was.first_name);
                let last = st.last_name.as_ref().unwrap_or(&was.last_name);
                if *first == was.first_name && was.last_name.starts_with(last.as_str()) {
                    prop_assert_eq!(&now.last_name, &was.last_name, "a fuller stored name is kept");
                } else {
                    prop_assert_eq!((&now.first_name, &now.last_name), (first, last));
                }
            }
        }
    }

    #[test]
    fn counts_add_up(local in snapshot(), fetched in roster()) {
        let p = plan(&local, &fetched);
        prop_assert_eq!(SyncCounts { changes: None, ..p.counts() }, tally(&p));
    }

    #[test]
    fn the_snapshots_row_order_does_not_matter(local in snapshot(), fetched in roster()) {
        let mut reversed = local.clone();
        reversed.sections.reverse();
        for s in &mut reversed.sections {
            s.students.reverse();
        }
        prop_assert_eq!(plan(&local, &fetched), plan(&reversed, &fetched));
    }

    /// What a partial answer leaves out decides nothing: an unknown member list adds, updates
    /// or flags nobody; a field Clever did not send keeps the stored value (and a new section is
    /// never blank); a student's missing names or grade keep the stored ones; a section listed
    /// with parts missing is still the teacher's (never unlinked or archived).
    #[test]
    fn absent_parts_decide_nothing(local in snapshot(), fetched in roster()) {
        let p = plan(&local, &fetched);
        let applied = apply(&local, &p);
        let listed_ids: BTreeSet<_> = fetched.sections.iter().map(|f| &f.section.clever_id).collect();
        prop_assert!(p.unlinks.iter().all(|u| !listed_ids.contains(&u.clever_id)));
        for f in first_listings(&fetched) {
            let Some(change) = p.sections.iter().find(|s| s.section.clever_id == f.section.clever_id) else {
                continue;
            };
            let before = local_by_id(&local, &f.section.clever_id);
            let after = local_by_id(&applied, &f.section.clever_id).unwrap();
            prop_assert!(!after.archived, "a listed section is never archived");
            prop_assert!(!change.section.name.is_empty() || f.section.name.as_deref() == Some(""));
            if let Some(before) = before {
                let kept = |fetched: &Option<String>, stored: &Option<String>, now: &Option<String>| {
                    fetched.is_some() || now == stored
                };
                prop_assert!(f.section.name.is_some() || after.synced_name == before.synced_name);
                prop_assert!(kept(&f.section.section_number, &before.section_number, &after.section_number));
                prop_assert!(kept(&f.section.subject, &before.subject, &after.subject));
                prop_assert!(kept(&f.section.grade, &before.grade, &after.grade));
            }
            match listed(f) {
                None => {
                    prop_assert!(change.students.is_empty());
                    prop_assert!(!change.section.roster_known);
                    let was = before.map(|b| b.students.clone()).unwrap_or_default();
                    prop_assert_eq!(&after.students, &was, "enrollments untouched");
                }
                Some(students) => {
                    let mut seen = BTreeSet::new();
                    for st in students.iter().filter(|st| seen.insert(&st.clever_id)) {
                        let find = |l: &LocalSection| {
                            l.students.iter().find(|e| e.student_clever_id == st.clever_id).cloned()
                        };
                        let (Some(was), Some(now)) = (before.and_then(find), find(after)) else { continue };
                        if st.first_name.is_none() {
                            prop_assert_eq!(&now.first_name, &was.first_name);
                        }
                        if st.last_name.is_none() {
                            prop_assert_eq!(&now.last_name, &was.last_name);
                        }
                        if st.grade.is_none() {
                            prop_assert_eq!(&now.grade, &was.grade);
                        }
                    }
                }
            }
        }
    }

    /// The syncing teacher is primary exactly when Clever names them so or names nobody.
    #[test]
    fn the_teacher_is_primary_when_named_first_or_when_nobody_is(fetched in roster()) {
        let p = plan(&LocalSnapshot::default(), &fetched);
        let me = id("teacher");
        for s in &p.sections {
            let f = first_listings(&fetched).into_iter().find(|f| f.section.clever_id == s.section.clever_id).unwrap();
            let expected = match (&f.section.primary_teacher, &f.section.teacher_ids) {
                (Some(t), _) => *t == me,
                (None, Some(list)) => list.first().is_none_or(|t| *t == me),
                (None, None) => true,
            };
            prop_assert_eq!(s.section.primary, expected);
        }
    }
}

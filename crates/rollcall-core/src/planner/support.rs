//! Test builders that read like the story they set up, and `apply`, a model of what the store
//! does with a plan (so tests can check that planning again after applying is a no-op).

use crate::ids::{CleverId, SectionId};
use crate::plan::{StudentChange, SyncPlan, SyncedStudent};
use crate::roster::{
    CleverSection, CleverStudent, FetchError, FetchErrorKind, FetchedRoster, FetchedSection, LocalEnrollment,
    LocalSection, LocalSnapshot, Members, TeacherLink,
};

pub(super) fn id(s: &str) -> CleverId {
    CleverId::parse(s).unwrap()
}

/// A student as Clever shows them; defaults to first name "Ann-<id>", last initial "S", grade 3.
pub(super) fn student(clever_id: &str) -> CleverStudent {
    CleverStudent {
        clever_id: id(clever_id),
        first_name: Some(format!("Ann-{clever_id}")),
        last_name: Some("S".into()),
        grade: Some("3".into()),
    }
}

/// The student as the sync writes them, from Clever's full record.
pub(super) fn synced(s: CleverStudent) -> SyncedStudent {
    SyncedStudent {
        clever_id: s.clever_id,
        first_name: s.first_name.unwrap_or_default(),
        last_name: s.last_name.unwrap_or_default(),
        grade: s.grade,
    }
}

/// Small setters on a fetched student.
pub(super) trait StudentExt: Sized {
    fn named(self, first: &str, last: &str) -> Self;
    fn grade(self, grade: &str) -> Self;
    /// Clever sent neither names nor grade.
    fn bare(self) -> Self;
}

impl StudentExt for CleverStudent {
    fn named(mut self, first: &str, last: &str) -> Self {
        self.first_name = Some(first.into());
        self.last_name = Some(last.into());
        self
    }
    fn bare(mut self) -> Self {
        self.first_name = None;
        self.last_name = None;
        self.grade = None;
        self
    }
    fn grade(mut self, grade: &str) -> Self {
        self.grade = Some(grade.into());
        self
    }
}

/// An enrollment matching `student(clever_id)` exactly (so it plans as "no change").
pub(super) fn enrolled(clever_id: &str) -> LocalEnrollment {
    let s = student(clever_id);
    LocalEnrollment {
        student_clever_id: s.clever_id,
        first_name: s.first_name.unwrap_or_default(),
        last_name: s.last_name.unwrap_or_default(),
        grade: s.grade,
        removed_in_clever: false,
    }
}

/// Small setters on an enrollment.
pub(super) trait EnrollmentExt: Sized {
    fn named(self, first: &str, last: &str) -> Self;
    fn grade(self, grade: &str) -> Self;
    fn flagged(self) -> Self;
}

impl EnrollmentExt for LocalEnrollment {
    fn named(mut self, first: &str, last: &str) -> Self {
        self.first_name = first.into();
        self.last_name = last.into();
        self
    }
    fn grade(mut self, grade: &str) -> Self {
        self.grade = Some(grade.into());
        self
    }
    fn flagged(mut self) -> Self {
        self.removed_in_clever = true;
        self
    }
}

/// The teacher every test's roster belongs to.
pub(super) const TEACHER: &str = "teacher";

/// A section as Clever lists it, named "Class <id>", taught by [`TEACHER`], with no students yet.
pub(super) fn section(clever_id: &str) -> FetchedSection {
    FetchedSection {
        section: CleverSection {
            clever_id: id(clever_id),
            name: Some(format!("Class {clever_id}")),
            section_number: None,
            subject: None,
            grade: None,
            primary_teacher: None,
            teacher_ids: Some(vec![id(TEACHER)]),
        },
        students: Ok(Members::Listed(Vec::new())),
    }
}

/// Setters on a fetched section.
pub(super) trait SectionExt: Sized {
    fn named(self, name: &str) -> Self;
    fn subject(self, subject: &str) -> Self;
    /// Adds default students (`student(id)`) by id.
    fn students<const N: usize>(self, ids: [&str; N]) -> Self;
    /// Adds one student as given.
    fn with(self, student: CleverStudent) -> Self;
    /// The students could not be fetched.
    fn failed(self, kind: FetchErrorKind) -> Self;
    /// Clever did not say who is in it.
    fn members_unknown(self) -> Self;
    /// Clever sent no name, number, subject, grade or teachers.
    fn bare(self) -> Self;
    /// Clever lists these teachers, primary first.
    fn teachers<const N: usize>(self, ids: [&str; N]) -> Self;
}

impl SectionExt for FetchedSection {
    fn named(mut self, name: &str) -> Self {
        self.section.name = Some(name.into());
        self
    }
    fn members_unknown(mut self) -> Self {
        self.students = Ok(Members::Unknown);
        self
    }
    fn bare(mut self) -> Self {
        let s = &mut self.section;
        (s.name, s.section_number, s.subject, s.grade, s.teacher_ids) = (None, None, None, None, None);
        self
    }
    fn teachers<const N: usize>(mut self, ids: [&str; N]) -> Self {
        self.section.teacher_ids = Some(ids.into_iter().map(id).collect());
        self
    }
    fn subject(mut self, subject: &str) -> Self {
        self.section.subject = Some(subject.into());
        self
    }
    fn students<const N: usize>(self, ids: [&str; N]) -> Self {
        ids.into_iter().fold(self, |s, i| s.with(student(i)))
    }
    fn with(mut self, student: CleverStudent) -> Self {
        if let Ok(Members::Listed(list)) = &mut self.students {
            list.push(student);
        }
        self
    }
    fn failed(mut self, kind: FetchErrorKind) -> Self {
        self.students = Err(FetchError { kind, detail: "test".into() });
        self
    }
}

pub(super) fn roster<const N: usize>(sections: [FetchedSection; N]) -> FetchedRoster {
    FetchedRoster { teacher: id(TEACHER), sections: sections.into() }
}

/// A local section with local id `local_id`, matching `section(clever_id)`, actively linked.
pub(super) fn local(local_id: i64, clever_id: &str) -> LocalSection {
    let s = section(clever_id).section;
    LocalSection {
        id: SectionId(local_id),
        clever_id: s.clever_id,
        synced_name: s.name.unwrap_or_default(),
        section_number: s.section_number,
        subject: s.subject,
        grade: s.grade,
        archived: false,
        roster_known: true,
        teacher_link: TeacherLink::Active,
        students: Vec::new(),
    }
}

/// Setters on a local section.
pub(super) trait LocalExt: Sized {
    fn link(self, link: TeacherLink) -> Self;
    fn archived(self) -> Self;
    /// Enrolls default students (`enrolled(id)`) by id.
    fn enrolled<const N: usize>(self, ids: [&str; N]) -> Self;
    fn with(self, enrollment: LocalEnrollment) -> Self;
}

impl LocalExt for LocalSection {
    fn link(mut self, link: TeacherLink) -> Self {
        self.teacher_link = link;
        self
    }
    fn archived(mut self) -> Self {
        self.archived = true;
        self
    }
    fn enrolled<const N: usize>(self, ids: [&str; N]) -> Self {
        ids.into_iter().fold(self, |s, i| s.with(enrolled(i)))
    }
    fn with(mut self, enrollment: LocalEnrollment) -> Self {
        self.students.push(enrollment);
        self
    }
}

pub(super) fn snapshot<const N: usize>(sections: [LocalSection; N]) -> LocalSnapshot {
    LocalSnapshot { sections: sections.into() }
}

/// What the store does with a plan, as seen from this teacher's snapshot: upsert each planned
/// section with Clever's fields and an active link (un-archiving it), apply enrollment changes,
/// flag unlinked links, and leave skipped sections alone.
pub(super) fn apply(local: &LocalSnapshot, plan: &SyncPlan) -> LocalSnapshot {
    let mut out = local.clone();
    for change in &plan.sections {
        let s = &change.section;
        let pos = match out.sections.iter().position(|l| l.clever_id == s.clever_id) {
            Some(pos) => pos,
            None => {
                let next = out.sections.iter().map(|l| l.id.0).max().unwrap_or(0) + 1;
                out.sections.push(LocalSection {
                    id: SectionId(next),
                    clever_id: s.clever_id.clone(),
                    synced_name: String::new(),
                    section_number: None,
                    subject: None,
                    grade: None,
                    archived: false,
                    roster_known: true,
                    teacher_link: TeacherLink::Active,
                    students: Vec::new(),
                });
                out.sections.len() - 1
            }
        };
        let row = &mut out.sections[pos];
        row.synced_name = s.name.clone();
        row.section_number = s.section_number.clone();
        row.subject = s.subject.clone();
        row.grade = s.grade.clone();
        row.roster_known = s.roster_known;
        row.archived = false;
        row.teacher_link = TeacherLink::Active;
        for st in &change.students {
            apply_student(&mut row.students, st);
        }
    }
    for unlink in &plan.unlinks {
        for row in out.sections.iter_mut().filter(|l| l.id == unlink.section_id) {
            row.teacher_link = TeacherLink::RemovedInClever;
        }
    }
    out
}

fn apply_student(rows: &mut Vec<LocalEnrollment>, change: &StudentChange) {
    match change {
        StudentChange::Added { student } => {
            // An upsert, like the store's: a stale row for the same student is overwritten.
            rows.retain(|e| e.student_clever_id != student.clever_id);
            rows.push(LocalEnrollment {
                student_clever_id: student.clever_id.clone(),
                first_name: student.first_name.clone(),
                last_name: student.last_name.clone(),
                grade: student.grade.clone(),
                removed_in_clever: false,
            });
        }
        StudentChange::Updated { student, update_name, .. } => {
            for e in rows.iter_mut().filter(|e| e.student_clever_id == student.clever_id) {
                if *update_name {
                    e.first_name = student.first_name.clone();
                    e.last_name = student.last_name.clone();
                }
                if student.grade.is_some() {
                    e.grade = student.grade.clone();
                }
                e.removed_in_clever = false;
            }
        }
        StudentChange::RemovedInClever { student_clever_id } => {
            for e in rows.iter_mut().filter(|e| &e.student_clever_id == student_clever_id) {
                e.removed_in_clever = true;
            }
        }
    }
}

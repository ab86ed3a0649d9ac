//! The planner's output: what one sync will change, section by section, and the report the
//! teacher sees. The store applies each [`SectionChange`] in one transaction with race-free
//! upserts, so two co-teachers applying plans for the same section at once converge on one row.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{CleverId, SectionId};
use crate::roster::FetchError;

/// A section as the sync writes it: Clever's fields where Clever sent them, the stored ones
/// where it did not (absent is not empty), so the store can upsert it whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedSection {
    /// Clever id.
    pub clever_id: CleverId,
    /// Name (a new section Clever gave no name is [`UNNAMED_SECTION`]).
    pub name: String,
    /// Section number.
    pub section_number: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Grade.
    pub grade: Option<String>,
    /// Whether the syncing teacher is its primary teacher (else a co-teacher).
    pub primary: bool,
    /// Whether Clever said who is in it; when not, its enrollments are left alone.
    pub roster_known: bool,
}

/// The name of a new section Clever sent without one.
pub const UNNAMED_SECTION: &str = "Untitled class";

/// A student as the sync writes them. The names are the ones to store for a new account (empty
/// when Clever sent none); an existing account's names change only when the change says so.
/// `grade` is `None` when Clever did not send one: the stored grade is then kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedStudent {
    /// Clever id.
    pub clever_id: CleverId,
    /// Given name.
    pub first_name: String,
    /// Family name (at Library scope an initial).
    pub last_name: String,
    /// Grade, when Clever sent one.
    pub grade: Option<String>,
}

/// Everything one sync does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPlan {
    /// One entry per section Clever listed whose students were fetched, in Clever's order,
    /// including unchanged ones (for the report).
    pub sections: Vec<SectionChange>,
    /// Sections the teacher is linked to that Clever no longer lists for them: the link is flagged,
    /// and the section is archived once no teacher is actively linked. Never deleted.
    pub unlinks: Vec<SectionUnlink>,
    /// Sections whose students could not be fetched: nothing about them changes.
    pub skipped: Vec<SkippedSection>,
}

/// The change to one section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionChange {
    /// The section as it will be stored (written in full, so applying is an idempotent upsert).
    pub section: SyncedSection,
    /// The local row, if one exists.
    pub existing: Option<SectionId>,
    /// What happens to the section itself.
    pub kind: SectionChangeKind,
    /// Changes to its enrollments (only the changes; unchanged students are not listed).
    pub students: Vec<StudentChange>,
}

impl SectionChange {
    /// True when neither the section, the teacher's link nor any enrollment changes.
    pub fn is_noop(&self) -> bool {
        self.kind == SectionChangeKind::Unchanged && self.students.is_empty()
    }
}

/// What happens to a section row and the teacher's link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SectionChangeKind {
    /// New locally: create it and link the teacher.
    Created,
    /// Exists (another teacher synced it): link this teacher as a co-teacher, and update fields
    /// that changed.
    JoinedAsCoTeacher {
        /// Fields whose value changed.
        changed: Vec<SectionField>,
    },
    /// Linked already; some of its fields changed, or it comes back from archive or from a
    /// flagged link.
    Updated {
        /// Fields whose value changed.
        changed: Vec<SectionField>,
        /// It was archived or the teacher's link was flagged, and Clever lists it again.
        restored: bool,
    },
    /// Nothing about the section changed (its students may have). A section whose roster
    /// Clever did not give, and which was already marked so, is unchanged too.
    Unchanged,
}

/// A synced section field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionField {
    /// `name`.
    Name,
    /// `section_number`.
    SectionNumber,
    /// `subject`.
    Subject,
    /// `grade`.
    Grade,
    /// Whether Clever said who is in it.
    Roster,
}

/// A change to one enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StudentChange {
    /// Enroll (creating the student account if needed).
    Added {
        /// The student as Clever has them.
        student: SyncedStudent,
    },
    /// Name or grade changed; or the enrollment was flagged and the student is back.
    Updated {
        /// The student as Clever has them.
        student: SyncedStudent,
        /// Whether to overwrite the stored name (false when the stored name is the fuller one,
        /// e.g. the student logged in themself and the teacher only sees an initial).
        update_name: bool,
        /// The enrollment was flagged as removed and is restored.
        restored: bool,
    },
    /// Clever no longer lists the student in this section: flag the enrollment (never delete).
    RemovedInClever {
        /// The student.
        student_clever_id: CleverId,
    },
}

/// A section the teacher no longer has in Clever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionUnlink {
    /// Local id.
    pub section_id: SectionId,
    /// Clever id.
    pub clever_id: CleverId,
    /// Name, for the report.
    pub name: String,
}

/// A section left untouched because a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedSection {
    /// Clever id.
    pub clever_id: CleverId,
    /// Name, for the report.
    pub name: String,
    /// What went wrong.
    pub error: FetchError,
}

/// A sync's counts. The five totals are what every run has recorded since the first release
/// (they mix classes and students); [`SyncCounts::changes`] tells them apart, and is `None` only
/// for runs recorded before it existed. [`SyncCounts::summary`] puts either into words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCounts {
    /// Sections created or joined, plus students enrolled.
    pub added: u32,
    /// Sections whose fields changed or that came back, plus students updated or restored.
    pub updated: u32,
    /// Enrollments flagged, plus sections unlinked.
    pub removed: u32,
    /// Sections with no change at all (neither the section nor its students).
    pub unchanged: u32,
    /// Sections skipped because of an error.
    pub errors: u32,
    /// What changed, classes and students apart; `None` for a run recorded before Rollcall
    /// counted them apart.
    #[serde(default)]
    pub changes: Option<Changes>,
}

/// What one sync changed, with classes and students apart. Each class counts in one class
/// bucket only (restored, else renamed, else updated); students are counted once per bucket
/// however many of the teacher's classes they are in (a student added to two classes is one
/// student added).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// Classes created, or joined as co-teacher.
    pub classes_added: u32,
    /// Classes Clever lists again (back from the archive, or back on the teacher's list).
    pub classes_restored: u32,
    /// Classes whose name changed.
    pub classes_renamed: u32,
    /// Classes whose section number, subject, grade or known roster changed (the name did not).
    pub classes_updated: u32,
    /// Classes Clever no longer lists for the teacher.
    pub classes_removed: u32,
    /// Students enrolled in a class.
    pub students_added: u32,
    /// Students back in a class after Clever had removed them.
    pub students_restored: u32,
    /// Students whose name changed.
    pub students_renamed: u32,
    /// Students whose grade changed (and nothing else).
    pub students_regraded: u32,
    /// Students Clever no longer lists in a class (flagged, not deleted).
    pub students_removed: u32,
}

impl SyncPlan {
    /// The counts for the report.
    pub fn counts(&self) -> SyncCounts {
        let mut c = SyncCounts::default();
        let mut d = Changes::default();
        // Per bucket, the students it counts, so a student in two classes counts once.
        let mut students: [BTreeSet<&CleverId>; 5] = Default::default();
        let [added, restored, renamed, regraded, removed] = &mut students;
        for s in &self.sections {
            match &s.kind {
                SectionChangeKind::Created | SectionChangeKind::JoinedAsCoTeacher { .. } => {
                    c.added += 1;
                    d.classes_added += 1;
                }
                SectionChangeKind::Updated { changed, restored } => {
                    c.updated += 1;
                    if *restored {
                        d.classes_restored += 1;
                    } else if changed.contains(&SectionField::Name) {
                        d.classes_renamed += 1;
                    } else {
                        d.classes_updated += 1;
                    }
                }
                SectionChangeKind::Unchanged if s.students.is_empty() => c.unchanged += 1,
                SectionChangeKind::Unchanged => {}
            }
            for st in &s.students {
                match st {
                    StudentChange::Added { student } => {
                        c.added += 1;
                        added.insert(&student.clever_id);
                    }
                    StudentChange::Updated { student, update_name, restored: back } => {
                        c.updated += 1;
                        let bucket = match (back, update_name) {
                            (true, _) => &mut *restored,
                            (false, true) => &mut *renamed,
                            (false, false) => &mut *regraded,
                        };
                        bucket.insert(&student.clever_id);
                    }
                    StudentChange::RemovedInClever { student_clever_id } => {
                        c.removed += 1;
                        removed.insert(student_clever_id);
                    }
                }
            }
        }
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        c.removed += n(self.unlinks.len());
        c.errors = n(self.skipped.len());
        d.classes_removed = n(self.unlinks.len());
        [
            d.students_added,
            d.students_restored,
            d.students_renamed,
            d.students_regraded,
            d.students_removed,
        ] = students.map(|set| n(set.len()));
        c.changes = Some(d);
        c
    }

    /// True when applying the plan would change nothing.
    pub fn is_noop(&self) -> bool {
        self.unlinks.is_empty() && self.sections.iter().all(SectionChange::is_noop)
    }
}

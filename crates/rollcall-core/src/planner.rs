//! The roster planner: a pure function from what Rollcall has and what Clever said to the plan.
//!
//! Rules (Clever's Library guide and the lessons of earlier integrations):
//! - a section Clever lists that does not exist locally is created; one that exists but is not
//!   linked to this teacher is joined as co-teacher (one row per Clever id, never two);
//! - changed name / section number / subject / grade are updated (the teacher's own display name
//!   lives elsewhere and is never touched);
//! - a student Clever lists is enrolled; one no longer listed is *flagged* removed, never deleted;
//!   a flagged student who comes back is restored;
//! - a section the teacher is linked to that Clever no longer lists is unlinked (and archived by
//!   the store once no teacher remains), never deleted; it is restored if it comes back;
//! - a section whose students could not be fetched is skipped entirely: an error is never "empty".
//!
//! Student names: at Library scope a teacher's token shows only a last-name *initial*, while the
//! stored last name may be the full one (the student logged in themself). The stored name is
//! overwritten only when the first name differs or the stored last name does not start with the
//! fetched one (a plain, case-sensitive prefix test on the string, so "Núñez" keeps its "N"); a
//! name never "shrinks" to an initial.
//!
//! Judgement calls (the rules above leave these open):
//! - When Clever repeats a section id, the *first* occurrence decides, even if it failed and a
//!   later repeat has students: a repeat is Clever's paging artefact, not a second opinion, and
//!   "first wins" keeps the plan independent of how many repeats there are.
//! - When one section's students repeat an id, the first occurrence is the student's data.
//! - The snapshot should hold one section per Clever id and one enrollment per student (the store
//!   has UNIQUE constraints); if it ever does not, the first one is used and the rest ignored, so
//!   a damaged snapshot cannot produce two changes for one row.
//! - A section joined as co-teacher that is archived locally needs no "restored" flag: joining
//!   makes this teacher actively linked, and the store un-archives any section with an active
//!   teacher. `JoinedAsCoTeacher` therefore means "link and un-archive" as needed.
//! - A co-teacher's join diffs students exactly like an update: the co-teacher's token sees the
//!   same section roster, so what it lacks is flagged as for the first teacher.
//! - The plan does not depend on the snapshot's row order: sections follow Clever's order,
//!   student changes are sorted by student Clever id, and unlinks by section Clever id.

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::CleverId;
use crate::plan::{
    SectionChange, SectionChangeKind, SectionField, SectionUnlink, SkippedSection, StudentChange, SyncPlan,
};
use crate::roster::{
    FetchedRoster, LocalEnrollment, LocalSection, LocalSnapshot, SourceSection, SourceStudent, TeacherLink,
};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod support;
#[cfg(test)]
mod tests;

/// Plans one sync.
///
/// Deterministic: the same inputs give the same plan, whatever the order of the snapshot's rows.
pub fn plan(local: &LocalSnapshot, fetched: &FetchedRoster) -> SyncPlan {
    let locals = index_locals(local);
    let mut plan = SyncPlan::default();
    // Every id Clever listed, failed ones included: a failed section is still the teacher's, so
    // it must never be unlinked.
    let mut seen: BTreeSet<&CleverId> = BTreeSet::new();

    for fs in &fetched.sections {
        let section = &fs.section;
        if !seen.insert(&section.clever_id) {
            continue;
        }
        match &fs.students {
            Err(error) => plan.skipped.push(SkippedSection {
                clever_id: section.clever_id.clone(),
                name: section.name.clone(),
                error: error.clone(),
            }),
            Ok(students) => {
                plan.sections.push(plan_section(section, students, locals.get(&section.clever_id).copied()))
            }
        }
    }

    // `locals` is keyed by Clever id, so unlinks come out sorted and at most one per id.
    plan.unlinks = locals
        .values()
        .filter(|l| l.teacher_link == TeacherLink::Active && !seen.contains(&l.clever_id))
        .map(|l| SectionUnlink {
            section_id: l.id,
            clever_id: l.clever_id.clone(),
            name: l.synced_name.clone(),
        })
        .collect();
    plan
}

/// The snapshot's sections by Clever id; the first row wins if the id repeats.
fn index_locals(local: &LocalSnapshot) -> BTreeMap<&CleverId, &LocalSection> {
    let mut map = BTreeMap::new();
    for s in &local.sections {
        map.entry(&s.clever_id).or_insert(s);
    }
    map
}

/// The change for one section whose students were fetched.
fn plan_section(
    section: &SourceSection,
    students: &[SourceStudent],
    local: Option<&LocalSection>,
) -> SectionChange {
    let fetched = index_students(students);
    let Some(local) = local else {
        return SectionChange {
            section: section.clone(),
            existing: None,
            kind: SectionChangeKind::Created,
            students: fetched.into_values().map(|s| StudentChange::Added { student: s.clone() }).collect(),
        };
    };

    let changed = changed_fields(section, local);
    let kind = match local.teacher_link {
        TeacherLink::NotLinked => SectionChangeKind::JoinedAsCoTeacher { changed },
        TeacherLink::Active | TeacherLink::RemovedInClever => {
            let restored = local.archived || local.teacher_link == TeacherLink::RemovedInClever;
            if changed.is_empty() && !restored {
                SectionChangeKind::Unchanged
            } else {
                SectionChangeKind::Updated { changed, restored }
            }
        }
    };
    SectionChange {
        section: section.clone(),
        existing: Some(local.id),
        kind,
        students: student_changes(&fetched, &local.students),
    }
}

/// Fetched students by Clever id; the first occurrence wins if the id repeats.
fn index_students(students: &[SourceStudent]) -> BTreeMap<&CleverId, &SourceStudent> {
    let mut map = BTreeMap::new();
    for s in students {
        map.entry(&s.clever_id).or_insert(s);
    }
    map
}

/// The synced fields whose value differs, in declaration order.
fn changed_fields(section: &SourceSection, local: &LocalSection) -> Vec<SectionField> {
    let mut changed = Vec::new();
    if section.name != local.synced_name {
        changed.push(SectionField::Name);
    }
    if section.section_number != local.section_number {
        changed.push(SectionField::SectionNumber);
    }
    if section.subject != local.subject {
        changed.push(SectionField::Subject);
    }
    if section.grade != local.grade {
        changed.push(SectionField::Grade);
    }
    changed
}

/// Enrollment changes, sorted by student Clever id.
fn student_changes(
    fetched: &BTreeMap<&CleverId, &SourceStudent>,
    enrolled: &[LocalEnrollment],
) -> Vec<StudentChange> {
    let mut local: BTreeMap<&CleverId, &LocalEnrollment> = BTreeMap::new();
    for e in enrolled {
        local.entry(&e.student_clever_id).or_insert(e);
    }

    // Keyed by student id so the merged result is sorted whichever side a change comes from.
    let mut changes: BTreeMap<&CleverId, StudentChange> = BTreeMap::new();
    for (&id, &student) in fetched {
        let change = match local.get(id) {
            None => Some(StudentChange::Added { student: student.clone() }),
            Some(e) => {
                let update_name = name_needs_update(student, e);
                if e.removed_in_clever {
                    Some(StudentChange::Updated { student: student.clone(), update_name, restored: true })
                } else if update_name || student.grade != e.grade {
                    Some(StudentChange::Updated { student: student.clone(), update_name, restored: false })
                } else {
                    None
                }
            }
        };
        if let Some(change) = change {
            changes.insert(id, change);
        }
    }
    for (&id, e) in &local {
        if !e.removed_in_clever && !fetched.contains_key(id) {
            changes.insert(id, StudentChange::RemovedInClever { student_clever_id: id.clone() });
        }
    }
    changes.into_values().collect()
}

/// Whether Clever's name should overwrite the stored one. The stored last name may be the full
/// name while Clever shows only its initial; that is agreement, not a change.
fn name_needs_update(student: &SourceStudent, stored: &LocalEnrollment) -> bool {
    // `str::starts_with` compares whole UTF-8 sequences, so it is a prefix test on chars:
    // "Núñez" starts with "N", "李雷" with "李", and "nunez" does not start with "N".
    student.first_name != stored.first_name || !stored.last_name.starts_with(student.last_name.as_str())
}

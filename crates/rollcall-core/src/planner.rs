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
//! - a section whose students could not be fetched is skipped entirely: an error is never "empty";
//! - absent is not empty: a section whose students Clever did not list ([`Members::Unknown`]) is
//!   created or updated, but its enrollments are left exactly as they are (nobody flagged) and it
//!   is marked "roster unknown"; a field Clever did not send (name, number, subject, grade, a
//!   student's names or grade) keeps the stored value;
//! - the syncing teacher is the section's primary teacher when Clever names them so, or names no
//!   teacher at all ([`CleverSection::is_primary`]); else a co-teacher.
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
    SyncedSection, SyncedStudent, UNNAMED_SECTION,
};
use crate::roster::{
    CleverSection, CleverStudent, FetchedRoster, LocalEnrollment, LocalSection, LocalSnapshot, Members,
    TeacherLink,
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
                name: section_name(section, locals.get(&section.clever_id).copied()),
                error: error.clone(),
            }),
            Ok(members) => plan.sections.push(plan_section(
                section,
                section.is_primary(&fetched.teacher),
                members,
                locals.get(&section.clever_id).copied(),
            )),
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

/// A section's name: Clever's, else the stored one, else [`UNNAMED_SECTION`]. Both what a sync
/// writes and what a skipped section is reported under.
fn section_name(section: &CleverSection, local: Option<&LocalSection>) -> String {
    section
        .name
        .clone()
        .or_else(|| local.map(|l| l.synced_name.clone()))
        .unwrap_or_else(|| UNNAMED_SECTION.to_owned())
}

/// The change for one section whose students were fetched or are unknown.
fn plan_section(
    section: &CleverSection,
    primary: bool,
    members: &Members,
    local: Option<&LocalSection>,
) -> SectionChange {
    let synced = synced_section(section, primary, members, local);
    let Some(local) = local else {
        let students = match members {
            Members::Listed(students) => index_students(students)
                .into_values()
                .map(|s| StudentChange::Added { student: new_student(s) })
                .collect(),
            Members::Unknown => Vec::new(),
        };
        return SectionChange { section: synced, existing: None, kind: SectionChangeKind::Created, students };
    };

    let changed = changed_fields(&synced, local);
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
    let students = match members {
        Members::Listed(students) => student_changes(&index_students(students), &local.students),
        // Clever did not say who is in it: nobody is added, updated or flagged.
        Members::Unknown => Vec::new(),
    };
    SectionChange { section: synced, existing: Some(local.id), kind, students }
}

/// The section as it will be stored: each field Clever sent, else the stored one.
fn synced_section(
    section: &CleverSection,
    primary: bool,
    members: &Members,
    local: Option<&LocalSection>,
) -> SyncedSection {
    let or_stored = |fetched: &Option<String>, stored: fn(&LocalSection) -> &Option<String>| {
        fetched.clone().or_else(|| local.and_then(|l| stored(l).clone()))
    };
    SyncedSection {
        clever_id: section.clever_id.clone(),
        name: section_name(section, local),
        section_number: or_stored(&section.section_number, |l| &l.section_number),
        subject: or_stored(&section.subject, |l| &l.subject),
        grade: or_stored(&section.grade, |l| &l.grade),
        primary,
        roster_known: matches!(members, Members::Listed(_)),
    }
}

/// A student for a new enrollment: Clever's names (empty when it sent none) and grade.
fn new_student(s: &CleverStudent) -> SyncedStudent {
    SyncedStudent {
        clever_id: s.clever_id.clone(),
        first_name: s.first_name.clone().unwrap_or_default(),
        last_name: s.last_name.clone().unwrap_or_default(),
        grade: s.grade.clone(),
    }
}

/// Fetched students by Clever id; the first occurrence wins if the id repeats.
fn index_students(students: &[CleverStudent]) -> BTreeMap<&CleverId, &CleverStudent> {
    let mut map = BTreeMap::new();
    for s in students {
        map.entry(&s.clever_id).or_insert(s);
    }
    map
}

/// The synced fields whose value differs, in declaration order.
fn changed_fields(section: &SyncedSection, local: &LocalSection) -> Vec<SectionField> {
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
    if section.roster_known != local.roster_known {
        changed.push(SectionField::Roster);
    }
    changed
}

/// Enrollment changes, sorted by student Clever id.
fn student_changes(
    fetched: &BTreeMap<&CleverId, &CleverStudent>,
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
            None => Some(StudentChange::Added { student: new_student(student) }),
            Some(e) => {
                let update_name = name_needs_update(student, e);
                let regraded = student.grade.is_some() && student.grade != e.grade;
                let synced = SyncedStudent {
                    clever_id: id.clone(),
                    first_name: student.first_name.clone().unwrap_or_else(|| e.first_name.clone()),
                    last_name: student.last_name.clone().unwrap_or_else(|| e.last_name.clone()),
                    grade: student.grade.clone().or_else(|| e.grade.clone()),
                };
                if e.removed_in_clever {
                    Some(StudentChange::Updated { student: synced, update_name, restored: true })
                } else if update_name || regraded {
                    Some(StudentChange::Updated { student: synced, update_name, restored: false })
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
/// name while Clever shows only its initial; that is agreement, not a change. A name part
/// Clever did not send agrees with whatever is stored.
fn name_needs_update(student: &CleverStudent, stored: &LocalEnrollment) -> bool {
    // `str::starts_with` compares whole UTF-8 sequences, so it is a prefix test on chars:
    // "Núñez" starts with "N", "李雷" with "李", and "nunez" does not start with "N".
    let first_differs = student.first_name.as_ref().is_some_and(|f| *f != stored.first_name);
    let last_differs = student.last_name.as_ref().is_some_and(|l| !stored.last_name.starts_with(l.as_str()));
    first_differs || last_differs
}

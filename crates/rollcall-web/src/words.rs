//! Clever's data in a teacher's words: subjects as people write them ("English / Language
//! Arts", not `english/language arts`), section numbers labelled, one form of a person's name
//! for every page, and account activity without ids.

use rollcall_core::SyncCounts;
use rollcall_store::{AuditAction, AuditEntry};

/// Clever's v3.0 subject values (the `Section.subject` enum, case-sensitive) and their words.
/// `other` and `""` say nothing a teacher needs to read, so they have no words.
const SUBJECTS: [(&str, &str); 10] = [
    ("english/language arts", "English / Language Arts"),
    ("math", "Math"),
    ("science", "Science"),
    ("social studies", "Social Studies"),
    ("language", "World Languages"),
    ("homeroom/advisory", "Homeroom / Advisory"),
    ("interventions/online learning", "Interventions / Online Learning"),
    ("technology and engineering", "Technology and Engineering"),
    ("PE and health", "PE and Health"),
    ("arts and music", "Arts and Music"),
];

/// A section's subject as a teacher reads it; `None` for `other`, an empty value, or none.
/// Clever-compatible servers also send loose spellings ("Math", "PE And Health"), so a value
/// is matched without case; one outside the enum is shown as sent, with a capital first
/// letter (a school's own subject name is still its words).
pub fn subject(value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("other"))?;
    if let Some((_, words)) = SUBJECTS.iter().find(|(enum_value, _)| enum_value.eq_ignore_ascii_case(value)) {
        return Some((*words).to_owned());
    }
    let mut chars = value.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// A section number, labelled: "Section M4-01".
pub fn section_number(number: &str) -> String {
    format!("Section {}", number.trim())
}

/// A class's grade: "Grade 4" for a number, else Clever's word as it is ("Kindergarten",
/// "Ungraded").
pub fn grade(grade: &str) -> String {
    if grade.chars().all(|c| c.is_ascii_digit()) { format!("Grade {grade}") } else { grade.to_owned() }
}

/// A person's name as every page shows it: "María Núñez", or "Zoë Ç." when Rollcall knows only
/// the initial of the last name (what Clever shows a teacher at Library scope), so an initial
/// never reads as a whole family name.
pub fn person(first: &str, last: &str) -> String {
    let (first, last) = (first.trim(), last.trim());
    let initial = last.chars().count() == 1 && last.chars().all(char::is_alphabetic) && !is_ideographic(last);
    match (first.is_empty(), last.is_empty()) {
        (_, true) => first.to_owned(),
        (true, false) => last.to_owned(),
        (false, false) if initial => format!("{first} {last}."),
        (false, false) => format!("{first} {last}"),
    }
}

/// Whether `s` is written in a script where one character is a whole family name (李 is Li,
/// not an initial).
fn is_ideographic(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c as u32, 0x2E80..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
    })
}

/// An account-activity line's details as its owner reads them on their profile. The store's
/// words are for the admin's audit log, which names accounts and Clever ids; a teacher or
/// student sees no id: a Clever link is "your Clever account", a merged account "your other
/// account". A sync run recorded in the old words ("At login: 15 added, 0 updated, …") is
/// retold in today's.
pub fn activity(entry: &AuditEntry) -> String {
    let detail = entry.detail.as_str();
    match entry.action {
        AuditAction::CleverLinked => "Your Clever account was linked: you can log in with Clever".to_owned(),
        AuditAction::CleverUnlinked => "Your Clever account was unlinked".to_owned(),
        AuditAction::AccountsMerged => match detail.split_once(": ") {
            Some((_, moved)) => format!("Your other account was merged into this one, bringing {moved}"),
            None => "Your other account was merged into this one".to_owned(),
        },
        AuditAction::SyncRun => legacy_sync(detail).unwrap_or_else(|| detail.to_owned()),
        AuditAction::AccountCreated
        | AuditAction::RoleChanged
        | AuditAction::PasswordAdded
        | AuditAction::SchoolChanged
        | AuditAction::AdminChanged => detail.to_owned(),
    }
}

/// A sync entry in the words recorded before runs counted classes and students apart:
/// "{how}: N added, N updated, N removed, N unchanged, N errors[ (failed)]".
fn legacy_sync(detail: &str) -> Option<String> {
    let (how, counts) = detail.split_once(": ")?;
    let (counts, failed) = match counts.strip_suffix(" (failed)") {
        Some(counts) => (counts, true),
        None => (counts, false),
    };
    let mut numbers = [0u32; 5];
    let parts: Vec<&str> = counts.split(", ").collect();
    let [added, updated, removed, unchanged, errors] = parts.as_slice() else { return None };
    for (slot, (part, word)) in numbers.iter_mut().zip([
        (added, "added"),
        (updated, "updated"),
        (removed, "removed"),
        (unchanged, "unchanged"),
        (errors, "errors"),
    ]) {
        *slot = part.strip_suffix(word)?.trim_end().parse().ok()?;
    }
    let [added, updated, removed, unchanged, errors] = numbers;
    if failed {
        return Some(format!("{how}: the sync failed, nothing changed"));
    }
    let counts = SyncCounts { added, updated, removed, unchanged, errors, changes: None };
    Some(format!("{how}: {}", counts.summary()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clever_subject_has_words_and_none_reads_like_an_enum() {
        for (value, words) in SUBJECTS {
            assert_eq!(subject(Some(value)).as_deref(), Some(words));
            assert_ne!(words, value, "{value} is still the enum's spelling");
            assert!(words.chars().next().is_some_and(char::is_uppercase), "{words}");
        }
        assert_eq!(subject(Some("homeroom/advisory")).as_deref(), Some("Homeroom / Advisory"));
        assert_eq!(subject(Some("english/language arts")).as_deref(), Some("English / Language Arts"));
    }

    #[test]
    fn other_and_empty_subjects_say_nothing_and_loose_spellings_still_read_well() {
        for nothing in [None, Some(""), Some("  "), Some("other"), Some("Other")] {
            assert_eq!(subject(nothing), None, "{nothing:?}");
        }
        assert_eq!(subject(Some("MATH")).as_deref(), Some("Math"));
        assert_eq!(subject(Some("PE And Health")).as_deref(), Some("PE and Health"));
        assert_eq!(subject(Some("robotics club")).as_deref(), Some("Robotics club"));
        assert_eq!(subject(Some("économie")).as_deref(), Some("Économie"));
    }

    #[test]
    fn a_section_number_and_a_grade_are_labelled() {
        assert_eq!(section_number("M4-01"), "Section M4-01");
        assert_eq!(grade("4"), "Grade 4");
        assert_eq!(grade("Kindergarten"), "Kindergarten");
    }

    #[test]
    fn a_last_initial_reads_as_an_initial_and_a_whole_name_as_itself() {
        assert_eq!(person("Zoë", "Ç"), "Zoë Ç.");
        assert_eq!(person("Zoë", "Çelik"), "Zoë Çelik");
        assert_eq!(person("Wei", "李"), "Wei 李", "one ideograph is a whole family name");
        assert_eq!(person("Ann", ""), "Ann");
        assert_eq!(person(" Ann ", " S "), "Ann S.");
    }

    fn entry(action: AuditAction, detail: &str) -> AuditEntry {
        AuditEntry {
            id: 1,
            at: time::OffsetDateTime::UNIX_EPOCH,
            actor: Some(rollcall_core::UserId(3)),
            actor_name: None,
            action,
            subject: rollcall_core::UserId(3),
            subject_name: None,
            detail: detail.to_owned(),
        }
    }

    #[test]
    fn activity_names_accounts_in_words_never_by_id() {
        let merged = entry(AuditAction::AccountsMerged, "Merged account 8 into 3: 1 class, Clever login");
        assert_eq!(
            activity(&merged),
            "Your other account was merged into this one, bringing 1 class, Clever login"
        );
        let linked = entry(AuditAction::CleverLinked, "Linked Clever account 5f3a9c0e1b2d4a6f8e7c9b1a");
        assert!(!activity(&linked).contains("5f3a"), "{}", activity(&linked));
        let unlinked = entry(AuditAction::CleverUnlinked, "Unlinked Clever account 5f3a9c0e1b2d4a6f8e7c9b1a");
        assert_eq!(activity(&unlinked), "Your Clever account was unlinked");
    }

    #[test]
    fn a_sync_entry_in_the_old_words_is_retold_in_todays() {
        let old =
            entry(AuditAction::SyncRun, "At login: 15 added, 0 updated, 0 removed, 6 unchanged, 0 errors");
        assert_eq!(activity(&old), "At login: 15 classes or students added");
        let quiet = entry(
            AuditAction::SyncRun,
            "Background sync: 0 added, 0 updated, 0 removed, 3 unchanged, 0 errors",
        );
        assert_eq!(activity(&quiet), "Background sync: Everything was already up to date");
        let failed = entry(
            AuditAction::SyncRun,
            "Background sync: 0 added, 0 updated, 0 removed, 0 unchanged, 1 errors (failed)",
        );
        assert_eq!(activity(&failed), "Background sync: the sync failed, nothing changed");
        let new = entry(AuditAction::SyncRun, "Sync my classes: 1 class renamed");
        assert_eq!(activity(&new), "Sync my classes: 1 class renamed");
    }
}

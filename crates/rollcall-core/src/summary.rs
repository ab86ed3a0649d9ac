//! A sync's counts in a teacher's words: nouns, and only what changed ("3 students added,
//! 1 class renamed"), or "Everything was already up to date".

use crate::plan::{Changes, SyncCounts};

/// What a run that changed nothing (and failed nowhere) says.
pub const UP_TO_DATE: &str = "Everything was already up to date";

impl SyncCounts {
    /// The counts in words, without a final full stop.
    pub fn summary(&self) -> String {
        let mut parts = match &self.changes {
            Some(changes) => change_words(changes),
            None => legacy_words(self),
        };
        match (parts.is_empty(), self.errors) {
            (true, 0) => UP_TO_DATE.to_owned(),
            (true, errors) => {
                format!("{}; nothing else changed", count(errors, "class not synced", "classes not synced"))
            }
            (false, 0) => parts.join(", "),
            (false, errors) => {
                parts.push(count(errors, "class not synced", "classes not synced"));
                parts.join(", ")
            }
        }
    }
}

/// `n` and the noun phrase, singular or plural.
fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Every non-zero count of `c`, classes first.
fn change_words(c: &Changes) -> Vec<String> {
    [
        (c.classes_added, "class added", "classes added"),
        (c.classes_restored, "class restored", "classes restored"),
        (c.classes_renamed, "class renamed", "classes renamed"),
        (c.classes_updated, "class updated", "classes updated"),
        (c.classes_removed, "class no longer in Clever", "classes no longer in Clever"),
        (c.students_added, "student added", "students added"),
        (c.students_restored, "student back in class", "students back in class"),
        (c.students_renamed, "student renamed", "students renamed"),
        (c.students_regraded, "student’s grade changed", "students’ grades changed"),
        (c.students_removed, "student removed in Clever", "students removed in Clever"),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| count(n, one, many))
    .collect()
}

/// A run recorded before classes and students were counted apart: its totals mix them, and
/// say so.
fn legacy_words(c: &SyncCounts) -> Vec<String> {
    [(c.added, "added"), (c.updated, "updated"), (c.removed, "removed")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| {
            format!("{n} {} {what}", if n == 1 { "class or student" } else { "classes or students" })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(changes: Changes) -> SyncCounts {
        SyncCounts { changes: Some(changes), ..SyncCounts::default() }
    }

    #[test]
    fn a_sync_that_changed_nothing_says_so() {
        let quiet = SyncCounts { unchanged: 6, ..with(Changes::default()) };
        assert_eq!(quiet.summary(), "Everything was already up to date");
    }

    #[test]
    fn only_what_changed_is_named_with_its_noun() {
        let c = with(Changes { students_added: 3, classes_renamed: 1, ..Changes::default() });
        assert_eq!(c.summary(), "1 class renamed, 3 students added");
        let c = with(Changes {
            classes_added: 2,
            classes_removed: 1,
            students_removed: 1,
            students_regraded: 2,
            students_restored: 1,
            ..Changes::default()
        });
        assert_eq!(
            c.summary(),
            "2 classes added, 1 class no longer in Clever, 1 student back in class, \
             2 students’ grades changed, 1 student removed in Clever"
        );
    }

    #[test]
    fn classes_not_synced_are_counted_after_the_changes() {
        let c = SyncCounts { errors: 1, ..with(Changes { students_added: 1, ..Changes::default() }) };
        assert_eq!(c.summary(), "1 student added, 1 class not synced");
        let failed = SyncCounts { errors: 2, ..with(Changes::default()) };
        assert_eq!(failed.summary(), "2 classes not synced; nothing else changed");
    }

    #[test]
    fn a_run_recorded_before_classes_and_students_were_apart_says_they_are_mixed() {
        let old = SyncCounts { added: 15, removed: 1, unchanged: 6, ..SyncCounts::default() };
        assert_eq!(old.summary(), "15 classes or students added, 1 class or student removed");
        assert_eq!(SyncCounts { unchanged: 2, ..SyncCounts::default() }.summary(), UP_TO_DATE);
    }
}

//! Classwork rows and their conversion into records.

use rollcall_core::{AssignmentId, SectionId, UserId};
use time::{Date, OffsetDateTime};

use super::count;
use crate::{Assignment, Completion, StoreResult, StudentAssignment};

/// An `assignments` row with its author's name and completion counts.
#[derive(sqlx::FromRow)]
pub(crate) struct AssignmentRow {
    id: i64,
    section_id: i64,
    title: String,
    instructions: String,
    due_on: Option<Date>,
    posted_by: String,
    created_at: OffsetDateTime,
    done: i64,
    students: i64,
}

impl AssignmentRow {
    /// The assignment this row stores.
    pub(crate) fn into_assignment(self) -> StoreResult<Assignment> {
        Ok(Assignment {
            id: AssignmentId(self.id),
            section_id: SectionId(self.section_id),
            title: self.title,
            instructions: self.instructions,
            due_on: self.due_on,
            posted_by: self.posted_by,
            created_at: self.created_at,
            done: count(self.done)?,
            students: count(self.students)?,
        })
    }
}

/// One student's row on an assignment's progress page.
#[derive(sqlx::FromRow)]
pub(crate) struct CompletionRow {
    user_id: i64,
    first_name: String,
    last_name: String,
    done_at: Option<OffsetDateTime>,
    flagged: bool,
}

impl CompletionRow {
    /// The completion this row stores.
    pub(crate) fn into_completion(self) -> Completion {
        Completion {
            student: UserId(self.user_id),
            first_name: self.first_name,
            last_name: self.last_name,
            done_at: self.done_at,
            removed_in_clever: self.flagged,
        }
    }
}

/// An assignment as a student sees it.
#[derive(sqlx::FromRow)]
pub(crate) struct StudentAssignmentRow {
    id: i64,
    section_id: i64,
    section_name: String,
    title: String,
    instructions: String,
    due_on: Option<Date>,
    done_at: Option<OffsetDateTime>,
}

impl StudentAssignmentRow {
    /// The assignment this row stores.
    pub(crate) fn into_assignment(self) -> StudentAssignment {
        StudentAssignment {
            id: AssignmentId(self.id),
            section_id: SectionId(self.section_id),
            section_name: self.section_name,
            title: self.title,
            instructions: self.instructions,
            due_on: self.due_on,
            done_at: self.done_at,
        }
    }
}

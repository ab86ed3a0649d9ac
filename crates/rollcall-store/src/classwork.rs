//! Classwork: assignments a teacher posts to a section, and the students who marked them done.
//!
//! Who may do what is enforced here, in the same statement as the write, so a request can
//! never act on a section it has no part in: a teacher posts only to a section they are
//! actively linked to (not flagged as removed in Clever); a student sees and completes only
//! assignments of sections they are actively enrolled in and that are not archived (as their
//! dashboard lists only those classes).

use async_trait::async_trait;
use rollcall_core::{AssignmentId, SectionId, UserId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::StoreResult;

/// An assignment about to be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssignment {
    /// The section it is for.
    pub section: SectionId,
    /// Title (1–200 characters; checked by the caller).
    pub title: String,
    /// Short instructions (may be empty; up to 2,000 characters).
    pub instructions: String,
    /// Optional due date.
    pub due_on: Option<Date>,
}

/// An assignment as its section's teachers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Id.
    pub id: AssignmentId,
    /// Section.
    pub section_id: SectionId,
    /// Title.
    pub title: String,
    /// Instructions.
    pub instructions: String,
    /// Due date.
    pub due_on: Option<Date>,
    /// The teacher who posted it (full name).
    pub posted_by: String,
    /// When it was posted.
    pub created_at: OffsetDateTime,
    /// Students actively enrolled now who marked it done.
    pub done: u32,
    /// Students actively enrolled now.
    pub students: u32,
}

/// One student's row on an assignment's progress page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// The student.
    pub student: UserId,
    /// Given name.
    pub first_name: String,
    /// Family name (or initial).
    pub last_name: String,
    /// When they marked it done, if they did.
    pub done_at: Option<OffsetDateTime>,
    /// Flagged as removed from the section in Clever (listed only if they had done it).
    pub removed_in_clever: bool,
}

/// An assignment as a student sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentAssignment {
    /// Id.
    pub id: AssignmentId,
    /// Section.
    pub section_id: SectionId,
    /// The section's name (Clever's).
    pub section_name: String,
    /// Title.
    pub title: String,
    /// Instructions.
    pub instructions: String,
    /// Due date.
    pub due_on: Option<Date>,
    /// When this student marked it done, if they did.
    pub done_at: Option<OffsetDateTime>,
}

/// Assignments and their completion.
#[async_trait]
pub trait ClassworkStore: Send + Sync {
    /// Posts an assignment to a section the teacher is actively linked to; `NotFound` otherwise.
    async fn create_assignment(
        &self,
        teacher: UserId,
        new: &NewAssignment,
        now: OffsetDateTime,
    ) -> StoreResult<AssignmentId>;

    /// The section's assignments, newest first, with completion counts; empty if the teacher is
    /// not linked to the section (in any state: an archived class's work stays readable).
    async fn section_assignments(&self, teacher: UserId, section: SectionId) -> StoreResult<Vec<Assignment>>;

    /// One assignment with a row per student: every actively enrolled student (done or not),
    /// plus flagged students who had marked it done; active first, then by last, first name.
    /// `None` if the teacher is not linked to its section.
    async fn assignment_progress(
        &self,
        teacher: UserId,
        assignment: AssignmentId,
    ) -> StoreResult<Option<(Assignment, Vec<Completion>)>>;

    /// Every assignment of the unarchived sections the student is actively enrolled in: not done first
    /// (earliest due date first, undated last), then done; newest posted first within each.
    async fn student_assignments(&self, student: UserId) -> StoreResult<Vec<StudentAssignment>>;

    /// Marks an assignment done (keeping the first time if already done) or not done, for a
    /// student actively enrolled in its section while it is not archived; `NotFound` otherwise.
    async fn set_done(
        &self,
        student: UserId,
        assignment: AssignmentId,
        done: bool,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

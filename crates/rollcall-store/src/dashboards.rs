//! What the teachers' and students' pages read, and the one thing a teacher changes about a
//! synced class: its name on their own dashboard.

use async_trait::async_trait;
use rollcall_core::{SectionId, UserId};

use crate::{SectionRoster, SectionSummary, StoreResult, StudentSection, TeacherDashboard};

/// Dashboards and class pages.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Sets (or clears, with `None`) the teacher's own name for a section. Sync never touches it.
    /// Fails with `NotFound` if the teacher does not teach the section.
    async fn set_display_name(
        &self,
        teacher: UserId,
        section: SectionId,
        name: Option<&str>,
    ) -> StoreResult<()>;

    /// The teacher's sections, active first then archived, by name.
    async fn teacher_sections(&self, teacher: UserId) -> StoreResult<Vec<SectionSummary>>;

    /// Everything the teacher's dashboard shows, as of one moment: their sections (as
    /// [`DashboardStore::teacher_sections`]), the latest sync run, when the Clever token expires,
    /// and (if `with_schools`) the known school names.
    async fn teacher_dashboard(&self, teacher: UserId, with_schools: bool) -> StoreResult<TeacherDashboard>;

    /// One of the teacher's sections with its students; `None` if the teacher is not linked to it.
    async fn section_roster(&self, teacher: UserId, section: SectionId)
    -> StoreResult<Option<SectionRoster>>;

    /// The classes a student is actively enrolled in.
    async fn student_sections(&self, student: UserId) -> StoreResult<Vec<StudentSection>>;

    /// Whether some class that is not archived has a roster Clever did not give, so a student's
    /// classes may be missing from [`DashboardStore::student_sections`].
    async fn any_roster_unknown(&self) -> StoreResult<bool>;
}

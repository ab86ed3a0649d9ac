//! Fetches a teacher's roster from Clever and turns it into the planner's input.
//!
//! Fewest calls first: a v3 section already lists its students' ids, and
//! `/users/{id}/mystudents` returns every student of the teacher in one paginated list, so a whole
//! roster normally takes two paginated requests. If `mystudents` fails or lacks a student a
//! section lists (other Clever-compatible servers serve only some endpoints), that section falls
//! back to `/sections/{id}/users?role=student`, a few sections at a time.

use std::collections::HashMap;

use clever_client::{AccessToken, CleverClient, ClientError};
use futures::StreamExt;
use rollcall_core::{
    CleverId, FetchError, FetchErrorKind, FetchedRoster, FetchedSection, SourceSection, SourceStudent,
};

/// Sections fetched at once on the fallback path.
const PER_SECTION_CONCURRENCY: usize = 4;

/// The teacher's roster, or the error that stopped the section list (then nothing is planned).
pub async fn fetch_roster(
    clever: &CleverClient,
    token: &AccessToken,
    teacher: &CleverId,
) -> Result<FetchedRoster, FetchError> {
    let sections =
        clever.sections_for_user(token, teacher.as_str()).collect_all().await.map_err(fetch_error)?;
    let sections: Vec<(SourceSection, Vec<String>)> =
        sections.into_iter().map(source_section).collect::<Result<_, _>>()?;
    let directory: HashMap<String, SourceStudent> =
        match clever.my_students(token, teacher.as_str()).collect_all().await {
            Ok(users) => users
                .into_iter()
                .filter_map(|u| source_student(u).ok())
                .map(|s| (s.clever_id.to_string(), s))
                .collect(),
            Err(error) => {
                tracing::debug!(%error, "mystudents unavailable; fetching each section's students");
                HashMap::new()
            }
        };
    let fetched = futures::stream::iter(sections)
        .map(|(section, student_ids)| {
            let directory = &directory;
            async move {
                let known: Option<Vec<SourceStudent>> =
                    student_ids.iter().map(|id| directory.get(id).cloned()).collect();
                let students = match known {
                    Some(students) => Ok(students),
                    None => students_of(clever, token, &section.clever_id).await,
                };
                FetchedSection { section, students }
            }
        })
        .buffered(PER_SECTION_CONCURRENCY)
        .collect()
        .await;
    Ok(FetchedRoster { sections: fetched })
}

async fn students_of(
    clever: &CleverClient,
    token: &AccessToken,
    section: &CleverId,
) -> Result<Vec<SourceStudent>, FetchError> {
    let users =
        clever.students_for_section(token, section.as_str()).collect_all().await.map_err(fetch_error)?;
    users.into_iter().map(source_student).collect()
}

/// A Clever section and the student ids it lists.
fn source_section(s: clever_types::Section) -> Result<(SourceSection, Vec<String>), FetchError> {
    let clever_id = parse_id(&s.id)?;
    let teacher_ids = s.teachers.unwrap_or_default().iter().map(|t| parse_id(t)).collect::<Result<_, _>>()?;
    let section = SourceSection {
        clever_id,
        name: s.name.unwrap_or_default(),
        section_number: s.section_number,
        subject: s.subject.map(|v| v.as_str().to_owned()),
        grade: s.grade.map(|v| v.as_str().to_owned()),
        teacher_ids,
    };
    Ok((section, s.students.unwrap_or_default()))
}

fn source_student(u: clever_types::User) -> Result<SourceStudent, FetchError> {
    let name = u.name.unwrap_or_default();
    Ok(SourceStudent {
        clever_id: parse_id(&u.id)?,
        first_name: name.first.unwrap_or_default(),
        last_name: name.last.unwrap_or_default(),
        grade: u.roles.student.and_then(|s| s.grade).map(|g| g.as_str().to_owned()),
    })
}

fn parse_id(id: &str) -> Result<CleverId, FetchError> {
    CleverId::parse(id).map_err(|e| FetchError { kind: FetchErrorKind::Malformed, detail: e.to_string() })
}

/// The client's error in the planner's categories.
pub fn fetch_error(e: ClientError) -> FetchError {
    let kind = match &e {
        ClientError::Unauthorized { .. } | ClientError::InvalidGrant { .. } => FetchErrorKind::Unauthorized,
        ClientError::NotShared { .. } => FetchErrorKind::NotShared,
        ClientError::RateLimited { .. } => FetchErrorKind::RateLimited,
        ClientError::CleverFailed { .. } | ClientError::InvalidClient | ClientError::Rejected { .. } => {
            FetchErrorKind::CleverFailed
        }
        ClientError::Malformed { .. } => FetchErrorKind::Malformed,
    };
    FetchError { kind, detail: e.to_string() }
}

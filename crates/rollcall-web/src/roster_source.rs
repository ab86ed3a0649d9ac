//! Fetches a teacher's roster from Clever and turns it into the planner's input.
//!
//! Fewest calls first: a v3 section already lists its students' ids, and
//! `/users/{id}/mystudents` returns every student of the teacher in one paginated list, so a whole
//! roster normally takes two paginated requests, sent at once: neither needs the other's answer,
//! so against a Clever a network away the roster costs one round trip, not two.
//!
//! Other Clever-compatible servers serve only some of this, so each section falls back, in order:
//! - its students' ids are listed but `mystudents` failed or lacks some: ask the section
//!   (`/sections/{id}/users?role=student`); if the server has no such path, ask for each missing
//!   student (`/users/{id}`);
//! - its member list is absent: ask the section; if the server has no such path and the teacher
//!   has just this one class, its students are all of `mystudents` (certain, not a guess); else
//!   who is in it is [`Members::Unknown`], which the planner never reads as "nobody".
//!
//! A 404 from a fallback path means "this server does not offer it" (the section itself was just
//! listed for this token), never "not shared". Any other failure is the section's error: the
//! planner then leaves it entirely alone.

use std::collections::HashMap;
use std::sync::Arc;

use clever_client::{AccessToken, CleverClient, ClientError};
use futures::StreamExt;
use futures::future::{BoxFuture, FutureExt, Shared};
use rollcall_core::{
    CleverId, CleverSection, CleverStudent, FetchError, FetchErrorKind, FetchedRoster, FetchedSection,
    Members,
};

/// Sections fetched at once on the fallback paths.
const PER_SECTION_CONCURRENCY: usize = 4;

/// What Clever answered for a teacher's roster: the roster, or the error that stopped the section
/// list (then nothing is planned).
pub type RosterAnswer = Result<FetchedRoster, FetchError>;

/// The two lists a roster starts from, as Clever answered them: the teacher's sections and all
/// their students. Asking needs only the teacher's Clever id and the token, so a login can ask
/// before Clever's user record has said the user is a teacher (see `Logins::identify`).
#[derive(Debug, Clone)]
pub struct RosterLists {
    teacher: CleverId,
    sections: Result<Vec<clever_types::Section>, FetchError>,
    /// `None` when `mystudents` failed: each section is then asked on its own.
    students: Option<Vec<clever_types::User>>,
}

/// Clever's answer for the two lists, coming: asked on a task of its own, so it goes on while the
/// login answers the browser, and shared by whoever waits for it.
pub type PendingLists = Shared<BoxFuture<'static, Arc<RosterLists>>>;

/// Starts asking for both lists (see [`ask_lists`]) on a task of its own.
pub fn spawn_lists(clever: &CleverClient, token: &AccessToken, teacher: &CleverId) -> PendingLists {
    let (clever, token, teacher) = (clever.clone(), token.clone(), teacher.clone());
    let asked = tokio::spawn({
        let teacher = teacher.clone();
        async move { ask_lists(&clever, &token, &teacher).await }
    });
    async move {
        let lists = asked.await.unwrap_or_else(|error| {
            let detail = format!("the request for the roster stopped: {error}");
            let sections = Err(FetchError { kind: FetchErrorKind::CleverFailed, detail });
            RosterLists { teacher, sections, students: None }
        });
        Arc::new(lists)
    }
    .boxed()
    .shared()
}

/// Asks for both lists at once: neither needs the other's answer.
pub async fn ask_lists(clever: &CleverClient, token: &AccessToken, teacher: &CleverId) -> RosterLists {
    let (sections, students) = tokio::join!(
        clever.sections_for_user(token, teacher.as_str()).collect_all(),
        clever.my_students(token, teacher.as_str()).collect_all(),
    );
    let students = students
        .inspect_err(|error| tracing::debug!(%error, "mystudents unavailable; asking each section"))
        .ok();
    RosterLists { teacher: teacher.clone(), sections: sections.map_err(fetch_error), students }
}

/// The teacher's roster, or the error that stopped the section list (then nothing is planned).
pub async fn fetch_roster(clever: &CleverClient, token: &AccessToken, teacher: &CleverId) -> RosterAnswer {
    complete_roster(clever, token, ask_lists(clever, token, teacher).await).await
}

/// The roster from its two lists, asking Clever for whatever they leave out (see the module docs).
pub async fn complete_roster(clever: &CleverClient, token: &AccessToken, lists: RosterLists) -> RosterAnswer {
    let RosterLists { teacher, sections, students } = lists;
    let sections: Vec<(CleverSection, Option<Vec<String>>)> =
        sections?.into_iter().map(clever_section).collect::<Result<_, _>>()?;
    let directory: Option<HashMap<String, CleverStudent>> = students.map(|users| {
        users
            .into_iter()
            .filter_map(|u| clever_student(u).ok())
            .map(|s| (s.clever_id.to_string(), s))
            .collect()
    });
    let only_class = sections.len() == 1;
    let fetch = Fetch { clever, token, directory: directory.as_ref(), only_class };
    let fetched = futures::stream::iter(sections)
        .map(|(section, student_ids)| {
            let fetch = &fetch;
            async move {
                let students = fetch.members(&section.clever_id, student_ids).await;
                FetchedSection { section, students }
            }
        })
        .buffered(PER_SECTION_CONCURRENCY)
        .collect()
        .await;
    Ok(FetchedRoster { teacher, sections: fetched })
}

/// What one sync's section fetches share.
struct Fetch<'a> {
    clever: &'a CleverClient,
    token: &'a AccessToken,
    /// Every student of the teacher, by Clever id, when `mystudents` answered.
    directory: Option<&'a HashMap<String, CleverStudent>>,
    /// The teacher has exactly one class.
    only_class: bool,
}

impl Fetch<'_> {
    /// Who is in `section`, given the student ids it listed (`None`: it listed none).
    async fn members(
        &self,
        section: &CleverId,
        student_ids: Option<Vec<String>>,
    ) -> Result<Members, FetchError> {
        match student_ids {
            Some(ids) => self.listed(section, &ids).await.map(Members::Listed),
            None => self.unlisted(section).await,
        }
    }

    /// The students of a section that listed their ids.
    async fn listed(&self, section: &CleverId, ids: &[String]) -> Result<Vec<CleverStudent>, FetchError> {
        let known: Option<Vec<CleverStudent>> = match self.directory {
            Some(directory) => ids.iter().map(|id| directory.get(id).cloned()).collect(),
            None => None,
        };
        if let Some(students) = known {
            return Ok(students);
        }
        match self.section_students(section).await {
            Ok(students) => Ok(students),
            Err(e) if not_offered(&e) => self.one_by_one(ids).await,
            Err(e) => Err(fetch_error(e)),
        }
    }

    /// The students of a section sent without a member list.
    async fn unlisted(&self, section: &CleverId) -> Result<Members, FetchError> {
        match self.section_students(section).await {
            Ok(students) => Ok(Members::Listed(students)),
            Err(e) if not_offered(&e) => Ok(match (self.only_class, self.directory) {
                // All of a teacher's students are in their only class.
                (true, Some(directory)) => Members::Listed(directory.values().cloned().collect()),
                _ => {
                    tracing::debug!(%section, "Clever did not say who is in this section");
                    Members::Unknown
                }
            }),
            Err(e) => Err(fetch_error(e)),
        }
    }

    /// `/sections/{id}/users?role=student`, every page.
    async fn section_students(&self, section: &CleverId) -> Result<Vec<CleverStudent>, ClientError> {
        let users = self.clever.students_for_section(self.token, section.as_str()).collect_all().await?;
        users.into_iter().map(|u| clever_student(u).map_err(malformed)).collect()
    }

    /// Each student by id (`/users/{id}`), a few at a time: the last way to learn a listed
    /// student's name when the server offers neither `mystudents` nor the section's users.
    async fn one_by_one(&self, ids: &[String]) -> Result<Vec<CleverStudent>, FetchError> {
        let users: Vec<Result<clever_types::User, ClientError>> = futures::stream::iter(ids.to_vec())
            .map(|id| async move { self.clever.user(self.token, &id).await })
            .buffered(PER_SECTION_CONCURRENCY)
            .collect()
            .await;
        users.into_iter().map(|u| clever_student(u.map_err(fetch_error)?)).collect()
    }
}

/// A 404 from a path Clever documents but another server may not have.
fn not_offered(e: &ClientError) -> bool {
    matches!(e, ClientError::NotShared { status: 404, .. })
}

/// A Clever section and the student ids it lists (`None` when it lists none).
fn clever_section(s: clever_types::Section) -> Result<(CleverSection, Option<Vec<String>>), FetchError> {
    let teacher_ids = match s.teachers {
        Some(ids) => Some(ids.iter().map(|t| parse_id(t)).collect::<Result<_, _>>()?),
        None => None,
    };
    let section = CleverSection {
        clever_id: parse_id(&s.id)?,
        name: s.name,
        section_number: s.section_number,
        subject: s.subject.map(|v| v.as_str().to_owned()),
        grade: s.grade.map(|v| v.as_str().to_owned()),
        primary_teacher: s.teacher.as_deref().map(parse_id).transpose()?,
        teacher_ids,
    };
    Ok((section, s.students))
}

fn clever_student(u: clever_types::User) -> Result<CleverStudent, FetchError> {
    let name = u.name.unwrap_or_default();
    Ok(CleverStudent {
        clever_id: parse_id(&u.id)?,
        first_name: name.first,
        last_name: name.last,
        grade: u.roles.student.and_then(|s| s.grade).map(|g| g.as_str().to_owned()),
    })
}

fn parse_id(id: &str) -> Result<CleverId, FetchError> {
    CleverId::parse(id).map_err(|e| FetchError { kind: FetchErrorKind::Malformed, detail: e.to_string() })
}

fn malformed(e: FetchError) -> ClientError {
    ClientError::Malformed { detail: e.detail }
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

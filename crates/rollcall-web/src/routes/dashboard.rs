//! The dashboards and the teacher's section pages.

use axum::extract::Query;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use rollcall_core::SectionId;
use rollcall_store::{AccountRole, StoreError};
use serde::Deserialize;

use super::profile::SKIP_SCHOOL_COOKIE;
use crate::csrf::SignedInForm;
use crate::error::WebError;
use crate::pages::{AssignmentDraft, SectionPage, StudentPage, TeacherPage, render};
use crate::roles::{Hidden, Teacher};
use crate::session::CurrentUser;
use crate::state::AppState;

/// The dashboard's query: `?wait=1` when it reloads itself while a sync runs.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    wait: Option<String>,
}

/// How long a self-reloading dashboard waits for a running sync to end before it answers (and,
/// if the sync still runs, reloads again).
const SYNC_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// `GET /dashboard`: the teacher's classes or the student's.
///
/// While a sync of a teacher's classes runs (a login's, which runs behind this page, or any
/// other), the page says so and reloads itself at once to `?wait=1`, which answers when the
/// sync ends (or after [`SYNC_WAIT`]) by sending the browser back to `/dashboard`: the browser
/// keeps showing the page meanwhile, and shows the synced classes as soon as they are written,
/// with no script.
pub async fn dashboard(
    State(state): State<AppState>,
    current: CurrentUser,
    jar: CookieJar,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let store = state.store();
    let viewer = current.viewer();
    match current.user.role {
        AccountRole::Teacher => {
            let sync = state.sync();
            if query.wait.is_some() {
                // Once the sync has ended, the page is read afresh (the login's refresh may
                // have changed the account itself), at its own address.
                if sync.settle(current.user.id, SYNC_WAIT).await {
                    return Ok(Redirect::to("/dashboard").into_response());
                }
            }
            let syncing = sync.syncing(current.user.id).await;
            // A login's sync may have ended between reading the session and here, having found
            // the account a student's now: show what the account is, not what it was.
            if !syncing && store.user(current.user.id).await?.is_some_and(|u| u.role != AccountRole::Teacher)
            {
                return Ok(Redirect::to("/dashboard").into_response());
            }
            let ask_school =
                current.user.school.is_none() && jar.get(SKIP_SCHOOL_COOKIE.of(state.cookies())).is_none();
            let dashboard = store.teacher_dashboard(current.user.id, ask_school).await?;
            let (archived, sections) = dashboard.sections.into_iter().partition(|s| s.archived);
            let last_sync = dashboard.last_sync;
            let token_expired = dashboard.token_expires_at.is_none_or(|expires_at| expires_at <= state.now());
            let reconnect = token_expired || last_sync.as_ref().is_some_and(|r| r.needs_reconnect);
            let schools = dashboard.schools;
            let linked = current.user.clever_id.is_some();
            Ok(render(&TeacherPage {
                viewer,
                sections,
                archived,
                last_sync,
                reconnect,
                linked,
                ask_school,
                schools,
                syncing,
            }))
        }
        AccountRole::Student => {
            let sections = store.student_sections(current.user.id).await?;
            let (done, todo) = store
                .student_assignments(current.user.id)
                .await?
                .into_iter()
                .partition(|a| a.done_at.is_some());
            let rosters_unknown = store.any_roster_unknown().await?;
            Ok(render(&StudentPage { viewer, sections, rosters_unknown, todo, done }))
        }
        AccountRole::Staff | AccountRole::DistrictAdmin => Err(WebError::Forbidden),
    }
}

/// `GET /sections/{id}`: one of the teacher's sections with its students.
pub async fn section(
    State(state): State<AppState>,
    Hidden(Teacher(current)): Hidden<Teacher>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    section_page(&state, &current, SectionId(id), AssignmentDraft::default()).await
}

/// The section page, with the new-assignment form as given (empty, or refused and kept).
pub async fn section_page(
    state: &AppState,
    current: &CurrentUser,
    section: SectionId,
    draft: AssignmentDraft,
) -> Result<Response, WebError> {
    let roster = state.store().section_roster(current.user.id, section).await?.ok_or(WebError::NotFound)?;
    let assignments = state.store().section_assignments(current.user.id, section).await?;
    Ok(render(&SectionPage { viewer: current.viewer(), roster, assignments, draft }))
}

/// The rename form.
#[derive(Debug, Deserialize)]
pub struct RenameForm {
    display_name: String,
}

/// `POST /sections/{id}/name`: the teacher's own name for a class (empty restores Clever's).
pub async fn rename(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedInForm { user: Hidden(Teacher(current)), form }: SignedInForm<RenameForm, Hidden<Teacher>>,
) -> Result<Redirect, WebError> {
    let name = form.display_name.trim();
    let name = (!name.is_empty()).then(|| name.chars().take(120).collect::<String>());
    match state.store().set_display_name(current.user.id, SectionId(id), name.as_deref()).await {
        Ok(()) => Ok(Redirect::to(&format!("/sections/{id}"))),
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

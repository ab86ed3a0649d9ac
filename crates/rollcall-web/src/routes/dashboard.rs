//! The dashboards and the teacher's section pages.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Redirect, Response};
use rollcall_core::SectionId;
use rollcall_store::{AccountRole, StoreError};
use serde::Deserialize;

use crate::error::WebError;
use crate::pages::{SectionPage, StudentPage, TeacherPage, Viewer, render};
use crate::session::CurrentUser;
use crate::state::AppState;

/// `GET /dashboard`: the teacher's classes or the student's.
pub async fn dashboard(State(state): State<AppState>, current: CurrentUser) -> Result<Response, WebError> {
    let store = state.store();
    let viewer = Viewer::of(&current.user, &current.session.csrf_token);
    match current.user.role {
        AccountRole::Teacher => {
            let (archived, sections) =
                store.teacher_sections(current.user.id).await?.into_iter().partition(|s| s.archived);
            let last_sync = store.sync_runs(current.user.id, 1).await?.into_iter().next();
            let token_expired = match store.clever_token(current.user.id).await? {
                Some(token) => token.expires_at <= state.now(),
                None => true,
            };
            let reconnect = token_expired
                || last_sync
                    .as_ref()
                    .is_some_and(|r| r.problems.iter().any(|p| p.ends_with(rollcall_core::RECONNECT_ADVICE)));
            Ok(render(&TeacherPage { viewer, sections, archived, last_sync, reconnect }))
        }
        AccountRole::Student => {
            let sections = store.student_sections(current.user.id).await?;
            Ok(render(&StudentPage { viewer, sections }))
        }
        AccountRole::Staff | AccountRole::DistrictAdmin => Err(WebError::Forbidden),
    }
}

/// `GET /sections/{id}`: one of the teacher's sections with its students.
pub async fn section(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    if current.user.role != AccountRole::Teacher {
        return Err(WebError::NotFound);
    }
    let roster =
        state.store().section_roster(current.user.id, SectionId(id)).await?.ok_or(WebError::NotFound)?;
    let viewer = Viewer::of(&current.user, &current.session.csrf_token);
    Ok(render(&SectionPage { viewer, roster }))
}

/// The rename form.
#[derive(Debug, Deserialize)]
pub struct RenameForm {
    csrf: String,
    display_name: String,
}

/// `POST /sections/{id}/name`: the teacher's own name for a class (empty restores Clever's).
pub async fn rename(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<RenameForm>,
) -> Result<Redirect, WebError> {
    current.check_csrf(&form.csrf, &headers, &state)?;
    let name = form.display_name.trim();
    let name = (!name.is_empty()).then(|| name.chars().take(120).collect::<String>());
    match state.store().set_display_name(current.user.id, SectionId(id), name.as_deref()).await {
        Ok(()) => Ok(Redirect::to(&format!("/sections/{id}"))),
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

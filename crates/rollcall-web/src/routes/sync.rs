//! "Sync my classes" and the sync history.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use rollcall_store::SyncTrigger;

use crate::csrf::{NoFields, SignedInForm};
use crate::error::WebError;
use crate::pages::{HistoryPage, render};
use crate::roles::{Hidden, Teacher};
use crate::state::AppState;
use crate::sync::sync_teacher;

/// `POST /sync`: runs (or joins) a sync, then shows the dashboard with its report.
pub async fn sync_now(
    State(state): State<AppState>,
    SignedInForm { user: Teacher(current), .. }: SignedInForm<NoFields, Teacher>,
) -> Result<Redirect, WebError> {
    let Some(clever_id) = current.user.clever_id.clone() else {
        return Err(WebError::friendly(
            StatusCode::CONFLICT,
            "Clever is not linked",
            "Your classes come from Clever. Link your Clever account on your profile, then sync.",
            Some("/profile#clever"),
        ));
    };
    // Runs now, inline; then the background job (kept, or made anew) follows on from here.
    let outcome = sync_teacher(&state, current.user.id, clever_id, SyncTrigger::Button).await;
    // Another process syncing these classes is not waited for here: the dashboard says it is
    // running and shows its result when it ends.
    if outcome.in_progress {
        return Ok(Redirect::to("/dashboard"));
    }
    if !outcome.reconnect {
        state.sync().schedule_next(current.user.id).await;
    }
    Ok(Redirect::to("/dashboard"))
}

/// `GET /sync/history`.
pub async fn history(
    State(state): State<AppState>,
    Hidden(Teacher(current)): Hidden<Teacher>,
) -> Result<Response, WebError> {
    let runs = state.store().sync_runs(current.user.id, 50).await?;
    let viewer = current.viewer();
    Ok(render(&HistoryPage { viewer, runs }))
}

//! Classwork: a teacher posts an assignment to a section and sees who has done it; a student
//! marks it done (or not done) from their dashboard. The store checks who may do what in the
//! same statement as the write (a teacher of the section, a student enrolled in it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rollcall_core::{AssignmentId, SectionId};
use rollcall_store::{NewAssignment, StoreError};
use serde::Deserialize;

use super::dashboard::section_page;
use crate::csrf::SignedInForm;
use crate::error::WebError;
use crate::pages::{AssignmentDraft, AssignmentPage, render};
use crate::roles::{Hidden, Student, Teacher};
use crate::state::AppState;

/// The new-assignment form.
#[derive(Deserialize)]
pub struct AssignmentForm {
    title: String,
    #[serde(default)]
    instructions: String,
    #[serde(default)]
    due_on: String,
}

/// `POST /sections/{id}/assignments`. A refused form comes back with everything as typed.
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedInForm { user: Hidden(Teacher(current)), form }: SignedInForm<AssignmentForm, Hidden<Teacher>>,
) -> Result<Response, WebError> {
    let mut draft = AssignmentDraft {
        title: form.title.clone(),
        instructions: form.instructions.clone(),
        due_on: form.due_on.clone(),
        error: None,
    };
    let new = match parse(SectionId(id), &form) {
        Ok(new) => new,
        Err(message) => {
            draft.error = Some(message.to_owned());
            let page = section_page(&state, &current, SectionId(id), draft).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match state.store().create_assignment(current.user.id, &new, state.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/sections/{id}#assignments")).into_response()),
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Checks the form: a title of 1–200 characters, instructions up to 2,000, a real date or none.
fn parse(section: SectionId, form: &AssignmentForm) -> Result<NewAssignment, &'static str> {
    let title = form.title.trim();
    if title.is_empty() {
        return Err("Give the assignment a title.");
    }
    if title.chars().count() > 200 {
        return Err("Keep the title under 200 characters.");
    }
    let instructions = form.instructions.trim();
    if instructions.chars().count() > 2000 {
        return Err("Keep the instructions under 2,000 characters.");
    }
    let due_on = match form.due_on.trim() {
        "" => None,
        text => Some(
            time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| "Enter the due date as YYYY-MM-DD, or leave it empty.")?,
        ),
    };
    Ok(NewAssignment { section, title: title.to_owned(), instructions: instructions.to_owned(), due_on })
}

/// `GET /assignments/{id}`: who has done it (the section's teachers only).
pub async fn progress(
    State(state): State<AppState>,
    Hidden(Teacher(current)): Hidden<Teacher>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (assignment, rows) = state
        .store()
        .assignment_progress(current.user.id, AssignmentId(id))
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(render(&AssignmentPage { viewer: current.viewer(), assignment, rows }))
}

/// The done / not-done form.
#[derive(Deserialize)]
pub struct DoneForm {
    done: String,
}

/// `POST /assignments/{id}/done`: a student marks an assignment done (`done=1`) or not (`0`).
pub async fn set_done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedInForm { user: Hidden(Student(current)), form }: SignedInForm<DoneForm, Hidden<Student>>,
) -> Result<Redirect, WebError> {
    let done = form.done == "1";
    match state.store().set_done(current.user.id, AssignmentId(id), done, state.now()).await {
        Ok(()) => Ok(Redirect::to(&format!("/dashboard#assignment-{id}"))),
        Err(StoreError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(title: &str, due: &str) -> AssignmentForm {
        AssignmentForm { title: title.into(), instructions: " Read ch. 3 ".into(), due_on: due.into() }
    }

    #[test]
    fn assignments_need_a_title_and_a_real_date() {
        assert!(parse(SectionId(1), &form("  ", "")).is_err());
        assert!(parse(SectionId(1), &form("Essay", "2026-02-30")).is_err());
        assert!(parse(SectionId(1), &form(&"x".repeat(201), "")).is_err());
        let ok = parse(SectionId(1), &form(" Essay ", "2026-12-01")).unwrap();
        assert_eq!((ok.title.as_str(), ok.instructions.as_str()), ("Essay", "Read ch. 3"));
        assert_eq!(ok.due_on.map(|d| d.to_string()), Some("2026-12-01".to_owned()));
    }
}

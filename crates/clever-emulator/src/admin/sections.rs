//! `/__admin/sections`: create, rename and delete sections. Every change goes through `World`'s
//! section methods so the user → sections index stays consistent, and bumps `last_modified` so
//! a syncing app sees it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use clever_types::{Grade, Subject};
use serde::Deserialize;

use super::error::{AdminError, AdminResult, ErrorBody, no_section, parse_json, present};
use super::members::check_role;
use super::views::{SectionView, namespace, record_id, resolve_school};
use crate::model::{Role, SectionRec};
use crate::state::Emulator;

/// A section to create. The id is derived from `key` unless given.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSection {
    /// Unique key.
    pub key: String,
    /// Explicit id: 24 hex digits, or under `foreign-ids` a readable id.
    #[serde(default)]
    pub id: Option<String>,
    /// Name (need not be unique).
    pub name: String,
    /// School id or seed key.
    #[serde(default)]
    pub school: Option<String>,
    /// Subject (`math`, `science`, …).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub subject: Option<Subject>,
    /// Grade.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub grade: Option<Grade>,
    /// Period.
    #[serde(default)]
    pub period: Option<String>,
    /// Section number.
    #[serde(default)]
    pub section_number: Option<String>,
    /// Teacher user ids, primary first.
    #[serde(default)]
    pub teachers: Vec<String>,
    /// Student user ids.
    #[serde(default)]
    pub students: Vec<String>,
}

/// Changes to a section; absent fields stay, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionPatch {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Subject (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub subject: Option<Option<Subject>>,
    /// Grade (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub grade: Option<Option<Grade>>,
    /// Period (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub period: Option<Option<String>>,
    /// Section number (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub section_number: Option<Option<String>>,
}

/// Lists sections, sorted by id.
#[utoipa::path(get, path = "/__admin/sections", tag = "sections",
    responses((status = 200, body = Vec<SectionView>)))]
pub async fn list(State(emulator): State<Emulator>) -> Json<Vec<SectionView>> {
    Json(emulator.world().sections().values().map(SectionView::from).collect())
}

/// One section.
#[utoipa::path(get, path = "/__admin/sections/{id}", tag = "sections", params(("id" = String, Path)),
    responses((status = 200, body = SectionView), (status = 404, body = ErrorBody)))]
pub async fn get(State(emulator): State<Emulator>, Path(id): Path<String>) -> AdminResult<Json<SectionView>> {
    emulator.world().section(&id).map(|s| Json(s.into())).ok_or_else(|| no_section(&id))
}

/// Creates a section; teachers must hold the teacher role and students the student role.
#[utoipa::path(post, path = "/__admin/sections", tag = "sections", request_body = NewSection,
    responses((status = 201, body = SectionView), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(emulator): State<Emulator>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<SectionView>)> {
    let new: NewSection = parse_json(&body)?;
    let ns = namespace(&emulator);
    if new.key.trim().is_empty() {
        return Err(AdminError::unprocessable("key must not be empty"));
    }
    let ids = emulator.world().ids;
    let id = record_id(ids, &ns, "section", &new.key, new.id)?;
    let now = emulator.now();
    let mut world = emulator.world_mut();
    if world.section(&id).is_some() || world.sections().values().any(|s| s.key == new.key) {
        return Err(AdminError::conflict(format!(
            "a section with key {:?} or id {id:?} already exists",
            new.key
        )));
    }
    let school = resolve_school(&world, &ns, new.school.as_deref())?;
    for t in &new.teachers {
        check_role(&world, t, Role::Teacher).map_err(unprocessable_ref)?;
    }
    for s in &new.students {
        check_role(&world, s, Role::Student).map_err(unprocessable_ref)?;
    }
    let district = school
        .as_ref()
        .and_then(|s| world.schools.get(s))
        .map(|s| s.district.clone())
        .or_else(|| world.districts.keys().next().cloned())
        .ok_or_else(|| AdminError::unprocessable("the loaded district has no district record"))?;
    // Listing someone twice is harmless in a request body; a roster never holds duplicates.
    let (teachers, students) = (dedupe(new.teachers), dedupe(new.students));
    let section = SectionRec {
        id,
        district,
        school,
        key: new.key,
        name: new.name,
        section_number: new.section_number,
        period: new.period,
        subject: new.subject,
        grade: new.grade,
        sis_id: None,
        teachers,
        students,
        created: now,
        last_modified: now,
    };
    let view = SectionView::from(&section);
    world.put_section(section);
    Ok((StatusCode::CREATED, Json(view)))
}

fn dedupe(ids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// A member listed in a new section's body that does not exist is a bad body (422), not a
/// missing path resource (404).
fn unprocessable_ref(e: AdminError) -> AdminError {
    AdminError::unprocessable(e.message)
}

/// Renames or re-labels a section and bumps `last_modified` to the emulated now.
#[utoipa::path(patch, path = "/__admin/sections/{id}", tag = "sections", params(("id" = String, Path)),
    request_body = SectionPatch,
    responses((status = 200, body = SectionView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    body: Bytes,
) -> AdminResult<Json<SectionView>> {
    let patch: SectionPatch = parse_json(&body)?;
    let SectionPatch { name, subject, grade, period, section_number } = patch;
    if name.is_none() && subject.is_none() && grade.is_none() && period.is_none() && section_number.is_none()
    {
        return Err(AdminError::bad_request(
            "the patch changes nothing; send name, subject, grade, period or section_number",
        ));
    }
    let now = emulator.now();
    let mut world = emulator.world_mut();
    let found = world.update_section(&id, |s| {
        s.name = name.unwrap_or_else(|| s.name.clone());
        s.subject = subject.unwrap_or_else(|| s.subject.clone());
        s.grade = grade.unwrap_or_else(|| s.grade.clone());
        s.period = period.unwrap_or_else(|| s.period.clone());
        s.section_number = section_number.unwrap_or_else(|| s.section_number.clone());
        s.last_modified = now;
    });
    if !found {
        return Err(no_section(&id));
    }
    world.section(&id).map(|s| Json(s.into())).ok_or_else(|| no_section(&id))
}

/// Deletes a section (its members stay).
#[utoipa::path(delete, path = "/__admin/sections/{id}", tag = "sections", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(State(emulator): State<Emulator>, Path(id): Path<String>) -> AdminResult<StatusCode> {
    emulator.world_mut().remove_section(&id).ok_or_else(|| no_section(&id))?;
    Ok(StatusCode::NO_CONTENT)
}

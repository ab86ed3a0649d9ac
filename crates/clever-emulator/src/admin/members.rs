//! Section memberships: `PUT`/`DELETE /__admin/sections/{id}/students/{user_id}` and
//! `/teachers/{user_id}`, so a test can move a student and watch an app's sync follow.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;

use super::error::{AdminError, AdminResult, ErrorBody, no_section, no_user, parse_json};
use super::views::SectionView;
use crate::model::{Role, World};
use crate::state::Emulator;

/// Options for adding a teacher.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeacherOptions {
    /// Make this teacher the primary one (first in `teachers`).
    #[serde(default)]
    pub primary: bool,
}

/// Checks `user_id` exists (404) and holds `role` (422, naming the roles they do hold).
pub fn check_role(world: &World, user_id: &str, role: Role) -> AdminResult<()> {
    let user = world.users.get(user_id).ok_or_else(|| no_user(user_id))?;
    if user.has(role) {
        return Ok(());
    }
    let held: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    Err(AdminError::unprocessable(format!(
        "user {:?} ({user_id}) is a {}, not a {}; only users with the {} role can be a section's {}s",
        user.key,
        held.join(" and "),
        role.as_str(),
        role.as_str(),
        role.as_str(),
    )))
}

/// Applies a membership change, bumping `last_modified` only when something changed.
fn change(
    emulator: &Emulator,
    section_id: &str,
    user_id: &str,
    role: Option<Role>,
    edit: impl FnOnce(&mut Vec<String>, &mut Vec<String>) -> bool,
) -> AdminResult<Json<SectionView>> {
    let now = emulator.now();
    let mut world = emulator.world_mut();
    let section = world.section(section_id).ok_or_else(|| no_section(section_id))?;
    let (mut teachers, mut students) = (section.teachers.clone(), section.students.clone());
    if let Some(role) = role {
        check_role(&world, user_id, role)?;
    }
    if edit(&mut teachers, &mut students) {
        world.update_section(section_id, |s| {
            s.teachers = teachers;
            s.students = students;
            s.last_modified = now;
        });
    }
    world.section(section_id).map(|s| Json(s.into())).ok_or_else(|| no_section(section_id))
}

/// Enrolls a student (no-op if already enrolled).
#[utoipa::path(put, path = "/__admin/sections/{id}/students/{user_id}", tag = "sections",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = SectionView), (status = 404, body = ErrorBody),
        (status = 422, description = "Not a student", body = ErrorBody)))]
pub async fn put_student(
    State(emulator): State<Emulator>,
    Path((id, user_id)): Path<(String, String)>,
) -> AdminResult<Json<SectionView>> {
    change(&emulator, &id, &user_id, Some(Role::Student), |_, students| {
        let add = !students.contains(&user_id);
        if add {
            students.push(user_id.clone());
        }
        add
    })
}

/// Removes a student from the section.
#[utoipa::path(delete, path = "/__admin/sections/{id}/students/{user_id}", tag = "sections",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = SectionView), (status = 404, body = ErrorBody)))]
pub async fn delete_student(
    State(emulator): State<Emulator>,
    Path((id, user_id)): Path<(String, String)>,
) -> AdminResult<Json<SectionView>> {
    let mut member = false;
    let view = change(&emulator, &id, &user_id, None, |_, students| {
        member = students.contains(&user_id);
        students.retain(|s| s != &user_id);
        member
    })?;
    if !member {
        return Err(AdminError::not_found(format!("user {user_id:?} is not a student of section {id:?}")));
    }
    Ok(view)
}

/// Adds a teacher; `{"primary": true}` puts them first (the section's `teacher`).
#[utoipa::path(put, path = "/__admin/sections/{id}/teachers/{user_id}", tag = "sections",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body(content = Option<TeacherOptions>, description = "Optional; empty body means not primary"),
    responses((status = 200, body = SectionView), (status = 404, body = ErrorBody),
        (status = 422, description = "Not a teacher", body = ErrorBody)))]
pub async fn put_teacher(
    State(emulator): State<Emulator>,
    Path((id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> AdminResult<Json<SectionView>> {
    let options: TeacherOptions = parse_json(&body)?;
    change(&emulator, &id, &user_id, Some(Role::Teacher), |teachers, _| {
        let before = teachers.clone();
        if options.primary {
            teachers.retain(|t| t != &user_id);
            teachers.insert(0, user_id.clone());
        } else if !teachers.contains(&user_id) {
            teachers.push(user_id.clone());
        }
        *teachers != before
    })
}

/// Removes a teacher from the section (the next one, if any, becomes primary).
#[utoipa::path(delete, path = "/__admin/sections/{id}/teachers/{user_id}", tag = "sections",
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = SectionView), (status = 404, body = ErrorBody)))]
pub async fn delete_teacher(
    State(emulator): State<Emulator>,
    Path((id, user_id)): Path<(String, String)>,
) -> AdminResult<Json<SectionView>> {
    let mut member = false;
    let view = change(&emulator, &id, &user_id, None, |teachers, _| {
        member = teachers.contains(&user_id);
        teachers.retain(|t| t != &user_id);
        member
    })?;
    if !member {
        return Err(AdminError::not_found(format!("user {user_id:?} is not a teacher of section {id:?}")));
    }
    Ok(view)
}

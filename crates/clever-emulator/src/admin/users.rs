//! `/__admin/users`: list, create, patch and delete people, so a test can change the roster and
//! watch an app pick the change up.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use clever_types::Grade;
use serde::Deserialize;

use super::error::{AdminError, AdminResult, ErrorBody, no_user, parse_json, present};
use super::views::{UserView, namespace, record_id, resolve_school};
use crate::model::{PersonName, Role, UserRec, check_roles};
use crate::state::Emulator;

/// Filters for `GET /__admin/users`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    /// Only users holding this role (`teacher`, `student`, `staff`, `district_admin`).
    pub role: Option<String>,
    /// Case-insensitive substring of the id, key, name or email.
    pub q: Option<String>,
}

/// A user to create. The id is derived from `key` (like a seed record) unless given.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Unique key (shown on the login page).
    pub key: String,
    /// Explicit id: 24 hex digits, or under `foreign-ids` a readable id.
    #[serde(default)]
    pub id: Option<String>,
    /// One role (shorthand for `roles: [role]`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    /// Roles; a student holds no other role.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
    /// Given name.
    pub first: String,
    /// Middle name.
    #[serde(default)]
    pub middle: Option<String>,
    /// Family name.
    pub last: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// School id (or seed key).
    #[serde(default)]
    pub school: Option<String>,
    /// Student grade (`"4"`, `"Kindergarten"`, …).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub grade: Option<Grade>,
    /// Job title.
    #[serde(default)]
    pub title: Option<String>,
    /// SIS id.
    #[serde(default)]
    pub sis_id: Option<String>,
}

/// Changes to a user; absent fields stay, `null` clears an optional one.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// Given name.
    #[serde(default)]
    pub first: Option<String>,
    /// Middle name (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub middle: Option<Option<String>>,
    /// Family name.
    #[serde(default)]
    pub last: Option<String>,
    /// Email (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    /// School id or seed key.
    #[serde(default)]
    pub school: Option<String>,
    /// Student grade (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub grade: Option<Option<Grade>>,
    /// Job title (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub title: Option<Option<String>>,
    /// SIS id (`null` clears).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub sis_id: Option<Option<String>>,
}

/// Lists users, sorted by id.
#[utoipa::path(get, path = "/__admin/users", tag = "users", params(UserQuery),
    responses((status = 200, body = Vec<UserView>), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(emulator): State<Emulator>,
    Query(query): Query<UserQuery>,
) -> AdminResult<Json<Vec<UserView>>> {
    let role = query
        .role
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|r| serde_json::from_value::<Role>(serde_json::Value::from(r)))
        .transpose()
        .map_err(|_| AdminError::bad_request("role must be teacher, student, staff or district_admin"))?;
    let q = query.q.map(|q| q.to_lowercase());
    let world = emulator.world();
    let matches = |u: &UserRec| {
        q.as_deref().is_none_or(|q| {
            [u.id.as_str(), &u.key, &u.name.first, &u.name.last, u.email.as_deref().unwrap_or_default()]
                .iter()
                .any(|field| field.to_lowercase().contains(q))
        })
    };
    let users = world
        .users
        .values()
        .filter(|u| role.is_none_or(|r| u.has(r)) && matches(u))
        .map(|u| UserView::of(&world, u))
        .collect();
    Ok(Json(users))
}

/// One user, with the sections they teach or attend.
#[utoipa::path(get, path = "/__admin/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn get(State(emulator): State<Emulator>, Path(id): Path<String>) -> AdminResult<Json<UserView>> {
    let world = emulator.world();
    let user = world.users.get(&id).ok_or_else(|| no_user(&id))?;
    Ok(Json(UserView::of(&world, user)))
}

/// Creates a user.
#[utoipa::path(post, path = "/__admin/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody),
        (status = 409, description = "Key or id taken", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(emulator): State<Emulator>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<UserView>)> {
    let new: NewUser = parse_json(&body)?;
    let ns = namespace(&emulator);
    let roles: BTreeSet<Role> = new.roles.iter().copied().chain(new.role).collect();
    let bad = |m: String| Err(AdminError::unprocessable(m));
    if new.key.trim().is_empty() {
        return bad("key must not be empty".into());
    }
    if roles.is_empty() {
        return bad("give the user a role: \"role\": \"teacher\" (or student, staff, district_admin)".into());
    }
    check_roles(&roles).map_err(AdminError::unprocessable)?;
    if new.grade.is_some() && !roles.contains(&Role::Student) {
        return bad("only students have a grade".into());
    }
    let ids = emulator.world().ids;
    let id = record_id(ids, &ns, "user", &new.key, new.id)?;
    let now = emulator.now();
    let mut world = emulator.world_mut();
    if world.users.contains_key(&id) {
        return Err(AdminError::conflict(format!("a user with id {id:?} already exists")));
    }
    if world.users.values().any(|u| u.key == new.key) {
        return Err(AdminError::conflict(format!("a user with key {:?} already exists", new.key)));
    }
    let school = resolve_school(&world, &ns, new.school.as_deref())?;
    let district = school
        .as_ref()
        .and_then(|s| world.schools.get(s))
        .map(|s| s.district.clone())
        .or_else(|| world.districts.keys().next().cloned())
        .ok_or_else(|| AdminError::unprocessable("the loaded district has no district record"))?;
    let user = UserRec {
        id: id.clone(),
        district,
        key: new.key,
        name: PersonName { first: new.first, middle: new.middle, last: new.last },
        email: new.email,
        roles,
        school,
        grade: new.grade,
        sis_id: new.sis_id,
        number: None,
        title: new.title,
        created: now,
        last_modified: now,
    };
    let view = UserView::of(&world, &user);
    world.users.insert(id, user);
    Ok((StatusCode::CREATED, Json(view)))
}

/// Changes a user and bumps `last_modified` to the emulated now.
#[utoipa::path(patch, path = "/__admin/users/{id}", tag = "users", params(("id" = String, Path)),
    request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
    body: Bytes,
) -> AdminResult<Json<UserView>> {
    let patch: UserPatch = parse_json(&body)?;
    let ns = namespace(&emulator);
    let now = emulator.now();
    let mut world = emulator.world_mut();
    let school = resolve_school(&world, &ns, patch.school.as_deref())?;
    let user = world.users.get_mut(&id).ok_or_else(|| no_user(&id))?;
    if matches!(patch.grade, Some(Some(_))) && !user.has(Role::Student) {
        return Err(AdminError::unprocessable("only students have a grade"));
    }
    let UserPatch { first, middle, last, email, school: _, grade, title, sis_id } = patch;
    let changed = [first.is_some(), middle.is_some(), last.is_some(), email.is_some(), school.is_some()]
        .into_iter()
        .chain([grade.is_some(), title.is_some(), sis_id.is_some()])
        .any(|c| c);
    if !changed {
        return Err(AdminError::bad_request(
            "the patch changes nothing; send first, middle, last, email, school, grade, title or sis_id",
        ));
    }
    user.name.first = first.unwrap_or_else(|| user.name.first.clone());
    user.name.last = last.unwrap_or_else(|| user.name.last.clone());
    user.name.middle = middle.unwrap_or_else(|| user.name.middle.clone());
    user.email = email.unwrap_or_else(|| user.email.clone());
    user.school = school.or_else(|| user.school.clone());
    user.grade = grade.unwrap_or_else(|| user.grade.clone());
    user.title = title.unwrap_or_else(|| user.title.clone());
    user.sis_id = sis_id.unwrap_or_else(|| user.sis_id.clone());
    user.last_modified = now;
    let user = user.clone();
    Ok(Json(UserView::of(&world, &user)))
}

/// Deletes a user and every section membership they had.
#[utoipa::path(delete, path = "/__admin/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
pub async fn delete(State(emulator): State<Emulator>, Path(id): Path<String>) -> AdminResult<StatusCode> {
    let now = emulator.now();
    let mut world = emulator.world_mut();
    let sections: Vec<String> = world.section_ids_of(&id).cloned().collect();
    world.remove_user(&id).ok_or_else(|| no_user(&id))?;
    // The rosters changed, so a syncing app must see those sections as modified.
    for section in sections {
        world.update_section(&section, |s| s.last_modified = now);
    }
    Ok(StatusCode::NO_CONTENT)
}

//! `/__admin/authorizations`: which teachers have authorized which Library apps. An authorization
//! is what a teacher's Allow on the consent page, an Install in the portal Library or a seed's
//! `[[installs]]` records; with it the teacher's logins and their students' go straight through
//! (see [`crate::oauth::grant`]). Revoking one makes the teacher see the consent page again.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::{AdminError, AdminResult, ErrorBody, no_app, no_user};
use crate::model::{AppKind, Role};
use crate::state::Emulator;

/// One teacher's authorization of one Library app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Authorization {
    /// The app's client id.
    pub app: String,
    /// The teacher's user id.
    pub teacher: String,
}

/// Filters for `GET /__admin/authorizations`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuthorizationQuery {
    /// Only this app's authorizations.
    pub app: Option<String>,
    /// Only this teacher's authorizations.
    pub teacher: Option<String>,
}

/// Lists authorizations, sorted by app and then teacher id.
#[utoipa::path(get, path = "/__admin/authorizations", tag = "authorizations", params(AuthorizationQuery),
    responses((status = 200, body = Vec<Authorization>)))]
pub async fn list(
    State(emulator): State<Emulator>,
    Query(query): Query<AuthorizationQuery>,
) -> Json<Vec<Authorization>> {
    let world = emulator.world();
    let list = world
        .installs
        .iter()
        .filter(|(app, teacher)| {
            query.app.as_ref().is_none_or(|a| a == app) && query.teacher.as_ref().is_none_or(|t| t == teacher)
        })
        .map(|(app, teacher)| Authorization { app: app.clone(), teacher: teacher.clone() })
        .collect();
    Json(list)
}

/// Records that a teacher authorized a Library app, as an Allow on the consent page would
/// (idempotent).
#[utoipa::path(put, path = "/__admin/authorizations/{client_id}/{user_id}", tag = "authorizations",
    params(("client_id" = String, Path), ("user_id" = String, Path, description = "A teacher's id")),
    responses((status = 200, body = Authorization), (status = 404, body = ErrorBody),
        (status = 422, description = "Not a teacher, or not a Library app", body = ErrorBody)))]
pub async fn put(
    State(emulator): State<Emulator>,
    Path((client_id, user_id)): Path<(String, String)>,
) -> AdminResult<Json<Authorization>> {
    let mut world = emulator.world_mut();
    let app = world.apps.get(&client_id).ok_or_else(|| no_app(&client_id))?;
    if app.kind != AppKind::Library {
        return Err(AdminError::unprocessable(format!(
            "{client_id:?} is a district app; districts authorize those (the seed's `districts`), \
             not teachers"
        )));
    }
    let user = world.users.get(&user_id).ok_or_else(|| no_user(&user_id))?;
    if !user.has(Role::Teacher) {
        return Err(AdminError::unprocessable(format!(
            "user {:?} ({user_id}) is not a teacher; only teachers authorize Library apps",
            user.key
        )));
    }
    world.installs.insert((client_id.clone(), user_id.clone()));
    Ok(Json(Authorization { app: client_id, teacher: user_id }))
}

/// Revokes a teacher's authorization: the teacher sees the consent page again, and students who
/// had the app only through this teacher are stopped again.
#[utoipa::path(delete, path = "/__admin/authorizations/{client_id}/{user_id}", tag = "authorizations",
    params(("client_id" = String, Path), ("user_id" = String, Path, description = "A teacher's id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(emulator): State<Emulator>,
    Path((client_id, user_id)): Path<(String, String)>,
) -> AdminResult<StatusCode> {
    let removed = emulator.world_mut().installs.remove(&(client_id.clone(), user_id.clone()));
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::not_found(format!(
            "teacher {user_id:?} has not authorized {client_id:?}; list them with GET /__admin/authorizations"
        )))
    }
}

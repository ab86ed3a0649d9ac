//! The admin API's OpenAPI document and index page.

use axum::Json;
use serde::Serialize;
use utoipa::OpenApi;

use super::{apps, authorizations, credentials, members, ops, profiles, sections, users, world};

/// The OpenAPI description of every `/__admin` endpoint.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clever emulator admin API",
        description = "Scripts the emulator from tests: load data, mint credentials, move the clock, \
                       inject faults, read the request journal. Unauthenticated by design (like \
                       WireMock's): never expose it to the internet."
    ),
    paths(
        world::health,
        world::reset,
        world::get_seed,
        world::put_seed,
        world::post_generate,
        profiles::get,
        profiles::put,
        users::list,
        users::get,
        users::create,
        users::patch,
        users::delete,
        sections::list,
        sections::get,
        sections::create,
        sections::patch,
        sections::delete,
        members::put_student,
        members::delete_student,
        members::put_teacher,
        members::delete_teacher,
        apps::list,
        apps::create,
        authorizations::list,
        authorizations::put,
        authorizations::delete,
        credentials::mint_token,
        credentials::list_tokens,
        credentials::mint_codes,
        credentials::list_codes,
        credentials::queue_login,
        credentials::list_logins,
        credentials::clear_logins,
        ops::journal,
        ops::clear_journal,
        ops::get_clock,
        ops::advance_clock,
        ops::list_faults,
        ops::add_fault,
        ops::delete_fault,
        ops::clear_faults,
        openapi_json,
        index,
    ),
    components(schemas(super::error::ErrorBody, crate::faults::BodyFault))
)]
pub struct AdminApi;

/// The OpenAPI document.
#[utoipa::path(get, path = "/__admin/openapi.json", tag = "docs",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(AdminApi::openapi())
}

/// The index: where the docs are and every endpoint, generated from the OpenAPI document so it
/// never drifts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Index {
    /// What this is.
    pub name: &'static str,
    /// A reminder that the admin API is unauthenticated.
    pub warning: &'static str,
    /// Path of the OpenAPI document.
    pub openapi: &'static str,
    /// `METHOD /path` of every endpoint.
    pub endpoints: Vec<String>,
}

/// Lists the admin endpoints.
#[utoipa::path(get, path = "/__admin", tag = "docs", responses((status = 200, body = Index)))]
pub async fn index() -> Json<Index> {
    let doc = AdminApi::openapi();
    let mut endpoints = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        endpoints.extend(methods.iter().filter(|(_, has)| *has).map(|(m, _)| format!("{m} {path}")));
    }
    Json(Index {
        name: "Clever emulator admin API",
        warning: "unauthenticated by design: bind the emulator to localhost or a private network only",
        openapi: "/__admin/openapi.json",
        endpoints,
    })
}

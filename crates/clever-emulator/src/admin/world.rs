//! Whole-world endpoints: health, reset, loading a seed and generating a district.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;

use super::error::{AdminError, AdminResult, ErrorBody, parse_json};
use super::export::world_to_seed;
use crate::generate::GenerateSpec;
use crate::seed::{Seed, SeedError};
use crate::state::Emulator;

/// Liveness plus the size of the loaded district (for compose `depends_on` health checks).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `broken` (with status 503) after a request handler panicked, until a reset.
    pub status: &'static str,
    /// Number of districts.
    pub districts: usize,
    /// Number of schools.
    pub schools: usize,
    /// Number of users of every role.
    pub users: usize,
    /// Number of sections.
    pub sections: usize,
    /// Number of registered apps.
    pub apps: usize,
}

pub(super) fn health_of(emulator: &Emulator) -> Health {
    let world = emulator.world();
    Health {
        status: if emulator.is_broken() { "broken" } else { "ok" },
        districts: world.districts.len(),
        schools: world.schools.len(),
        users: world.users.len(),
        sections: world.sections().len(),
        apps: world.apps.len(),
    }
}

/// Is the emulator up, and how big is its district?
#[utoipa::path(get, path = "/__admin/health", tag = "world",
    responses((status = 200, description = "Up", body = Health),
        (status = 503, description = "A request handler panicked; POST /__admin/reset", body = Health)))]
pub async fn health(State(emulator): State<Emulator>) -> (StatusCode, Json<Health>) {
    let status = if emulator.is_broken() { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    (status, Json(health_of(&emulator)))
}

/// Back to the loaded seed or generated district and its profiles (the configured ones plus the
/// seed's): data, authorizations, codes, tokens, sessions, the next-login queue, journal, faults
/// and the clock offset all start fresh.
#[utoipa::path(post, path = "/__admin/reset", tag = "world",
    responses((status = 200, description = "Reset", body = Health)))]
pub async fn reset(State(emulator): State<Emulator>) -> AdminResult<Json<Health>> {
    emulator.reset().map_err(seed_error)?;
    Ok(Json(health_of(&emulator)))
}

/// The loaded seed as JSON; a generated district is exported as a seed that rebuilds it with the
/// same ids (keep it as a file). It includes client secrets, as the seed file itself does.
#[utoipa::path(get, path = "/__admin/seed", tag = "world",
    responses((status = 200, description = "The seed", body = Object)))]
pub async fn get_seed(State(emulator): State<Emulator>) -> Json<Seed> {
    Json(match emulator.seed() {
        Some(seed) => seed,
        // Generated ids come from the generator's namespace; exporting under another namespace
        // writes every id explicitly, which rebuilds the same world.
        None => world_to_seed(&emulator.generated_world().unwrap_or_default(), "exported"),
    })
}

/// Replaces the seed (JSON, or TOML with `Content-Type: application/toml`) and resets
/// everything to it.
#[utoipa::path(put, path = "/__admin/seed", tag = "world",
    request_body(content = Object, description = "A seed file as JSON or TOML (see the crate README)",
        content_type = "application/json"),
    responses(
        (status = 200, description = "Loaded", body = Health),
        (status = 400, description = "Not valid JSON/TOML for the seed format", body = ErrorBody),
        (status = 422, description = "Inconsistent seed; the message names the record", body = ErrorBody)))]
pub async fn put_seed(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    body: Bytes,
) -> AdminResult<Json<Health>> {
    let text =
        std::str::from_utf8(&body).map_err(|_| AdminError::bad_request("the seed must be UTF-8 text"))?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let seed = if content_type.contains("toml") {
        Seed::from_toml(text)
    } else if content_type.contains("json") {
        Seed::from_json(text)
    } else {
        Seed::parse(text)
    }
    .map_err(seed_error)?;
    emulator.load_seed(seed).map_err(seed_error)?;
    Ok(Json(health_of(&emulator)))
}

/// Generates a district (see `GenerateSpec`; `{}` gives the defaults) and loads it like a seed;
/// `reset` generates it again (same ids and rosters).
#[utoipa::path(post, path = "/__admin/generate", tag = "world",
    request_body = GenerateSpec,
    responses(
        (status = 200, description = "Loaded", body = Health),
        (status = 400, description = "Malformed spec", body = ErrorBody),
        (status = 422, description = "Impossible spec; the message says what to change", body = ErrorBody)))]
pub async fn post_generate(State(emulator): State<Emulator>, body: Bytes) -> AdminResult<Json<Health>> {
    let spec: GenerateSpec = parse_json(&body)?;
    spec.check_bounds().map_err(|e| AdminError::bad_request(e.0))?;
    emulator.load_generated(spec).map_err(|e| AdminError::unprocessable(e.0))?;
    Ok(Json(health_of(&emulator)))
}

/// Syntax errors are the caller's malformed input (400); everything else is a consistency rule
/// (422) whose message already names the record to fix.
fn seed_error(e: SeedError) -> AdminError {
    match e {
        SeedError::Syntax { .. } => AdminError::bad_request(e.to_string()),
        _ => AdminError::unprocessable(e.to_string()),
    }
}

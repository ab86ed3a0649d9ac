//! `/__admin/profiles`: which Clever-compatible server the emulator answers as (see
//! [`crate::profile`]). Set at runtime they last until the next reset or seed load, which return
//! to the configured profiles plus the seed's.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::error::{AdminError, AdminResult, ErrorBody, parse_json};
use crate::profile::{Profile, Profiles};
use crate::state::Emulator;

/// The profiles in force, in the README table's order; empty is strict Clever.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileList {
    /// Profile names, e.g. `["no-member-lists", "legacy-me"]`.
    pub profiles: Vec<String>,
}

fn list_of(profiles: &Profiles) -> ProfileList {
    ProfileList { profiles: profiles.iter().map(|p| p.as_str().to_owned()).collect() }
}

/// The profiles in force.
#[utoipa::path(get, path = "/__admin/profiles", tag = "profiles",
    responses((status = 200, body = ProfileList)))]
pub async fn get(State(emulator): State<Emulator>) -> Json<ProfileList> {
    Json(list_of(&emulator.profiles()))
}

/// Replaces the profiles in force. Each takes effect with the next request, except that turning
/// `foreign-ids` on or off rebuilds the district with the other kind of ids, which is a reset.
#[utoipa::path(put, path = "/__admin/profiles", tag = "profiles", request_body = ProfileList,
    responses((status = 200, body = ProfileList),
        (status = 400,
            description = "Malformed body or unknown profile name (the message lists the known ones)",
            body = ErrorBody),
        (status = 422, description = "The seed cannot be built with readable ids", body = ErrorBody)))]
pub async fn put(State(emulator): State<Emulator>, body: Bytes) -> AdminResult<Json<ProfileList>> {
    let request: ProfileList = parse_json(&body)?;
    let profiles = request
        .profiles
        .iter()
        .map(|name| name.parse::<Profile>())
        .collect::<Result<Profiles, _>>()
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    emulator.set_profiles(profiles).map_err(|e| AdminError::unprocessable(e.to_string()))?;
    Ok(Json(list_of(&emulator.profiles())))
}

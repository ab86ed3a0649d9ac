//! The admin API under `/__admin`: scripts the emulator from tests, like WireMock's `/__admin`
//! or LocalStack's `/_localstack` (reset, seed, profiles, entities, authorizations, credentials,
//! next login, journal, clock, faults). JSON in and out; errors are `{"error": "<what to fix>"}`.
//!
//! **Never expose the admin API to the internet.** It is unauthenticated by design, as
//! WireMock's is: anyone who can reach it can mint tokens for any user. Bind the emulator to
//! localhost or a private test network.
//!
//! Admin requests are neither journaled nor faulted (both middlewares skip `/__admin`), so a
//! test's own setup never shows up in the journal it asserts on. See `ADMIN.md` for examples.

mod apps;
mod authorizations;
mod credentials;
mod docs;
mod error;
mod export;
mod members;
mod ops;
mod profiles;
mod sections;
mod users;
mod views;
mod world;

use axum::Router;
use axum::routing::{get, put};

pub use docs::AdminApi;
pub use error::{AdminError, ErrorBody};
pub use export::world_to_seed;

use crate::state::Emulator;

/// The admin routes (merged into the main router by `server::router`).
pub fn routes() -> Router<Emulator> {
    Router::new()
        .route("/__admin", get(docs::index))
        .route("/__admin/openapi.json", get(docs::openapi_json))
        .route("/__admin/health", get(world::health))
        .route("/__admin/reset", axum::routing::post(world::reset))
        .route("/__admin/seed", get(world::get_seed).put(world::put_seed))
        .route("/__admin/generate", axum::routing::post(world::post_generate))
        .route("/__admin/profiles", get(profiles::get).put(profiles::put))
        .route("/__admin/users", get(users::list).post(users::create))
        .route("/__admin/users/{id}", get(users::get).patch(users::patch).delete(users::delete))
        .route("/__admin/sections", get(sections::list).post(sections::create))
        .route("/__admin/sections/{id}", get(sections::get).patch(sections::patch).delete(sections::delete))
        .route(
            "/__admin/sections/{id}/students/{user_id}",
            put(members::put_student).delete(members::delete_student),
        )
        .route(
            "/__admin/sections/{id}/teachers/{user_id}",
            put(members::put_teacher).delete(members::delete_teacher),
        )
        .route("/__admin/apps", get(apps::list).post(apps::create))
        .route("/__admin/authorizations", get(authorizations::list))
        .route(
            "/__admin/authorizations/{client_id}/{user_id}",
            put(authorizations::put).delete(authorizations::delete),
        )
        .route("/__admin/tokens", get(credentials::list_tokens).post(credentials::mint_token))
        .route("/__admin/codes", get(credentials::list_codes).post(credentials::mint_codes))
        .route(
            "/__admin/next-login",
            get(credentials::list_logins).post(credentials::queue_login).delete(credentials::clear_logins),
        )
        .route("/__admin/journal", get(ops::journal).delete(ops::clear_journal))
        .route("/__admin/clock", get(ops::get_clock).post(ops::advance_clock))
        .route("/__admin/faults", get(ops::list_faults).post(ops::add_fault).delete(ops::clear_faults))
        .route("/__admin/faults/{id}", axum::routing::delete(ops::delete_fault))
}

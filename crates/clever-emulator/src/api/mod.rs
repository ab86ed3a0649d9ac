//! Clever's identity endpoints and Data API (v3.0 and v3.1), with Library ("teacher-shared") and
//! district-shared scope enforced on every record.
//!
//! - `auth`: bearer token and rate limit, on every route;
//! - `scope`: which token may read which record, and how much of it;
//! - `views`: record → wire type at that scope;
//! - `wire`: the profiles' changes to every answer, in one place;
//! - `pagination`: Clever's cursor paging and links;
//! - `me`, `users`, `sections`: the routes.

pub mod auth;
pub mod me;
pub mod pagination;
pub mod scope;
pub mod sections;
pub mod users;
pub mod views;
pub mod wire;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clever_types::{ListEnvelope, ListItem, Section, User};

use self::auth::Version;
use self::pagination::ListQuery;
use self::scope::{SectionView, UserView};
use self::wire::Wire;
use crate::error::ApiError;
use crate::model::{SectionRec, UserRec};
use crate::state::Emulator;

/// The api routes: `/userinfo`, and `/me` plus the Data API under both `/v3.0` and `/v3.1`.
/// `/me` without a prefix answers as `/v3.0/me` does: that answer's `self` link is `/me`, and
/// third-party clients call it.
pub fn routes() -> Router<Emulator> {
    let mut router = Router::new().route("/userinfo", get(me::userinfo)).route("/me", get(me::me));
    for version in [Version::V30, Version::V31] {
        let p = version.prefix();
        router = router
            .route(&format!("{p}/me"), get(me::me))
            .route(&format!("{p}/users"), get(users::list))
            .route(&format!("{p}/users/{{id}}"), get(users::one))
            .route(&format!("{p}/users/{{id}}/sections"), get(users::sections))
            .route(&format!("{p}/users/{{id}}/mystudents"), get(users::my_students))
            .route(&format!("{p}/users/{{id}}/myteachers"), get(users::my_teachers))
            .route(&format!("{p}/sections"), get(sections::list))
            .route(&format!("{p}/sections/{{id}}"), get(sections::one))
            .route(&format!("{p}/sections/{{id}}/users"), get(sections::users))
            .route(&format!("{p}/districts/{{id}}"), get(sections::district))
            // Any other path under the API prefix is Clever's JSON 404, not an empty body.
            .route(&format!("{p}/{{*rest}}"), get(not_found))
    }
    router
}

async fn not_found() -> Response {
    ApiError::not_found().into_response()
}

/// One page of the users among `candidates` (sorted by ascending id) that `keep` resolves to a
/// record in the caller's scope, each with the view the caller may see.
fn users_page<'c, 'w, C>(
    query: &ListQuery,
    candidates: &'c [C],
    id: impl Fn(&C) -> &str,
    keep: impl FnMut(&'c C) -> Option<(&'w UserRec, UserView)>,
    wire: &Wire,
) -> ListEnvelope<User> {
    let (users, links) = query.page(candidates, id, keep);
    let data = users
        .into_iter()
        .map(|(u, view)| ListItem {
            data: wire.user(u, view),
            uri: Some(format!("{}/users/{}", wire.version().prefix(), u.id)),
        })
        .collect();
    ListEnvelope { data, links }
}

/// One page of the sections among `candidates` (sorted by ascending id) that `keep` finds in the
/// caller's scope.
fn sections_page<'c, 'w, C>(
    query: &ListQuery,
    candidates: &'c [C],
    id: impl Fn(&C) -> &str,
    keep: impl FnMut(&'c C) -> Option<(&'w SectionRec, SectionView)>,
    wire: &Wire,
) -> ListEnvelope<Section> {
    let (sections, links) = query.page(candidates, id, keep);
    let data = sections
        .into_iter()
        .map(|(s, view)| ListItem {
            data: wire.section(s, view),
            uri: Some(format!("{}/sections/{}", wire.version().prefix(), s.id)),
        })
        .collect();
    ListEnvelope { data, links }
}

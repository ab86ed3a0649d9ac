//! `/me`, `/v3.x/me` and `/userinfo`: who the token belongs to. Both are hot paths (apps call `/me` on
//! every login), so they hold the world lock only to copy a few strings.

use axum::extract::State;
use axum::response::Response;
use clever_types::{Envelope, Link, LinkRel, MeData, MeResponse, Name, UserInfo};

use super::auth::Caller;
use super::scope::Viewer;
use super::wire::Wire;
use crate::error::ApiError;
use crate::model::Role;
use crate::state::Emulator;

/// `GET /v3.0/me` (and `/v3.1/me`, and `/me`): the user id, and the district only for
/// district-shared users.
///
/// A district-app token has no user; it gets `type: "district"` and its district id, which is
/// what Clever's `/me` answers for a district token.
pub async fn me(State(emulator): State<Emulator>, caller: Caller) -> Response {
    let result = {
        let world = emulator.world();
        Viewer::resolve(&world, &caller.token).map(|viewer| me_body(&viewer, &caller.wire))
    };
    caller.reply(result)
}

fn me_body(viewer: &Viewer<'_>, wire: &Wire) -> MeResponse {
    let prefix = wire.version().prefix();
    let district = viewer.shared_district().map(str::to_owned);
    match viewer.me() {
        Some(user) => {
            let mut links = vec![
                Link::new(LinkRel::SelfLink, "/me"),
                Link::new(LinkRel::Canonical, format!("{prefix}/users/{}", user.id)),
            ];
            if let Some(d) = &district {
                links.push(Link::new(LinkRel::District, format!("{prefix}/districts/{d}")));
            }
            Envelope { data: MeData { id: user.id.clone(), district, kind: wire.me_type(user) }, links }
        }
        None => {
            let id = district.unwrap_or_default();
            let links = vec![
                Link::new(LinkRel::SelfLink, "/me"),
                Link::new(LinkRel::Canonical, format!("{prefix}/districts/{id}")),
            ];
            Envelope { data: MeData { id, district: None, kind: "district".to_owned() }, links }
        }
    }
}

/// `GET /userinfo`: OIDC-style identity of the login. District fields only for district-shared
/// users; a Library user gets no district and an empty `schools` list, and a Library student no
/// `email`, as the Library scope withholds a student's email from every other answer too.
pub async fn userinfo(State(emulator): State<Emulator>, caller: Caller) -> Response {
    let result = {
        let world = emulator.world();
        Viewer::resolve(&world, &caller.token).and_then(|viewer| {
            let user = viewer.me().ok_or_else(ApiError::out_of_scope)?;
            let shared = viewer.shared_district().is_some();
            Ok(UserInfo {
                sub: user.id.clone(),
                // The emulator has no legacy per-role ids, so the role id is the user id.
                user_id: Some(user.id.clone()),
                multi_role_user_id: Some(user.id.clone()),
                user_type: Some(user.primary_role().as_str().to_owned()),
                district_id: shared.then(|| user.district.clone()),
                district: shared.then(|| user.district.clone()),
                email: if !shared && user.has(Role::Student) { None } else { user.email.clone() },
                email_verified: Some(false),
                name: Some(Name {
                    first: Some(user.name.first.clone()),
                    middle: user.name.middle.clone(),
                    last: Some(user.name.last.clone()),
                }),
                given_name: Some(user.name.first.clone()),
                family_name: Some(user.name.last.clone()),
                schools: if shared { user.school.iter().cloned().collect() } else { Vec::new() },
            })
        })
    };
    caller.reply(result)
}

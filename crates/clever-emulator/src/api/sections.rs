//! `/sections`, `/sections/{id}`, a section's users, and `/districts/{id}`.

use axum::extract::FromRequestParts;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use clever_types::{District, Envelope, Link, LinkRel, SectionResponse};

use super::auth::Caller;
use super::scope::{SectionView, Viewer};
use super::{sections_page, users_page, views};
use crate::error::ApiError;
use crate::model::SectionRec;
use crate::profile::Profile;
use crate::state::Emulator;

/// `GET /v3.x/sections`: every section of the district; district-app tokens only.
pub async fn list(State(emulator): State<Emulator>, caller: Caller, uri: Uri) -> Response {
    let result = caller.list_query(&uri, &emulator).and_then(|query| {
        let world = emulator.world();
        let viewer = Viewer::resolve(&world, &caller.token)?;
        let Viewer::District(district) = viewer else { return Err(ApiError::out_of_scope()) };
        let sections: Vec<&SectionRec> = world.sections().values().collect();
        let page = sections_page(
            &query,
            &sections,
            |s| s.id.as_str(),
            |s| (s.district == district).then_some((*s, SectionView::Full)),
            &caller.wire,
        );
        Ok(page)
    });
    caller.reply(result)
}

/// `GET /v3.x/sections/{id}`.
pub async fn one(State(emulator): State<Emulator>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = {
        let world = emulator.world();
        Viewer::resolve(&world, &caller.token).and_then(|viewer| {
            let (section, view) = viewer.find_section(&world, &id)?;
            let self_uri = format!("{}/sections/{}", caller.version.prefix(), section.id);
            let body: SectionResponse = Envelope {
                data: caller.wire.section(section, view),
                links: vec![Link::new(LinkRel::SelfLink, self_uri)],
            };
            Ok(body)
        })
    };
    caller.reply(result)
}

/// `GET /v3.x/sections/{id}/users?role=student|teacher`: the section's members (both roles
/// when `role` is absent). Under `no-section-users` the path does not exist: 404 before the token
/// is even looked at, as for any other unknown path.
pub async fn users(State(emulator): State<Emulator>, mut parts: Parts) -> Response {
    if emulator.has_profile(Profile::NoSectionUsers) {
        return ApiError::not_found().into_response();
    }
    let caller = match Caller::from_request_parts(&mut parts, &emulator).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal,
    };
    let id = match Path::<String>::from_request_parts(&mut parts, &emulator).await {
        Ok(Path(id)) => id,
        Err(rejection) => return rejection.into_response(),
    };
    let uri = parts.uri;
    let result = caller.list_query(&uri, &emulator).and_then(|query| {
        let (teachers, students) = match query.role.as_deref() {
            None => (true, true),
            Some("teacher") => (true, false),
            Some("student") => (false, true),
            Some(other) => {
                return Err(ApiError::bad_request(format!("role must be student or teacher, not {other:?}")));
            }
        };
        let world = emulator.world();
        let viewer = Viewer::resolve(&world, &caller.token)?;
        let (section, _) = viewer.find_section(&world, &id)?;
        let mut members: Vec<&String> = Vec::new();
        if teachers {
            members.extend(&section.teachers);
        }
        if students {
            members.extend(&section.students);
        }
        members.sort_unstable();
        members.dedup();
        let scope = viewer.users(&world);
        let keep = |uid: &&String| {
            let user = world.users.get(*uid)?;
            scope.view(user).map(|view| (user, view))
        };
        Ok(users_page(&query, &members, |uid| uid.as_str(), keep, &caller.wire))
    });
    caller.reply(result)
}

/// `GET /v3.x/districts/{id}`: district-shared tokens read their own district. Library tokens
/// never learn district data (403); a district token asking for another district gets 404, as
/// for every other record outside its district.
pub async fn district(State(emulator): State<Emulator>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = {
        let world = emulator.world();
        Viewer::resolve(&world, &caller.token).and_then(|viewer| {
            let district = world.districts.get(&id).ok_or_else(ApiError::not_found)?;
            match viewer.shared_district() {
                Some(own) if own == district.id => {}
                Some(_) if viewer.is_district() => return Err(ApiError::not_found()),
                _ => return Err(ApiError::out_of_scope()),
            }
            let self_uri = format!("{}/districts/{}", caller.version.prefix(), district.id);
            let body: Envelope<District> = Envelope {
                data: views::district(district),
                links: vec![Link::new(LinkRel::SelfLink, self_uri)],
            };
            Ok(body)
        })
    };
    caller.reply(result)
}

//! `/users`, `/users/{id}` and a user's sections, students and teachers.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use clever_types::{Envelope, Link, LinkRel, UserResponse};

use super::auth::Caller;
use super::scope::{UserView, Viewer};
use super::{sections_page, users_page};
use crate::error::ApiError;
use crate::model::{Role, UserRec, World};
use crate::state::Emulator;

/// The `role` values `/users` accepts (Clever's enum; the emulator has no contacts, so
/// `contact` is valid and always empty).
const USER_ROLES: [&str; 5] = ["teacher", "student", "staff", "district_admin", "contact"];

/// `GET /v3.x/users?role=…`: every user of the district; district-app tokens only.
pub async fn list(State(emulator): State<Emulator>, caller: Caller, uri: Uri) -> Response {
    let result = caller.list_query(&uri, &emulator).and_then(|query| {
        let role = match query.role.as_deref() {
            None => None,
            Some(r) if USER_ROLES.contains(&r) => Some(r),
            Some(r) => {
                return Err(ApiError::bad_request(format!("role must be one of {USER_ROLES:?}, not {r:?}")));
            }
        };
        let world = emulator.world();
        let viewer = Viewer::resolve(&world, &caller.token)?;
        let Viewer::District(district) = viewer else { return Err(ApiError::out_of_scope()) };
        let users: Vec<&UserRec> = world.users.values().collect();
        let listed = |u: &UserRec| {
            u.district == district && role.is_none_or(|r| u.roles.iter().any(|held| held.as_str() == r))
        };
        let page = users_page(
            &query,
            &users,
            |u| u.id.as_str(),
            |u| listed(u).then_some((*u, UserView::Full)),
            &caller.wire,
        );
        Ok(page)
    });
    caller.reply(result)
}

/// `GET /v3.x/users/{id}`.
pub async fn one(State(emulator): State<Emulator>, caller: Caller, Path(id): Path<String>) -> Response {
    let result = {
        let world = emulator.world();
        Viewer::resolve(&world, &caller.token).and_then(|viewer| {
            let (user, view) = viewer.find_user(&world, &id)?;
            let self_uri = format!("{}/users/{}", caller.version.prefix(), user.id);
            let body: UserResponse = Envelope {
                data: caller.wire.user(user, view),
                links: vec![Link::new(LinkRel::SelfLink, self_uri)],
            };
            Ok(body)
        })
    };
    caller.reply(result)
}

/// `GET /v3.x/users/{id}/sections`: the sections the user teaches or attends.
pub async fn sections(
    State(emulator): State<Emulator>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    let result = caller.list_query(&uri, &emulator).and_then(|query| {
        let world = emulator.world();
        let viewer = Viewer::resolve(&world, &caller.token)?;
        let user = listable_user(&viewer, &world, &id)?;
        let ids: Vec<&String> = world.section_ids_of(&user.id).collect();
        let keep = |sid: &&String| {
            let section = world.section(sid)?;
            viewer.section_view(section).map(|view| (section, view))
        };
        Ok(sections_page(&query, &ids, |sid| sid.as_str(), keep, &caller.wire))
    });
    caller.reply(result)
}

/// `GET /v3.x/users/{id}/mystudents`: a teacher's students across their sections, once each.
pub async fn my_students(
    State(emulator): State<Emulator>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    related(&emulator, &caller, &id, &uri, |world, user| {
        if user.has(Role::Teacher) { world.students_of_teacher(&user.id) } else { Vec::new() }
    })
}

/// `GET /v3.x/users/{id}/myteachers`: a student's teachers across their sections, once each.
pub async fn my_teachers(
    State(emulator): State<Emulator>,
    caller: Caller,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    related(&emulator, &caller, &id, &uri, |world, user| {
        if user.has(Role::Student) { world.teachers_of_student(&user.id) } else { Vec::new() }
    })
}

/// A page of the users `relatives` finds for user `id` (ids ascending and unique).
fn related(
    emulator: &Emulator,
    caller: &Caller,
    id: &str,
    uri: &Uri,
    relatives: impl for<'w> Fn(&'w World, &'w UserRec) -> Vec<&'w String>,
) -> Response {
    let result = caller.list_query(uri, emulator).and_then(|query| {
        let world = emulator.world();
        let viewer = Viewer::resolve(&world, &caller.token)?;
        let user = listable_user(&viewer, &world, id)?;
        let ids = relatives(&world, user);
        let scope = viewer.users(&world);
        let keep = |rid: &&String| {
            let user = world.users.get(*rid)?;
            scope.view(user).map(|view| (user, view))
        };
        Ok(users_page(&query, &ids, |rid| rid.as_str(), keep, &caller.wire))
    });
    caller.reply(result)
}

/// The user whose relations are listed: 404 if unknown, 403 unless the viewer may list them.
fn listable_user<'w>(viewer: &Viewer<'_>, world: &'w World, id: &str) -> Result<&'w UserRec, ApiError> {
    let (user, _) = viewer.find_user(world, id)?;
    if viewer.may_list_relations_of(user) { Ok(user) } else { Err(ApiError::out_of_scope()) }
}

//! The portal's pages: login, "My apps" and the Library.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::model::{AppKind, Role, UserRec};
use crate::oauth::browser::{Browser, forbidden};
use crate::oauth::pages::{LoginTemplate, render};
use crate::oauth::people::{self, Hidden};
use crate::oauth::redirect::found;
use crate::state::Emulator;

/// An app tile.
struct AppTile {
    client_id: String,
    name: String,
    installed: bool,
}

#[derive(Template)]
#[template(path = "portal_apps.html")]
struct AppsTemplate {
    user_name: String,
    user_role: &'static str,
    is_teacher: bool,
    csrf: String,
    apps: Vec<AppTile>,
}

#[derive(Template)]
#[template(path = "portal_library.html")]
struct LibraryTemplate {
    user_name: String,
    user_role: &'static str,
    is_teacher: bool,
    csrf: String,
    apps: Vec<AppTile>,
}

#[derive(Template)]
#[template(path = "portal_logout.html")]
struct LogoutTemplate {
    user_name: Option<String>,
    csrf: String,
}

/// `GET /portal/logout` (and `GET /logout`, where real Clever has its log-out): who is logged in
/// with a "Log out of Clever" button, or, once nobody is, that the next Clever sign-in in this
/// browser asks who you are. A page rather than a log-out on GET, so another site cannot log a
/// browser out by linking here.
pub async fn logout(State(emulator): State<Emulator>, headers: HeaderMap) -> Response {
    let browser = Browser::identify(&headers);
    let csrf = emulator.portal_csrf(&browser.id);
    let user_name = emulator.session_user(&headers).map(|u| people::full_name(&u.name));
    browser.apply(render(&LogoutTemplate { user_name, csrf }))
}

/// `GET /portal`: the user's apps, or the login page when nobody is logged in.
pub async fn home(State(emulator): State<Emulator>, headers: HeaderMap) -> Response {
    let browser = Browser::identify(&headers);
    let csrf = emulator.portal_csrf(&browser.id);
    let page = match emulator.session_user(&headers) {
        Some(user) => apps_page(&emulator, &user, csrf),
        None => {
            let groups = people::groups(&emulator.world(), None);
            render(&LoginTemplate {
                heading: "Log in to Clever".into(),
                subtitle: "Choose who you are. (Emulator: no passwords.)".into(),
                action: "/portal/login",
                hidden: vec![Hidden { name: "csrf", value: csrf }],
                groups,
                district_name: None,
            })
        }
    };
    browser.apply(page)
}

fn apps_page(emulator: &Emulator, user: &UserRec, csrf: String) -> Response {
    let apps = emulator
        .world()
        .launchable_apps(&user.id)
        .into_iter()
        .map(|a| AppTile { client_id: a.client_id.clone(), name: a.name.clone(), installed: true })
        .collect();
    render(&AppsTemplate {
        user_name: people::full_name(&user.name),
        user_role: user.primary_role().as_str(),
        is_teacher: user.has(Role::Teacher),
        csrf,
        apps,
    })
}

/// `GET /portal/library`: Library apps with Install buttons (teachers only).
pub async fn library(State(emulator): State<Emulator>, headers: HeaderMap) -> Response {
    let Some(user) = emulator.session_user(&headers) else { return found("/portal") };
    if !user.has(Role::Teacher) {
        return forbidden("Only teachers can install apps from the Clever Library.").into_response();
    }
    let browser = Browser::identify(&headers);
    let csrf = emulator.portal_csrf(&browser.id);
    let world = emulator.world();
    let apps = world
        .apps
        .values()
        .filter(|a| a.kind == AppKind::Library)
        .map(|a| AppTile {
            client_id: a.client_id.clone(),
            name: a.name.clone(),
            installed: world.installs.contains(&(a.client_id.clone(), user.id.clone())),
        })
        .collect();
    drop(world);
    let page = render(&LibraryTemplate {
        user_name: people::full_name(&user.name),
        user_role: user.primary_role().as_str(),
        is_teacher: true,
        csrf,
        apps,
    });
    browser.apply(page)
}

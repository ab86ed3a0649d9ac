//! The portal's form posts. Each checks the browser's CSRF token first. Launches and installs
//! land on the app's PRIMARY redirect URI with a code and no `state`, as Clever's portal does,
//! so an app's callback must accept codes it did not ask for.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::error::ErrorPage;
use crate::model::{AppKind, AppRec, Role, UserRec};
use crate::oauth::browser::{Browser, forbidden};
use crate::oauth::cookies;
use crate::oauth::grant::Gate;
use crate::oauth::params::Params;
use crate::oauth::redirect::see_other;
use crate::state::{Emulator, PendingAuthorization};

/// The form, after its CSRF token checked out.
fn checked_form(emulator: &Emulator, headers: &HeaderMap, body: &[u8]) -> Result<Params, ErrorPage> {
    let form = Params::from_urlencoded(body);
    emulator.check_portal_csrf(headers, form.get("csrf").ok().flatten())?;
    Ok(form)
}

/// The Library app named by the form's `client_id`.
fn library_app(emulator: &Emulator, form: &Params) -> Result<AppRec, ErrorPage> {
    let app = form.get("client_id").ok().flatten().and_then(|id| emulator.world().apps.get(id).cloned());
    match app {
        Some(app) if app.kind == AppKind::Library && app.primary_redirect().is_some() => Ok(app),
        _ => Err(ErrorPage::bad_request("Unknown app", "That app is not in the Clever Library.")),
    }
}

/// Sends the browser to the app's primary redirect URI with a fresh code, its `scope` and no
/// `state`.
fn launch_into(emulator: &Emulator, app: &AppRec, user: &UserRec) -> Response {
    let redirect = app.primary_redirect().unwrap_or_default();
    see_other(&emulator.grant_uri(&app.client_id, redirect, &user.id, None))
}

/// `POST /portal/login` (form: `csrf`, `user_id`).
pub async fn login(State(emulator): State<Emulator>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match checked_form(&emulator, &headers, &body) {
        Ok(f) => f,
        Err(page) => return page.into_response(),
    };
    let user_id = form.get("user_id").ok().flatten().unwrap_or_default();
    if !emulator.world().users.contains_key(user_id) {
        return ErrorPage::bad_request("Unknown user", "Pick a user on the login page.").into_response();
    }
    let mut response = see_other("/portal");
    if let Some(cookie) = emulator.start_session(&headers, user_id) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /portal/logout` (form: `csrf`): ends this browser's Clever session, so the next
/// authorize shows the login page again, and says so.
pub async fn logout(State(emulator): State<Emulator>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(page) = checked_form(&emulator, &headers, &body) {
        return page.into_response();
    }
    emulator.end_session(&headers);
    let mut response = see_other("/portal/logout");
    if let Some(cookie) = cookies::clear(cookies::SESSION) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /portal/launch` (form: `csrf`, `client_id`): only apps on the user's "My apps".
pub async fn launch(State(emulator): State<Emulator>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match checked_form(&emulator, &headers, &body) {
        Ok(f) => f,
        Err(page) => return page.into_response(),
    };
    let Some(user) = emulator.session_user(&headers) else { return see_other("/portal") };
    let app = match library_app(&emulator, &form) {
        Ok(app) => app,
        Err(page) => return page.into_response(),
    };
    let launchable = emulator.world().launchable_apps(&user.id).iter().any(|a| a.client_id == app.client_id);
    if !launchable {
        return forbidden(
            "This app is not on your portal: a teacher of yours has to install it from the Library.",
        )
        .into_response();
    }
    launch_into(&emulator, &app, &user)
}

/// `POST /portal/install` (form: `csrf`, `client_id`): a teacher installs a Library app. Shows
/// the consent page first, unless the teacher already authorized the app.
pub async fn install(State(emulator): State<Emulator>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match checked_form(&emulator, &headers, &body) {
        Ok(f) => f,
        Err(page) => return page.into_response(),
    };
    let Some(user) = emulator.session_user(&headers) else { return see_other("/portal") };
    let app = match library_app(&emulator, &form) {
        Ok(app) => app,
        Err(page) => return page.into_response(),
    };
    if !user.has(Role::Teacher) {
        return forbidden("Only teachers can install apps from the Clever Library.").into_response();
    }
    if matches!(emulator.gate(&app.client_id, &user), Gate::Through) {
        return launch_into(&emulator, &app, &user);
    }
    let Some(browser) = Browser::existing(&headers) else {
        return forbidden("Your browser's cookies are missing; reload the portal.").into_response();
    };
    let (req, _) = emulator.create_pending(PendingAuthorization {
        client_id: app.client_id.clone(),
        redirect_uri: app.primary_redirect().unwrap_or_default().to_owned(),
        state: None,
        csrf: String::new(),
        browser,
        expires_at: emulator.now(),
        district_id: None,
        library_install: true,
    });
    let query = form_urlencoded::Serializer::new(String::new()).append_pair("req", &req).finish();
    see_other(&format!("/oauth/consent?{query}"))
}

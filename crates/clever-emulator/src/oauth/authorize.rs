//! `GET /oauth/authorize`. The client and redirect URI are checked first and any problem with
//! them is shown as a page, never a redirect (RFC 6749 §4.1.2.1: redirecting to an unverified
//! URI would make the emulator an open redirector). Once both are known-good, every other
//! problem goes back to the app as `error=` on the redirect URI, with `state`.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::browser::Browser;
use super::grant::Gate;
use super::params::{ParamError, Params};
use super::redirect::{error_uri, found};
use crate::error::ErrorPage;
use crate::state::{Emulator, PendingAuthorization};

/// The validated client and redirect URI of an authorize request.
struct Verified {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
}

impl Verified {
    fn error(&self, error: &str, description: &str) -> Response {
        found(&error_uri(&self.redirect_uri, error, description, self.state.as_deref()))
    }
}

/// Checks `client_id` and `redirect_uri`: known client, and an exact string match of one of its
/// registered URIs (no prefix matching, normalisation or case folding; RFC 9700 §4.1.3).
fn verify_client(emulator: &Emulator, params: &Params) -> Result<(String, String), ErrorPage> {
    let client_id = match params.require("client_id") {
        Ok(id) => id,
        Err(ParamError::Missing(_)) => {
            return Err(ErrorPage::bad_request(
                "Missing client_id",
                "The authorize URL has no client_id. Add your app's client id: \
                 /oauth/authorize?response_type=code&client_id=…&redirect_uri=…",
            ));
        }
        Err(ParamError::Repeated(_)) => {
            return Err(ErrorPage::bad_request("Repeated client_id", "Send client_id exactly once."));
        }
    };
    let world = emulator.world();
    let Some(app) = world.apps.get(client_id) else {
        return Err(ErrorPage::bad_request(
            "Unknown client_id",
            format!(
                "No app is registered with client_id \"{client_id}\". Check the id in your app's settings."
            ),
        ));
    };
    let redirect_uri = match params.require("redirect_uri") {
        Ok(uri) => uri,
        Err(ParamError::Missing(_)) => {
            return Err(ErrorPage::bad_request(
                "Missing redirect_uri",
                "The authorize URL has no redirect_uri. Send one of the app's registered redirect URIs, URL-encoded.",
            ));
        }
        Err(ParamError::Repeated(_)) => {
            return Err(ErrorPage::bad_request("Repeated redirect_uri", "Send redirect_uri exactly once."));
        }
    };
    if !app.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err(ErrorPage::bad_request(
            "redirect_uri is not registered",
            format!(
                "\"{redirect_uri}\" is not one of {}'s registered redirect URIs. It must match one exactly \
                 (scheme, host, port, path, query and case); prefixes and trailing-slash variants are refused.",
                app.name
            ),
        ));
    }
    Ok((client_id.to_owned(), redirect_uri.to_owned()))
}

/// `GET /oauth/authorize`.
pub async fn authorize(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_urlencoded(query.unwrap_or_default().as_bytes());
    let (client_id, redirect_uri) = match verify_client(&emulator, &params) {
        Ok(pair) => pair,
        Err(page) => return page.into_response(),
    };
    let mut request = Verified { client_id, redirect_uri, state: None };
    match params.get("state") {
        Ok(state) => request.state = state.map(str::to_owned),
        Err(e) => return request.error("invalid_request", &e.describe()),
    }
    match params.require("response_type") {
        Ok("code") => {}
        Ok(other) => {
            return request.error(
                "unsupported_response_type",
                &format!(
                    "response_type \"{other}\" is not supported; Clever supports only response_type=code."
                ),
            );
        }
        Err(e) => return request.error("invalid_request", &e.describe()),
    }
    let district_id = match params.get("district_id") {
        Ok(d) => d.map(str::to_owned),
        Err(e) => return request.error("invalid_request", &e.describe()),
    };
    if let Some(d) = &district_id
        && !emulator.world().districts.contains_key(d)
    {
        return request.error("invalid_request", &format!("district_id \"{d}\" is not a known district."));
    }

    // Tests skip the browser: the admin queued who logs in next.
    if let Some(user_id) = emulator.pop_next_login(&request.client_id) {
        emulator.remember_scripted_login(&request.client_id, &user_id);
        let state = request.state.as_deref();
        return found(&emulator.grant_uri(&request.client_id, &request.redirect_uri, &user_id, state));
    }

    let browser = Browser::identify(&headers);
    let user =
        emulator.session_user(&headers).filter(|u| district_id.as_deref().is_none_or(|d| u.district == d));
    if let Some(user) = &user {
        match emulator.gate(&request.client_id, user) {
            Gate::Through => {
                let state = request.state.as_deref();
                return found(&emulator.grant_uri(
                    &request.client_id,
                    &request.redirect_uri,
                    &user.id,
                    state,
                ));
            }
            Gate::Refused(page) => return browser.apply(page.into_response()),
            Gate::Ask => {}
        }
    }
    let pending = PendingAuthorization {
        client_id: request.client_id,
        redirect_uri: request.redirect_uri,
        state: request.state,
        csrf: String::new(),
        browser: browser.id,
        expires_at: emulator.now(),
        district_id,
        library_install: false,
    };
    let (req, pending) = emulator.create_pending(pending);
    let page = match &user {
        Some(user) => emulator.consent_page(&req, &pending, user),
        None => emulator.login_page(&req, &pending),
    };
    browser.apply(page)
}

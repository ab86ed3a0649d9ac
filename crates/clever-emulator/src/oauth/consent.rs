//! `GET/POST /oauth/consent`: the logged-in user allows or denies the app, and the
//! authorization is completed with a code (or `access_denied`) on the app's redirect URI.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::browser::{PostedForm, expired_request};
use super::grant::Gate;
use super::params::Params;
use super::redirect::{error_uri, see_other};
use crate::error::ErrorPage;
use crate::model::UserRec;
use crate::state::{Emulator, PendingAuthorization};

fn login_again(req: &str) -> Response {
    let query = form_urlencoded::Serializer::new(String::new()).append_pair("req", req).finish();
    see_other(&format!("/oauth/login?{query}"))
}

/// Finishes an allowed request: consumes it (so a double-submitted form cannot mint two codes),
/// remembers the consent (a teacher's is the app's authorization, an install) and sends the
/// browser to the app with a code. Library installs carry no `state`, as on real Clever.
pub fn complete(emulator: &Emulator, req: &str, pending: &PendingAuthorization, user: &UserRec) -> Response {
    if !emulator.drop_pending(req) {
        return expired_request().into_response();
    }
    emulator.remember_consent(&pending.client_id, user);
    let state = pending.state.as_deref();
    see_other(&emulator.grant_uri(&pending.client_id, &pending.redirect_uri, &user.id, state))
}

/// `GET /oauth/consent?req=…`.
pub async fn consent_page(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_urlencoded(query.unwrap_or_default().as_bytes());
    let Ok(Some(req)) = params.get("req") else { return expired_request().into_response() };
    let pending = match emulator.pending_for(req, &headers) {
        Ok(p) => p,
        Err(page) => return page.into_response(),
    };
    let Some(user) = emulator.session_user(&headers) else { return login_again(req) };
    match emulator.gate(&pending.client_id, &user) {
        Gate::Refused(page) => page.into_response(),
        Gate::Through | Gate::Ask => emulator.consent_page(req, &pending, &user),
    }
}

/// `POST /oauth/consent` (form: `req`, `csrf`, `decision=allow|deny`).
pub async fn consent(State(emulator): State<Emulator>, headers: HeaderMap, body: Bytes) -> Response {
    let PostedForm { form, req, pending } = match emulator.posted_form(&headers, &body, "consent") {
        Ok(posted) => posted,
        Err(page) => return page.into_response(),
    };
    let req = req.as_str();
    let Some(user) = emulator.session_user(&headers) else { return login_again(req) };
    // A student has no consent to give: a posted form cannot get past the rule the pages follow.
    if let Gate::Refused(page) = emulator.gate(&pending.client_id, &user) {
        return page.into_response();
    }
    match form.get("decision") {
        Ok(Some("allow")) => complete(&emulator, req, &pending, &user),
        Ok(Some("deny")) => {
            if !emulator.drop_pending(req) {
                return expired_request().into_response();
            }
            if pending.library_install {
                return see_other("/portal/library");
            }
            let description = "The user denied your app access to their Clever account.";
            see_other(&error_uri(
                &pending.redirect_uri,
                "access_denied",
                description,
                pending.state.as_deref(),
            ))
        }
        _ => ErrorPage::bad_request("No decision", "Press Allow or Deny.").into_response(),
    }
}

//! `GET/POST /oauth/login`: choosing who logs in for a pending authorization request.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::browser::{PostedForm, expired_request};
use super::consent::complete;
use super::grant::Gate;
use super::params::Params;
use super::redirect::see_other;
use crate::error::ErrorPage;
use crate::state::Emulator;

/// `GET /oauth/login?req=…`: the login page again (the consent page's "switch user" link).
pub async fn login_page(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_urlencoded(query.unwrap_or_default().as_bytes());
    let Ok(Some(req)) = params.get("req") else { return expired_request().into_response() };
    match emulator.pending_for(req, &headers) {
        Ok(pending) => emulator.login_page(req, &pending),
        Err(page) => page.into_response(),
    }
}

/// `POST /oauth/login` (form: `req`, `csrf`, `user_id`): logs the chosen user in, then returns to
/// the app at once, shows the consent page, or stops a student whose teachers have not added the
/// app (see [`super::grant`]).
pub async fn login(State(emulator): State<Emulator>, headers: HeaderMap, body: Bytes) -> Response {
    let PostedForm { form, req, pending } = match emulator.posted_form(&headers, &body, "login") {
        Ok(posted) => posted,
        Err(page) => return page.into_response(),
    };
    let req = req.as_str();
    let Ok(Some(user_id)) = form.get("user_id") else {
        return ErrorPage::bad_request("No user chosen", "Pick a user on the login page.").into_response();
    };
    let user = emulator.world().users.get(user_id).cloned();
    let Some(user) = user.filter(|u| pending.district_id.as_deref().is_none_or(|d| u.district == d)) else {
        return ErrorPage::bad_request("Unknown user", "That user does not exist in this district.")
            .into_response();
    };
    let cookie = emulator.start_session(&headers, &user.id);
    let mut response = match emulator.gate(&pending.client_id, &user) {
        Gate::Through => complete(&emulator, req, &pending, &user),
        Gate::Refused(page) => {
            emulator.drop_pending(req);
            page.into_response()
        }
        Gate::Ask => {
            let query = form_urlencoded::Serializer::new(String::new()).append_pair("req", req).finish();
            see_other(&format!("/oauth/consent?{query}"))
        }
    };
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

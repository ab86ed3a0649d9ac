//! CSRF protection for every form.
//!
//! - Forms of a signed-in user carry the session's synchronizer token: a handler takes a
//!   [`SignedInForm`], which checks it (and that the post does not come from another site)
//!   before the handler, or even the form's other fields, is reached. The check lives in this
//!   one place, and a story test posts a forged token to every signed-in form.
//! - Forms shown before anyone is logged in (log in, sign up, the first-login question, an
//!   emailed link's button) use a double-submit token: the page sets a random value in an
//!   HttpOnly cookie and the same value in a hidden field ([`form_token`]); a handler takes a
//!   [`PreLoginForm`], which checks that the post carries both, equal, and does not come from
//!   another site (`Sec-Fetch-Site` / `Origin`), before the form's other fields are read.

use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, RawForm, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::crypto::random_token;
use crate::error::WebError;
use crate::roles::Role;
use crate::session::{CookieName, Cookies, Sessions, host_cookie};
use crate::session::{CurrentUser, cookie};

/// A form posted by a signed-in user, its CSRF token checked: the `csrf` field must be the
/// session's token, and the browser must not say the post came from another site (otherwise
/// 403, whatever else the form holds). Then the account must be a `U` ([`crate::roles`]: any
/// signed-in account unless the form names a role), and the rest of the form is read into `T`
/// (which need not declare `csrf`); a form that does not fit `T` is refused with 422. Not
/// signed in: the same as [`CurrentUser`] (to the log-in page).
#[derive(Debug)]
pub struct SignedInForm<T = NoFields, U = CurrentUser> {
    /// Who posted it.
    pub user: U,
    /// The form's fields.
    pub form: T,
}

/// The fields of a form that has nothing but its CSRF token (a button).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

impl<S, T, U> FromRequest<S> for SignedInForm<T, U>
where
    S: AsRef<Sessions> + Send + Sync,
    T: DeserializeOwned + Send,
    U: Role + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let user =
            CurrentUser::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let (parts, bytes, posted) = token_of(Request::from_parts(parts, body), state).await?;
        check_session_token(&user, &posted, &parts.headers, state.as_ref())
            .map_err(IntoResponse::into_response)?;
        let user = U::admit(user).map_err(IntoResponse::into_response)?;
        Ok(Self { user, form: fields(parts, bytes, state).await? })
    }
}

/// A form posted before anyone is signed in, its double-submit token checked: the `csrf` field
/// must equal this browser's form cookie ([`form_token`]), and the browser must not say the
/// post came from another site; otherwise 403, "This form has expired" (go back to the form,
/// reload it and send it again), whatever else the form holds. Then the rest of the form is read into `T`, as
/// for [`SignedInForm`].
#[derive(Debug)]
pub struct PreLoginForm<T = NoFields> {
    /// The form's token (a refused form is shown again with it).
    pub csrf: String,
    /// The form's fields.
    pub form: T,
}

impl<S, T> FromRequest<S> for PreLoginForm<T>
where
    S: AsRef<Sessions> + Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (parts, bytes, posted) = token_of(request, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        check_form(state.as_ref(), &jar, &parts.headers, &posted).map_err(IntoResponse::into_response)?;
        Ok(Self { csrf: posted, form: fields(parts, bytes, state).await? })
    }
}

/// Reads a form's body and its `csrf` field (empty when missing), before anything else of it.
async fn token_of<S: Send + Sync>(request: Request, state: &S) -> Result<(Parts, Bytes, String), Response> {
    let (parts, body) = request.into_parts();
    let RawForm(bytes) = RawForm::from_request(Request::from_parts(parts.clone(), body), state)
        .await
        .map_err(IntoResponse::into_response)?;
    let posted = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    Ok((parts, bytes, posted))
}

/// The form's fields as `T` (the framework's refusal when they do not fit).
async fn fields<S: Send + Sync, T: DeserializeOwned>(
    parts: Parts,
    bytes: Bytes,
    state: &S,
) -> Result<T, Response> {
    let Form(form) = Form::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(form)
}

/// The synchronizer token must match the session's, and the browser must not say the post came
/// from another site.
fn check_session_token(
    user: &CurrentUser,
    posted: &str,
    headers: &HeaderMap,
    sessions: &Sessions,
) -> Result<(), WebError> {
    let same = user.session.csrf_token.as_bytes().ct_eq(posted.as_bytes());
    if !bool::from(same) || !sessions.same_origin(headers) {
        return Err(WebError::Csrf);
    }
    Ok(())
}

const FORM_COOKIE: CookieName = host_cookie!("rollcall_form");
const FORM_TTL: time::Duration = time::Duration::hours(2);

/// The token for this browser's forms: the one it already has, or a new one set in `jar`.
pub fn form_token(cookies: Cookies, jar: CookieJar) -> (CookieJar, String) {
    if let Some(existing) =
        jar.get(FORM_COOKIE.of(cookies)).map(|c| c.value().to_owned()).filter(|v| v.len() >= 32)
    {
        return (jar, existing);
    }
    let token = random_token();
    (jar.add(cookie(cookies, FORM_COOKIE, token.clone(), FORM_TTL)), token)
}

/// The double-submit token must match the browser's form cookie, and the browser must not say
/// the post came from another site.
fn check_form(
    sessions: &Sessions,
    jar: &CookieJar,
    headers: &HeaderMap,
    posted: &str,
) -> Result<(), WebError> {
    let expected =
        jar.get(FORM_COOKIE.of(sessions.cookies())).map(|c| c.value().to_owned()).unwrap_or_default();
    let same = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(posted.as_bytes()));
    if !same || !sessions.same_origin(headers) {
        return Err(WebError::Csrf);
    }
    Ok(())
}

//! One error type for the web layer. Only this layer knows status codes. A 5xx logs the source
//! chain and shows a generic page; a 4xx shows what happened and what to do.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use rollcall_store::Conflict;

use crate::pages::{ErrorPage, render};

/// What can go wrong handling a request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] rollcall_store::StoreError),
    /// Not logged in (or the session expired); `asked` is the page a `GET` asked for, to go to
    /// after logging in.
    #[error("please log in")]
    LoginRequired {
        /// The path and query asked for.
        asked: Option<String>,
    },
    /// The form's CSRF token or origin was wrong.
    #[error("this form has expired; reload the page and try again")]
    Csrf,
    /// Logged in, but this page is not for this account.
    #[error("this page is not available to your account")]
    Forbidden,
    /// No such page or record.
    #[error("not found")]
    NotFound,
    /// A problem the user can fix, with a title, explanation and a link to try again.
    #[error("{title}: {detail}")]
    Friendly {
        /// HTTP status.
        status: StatusCode,
        /// Headline.
        title: String,
        /// What happened and what to do.
        detail: String,
        /// Where "Try again" points.
        retry: Option<String>,
    },
    /// Anything else unexpected.
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    /// A friendly error page.
    pub fn friendly(status: StatusCode, title: &str, detail: &str, retry: Option<&str>) -> Self {
        WebError::Friendly {
            status,
            title: title.to_owned(),
            detail: detail.to_owned(),
            retry: retry.map(str::to_owned),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, detail, retry) = match self {
            WebError::LoginRequired { asked } => {
                let to = asked.as_deref().map_or_else(|| "/login".to_owned(), crate::next_page::login_url);
                return axum::response::Redirect::to(&to).into_response();
            }
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired".to_owned(),
                // Reloading the refused post would send it again; the form's page, reloaded, gives
                // a fresh token (pages are never cached).
                "For your safety the form was refused. Go back to the form, reload it, and send it again."
                    .to_owned(),
                None,
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not available".to_owned(),
                "This page is not available to your account.".to_owned(),
                Some("/".to_owned()),
            ),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found".to_owned(),
                "There is nothing here. It may have been moved or you may not have access.".to_owned(),
                Some("/".to_owned()),
            ),
            WebError::Friendly { status, title, detail, retry } => (status, title, detail, retry),
            WebError::Store(rollcall_store::StoreError::Conflict(conflict)) => {
                let (title, detail, retry) = conflict_words(conflict);
                (StatusCode::CONFLICT, title.to_owned(), detail.to_owned(), Some(retry.to_owned()))
            }
            error @ (WebError::Store(_) | WebError::Internal(_)) => {
                tracing::error!(error = %error, source = ?std::error::Error::source(&error), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong".to_owned(),
                    "Rollcall hit an unexpected problem. Nothing you did caused it; please try again."
                        .to_owned(),
                    Some("/".to_owned()),
                )
            }
        };
        let page = ErrorPage { viewer: None, title: &title, detail: &detail, retry: retry.as_deref() };
        let mut response = (status, render(&page)).into_response();
        response.extensions_mut().insert(Shown { title, detail, retry });
        response
    }
}

/// An error page's words, kept on its response so it can be shown again with the
/// navigation of whoever is signed in (`routes::with_viewer`).
#[derive(Clone)]
pub struct Shown {
    /// Headline.
    pub title: String,
    /// What happened and what to do.
    pub detail: String,
    /// Where "Try again" points.
    pub retry: Option<String>,
}

/// What each account rule means for the person who ran into it, and where to go next.
fn conflict_words(conflict: Conflict) -> (&'static str, &'static str, &'static str) {
    match conflict {
        Conflict::EmailTaken => (
            "That email is already in use",
            "Another Rollcall account already logs in with this email. Log in to it, or use another email.",
            "/profile",
        ),
        Conflict::PasswordAlreadySet => (
            "You already have a password",
            "This account already logs in with an email and password.",
            "/profile",
        ),
        Conflict::CleverLinkedElsewhere => (
            "This Clever account is already linked",
            "This Clever account already belongs to a different Rollcall account, so it cannot be linked to this one. Log in with Clever to use that account. A student with two accounts can merge them from their profile.",
            "/profile",
        ),
        Conflict::AccountHasOtherClever => (
            "Already linked to Clever",
            "This Rollcall account is already linked to a different Clever account. Unlink it on your profile first.",
            "/profile",
        ),
        Conflict::NoOtherLogin => (
            "Add a password first",
            "Without Clever this account would have no way to log in. Add an email and password on your profile, then unlink.",
            "/profile#password",
        ),
        Conflict::SameAccount => (
            "That is this account",
            "You are already logged in to that account, so there is nothing to merge.",
            "/profile#merge",
        ),
        Conflict::NotTheSameKind => (
            "These accounts are not the same kind",
            "Only two student accounts, or two teacher accounts, can be merged. The account you logged in to is a different kind.",
            "/profile#merge",
        ),
        Conflict::BothLinkedToClever => (
            "Both accounts use Clever",
            "Both accounts are linked to a Clever account, so they cannot be merged here. Ask your teacher for help.",
            "/profile#merge",
        ),
    }
}

//! The Clever portal ("My apps") and its Library, for trying Portal launches and Library
//! installs by hand. Every action is a POST carrying the browser's portal CSRF token, and every
//! page works without JavaScript.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | redirects to `/portal` |
//! | `GET /portal` | login page, or the user's apps |
//! | `POST /portal/login` | log in as a seeded user |
//! | `GET /portal/library` | Library apps (teachers) |
//! | `POST /portal/install` | install a Library app (consent, then launch) |
//! | `POST /portal/launch` | launch an app at its primary redirect URI |
//! | `GET /portal/logout`, `GET /logout` | who is logged in, and a "Log out of Clever" button |
//! | `POST /portal/logout` | log out: the next authorize asks who you are again |

use axum::Router;
use axum::routing::{get, post};

use crate::oauth::redirect::found;
use crate::state::Emulator;

mod actions;
mod pages;

/// The portal routes.
pub fn routes() -> Router<Emulator> {
    Router::new()
        .route("/", get(|| async { found("/portal") }))
        .route("/portal", get(pages::home))
        .route("/portal/library", get(pages::library))
        .route("/portal/login", post(actions::login))
        .route("/portal/install", post(actions::install))
        .route("/portal/launch", post(actions::launch))
        .route("/portal/logout", get(pages::logout).post(actions::logout))
        // Where real Clever's log-out is (https://clever.com/logout), so an app can link to
        // `<Clever's OAuth base URL>/logout` and reach the emulator's when pointed at it.
        .route("/logout", get(|| async { found("/portal/logout") }))
}

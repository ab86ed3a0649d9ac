//! Clever's OAuth 2.0 authorization server: the authorize endpoint with its login and consent
//! pages, the token endpoint (code exchange and district token listing) and token info.
//!
//! | route | what |
//! |---|---|
//! | `GET /oauth/authorize` | start a login (page, or a redirect with a code) |
//! | `GET/POST /oauth/login` | choose who logs in |
//! | `GET/POST /oauth/consent` | allow or deny the app |
//! | `POST /oauth/tokens` | exchange a code (HTTP Basic client auth) |
//! | `GET /oauth/tokens?owner_type=district` | district-app tokens |
//! | `GET /oauth/tokeninfo` | a bearer token's client and scopes |

use axum::Router;
use axum::routing::get;

use crate::state::Emulator;

mod authorize;
pub mod body;
pub mod browser;
pub mod client_auth;
mod consent;
pub mod cookies;
mod district;
pub mod grant;
pub mod id_token;
mod login;
pub mod pages;
pub mod params;
pub mod people;
pub mod redirect;
pub mod scopes;
mod tokeninfo;
mod tokens;

/// The OAuth routes. Other methods on these paths get 405 from the router.
pub fn routes() -> Router<Emulator> {
    Router::new()
        .route("/oauth/authorize", get(authorize::authorize))
        .route("/oauth/login", get(login::login_page).post(login::login))
        .route("/oauth/consent", get(consent::consent_page).post(consent::consent))
        .route("/oauth/tokens", get(district::list).post(tokens::exchange))
        .route("/oauth/tokeninfo", get(tokeninfo::tokeninfo))
}

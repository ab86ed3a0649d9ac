//! A teacher's first Clever login, paused while they choose between "I already have a Rollcall
//! account" and "create one". Nothing is written until they choose: the Clever profile and
//! token wait in a cookie sealed with the app's token key (AES-256-GCM), so any replica can
//! finish the login and the browser can neither read nor alter it. It lasts 15 minutes.

use axum_extra::extract::cookie::CookieJar;
use rollcall_store::CleverProfile;
use serde::{Deserialize, Serialize};

use crate::crypto::{open_json, seal_json};
use crate::login::{CleverLogin, Logins};
use crate::session::{CookieName, cookie, host_cookie, removal};

const COOKIE: CookieName = host_cookie!("rollcall_clever_pending");
const TTL: time::Duration = time::Duration::minutes(15);

/// Who is signing in with Clever, and their token, until they choose.
/// Not `Debug`: it holds a token, and nothing may print it.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingClever {
    /// Who Clever says they are.
    pub profile: CleverProfile,
    /// Their Clever access token (only ever inside the sealed cookie).
    token: String,
    /// Unix time the Clever token expires.
    token_expires_at: i64,
    /// Unix time after which the choice has expired.
    expires_at: i64,
}

impl PendingClever {
    /// A pending login that expires [`TTL`] from now.
    pub fn new(logins: &Logins, login: CleverLogin) -> Self {
        Self {
            token: login.token.expose().to_owned(),
            token_expires_at: login.expires_at.unix_timestamp(),
            profile: login.profile,
            expires_at: (logins.now() + TTL).unix_timestamp(),
        }
    }

    /// The Clever login, to finish once they have chosen.
    pub fn login(self) -> CleverLogin {
        CleverLogin {
            token: clever_client::AccessToken::new(self.token),
            expires_at: time::OffsetDateTime::from_unix_timestamp(self.token_expires_at)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            profile: self.profile,
            roster: None,
        }
    }
}

/// Stores `pending` in the browser.
pub fn save(logins: &Logins, jar: CookieJar, pending: &PendingClever) -> CookieJar {
    jar.add(cookie(logins.cookies(), COOKIE, seal_json(logins.sealer(), pending), TTL))
}

/// The browser's pending login, if it has one that opens and has not expired.
pub fn load(logins: &Logins, jar: &CookieJar) -> Option<PendingClever> {
    let pending: PendingClever = open_json(logins.sealer(), jar.get(COOKIE.of(logins.cookies()))?.value())?;
    (pending.expires_at > logins.now().unix_timestamp()).then_some(pending)
}

/// Forgets the pending login.
pub fn clear(logins: &Logins, jar: CookieJar) -> CookieJar {
    jar.remove(removal(logins.cookies(), COOKIE))
}

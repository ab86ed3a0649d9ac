//! The emulator's shared state and the operations every route is built from: issuing and
//! redeeming codes, minting and checking tokens, rate limiting. Routes stay thin; the rules live
//! here once.
//!
//! Lock order (to stay deadlock-free): `world` → `codes` → `tokens`. Nothing holds a lock across
//! an `.await`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::faults::Faults;
use crate::ids::{Digest32, digest, random_secret};
use crate::journal::Journal;
use crate::model::{AppRec, World};
use crate::seed::{Seed, SeedError};

/// A running emulator's state. Cheap to clone (an `Arc`).
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: EmulatorConfig,
    clock: Clock,
    /// Random per instance; district-app tokens are an HMAC under it, so they are stable for the
    /// life of the process without being stored in clear.
    district_key: [u8; 32],
    baseline: RwLock<Baseline>,
    world: RwLock<World>,
    codes: Mutex<HashMap<Digest32, CodeRec>>,
    tokens: RwLock<HashMap<Digest32, TokenRec>>,
    rate: Mutex<HashMap<Digest32, RateWindow>>,
    browser: Mutex<BrowserState>,
    journal: Journal,
    faults: Faults,
}

/// What `reset` returns to: a seed (rebuilt, so times are fresh) or a generated world.
#[derive(Debug, Clone)]
enum Baseline {
    Seed(Box<Seed>),
    World(Box<World>),
}

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum TokenOwner {
    /// A user's SSO/Library token.
    User(String),
    /// A district-app token.
    District(String),
}

/// An issued access token, stored under the SHA-256 of its value.
#[derive(Debug, Clone)]
pub struct TokenRec {
    /// Whose data the token reads.
    pub owner: TokenOwner,
    /// The app it was issued to.
    pub client_id: String,
    /// Issue time.
    pub issued_at: OffsetDateTime,
    /// Expiry (`None` for district-app tokens, which live until the district revokes the app).
    pub expires_at: Option<OffsetDateTime>,
    /// Set when a replayed code revoked the token.
    pub revoked_at: Option<OffsetDateTime>,
    /// The code it was redeemed from, if any.
    pub from_code: Option<Digest32>,
}

/// An issued authorization code, stored under the SHA-256 of its value. A redeemed code is kept
/// (not deleted) so that a replay can find and revoke the token issued from it.
#[derive(Debug, Clone)]
pub struct CodeRec {
    /// The client it was issued to.
    pub client_id: String,
    /// The redirect URI it was issued for (the token request must repeat it exactly).
    pub redirect_uri: String,
    /// The user who logged in.
    pub user_id: String,
    /// Issue time.
    pub issued_at: OffsetDateTime,
    /// Expiry (issue + 60 s by default).
    pub expires_at: OffsetDateTime,
    /// Digest of the token the code was exchanged for, once redeemed.
    pub redeemed_for: Option<Digest32>,
}

/// Why a code could not be redeemed. All map to 400 `invalid_grant`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    /// No such code.
    #[error("invalid code: the authorization code is not recognised")]
    Unknown,
    /// The code is older than its lifetime.
    #[error("invalid code: the authorization code has expired (codes live 60 seconds)")]
    Expired,
    /// The code was used before; the token issued from it is now revoked.
    #[error(
        "invalid code: the authorization code was already used; the token issued from it has been revoked"
    )]
    Reused,
    /// The code was issued to a different client.
    #[error("invalid code: the authorization code was issued to a different client")]
    WrongClient,
    /// `redirect_uri` differs from the one the code was issued for.
    #[error("invalid code: redirect_uri does not match the one used to obtain the code")]
    WrongRedirect,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token this emulator issued.
    #[error("the access token is not recognised")]
    Unknown,
    /// Past its lifetime.
    #[error("the access token has expired")]
    Expired,
    /// Revoked because its code was replayed.
    #[error("the access token was revoked")]
    Revoked,
}

/// Result of counting one request against a token's rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// Unix time (seconds) at which the window resets.
    pub reset_unix: i64,
}

#[derive(Debug, Clone, Copy)]
struct RateWindow {
    minute: i64,
    count: u32,
}

/// Browser-side OAuth state: logged-in portal sessions, authorization requests awaiting login
/// or consent, remembered consents, and the admin's queue of who logs in next.
#[derive(Debug, Default)]
pub struct BrowserState {
    /// Session-cookie digest → logged-in user id.
    pub sessions: HashMap<Digest32, String>,
    /// Pending authorization requests by their random id.
    pub pending: HashMap<String, PendingAuthorization>,
    /// (client id, user id) pairs that already consented.
    pub consents: HashSet<(String, String)>,
    /// Users queued by `POST /__admin/next-login`; `/oauth/authorize` logs the first one in at once.
    pub next_logins: VecDeque<NextLogin>,
    /// Browser-cookie digest → the CSRF token the portal's forms carry (synchronizer token, one per
    /// browser, so the portal login form is protected before any session exists).
    pub portal_csrf: HashMap<Digest32, String>,
    /// Client id → (unix minute, failed client authentications in it): the token endpoint's
    /// brute-force guard (RFC 6749 §2.3.1). Only registered client ids are counted, so the map
    /// cannot grow without bound.
    pub client_auth_failures: HashMap<String, (i64, u32)>,
}

/// A validated `/oauth/authorize` request waiting for the user to log in and consent.
#[derive(Debug, Clone)]
pub struct PendingAuthorization {
    /// Client id.
    pub client_id: String,
    /// The exact, registered redirect URI.
    pub redirect_uri: String,
    /// `state` to echo, if the app sent one.
    pub state: Option<String>,
    /// CSRF token the login and consent forms must post back.
    pub csrf: String,
    /// Digest of the browser cookie this request is bound to.
    pub browser: Digest32,
    /// After this the request is dropped.
    pub expires_at: OffsetDateTime,
    /// `district_id` from the authorize request: the login page lists only that district's users.
    pub district_id: Option<String>,
    /// Started by a teacher's "Install" in the portal Library: Allow also records the install.
    pub library_install: bool,
}

/// One queued login.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NextLogin {
    /// The user who will be logged in.
    pub user_id: String,
    /// Only for this client; any client if `None`.
    #[serde(default)]
    pub client_id: Option<String>,
}

impl Emulator {
    /// Builds an emulator from a seed. Fails if the seed is inconsistent.
    pub fn new(seed: Seed, config: EmulatorConfig, clock: Clock) -> Result<Self, SeedError> {
        let world = seed.build(clock.now())?;
        Ok(Self::assemble(Baseline::Seed(Box::new(seed)), world, config, clock))
    }

    /// Builds an emulator directly from a world (the large-district generator skips the seed
    /// format for speed). `reset` returns to this world.
    pub fn from_world(world: World, config: EmulatorConfig, clock: Clock) -> Self {
        Self::assemble(Baseline::World(Box::new(world.clone())), world, config, clock)
    }

    fn assemble(baseline: Baseline, world: World, config: EmulatorConfig, clock: Clock) -> Self {
        let mut district_key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut district_key);
        let journal = Journal::new(config.journal_capacity);
        let emulator = Self {
            inner: Arc::new(Inner {
                config,
                clock,
                district_key,
                baseline: RwLock::new(baseline),
                world: RwLock::default(),
                codes: Mutex::default(),
                tokens: RwLock::default(),
                rate: Mutex::default(),
                browser: Mutex::default(),
                journal,
                faults: Faults::default(),
            }),
        };
        emulator.install_world(world);
        emulator
    }

    /// Settings.
    pub fn config(&self) -> &EmulatorConfig {
        &self.inner.config
    }

    /// The emulated clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Current emulated time.
    pub fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// Reads the world.
    pub fn world(&self) -> parking_lot::RwLockReadGuard<'_, World> {
        self.inner.world.read()
    }

    /// Changes the world.
    pub fn world_mut(&self) -> parking_lot::RwLockWriteGuard<'_, World> {
        self.inner.world.write()
    }

    /// Request journal.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// Fault rules.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// Browser-side OAuth state.
    pub fn browser(&self) -> parking_lot::MutexGuard<'_, BrowserState> {
        self.inner.browser.lock()
    }

    /// Replaces the seed and rebuilds everything from it: data, codes, tokens, sessions, journal,
    /// faults and the clock offset all start fresh.
    pub fn load_seed(&self, seed: Seed) -> Result<(), SeedError> {
        let world = seed.build(self.now())?;
        *self.inner.baseline.write() = Baseline::Seed(Box::new(seed));
        self.reset_to(world);
        Ok(())
    }

    /// Replaces the data with `world` (a generated district, say) and starts everything fresh, as
    /// `load_seed` does; `reset` returns to this world.
    pub fn load_world(&self, world: World) {
        *self.inner.baseline.write() = Baseline::World(Box::new(world.clone()));
        self.reset_to(world);
    }

    /// The generated world `reset` returns to, or `None` when a seed is loaded.
    pub fn generated_world(&self) -> Option<World> {
        match &*self.inner.baseline.read() {
            Baseline::Seed(_) => None,
            Baseline::World(world) => Some((**world).clone()),
        }
    }

    /// Returns to the loaded seed (or generated world), forgetting every change and credential.
    pub fn reset(&self) -> Result<(), SeedError> {
        let world = match &*self.inner.baseline.read() {
            Baseline::Seed(seed) => seed.build(self.now())?,
            Baseline::World(world) => (**world).clone(),
        };
        self.reset_to(world);
        Ok(())
    }

    /// The loaded seed, or `None` when the emulator runs a generated district.
    pub fn seed(&self) -> Option<Seed> {
        match &*self.inner.baseline.read() {
            Baseline::Seed(seed) => Some((**seed).clone()),
            Baseline::World(_) => None,
        }
    }

    fn reset_to(&self, world: World) {
        self.inner.codes.lock().clear();
        self.inner.tokens.write().clear();
        self.inner.rate.lock().clear();
        *self.inner.browser.lock() = BrowserState::default();
        self.inner.journal.clear();
        self.inner.faults.clear();
        let offset = self.inner.clock.offset();
        self.inner.clock.advance(-offset);
        self.install_world(world);
    }

    /// Installs a world and registers a district-app token for every (district app, district).
    fn install_world(&self, world: World) {
        let now = self.now();
        let mut tokens = self.inner.tokens.write();
        for app in world.apps.values() {
            for district in &app.districts {
                let token = self.district_token(&app.client_id, district);
                tokens.insert(
                    digest(&token),
                    TokenRec {
                        owner: TokenOwner::District(district.clone()),
                        client_id: app.client_id.clone(),
                        issued_at: now,
                        expires_at: None,
                        revoked_at: None,
                        from_code: None,
                    },
                );
            }
        }
        drop(tokens);
        *self.inner.world.write() = world;
    }

    /// The district-app token of `client_id` for `district_id`: 40 hex digits (Clever's district
    /// token shape), an HMAC under this instance's random key, so it is never stored in clear.
    pub fn district_token(&self, client_id: &str, district_id: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(&self.inner.district_key) {
            Ok(mac) => mac,
            Err(_) => return String::new(), // HMAC takes keys of any length
        };
        mac.update(client_id.as_bytes());
        mac.update(b"\0");
        mac.update(district_id.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..20])
    }

    /// Checks HTTP Basic client credentials (secret compared in constant time).
    pub fn authenticate_client(&self, client_id: &str, secret: &str) -> Option<AppRec> {
        let world = self.inner.world.read();
        let app = world.apps.get(client_id)?;
        let given = digest(secret);
        bool::from(app.secret_digest.ct_eq(&given)).then(|| app.clone())
    }

    /// Issues a single-use code for `user_id` at `client_id`, bound to `redirect_uri`.
    pub fn issue_code(&self, client_id: &str, redirect_uri: &str, user_id: &str) -> String {
        let code = random_secret("");
        let now = self.now();
        self.inner.codes.lock().insert(
            digest(&code),
            CodeRec {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                user_id: user_id.to_owned(),
                issued_at: now,
                expires_at: now + self.inner.config.code_ttl,
                redeemed_for: None,
            },
        );
        code
    }

    /// Exchanges a code for a user access token. Atomic: of any number of concurrent redemptions
    /// of one code exactly one succeeds. A replay revokes the token the first redemption got.
    pub fn redeem_code(
        &self,
        client_id: &str,
        redirect_uri: Option<&str>,
        code: &str,
    ) -> Result<String, RedeemError> {
        let now = self.now();
        let mut codes = self.inner.codes.lock();
        let rec = codes.get_mut(&digest(code)).ok_or(RedeemError::Unknown)?;
        if let Some(token) = rec.redeemed_for {
            if let Some(t) = self.inner.tokens.write().get_mut(&token) {
                t.revoked_at.get_or_insert(now);
            }
            return Err(RedeemError::Reused);
        }
        if rec.client_id != client_id {
            return Err(RedeemError::WrongClient);
        }
        if now >= rec.expires_at {
            return Err(RedeemError::Expired);
        }
        // RFC 6749 §4.1.3: the redirect_uri must be identical to the one used on authorize.
        if redirect_uri != Some(rec.redirect_uri.as_str()) {
            return Err(RedeemError::WrongRedirect);
        }
        let token = random_secret("il");
        let token_digest = digest(&token);
        rec.redeemed_for = Some(token_digest);
        let from_code = Some(digest(code));
        self.insert_user_token(token_digest, &rec.user_id.clone(), client_id, now, from_code);
        Ok(token)
    }

    /// Mints a user token directly (admin API), as if the user had logged in to `client_id`.
    pub fn mint_token(&self, user_id: &str, client_id: &str) -> String {
        let token = random_secret("il");
        self.insert_user_token(digest(&token), user_id, client_id, self.now(), None);
        token
    }

    fn insert_user_token(
        &self,
        d: Digest32,
        user_id: &str,
        client_id: &str,
        now: OffsetDateTime,
        from_code: Option<Digest32>,
    ) {
        self.inner.tokens.write().insert(
            d,
            TokenRec {
                owner: TokenOwner::User(user_id.to_owned()),
                client_id: client_id.to_owned(),
                issued_at: now,
                expires_at: Some(now + self.inner.config.token_ttl),
                revoked_at: None,
                from_code,
            },
        );
    }

    /// Looks a bearer token up and checks it is live.
    pub fn check_token(&self, token: &str) -> Result<(Digest32, TokenRec), TokenError> {
        let d = digest(token);
        let rec = self.inner.tokens.read().get(&d).cloned().ok_or(TokenError::Unknown)?;
        if rec.revoked_at.is_some() {
            return Err(TokenError::Revoked);
        }
        if rec.expires_at.is_some_and(|at| self.now() >= at) {
            return Err(TokenError::Expired);
        }
        Ok((d, rec))
    }

    /// Snapshot of all codes (admin listing).
    pub fn codes(&self) -> Vec<(Digest32, CodeRec)> {
        self.inner.codes.lock().iter().map(|(d, c)| (*d, c.clone())).collect()
    }

    /// Snapshot of all tokens (admin listing).
    pub fn tokens(&self) -> Vec<(Digest32, TokenRec)> {
        self.inner.tokens.read().iter().map(|(d, t)| (*d, t.clone())).collect()
    }

    /// Counts one request against a token's fixed one-minute window (Clever resets the window
    /// each minute rather than averaging).
    pub fn count_request(&self, token: &Digest32) -> RateDecision {
        let now = self.now().unix_timestamp();
        let minute = now.div_euclid(60);
        let limit = self.inner.config.rate_limit_per_minute;
        let mut rate = self.inner.rate.lock();
        let window = rate.entry(*token).or_insert(RateWindow { minute, count: 0 });
        if window.minute != minute {
            *window = RateWindow { minute, count: 0 };
        }
        let allowed = window.count < limit;
        if allowed {
            window.count += 1;
        }
        RateDecision {
            allowed,
            limit,
            remaining: limit.saturating_sub(window.count),
            reset_unix: (minute + 1) * 60,
        }
    }
}

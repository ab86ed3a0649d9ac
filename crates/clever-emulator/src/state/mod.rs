//! The emulator's shared state and the operations every route is built from: issuing and
//! redeeming codes, minting and checking tokens, rate limiting. Routes stay thin; the rules live
//! here once.
//!
//! - `credentials`: codes, tokens and rate limits;
//! - `loading`: seeds, generated worlds, profiles and `reset`.
//!
//! Lock order (to stay deadlock-free): `world` → `codes` → `tokens`. Nothing holds a lock across
//! an `.await`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::config::{ConfigError, EmulatorConfig};
use crate::faults::Faults;
use crate::generate::{GenerateError, GenerateSpec, generate_with_ids};
use crate::ids::IdScheme;
use crate::ids::{Digest32, digest};
use crate::journal::Journal;
use crate::model::{AppRec, World};
use crate::profile::Profiles;
use crate::seed::{Seed, SeedError};

pub mod bounded;
mod credentials;
mod loading;

use bounded::Bounded;
use credentials::RateWindows;

/// Most pending authorization requests kept (each lives 10 minutes).
pub const MAX_PENDING: usize = 10_000;
/// Most portal sessions (and portal CSRF tokens) kept.
pub const MAX_SESSIONS: usize = 10_000;
/// Most authorization codes kept, redeemed or not; the oldest is forgotten first.
pub const MAX_CODES: usize = 100_000;
/// Most user tokens kept. A user token is forgotten a day after it expires (until then it
/// answers "expired", not "unknown"); past the cap the oldest user token goes first. District
/// tokens are kept apart (one per district app and district, fixed by the world) and never evicted.
pub const MAX_TOKENS: usize = 1_000_000;
pub use credentials::{CodeRec, RateDecision, RedeemError, TokenError, TokenOwner, TokenRec};
use loading::Baseline;

/// A running emulator's state. Cheap to clone (an `Arc`).
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: EmulatorConfig,
    clock: Clock,
    /// Random per instance; district-app tokens and `id_token` signatures are HMACs under it, so
    /// tokens are stable for the life of the process without being stored in clear.
    instance_key: [u8; 32],
    baseline: RwLock<Baseline>,
    /// The profiles in force (see `loading`).
    profiles: RwLock<Profiles>,
    world: RwLock<World>,
    codes: Mutex<Bounded<Digest32, CodeRec, MAX_CODES>>,
    tokens: RwLock<Bounded<Digest32, TokenRec, MAX_TOKENS>>,
    district_tokens: RwLock<HashMap<Digest32, TokenRec>>,
    rate: Mutex<RateWindows>,
    browser: Mutex<BrowserState>,
    /// Set when a handler panicked: state may be half-changed, so health says so until a reset.
    broken: std::sync::atomic::AtomicBool,
    journal: Journal,
    faults: Faults,
}

/// Browser-side OAuth state: logged-in portal sessions, authorization requests awaiting login
/// or consent, remembered consents of non-teachers, and the admin's queue of who logs in next.
#[derive(Debug, Default)]
pub struct BrowserState {
    /// Session-cookie digest → logged-in user id. Sessions do not expire; past
    /// [`MAX_SESSIONS`] the oldest is logged out.
    pub sessions: Bounded<Digest32, String, MAX_SESSIONS>,
    /// Pending authorization requests by their random id, dropped at their expiry; past
    /// [`MAX_PENDING`] the oldest is dropped (its pages then say the request expired).
    pub pending: Bounded<String, PendingAuthorization, MAX_PENDING>,
    /// (client id, user id) pairs that already consented: staff, district admins, and anyone at a
    /// district app. A teacher's allowance of a Library app is an authorization, kept in
    /// [`World::installs`] instead (see [`crate::oauth::grant`]).
    pub consents: HashSet<(String, String)>,
    /// Users queued by `POST /__admin/next-login`; `/oauth/authorize` logs the first one in at once.
    pub next_logins: VecDeque<NextLogin>,
    /// Browser-cookie digest → the CSRF token the portal's forms carry (synchronizer token, one per
    /// browser, so the portal login form is protected before any session exists).
    /// Past [`MAX_SESSIONS`] browsers the oldest token is dropped (its forms are then refused).
    pub portal_csrf: Bounded<Digest32, String, MAX_SESSIONS>,
    /// (Client id, client network) → (unix minute, failed client authentications in it): the
    /// token endpoint's brute-force guard (RFC 6749 §2.3.1). Only registered client ids are
    /// counted, and at most [`crate::oauth::client_auth::MAX_FAILURE_COUNTERS`] counters are kept.
    pub client_auth_failures: HashMap<(String, crate::oauth::client_auth::ClientNet), (i64, u32)>,
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
    /// Started by a teacher's "Install" in the portal Library: no `state`, and Deny goes back to
    /// the Library.
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
    /// Builds an emulator from a seed, served with the configured profiles and the seed's. Fails
    /// if the seed is inconsistent or a setting is out of range ([`EmulatorConfig::check`]).
    pub fn new(seed: Seed, config: EmulatorConfig, clock: Clock) -> Result<Self, SeedError> {
        config.check()?;
        let baseline = Baseline::Seed(Box::new(seed));
        let profiles = baseline.profiles(&config.profiles);
        let world = baseline.build(clock.now(), IdScheme::for_profiles(&profiles))?;
        Ok(Self::assemble(baseline, world, profiles, config, clock))
    }

    /// Builds an emulator serving the large district `spec` describes (generated straight into a
    /// world, no seed format, for speed). `reset` regenerates it.
    pub fn generated(
        spec: GenerateSpec,
        config: EmulatorConfig,
        clock: Clock,
    ) -> Result<Self, GenerateError> {
        config.check().map_err(|e| GenerateError(format!("emulator settings: {e}")))?;
        let profiles = config.profiles.clone();
        let world = generate_with_ids(&spec, clock.now(), IdScheme::for_profiles(&profiles))?;
        Ok(Self::assemble(Baseline::Generated(Box::new(spec)), world, profiles, config, clock))
    }

    /// Builds an emulator directly from a world. `reset` returns to this world; its ids stay as
    /// they are whatever the profiles (use [`Emulator::generated`] for `foreign-ids`). Fails if a
    /// setting is out of range ([`EmulatorConfig::check`]).
    pub fn from_world(world: World, config: EmulatorConfig, clock: Clock) -> Result<Self, ConfigError> {
        config.check()?;
        let profiles = config.profiles.clone();
        Ok(Self::assemble(Baseline::World(Box::new(world.clone())), world, profiles, config, clock))
    }

    fn assemble(
        baseline: Baseline,
        world: World,
        profiles: Profiles,
        config: EmulatorConfig,
        clock: Clock,
    ) -> Self {
        let mut instance_key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut instance_key);
        let journal = Journal::new(config.journal_capacity);
        let emulator = Self {
            inner: Arc::new(Inner {
                config,
                clock,
                instance_key,
                baseline: RwLock::new(baseline),
                profiles: RwLock::new(profiles),
                world: RwLock::default(),
                codes: Mutex::default(),
                tokens: RwLock::default(),
                district_tokens: RwLock::default(),
                rate: Mutex::default(),
                browser: Mutex::default(),
                broken: std::sync::atomic::AtomicBool::new(false),
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

    /// Records that a request handler panicked (see `server::router`): health answers 503
    /// "broken" until the next reset or load.
    pub fn mark_broken(&self) {
        self.inner.broken.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// True after a handler panicked and before the next reset or load.
    pub fn is_broken(&self) -> bool {
        self.inner.broken.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets a panic once the state has been rebuilt.
    pub(crate) fn clear_broken(&self) {
        self.inner.broken.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// Browser-side OAuth state.
    pub fn browser(&self) -> parking_lot::MutexGuard<'_, BrowserState> {
        self.inner.browser.lock()
    }

    /// Installs a world and registers a district-app token for every (district app, district).
    fn install_world(&self, world: World) {
        let now = self.now();
        let mut tokens = self.inner.district_tokens.write();
        tokens.clear();
        for app in world.apps.values() {
            for district in &app.districts {
                let token = self.district_token(&app.client_id, district);
                let rec = TokenRec {
                    owner: TokenOwner::District(district.clone()),
                    client_id: app.client_id.clone(),
                    issued_at: now,
                    expires_at: None,
                    revoked_at: None,
                    from_code: None,
                };
                tokens.insert(digest(&token), rec);
            }
        }
        drop(tokens);
        *self.inner.world.write() = world;
    }

    /// The district-app token of `client_id` for `district_id`: 40 hex digits (Clever's district
    /// token shape), an HMAC under this instance's random key, so it is never stored in clear.
    pub fn district_token(&self, client_id: &str, district_id: &str) -> String {
        let mac = self.mac(&[client_id.as_bytes(), b"\0", district_id.as_bytes()]);
        hex::encode(&mac[..20])
    }

    /// HMAC-SHA256 under this instance's random key of `parts`, concatenated.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&self.inner.instance_key) else {
            return [0; 32]; // HMAC takes keys of any length, so this cannot happen
        };
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Checks HTTP Basic client credentials (secret compared in constant time).
    pub fn authenticate_client(&self, client_id: &str, secret: &str) -> Option<AppRec> {
        let world = self.inner.world.read();
        let app = world.apps.get(client_id)?;
        let given = digest(secret);
        bool::from(app.secret_digest.ct_eq(&given)).then(|| app.clone())
    }
}

//! Local (email + password) credentials: argon2id hashing, the password rules, and the limits on
//! failed attempts.
//!
//! Failures are counted in the database, so the limits hold across every app replica, in three
//! counts over one window ([`FAILURE_WINDOW`]):
//! - per email **and** client address ([`MAX_FAILURES`]): guessing one account's password from
//!   one place stops there, while the owner, elsewhere, still logs in — one client cannot keep a
//!   victim locked out;
//! - per client address ([`MAX_CLIENT_FAILURES`]): one client spraying many emails is stopped;
//! - per email from everywhere ([`MAX_EMAIL_FAILURES`]): a guess spread over many addresses is
//!   bounded too (reaching it takes several clients, each already stopped at its own limit).
//!
//! A check still running counts against the limits in its process until its failure is
//! counted ([`PasswordChecks`]), so a burst of guesses sent at once gets no more tries than the
//! limit (429 "too many attempts at once" for the rest); across replicas, at most one limit's
//! worth per replica.
//!
//! Every refusal says the same thing whether the email exists or not ("wrong email or
//! password"); a lock says when to try again. A failed login is logged with the client's address
//! and a keyed hash of the email (never the email itself).
//!
//! Hashing is bounded: each argon2 run takes 19 MiB and most of a core for tens of milliseconds,
//! so at most one per core runs at once ([`HASHING`]); a request that cannot get a turn within
//! [`HASHING_WAIT`] is told at once that Rollcall is busy (503), instead of queueing on a blocking
//! thread (512 of them × 19 MiB took a probe's process past 1.7 GiB).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::LazyLock;
use std::time::Duration;

use std::sync::Arc;

use axum::http::StatusCode;
use rollcall_core::Clock;
use rollcall_store::{LocalCredential, Store};
use tokio::sync::Semaphore;

use crate::client_addr::ClientAddr;
use crate::crypto::TokenKey;
use crate::email_links::EmailLinks;
use crate::error::WebError;
use crate::login_email::LoginEmail;
use crate::pages::when;

/// Password logins: what checking one needs (the store with its failure counts, the clock, the
/// mailed links an unconfirmed email is sent, the key of the logs' pseudonyms) and the checks
/// running in this process.
pub struct Passwords {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    emails: EmailLinks,
    log_key: TokenKey,
    checks: PasswordChecks,
}

impl Passwords {
    /// Password logins on `store`, mailing through `emails`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, emails: EmailLinks, log_key: TokenKey) -> Self {
        Self { store, clock, emails, log_key, checks: PasswordChecks::default() }
    }
}

/// Failed attempts allowed per login email from one client address in one window.
pub const MAX_FAILURES: u32 = 5;

/// Failed attempts allowed from one client address, whatever the emails, in one window.
pub const MAX_CLIENT_FAILURES: u32 = 20;

/// Failed attempts allowed per login email from all clients together in one window.
pub const MAX_EMAIL_FAILURES: u32 = 50;

/// The window failures are counted in (and the longest lock-out).
pub const FAILURE_WINDOW: time::Duration = time::Duration::minutes(15);

/// Shortest password accepted (NIST SP 800-63B asks for at least 8).
pub const MIN_PASSWORD: usize = 10;

/// Longest password accepted (argon2 would take anything; a bound keeps hashing cheap).
pub const MAX_PASSWORD: usize = 128;

/// The one message for a wrong email or password: it never says which.
pub const WRONG_CREDENTIALS: &str = "Wrong email or password.";

/// Memory one argon2 run takes, in KiB (OWASP's minimum for argon2id: 19 MiB).
pub const HASH_MEMORY_KIB: u32 = 19 * 1024;

/// Password checks that may hash at once: one per core (argon2 with one lane uses one core).
/// With [`HASH_MEMORY_KIB`] it bounds the memory hashing can take.
pub fn hashing_turns() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The [`hashing_turns`] turns.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hashing_turns()));

/// How long a password check waits for a turn before Rollcall says it is busy.
pub const HASHING_WAIT: Duration = Duration::from_secs(2);

/// What a visitor reads when every hashing turn is taken.
pub const BUSY: &str = "Rollcall is very busy right now. Please try again in a moment.";

/// Runs `work` (an argon2 hash or check) on a blocking thread once one of [`HASHING`]'s turns
/// is free.
async fn with_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, WebError> {
    with_turn_of(&HASHING, HASHING_WAIT, work).await
}

/// [`with_turn`] with the turns and the wait given.
async fn with_turn_of<T: Send + 'static>(
    turns: &Semaphore,
    wait: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WebError> {
    let Ok(Ok(_turn)) = tokio::time::timeout(wait, turns.acquire()).await else {
        tracing::warn!("password hashing is saturated; a request was turned away");
        return Err(WebError::friendly(StatusCode::SERVICE_UNAVAILABLE, "Rollcall is busy", BUSY, None));
    };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| WebError::Internal(format!("password hashing task: {e}")))
}

/// argon2id with OWASP's recommended minimum cost (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    let params = Params::new(HASH_MEMORY_KIB, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password against the rules, or says what is wrong.
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_PASSWORD {
        Err("Choose a password of at least 10 characters.")
    } else if len > MAX_PASSWORD {
        Err("Choose a password of at most 128 characters.")
    } else {
        Ok(())
    }
}

/// Hashes a password (on a blocking thread: argon2 is deliberately slow).
pub async fn hash(password: &str) -> Result<String, WebError> {
    let password = password.to_owned();
    with_turn(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| WebError::Internal(format!("password hashing: {e}")))
}

/// Whether `password` matches the stored PHC string (on a blocking thread).
async fn matches(password: &str, phc: &str) -> Result<bool, WebError> {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    with_turn(move || {
        PasswordHash::new(&phc).map(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?
    .map_err(|e| WebError::Internal(format!("stored password hash is unreadable: {e}")))
}

/// A hash to verify against when the email is unknown, so that a missing account takes as long
/// to refuse as a wrong password.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3lq3HkM1nP5mXzHnq2LqGg2vH2oO6m1nJv7m1Xb0Jmk";

impl Passwords {
    /// Proves ownership of the account that logs in with `email`, asked by `client`: the password
    /// must match, the email must be confirmed (if not, a link to confirm it is mailed), and none of
    /// the three failure counts (see the module docs) may be at its limit.
    /// Every failure is counted; a success clears the email's counts (not the client's).
    pub async fn verify(
        &self,
        client: &ClientAddr,
        email: &LoginEmail,
        password: &str,
    ) -> Result<LocalCredential, WebError> {
        let keys = FailureKeys::new(email, client);
        let now = self.clock.now();
        let store = &self.store;
        let client_count = store.failures(&keys.client, now).await?;
        if let Some(count) = client_count
            && count.failures >= MAX_CLIENT_FAILURES
        {
            return Err(client_locked(count.window_ends));
        }
        let mine = store.failures(&keys.email_here, now).await?;
        let everywhere = store.failures(&keys.email, now).await?;
        for (count, limit) in [(mine, MAX_FAILURES), (everywhere, MAX_EMAIL_FAILURES)] {
            if let Some(count) = count
                && count.failures >= limit
            {
                return Err(locked(count.window_ends));
            }
        }
        // Checks of these keys still running in this process count as failures until they are
        // counted for real, so a burst sent at once cannot pass the limits above before any of its
        // failures is in the database (across replicas: at most one limit's worth per replica).
        let in_flight = self.checks.enter(
            &keys,
            [(mine, MAX_FAILURES), (everywhere, MAX_EMAIL_FAILURES), (client_count, MAX_CLIENT_FAILURES)],
        );
        let Some(_in_flight) = in_flight else {
            return Err(WebError::friendly(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts at once",
                TOO_MANY_AT_ONCE,
                None,
            ));
        };
        let credential = store.credential_by_email(email.as_str()).await?;
        let phc = credential.as_ref().map_or(DECOY_HASH, |c| c.password_hash.as_str());
        let ok = match matches(password, phc).await {
            Ok(ok) => ok,
            // Busy: say so, and count nothing (the password was never checked).
            Err(busy @ WebError::Friendly { .. }) => return Err(busy),
            Err(_) => false,
        };
        match credential {
            Some(credential) if ok => {
                // Only a count there is to forget costs a write (the usual log-in has none).
                if mine.is_some() {
                    store.clear_failures(&keys.email_here).await?;
                }
                if everywhere.is_some() {
                    store.clear_failures(&keys.email).await?;
                }
                if !credential.confirmed {
                    // An account from before addresses were confirmed: it proves its email first.
                    self.emails.confirm(client, credential.user_id, &credential.email).await?;
                    return Err(WebError::friendly(
                        StatusCode::FORBIDDEN,
                        "Confirm your email first",
                        &format!(
                            "Before you log in with {} again, confirm that it is yours: we have emailed you a link. Open it, then log in.",
                            credential.email
                        ),
                        None,
                    ));
                }
                Ok(credential)
            }
            _ => {
                let here = store.count_failure(&keys.email_here, now, FAILURE_WINDOW).await?;
                let all = store.count_failure(&keys.email, now, FAILURE_WINDOW).await?;
                let from_client = store.count_failure(&keys.client, now, FAILURE_WINDOW).await?;
                tracing::info!(
                    %client,
                    email = %crate::crypto::pseudonym(&self.log_key, email.as_str()),
                    failures_here = here.failures,
                    failures_for_email = all.failures,
                    failures_from_client = from_client.failures,
                    "failed password login"
                );
                if from_client.failures >= MAX_CLIENT_FAILURES {
                    Err(client_locked(from_client.window_ends))
                } else if here.failures >= MAX_FAILURES {
                    Err(locked(here.window_ends))
                } else if all.failures >= MAX_EMAIL_FAILURES {
                    Err(locked(all.window_ends))
                } else {
                    Err(wrong_credentials())
                }
            }
        }
    }
}

/// The refusal of a wrong email or password (401), the same whichever it was. An email that is
/// not one at all gets it too, and counts nothing.
pub fn wrong_credentials() -> WebError {
    WebError::friendly(StatusCode::UNAUTHORIZED, "Could not log in", WRONG_CREDENTIALS, None)
}

/// What a visitor reads when more checks of one email or from one address run at once than its
/// limit has attempts left.
pub const TOO_MANY_AT_ONCE: &str =
    "Too many log-in attempts are being checked at once. Wait for them to finish and try again.";

/// Password checks running in this process, per failure key (see [`Passwords::verify`]).
#[derive(Default)]
pub struct PasswordChecks {
    running: parking_lot::Mutex<std::collections::HashMap<String, u32>>,
}

impl PasswordChecks {
    /// Registers a check of `keys` if, for each key, its failures in the database plus the checks
    /// of it already running stay below its limit; `None` if any would reach it. The returned
    /// guard unregisters the check when dropped (after its failure, if any, was counted).
    fn enter<'a>(
        &'a self,
        keys: &FailureKeys,
        counts: [(Option<rollcall_store::FailureCount>, u32); 3],
    ) -> Option<RunningCheck<'a>> {
        let names = [keys.email_here.clone(), keys.email.clone(), keys.client.clone()];
        let mut running = self.running.lock();
        for (name, (count, limit)) in names.iter().zip(counts) {
            let failures = count.map_or(0, |c| c.failures);
            let pending = running.get(name).copied().unwrap_or(0);
            if failures.saturating_add(pending) >= limit {
                return None;
            }
        }
        for name in &names {
            *running.entry(name.clone()).or_insert(0) += 1;
        }
        Some(RunningCheck { checks: self, names })
    }
}

/// One registered check; see [`PasswordChecks::enter`].
struct RunningCheck<'a> {
    checks: &'a PasswordChecks,
    names: [String; 3],
}

impl Drop for RunningCheck<'_> {
    fn drop(&mut self) {
        let mut running = self.checks.running.lock();
        for name in &self.names {
            if let Some(n) = running.get_mut(name) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    running.remove(name);
                }
            }
        }
    }
}

/// The three failure counts' keys for one attempt.
struct FailureKeys {
    email_here: String,
    email: String,
    client: String,
}

impl FailureKeys {
    fn new(email: &LoginEmail, client: &ClientAddr) -> Self {
        let client = client.key();
        Self {
            email_here: format!("login:{email}|{client}"),
            email: format!("login:{email}"),
            client: format!("login-client:{client}"),
        }
    }
}

fn client_locked(until: time::OffsetDateTime) -> WebError {
    WebError::friendly(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        &format!(
            "There were too many wrong passwords from your network. For everyone's safety, try again after {}.",
            when(&until)
        ),
        None,
    )
}

fn locked(until: time::OffsetDateTime) -> WebError {
    WebError::friendly(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        &format!(
            "There were too many wrong passwords for this email. For your safety, try again after {}.",
            when(&until)
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_ten_characters() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pw").is_ok());
        assert!(check_new_password(&"x".repeat(129)).is_err());
    }

    #[tokio::test]
    async fn hashes_verify_and_the_decoy_is_a_valid_hash() {
        let phc = hash("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(matches("correct horse battery", &phc).await.unwrap());
        assert!(!matches("wrong horse battery", &phc).await.unwrap());
        assert!(!matches("anything", DECOY_HASH).await.unwrap(), "the decoy parses and matches nothing");
    }

    #[tokio::test]
    async fn with_every_turn_taken_a_check_is_told_rollcall_is_busy_and_then_goes_through() {
        let turns = Semaphore::new(2);
        let taken = turns.acquire_many(2).await.unwrap();
        match with_turn_of(&turns, Duration::from_millis(20), || 42).await {
            Err(WebError::Friendly { status, detail, .. }) => {
                assert_eq!((status, detail.as_str()), (StatusCode::SERVICE_UNAVAILABLE, BUSY));
            }
            other => panic!("expected the busy page, got {:?}", other.map_err(|e| e.to_string())),
        }
        drop(taken);
        assert_eq!(with_turn_of(&turns, Duration::from_millis(20), || 42).await.unwrap(), 42);
    }
}

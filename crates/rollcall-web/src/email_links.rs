//! Proving an email address: nothing a password account does counts until its owner opens a
//! link Rollcall mailed to the address.
//!
//! - Signing up writes nothing: the new account (names, role, email, the password's hash) rides
//!   in the link, sealed, and is created when the link is used. Nobody can squat an address
//!   they cannot read, and an unfinished sign-up holds nothing.
//! - Adding a password to a Clever account works the same way.
//! - An account from before confirmation existed is asked to confirm at its next login.
//!
//! The page after a sign-up or an added password says the same whether the address already has
//! an account or not ("we sent a link"); the mail itself tells the address's owner which it was.
//! A link is sealed with the deployment's key (nobody can read or alter it), lasts
//! [`LINK_TTL`], and does its work only from a button on the page it opens (mail scanners that
//! fetch links change nothing). Sends are limited per address and per client
//! ([`MAX_MAILS_PER_ADDRESS`], [`MAX_MAILS_PER_CLIENT`]), so the form cannot be used to flood
//! someone's inbox.

use std::sync::Arc;

use axum::http::StatusCode;
use rollcall_core::{Clock, UserId};
use rollcall_store::Store;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::client_addr::ClientAddr;
use crate::crypto::{TokenKey, TokenSealer};
use crate::error::WebError;
use crate::mail::{Mail, Mailer};

/// Mails the links: what that needs (the store for the limits and the address checks, the
/// clock, the sealer of links, the mailer, the app's public URL, the key of the logs'
/// pseudonyms). Cheap to clone.
#[derive(Clone)]
pub struct EmailLinks {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sealer: TokenSealer,
    mailer: Mailer,
    public_url: String,
    log_key: TokenKey,
}

/// How long a mailed link works.
pub const LINK_TTL: Duration = Duration::hours(24);

/// The path a link opens.
pub const PATH: &str = "/email/confirm";

/// Mails to one address in [`MAIL_WINDOW`]; more are not sent (the page says mail may be slow).
pub const MAX_MAILS_PER_ADDRESS: u32 = 3;

/// Mails asked for by one client address in [`MAIL_WINDOW`]; more are refused (429).
pub const MAX_MAILS_PER_CLIENT: u32 = 10;

/// The window mails are counted in.
pub const MAIL_WINDOW: Duration = Duration::hours(1);

/// What a link, once used, does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "purpose", rename_all = "kebab-case")]
pub enum Proof {
    /// Creates this local account.
    SignUp {
        /// `teacher` or `student`.
        role: String,
        /// Given name.
        first_name: String,
        /// Family name.
        last_name: String,
        /// Login email (normalised).
        email: String,
        /// The chosen password's PHC string.
        password_hash: String,
    },
    /// Gives this account (which had no password) this login email and password.
    AddPassword {
        /// The account.
        user: UserId,
        /// Login email (normalised).
        email: String,
        /// The chosen password's PHC string.
        password_hash: String,
    },
    /// Records that this account's login email is its owner's.
    Confirm {
        /// The account.
        user: UserId,
        /// Its login email.
        email: String,
    },
}

impl Proof {
    /// The address the link goes to.
    pub fn email(&self) -> &str {
        match self {
            Proof::SignUp { email, .. } | Proof::AddPassword { email, .. } | Proof::Confirm { email, .. } => {
                email
            }
        }
    }
}

/// What the link carries.
#[derive(Serialize, Deserialize)]
struct Sealed {
    proof: Proof,
    /// Unix time after which the link no longer works.
    expires: i64,
}

impl EmailLinks {
    /// Links to `public_url`, sealed with `sealer`, sent by `mailer`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        sealer: TokenSealer,
        mailer: Mailer,
        public_url: String,
        log_key: TokenKey,
    ) -> Self {
        Self { store, clock, sealer, mailer, public_url, log_key }
    }

    /// Where mail goes.
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// The link's token for `proof`, valid for [`LINK_TTL`] from `now`.
    pub fn seal(&self, proof: Proof, now: OffsetDateTime) -> String {
        let expires = (now + LINK_TTL).unix_timestamp();
        crate::crypto::seal_json(&self.sealer, &Sealed { proof, expires })
    }

    /// The full link that does `proof`, valid for [`LINK_TTL`] from now.
    fn link(&self, proof: Proof) -> String {
        format!("{}{PATH}?link={}", self.public_url, self.seal(proof, self.clock.now()))
    }

    /// What a link's token proves; `None` if it was altered, sealed by another deployment, or has
    /// expired.
    pub fn open(&self, token: &str) -> Option<Proof> {
        let sealed: Sealed = crate::crypto::open_json(&self.sealer, token)?;
        (self.clock.now().unix_timestamp() <= sealed.expires).then_some(sealed.proof)
    }

    /// A sign-up: mails the link that creates the account, or, if the address already logs in to
    /// an account, a note saying so (the visitor is told the same either way).
    pub async fn sign_up(&self, client: &ClientAddr, proof: Proof) -> Result<(), WebError> {
        let url = &self.public_url;
        let mail = if self.store.credential_by_email(proof.email()).await?.is_some() {
            Mail {
                to: proof.email().to_owned(),
                subject: "You already have a Rollcall account".into(),
                body: format!(
                    "Someone, probably you, tried to create a Rollcall account with this email address.\n\n\
                 You already have one: log in at {url}/login\n\n\
                 If it was not you, you can ignore this email. Nothing has changed."
                ),
            }
        } else {
            let Proof::SignUp { first_name, .. } = &proof else {
                return Err(WebError::Internal("sign_up mails a sign-up link".into()));
            };
            let link = self.link(proof.clone());
            Mail {
                to: proof.email().to_owned(),
                subject: "Finish creating your Rollcall account".into(),
                body: format!(
                    "Hello {first_name},\n\n\
                 Open this link within 24 hours to finish creating your Rollcall account:\n\n{link}\n\n\
                 If you did not sign up for Rollcall, you can ignore this email: no account is created without this link."
                ),
            }
        };
        self.send(client, mail).await
    }

    /// "Add a password" on a Clever account: mails the link that adds it, or, if the address
    /// already logs in to an account, a note to its owner (the visitor is told the same either way).
    pub async fn add_password(&self, client: &ClientAddr, proof: Proof) -> Result<(), WebError> {
        let mail = if self.store.credential_by_email(proof.email()).await?.is_some() {
            Mail {
                to: proof.email().to_owned(),
                subject: "Your email address on Rollcall".into(),
                body:
                    "Someone tried to add this email address to another Rollcall account. It already logs in \
                   to your account, so nothing has changed.\n\n\
                   If it was you, log in with this address and your password instead."
                        .into(),
            }
        } else {
            let link = self.link(proof.clone());
            Mail {
                to: proof.email().to_owned(),
                subject: "Confirm your email address for Rollcall".into(),
                body: format!(
                    "Open this link within 24 hours to finish adding a password to your Rollcall account:\n\n{link}\n\n\
                 If you did not ask for this, you can ignore this email: nothing changes without this link."
                ),
            }
        };
        self.send(client, mail).await
    }

    /// An account from before confirmation existed logged in with the right password: mails the
    /// link that confirms its email.
    pub async fn confirm(&self, client: &ClientAddr, user: UserId, email: &str) -> Result<(), WebError> {
        let proof = Proof::Confirm { user, email: email.to_owned() };
        let link = self.link(proof);
        let mail = Mail {
            to: email.to_owned(),
            subject: "Confirm your email address for Rollcall".into(),
            body: format!(
                "Before you log in to Rollcall with this address again, confirm that it is yours. \
             Open this link within 24 hours:\n\n{link}\n\n\
             If you did not try to log in, you can ignore this email."
            ),
        };
        self.send(client, mail).await
    }

    /// Sends `mail` unless its address has had [`MAX_MAILS_PER_ADDRESS`] this window (then it is
    /// skipped and logged); refuses once the client has asked for [`MAX_MAILS_PER_CLIENT`].
    async fn send(&self, client: &ClientAddr, mail: Mail) -> Result<(), WebError> {
        let (store, now) = (&self.store, self.clock.now());
        let from_client =
            store.count_failure(&format!("mail-client:{}", client.key()), now, MAIL_WINDOW).await?;
        if from_client.failures > MAX_MAILS_PER_CLIENT {
            tracing::info!(%client, "mail refused: too many from this client");
            return Err(WebError::friendly(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many emails",
                &format!(
                    "Rollcall has sent a lot of emails for your network in the last hour. Try again after {}.",
                    crate::pages::when(&from_client.window_ends)
                ),
                None,
            ));
        }
        let to_address = store.count_failure(&format!("mail-to:{}", mail.to), now, MAIL_WINDOW).await?;
        if to_address.failures > MAX_MAILS_PER_ADDRESS {
            let address = crate::crypto::pseudonym(&self.log_key, &mail.to);
            tracing::info!(%client, %address, "mail not sent: enough already went to this address this hour");
            return Ok(());
        }
        self.mailer.send(mail, now);
        Ok(())
    }
}

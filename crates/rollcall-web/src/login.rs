//! What a Clever login does once its code is verified. [`Logins::identify`] learns who signed
//! in; then either [`Logins::provision`] makes or refreshes the account keyed on their Clever
//! id, or [`Logins::attach`] links the Clever identity to an account the person has just proven they own
//! (its password, or being logged in to it). Both end the same way: the Clever token is stored
//! (in the account's own transaction: `LoginStore::upsert_clever_login`) and a teacher's classes are
//! synced.
//!
//! Accounts are never matched by email: an email only ever reaches an account through its
//! password.

use std::sync::Arc;

use axum::http::StatusCode;
use clever_client::{AccessToken, CleverClient, ClientError};
use rollcall_core::{CleverId, Clock, UserId};
use rollcall_store::{AccountRole, CleverProfile, SealedToken, Store, User};

use crate::crypto::TokenSealer;
use crate::error::WebError;
use crate::metrics::{LoginKind, Metrics};
use crate::roster_source::{PendingLists, RosterLists, ask_lists, spawn_lists};
use crate::session::Cookies;
use crate::sync::SyncOutcome;
use crate::sync::SyncService;
use futures::FutureExt;

/// What a Clever login needs: the Clever client, the store, the clock, the sealer of Clever
/// tokens (and of the pending first login, [`crate::pending`], kept in a cookie), the counters,
/// and the sync a teacher's login starts.
pub struct Logins {
    clever: CleverClient,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sealer: TokenSealer,
    cookies: Cookies,
    metrics: Arc<Metrics>,
    sync: SyncService,
}

/// A verified Clever login: who it is, and the token to act for them.
pub struct CleverLogin {
    /// Their Clever access token.
    pub token: AccessToken,
    /// When it expires.
    pub expires_at: time::OffsetDateTime,
    /// Who Clever says they are.
    pub profile: CleverProfile,
    /// A teacher's two roster lists, asked during the login and still coming, for the login's
    /// sync; `None` for students, and for a login finished after the first-login question (its
    /// sync asks Clever again, as the answer may be minutes old).
    pub roster: Option<PendingLists>,
}

/// Who signed in.
pub enum Identified {
    /// A teacher or student: Rollcall's users.
    Person(CleverLogin),
    /// A teacher Rollcall knows, recognised by `/me` alone (only when asked for: `fast`).
    Returning(Returning),
    /// School staff or a district admin: Rollcall has nothing for them (see the crate docs).
    Unsupported {
        /// Their name.
        name: String,
        /// Their role.
        role: AccountRole,
    },
}

impl Logins {
    /// Logins with these parts.
    pub fn new(
        clever: CleverClient,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        sealer: TokenSealer,
        cookies: Cookies,
        metrics: Arc<Metrics>,
        sync: SyncService,
    ) -> Self {
        Self { clever, store, clock, sealer, cookies, metrics, sync }
    }

    /// The clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Seals what waits in the browser.
    pub fn sealer(&self) -> &TokenSealer {
        &self.sealer
    }

    /// The deployment's cookies.
    pub fn cookies(&self) -> Cookies {
        self.cookies
    }

    /// Exchanges the code (once) and asks Clever who it is for. With `fast`, a teacher Rollcall
    /// already knows is [`Identified::Returning`] as soon as `/me` names them: two round trips to
    /// Clever, the rest of the login goes on behind their first page.
    pub async fn identify(&self, code: &str, fast: bool) -> Result<Identified, WebError> {
        let clever = &self.clever;
        let grant = clever.exchange_code(code).await.map_err(clever_error)?;
        // The token's expiry counts from now: the server's `expires_in`, else Clever's 24 hours.
        let expires_at = self.now() + grant.lifetime();
        let token = grant.token;
        let me = clever.me(&token).await.map_err(clever_error)?;
        // A teacher's roster lists need only their id and the token, so they are asked at the
        // same time as the user record: a teacher's login is three round trips to Clever (the
        // code, `/me`, then the user, the sections and the students at once), not five. The
        // account needs only the user record; the lists go on behind the first page, into the
        // login's sync.
        let teacher = match self.may_teach(&me.data).await {
            Teaching::Known(account) if fast => {
                return Ok(Identified::Returning(Returning { account, token, expires_at }));
            }
            Teaching::Known(account) => account.clever_id,
            Teaching::Maybe(id) => Some(id),
            Teaching::No => None,
        };
        let roster = teacher.as_ref().map(|teacher| spawn_lists(clever, &token, teacher));
        let user = clever.user(&token, &me.data.id).await;
        let profile = match person(user.map_err(clever_error)?)? {
            Person::Profile(profile) => profile,
            Person::Unsupported { name, role } => return Ok(Identified::Unsupported { name, role }),
        };
        // The user record decides the role: a roster asked on `/me`'s word is kept for teachers only.
        let roster = roster.filter(|_| profile.role == AccountRole::Teacher);
        Ok(Identified::Person(CleverLogin { token, expires_at, profile, roster }))
    }

    /// Whether a `/me` may be a teacher's, whose roster lists are worth asking for before the
    /// user record says: Clever's v3 `/me` does not say the role, so it is a teacher's if an
    /// older `/me` says so (`type` `teacher`), or if the account Rollcall keeps for it is a
    /// teacher's, or if Rollcall has none yet (a first login; a student's costs two answers
    /// unused, once). A known student's never is.
    async fn may_teach(&self, me: &clever_types::MeData) -> Teaching {
        let Ok(id) = CleverId::parse(&me.id) else { return Teaching::No };
        if matches!(me.kind.as_str(), "student" | "district") {
            return Teaching::No;
        }
        let said_teacher = me.kind == "teacher";
        match self.store.user_by_clever_id(&id).await {
            Ok(Some(account)) if account.role == AccountRole::Teacher => Teaching::Known(account),
            Ok(None) => Teaching::Maybe(id),
            Ok(Some(_)) | Err(_) if said_teacher => Teaching::Maybe(id),
            Ok(Some(_)) | Err(_) => Teaching::No,
        }
    }

    /// Signs a returning teacher in on `/me`'s word and goes on in the background: Clever's user
    /// record (the profile and token are stored from it, as at every login) and the roster lists
    /// are asked at once, then the classes are synced. Returns the account to sign in to.
    pub fn resume(&self, returning: Returning) -> UserId {
        let Returning { account, token, expires_at } = returning;
        self.metrics.login(LoginKind::Teacher);
        tracing::info!(user = %account.id, role = "teacher", created = false, "Clever login");
        let Some(clever_id) = account.clever_id.clone() else { return account.id };
        let refresh = ReturningRefresh {
            clever: self.clever.clone(),
            store: Arc::clone(&self.store),
            token: token.clone(),
            sealed: self.sealed(&token, expires_at),
            clever_id: clever_id.clone(),
            now: self.now(),
        };
        self.sync.start_login(account.id, clever_id, token, Some(refresh.run().boxed()));
        account.id
    }

    /// The account keyed on this Clever id, created on first login (teachers and students alike,
    /// even before any teacher synced the student), then finished (token stored, classes synced).
    /// Returns the account and whether it was created.
    pub async fn provision(&self, login: &CleverLogin) -> Result<(UserId, bool), WebError> {
        let now = self.now();
        let (account, created) = self
            .store
            .upsert_clever_login(&login.profile, &self.sealed(&login.token, login.expires_at), now)
            .await?;
        tracing::info!(user = %account.id, role = login.profile.role.as_str(), created, "Clever login");
        self.finish(account.id, login);
        Ok((account.id, created))
    }

    /// Links the Clever identity to `account`, whose ownership the caller has proven, then
    /// finishes the login into it: the sync fills that account's classes.
    ///
    /// Refused when the roles differ (a Clever teacher never takes over a student account, so a
    /// student can never end up owning sections), and when either side is already linked elsewhere.
    /// `retry` is where the refusal's "Try again" points.
    pub async fn attach(&self, account: &User, login: &CleverLogin, retry: &str) -> Result<(), WebError> {
        if account.role != login.profile.role {
            return Err(WebError::friendly(
                StatusCode::CONFLICT,
                "These accounts do not match",
                &format!(
                    "Clever says you are a {}, but this Rollcall account is a {} account. Only accounts of the same kind can be linked.",
                    role_label(login.profile.role),
                    role_label(account.role)
                ),
                Some(retry),
            ));
        }
        let now = self.now();
        self.store.link_clever(account.id, &login.profile, now).await?;
        // Now keyed on the Clever id: refresh the names from Clever, as every later login will.
        self.store
            .upsert_clever_login(&login.profile, &self.sealed(&login.token, login.expires_at), now)
            .await?;
        tracing::info!(user = %account.id, "Clever identity linked to an existing account");
        self.finish(account.id, login);
        Ok(())
    }

    /// A login's Clever token, sealed, as `upsert_clever_login` stores it.
    fn sealed(&self, token: &AccessToken, expires_at: time::OffsetDateTime) -> SealedToken {
        SealedToken { sealed: self.sealer.seal(token.expose()), obtained_at: self.now(), expires_at }
    }

    /// After the account and token are stored: for a teacher, starts the sync of their classes
    /// (in the background: their first page says it is running) and, when it ends, schedules
    /// the next.
    fn finish(&self, user: UserId, login: &CleverLogin) {
        self.metrics.login(match login.profile.role {
            AccountRole::Teacher => LoginKind::Teacher,
            _ => LoginKind::Student,
        });
        if login.profile.role == AccountRole::Teacher {
            let refresh: Option<crate::sync::Refresh> =
                login.roster.clone().map(|lists| async move { Ok(lists.await) }.boxed());
            self.sync.start_login(user, login.profile.clever_id.clone(), login.token.clone(), refresh);
        }
    }
}

/// Whether a `/me` may be a teacher's (see `Logins::may_teach`).
enum Teaching {
    /// The teacher account Rollcall keeps for this Clever id.
    Known(User),
    /// Perhaps a teacher: a Clever id Rollcall has not seen, or one `/me` calls a teacher's.
    Maybe(CleverId),
    No,
}

/// A teacher Rollcall knows, recognised by `/me` (see [`Logins::resume`]).
pub struct Returning {
    /// Their account.
    pub account: User,
    token: AccessToken,
    expires_at: time::OffsetDateTime,
}

/// What a Clever user record says about who signed in.
enum Person {
    /// A teacher or student, and their profile.
    Profile(CleverProfile),
    /// School staff or a district admin, by name.
    Unsupported { name: String, role: AccountRole },
}

/// Reads a Clever user record.
fn person(user: clever_types::User) -> Result<Person, WebError> {
    let clever_id = CleverId::parse(&user.id).map_err(|e| {
        tracing::warn!(error = %e, "Clever sent an account id Rollcall cannot use");
        WebError::friendly(
            StatusCode::BAD_GATEWAY,
            "Clever sent an answer we could not read",
            "Rollcall could not read who you are from Clever's answer. Please try again; if it keeps happening, tell your Rollcall administrator.",
            Some("/auth/clever/start"),
        )
    })?;
    let role = role_of(&user);
    let name = user.name.clone().unwrap_or_default();
    let (first, last) = (name.first.unwrap_or_default(), name.last.unwrap_or_default());
    if matches!(role, AccountRole::Staff | AccountRole::DistrictAdmin) {
        return Ok(Person::Unsupported { name: format!("{first} {last}").trim().to_owned(), role });
    }
    Ok(Person::Profile(CleverProfile {
        clever_id,
        role,
        first_name: first,
        middle_name: name.middle.filter(|m| !m.is_empty()),
        last_name: last,
        email: user.email.filter(|e| !e.is_empty()),
        grade: user.roles.student.as_ref().and_then(|s| s.grade.as_ref()).map(|g| g.as_str().to_owned()),
    }))
}

/// The part of a returning teacher's login that goes on behind their first page.
struct ReturningRefresh {
    clever: CleverClient,
    store: Arc<dyn Store>,
    token: AccessToken,
    sealed: SealedToken,
    clever_id: CleverId,
    now: time::OffsetDateTime,
}

impl ReturningRefresh {
    /// Asks for the user record and the roster lists at once, then stores the profile and the
    /// token; gives the lists to the sync, or the outcome that stops it: Clever failed, or no
    /// longer calls this person a teacher (a student's account is updated to say so; staff are
    /// left as they were, as at a first login).
    async fn run(self) -> Result<Arc<RosterLists>, SyncOutcome> {
        let Self { clever, store, token, sealed, clever_id, now } = self;
        let (user, lists) =
            tokio::join!(clever.user(&token, clever_id.as_str()), ask_lists(&clever, &token, &clever_id));
        let user = user.map_err(|e| crate::sync::stopped_by(&crate::roster_source::fetch_error(e)))?;
        let profile = match person(user) {
            Ok(Person::Profile(profile)) => profile,
            Ok(Person::Unsupported { role, .. }) => {
                tracing::warn!(role = role.as_str(), "a teacher's Clever account is no longer a teacher's");
                return Err(crate::sync::stopped(NOT_A_TEACHER));
            }
            Err(_) => return Err(crate::sync::stopped(UNREADABLE)),
        };
        if let Err(error) = store.upsert_clever_login(&profile, &sealed, now).await {
            tracing::error!(%error, "could not store a returning teacher's Clever login");
            return Err(crate::sync::stopped(crate::sync::SAVE_FAILED));
        }
        if profile.role != AccountRole::Teacher {
            return Err(crate::sync::stopped(NOT_A_TEACHER));
        }
        Ok(Arc::new(lists))
    }
}

/// Why a returning login's sync did not run when Clever no longer calls them a teacher.
const NOT_A_TEACHER: &str = "Clever no longer lists you as a teacher, so your classes were not synced.";

/// Why it did not run when Clever's user record could not be read.
const UNREADABLE: &str = "Clever sent an answer Rollcall could not read, so your classes were not synced. Nothing was lost; please try again.";

/// Teacher before student before staff before admin: a teacher who is also staff uses Rollcall
/// as a teacher. (Clever never combines student with another role.)
fn role_of(user: &clever_types::User) -> AccountRole {
    let r = &user.roles;
    if r.teacher.is_some() {
        AccountRole::Teacher
    } else if r.student.is_some() {
        AccountRole::Student
    } else if r.staff.is_some() {
        AccountRole::Staff
    } else {
        AccountRole::DistrictAdmin
    }
}

/// A role in words.
pub fn role_label(role: AccountRole) -> &'static str {
    match role {
        AccountRole::Teacher => "teacher",
        AccountRole::Student => "student",
        AccountRole::Staff => "school staff member",
        AccountRole::DistrictAdmin => "district administrator",
    }
}

fn clever_error(e: ClientError) -> WebError {
    match e {
        ClientError::InvalidGrant { .. } => WebError::friendly(
            StatusCode::BAD_REQUEST,
            "This sign-in link has expired",
            "Sign-in links from Clever work once and only for a minute. Start again and it will work.",
            Some("/auth/clever/start"),
        ),
        ClientError::InvalidClient => {
            tracing::error!(
                "Clever refused the app's client credentials: check ROLLCALL_CLEVER_CLIENT_ID/SECRET"
            );
            WebError::friendly(
                StatusCode::BAD_GATEWAY,
                "Rollcall's Clever connection is misconfigured",
                "Clever did not accept Rollcall's credentials. Please tell your Rollcall administrator.",
                None,
            )
        }
        ClientError::RateLimited { .. } => {
            tracing::warn!("Clever throttled the sign-in (429)");
            WebError::friendly(
                StatusCode::SERVICE_UNAVAILABLE,
                "Clever is busy",
                "Clever asked Rollcall to slow down for a moment. Please wait a minute and sign in again.",
                Some("/auth/clever/start"),
            )
        }
        ClientError::Unauthorized { .. } => WebError::friendly(
            StatusCode::BAD_GATEWAY,
            "Clever ended the sign-in",
            "Clever withdrew the authorization while signing you in. Please start again.",
            Some("/auth/clever/start"),
        ),
        other => {
            tracing::warn!(error = %other, "Clever call failed during login");
            WebError::friendly(
                StatusCode::BAD_GATEWAY,
                "Clever is not responding",
                "Rollcall could not reach Clever to sign you in. Please try again in a minute.",
                Some("/auth/clever/start"),
            )
        }
    }
}

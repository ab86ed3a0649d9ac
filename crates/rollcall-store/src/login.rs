//! What a login reads and writes: accounts by id or Clever id, the Clever login itself with its
//! token, sessions, and the OAuth callback's exactly-once claim.

use async_trait::async_trait;
use rollcall_core::{CleverId, UserId};
use time::OffsetDateTime;

use crate::{CallbackClaim, CleverProfile, SealedToken, Session, StoreResult, User};

/// Logins: accounts, Clever tokens, sessions and the callback's claim.
#[async_trait]
pub trait LoginStore: Send + Sync {
    /// One account.
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;

    /// The account linked to a Clever id.
    async fn user_by_clever_id(&self, clever_id: &CleverId) -> StoreResult<Option<User>>;

    /// The account for a Clever login, and its sealed Clever token stored (replacing any
    /// earlier one), in one transaction. The account is created on first login (race-free:
    /// concurrent first logins of one person yield one account), else updated with the
    /// profile's name, email, grade and role; it may be the account a roster sync created for a
    /// student who now logs in. Returns the account and whether it was created. Records
    /// `account_created` (actor: the account) when it creates one, and `role_changed` (actor:
    /// none, detail `"student → teacher"`) when Clever now reports a different role.
    async fn upsert_clever_login(
        &self,
        profile: &CleverProfile,
        token: &SealedToken,
        now: OffsetDateTime,
    ) -> StoreResult<(User, bool)>;

    /// The user's sealed Clever token, if any.
    async fn clever_token(&self, user: UserId) -> StoreResult<Option<SealedToken>>;

    /// Creates a session.
    async fn create_session(&self, session: &Session) -> StoreResult<()>;

    /// A live (unexpired at `now`) session by the hash of its cookie, with its account: one query
    /// on every request of a logged-in user.
    async fn session(&self, id_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<Option<(Session, User)>>;

    /// Ends a session.
    async fn delete_session(&self, id_hash: &[u8; 32]) -> StoreResult<()>;

    /// Claims an authorization code (by its SHA-256) for exchange. The first caller gets
    /// `First`; later callers learn whether it is in progress, done or failed. Claims older than
    /// `now - CALLBACK_TTL` may be reused (a code lives 60 s at Clever anyway).
    async fn claim_callback(&self, code_hash: &[u8; 32], now: OffsetDateTime) -> StoreResult<CallbackClaim>;

    /// Records the outcome of a claimed code: the account it logged in, or `None` on failure.
    /// Fails with `NotFound` if the code was never claimed (or its claim has expired).
    async fn finish_callback(&self, code_hash: &[u8; 32], user: Option<UserId>) -> StoreResult<()>;

    /// A successful login's end, in one transaction: [`LoginStore::finish_callback`] with the
    /// session's account, and [`LoginStore::create_session`]. Fails with `NotFound` (creating no
    /// session) if the code was never claimed (or its claim has expired).
    async fn finish_callback_with_session(&self, code_hash: &[u8; 32], session: &Session) -> StoreResult<()>;
}

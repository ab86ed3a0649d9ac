//! How many Data API requests each bearer token has in flight.
//!
//! Clever rate-limits per bearer token (1200 requests a minute each), not per app, so the bound
//! is per token too: one teacher's sync cannot flood Clever, and a hundred teachers logging in at
//! 8 a.m. do not queue behind each other's requests. (A bound per client did that: against real
//! Clever, at ~150 ms a request, eight requests in flight for the whole app would have capped
//! every login together at a dozen or so a second.)
//!
//! Each token in use has a semaphore, kept only while some request of that token holds or awaits
//! it, so the map never grows past the tokens in use. Tokens are keyed by a hash under a key
//! random to the process: two tokens that collide share one bound, which is harmless.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::client::AccessToken;

/// The per-token bound: at most `max` requests of one token in flight.
pub(crate) struct PerToken {
    max: usize,
    hasher: RandomState,
    tokens: Mutex<HashMap<u64, Arc<Semaphore>>>,
}

impl PerToken {
    /// A bound of `max` requests per token (at least one).
    pub(crate) fn new(max: usize) -> Self {
        Self { max: max.max(1), hasher: RandomState::new(), tokens: Mutex::default() }
    }

    /// Waits for a turn for `token`; the turn ends when the returned permit is dropped.
    pub(crate) async fn acquire(&self, token: &AccessToken) -> TokenPermit<'_> {
        let key = self.hasher.hash_one(token.expose());
        let semaphore =
            Arc::clone(self.lock().entry(key).or_insert_with(|| Arc::new(Semaphore::new(self.max))));
        // The semaphore is never closed, so this only fails if that changes: then the request
        // goes ahead unbounded rather than failing.
        let permit = semaphore.acquire_owned().await.ok();
        TokenPermit { owner: self, key, permit }
    }

    /// Tokens with a request holding or awaiting a turn.
    #[cfg(test)]
    fn tokens_in_use(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Semaphore>>> {
        // The map is consistent after any panic (each change is one insert or remove).
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One request's turn for its token.
pub(crate) struct TokenPermit<'a> {
    owner: &'a PerToken,
    key: u64,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for TokenPermit<'_> {
    fn drop(&mut self) {
        let mut tokens = self.owner.lock();
        drop(self.permit.take());
        // Under the lock, so no request can take the semaphore from the map meanwhile: when the
        // map holds the only reference, no request holds or awaits this token's turn.
        if tokens.get(&self.key).is_some_and(|s| Arc::strong_count(s) == 1) {
            tokens.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_waits_for_its_own_turns_only_and_is_forgotten_when_idle() {
        let limits = PerToken::new(1);
        let (a, b) = (AccessToken::new("token-a"), AccessToken::new("token-b"));
        let first_a = limits.acquire(&a).await;
        // Another token is not held up by the first one's full bound.
        let first_b = limits.acquire(&b).await;
        assert_eq!(limits.tokens_in_use(), 2);

        // The same token waits until its turn is handed back.
        let mut second_a = Box::pin(limits.acquire(&a));
        assert!(
            futures::poll!(second_a.as_mut()).is_pending(),
            "a second request of a full token went ahead"
        );
        drop(first_a);
        let second_a = second_a.await;

        drop(first_b);
        assert_eq!(limits.tokens_in_use(), 1, "b's entry goes with its last request");
        drop(second_a);
        assert_eq!(limits.tokens_in_use(), 0);
    }
}

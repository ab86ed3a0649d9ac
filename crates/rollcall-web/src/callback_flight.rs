//! Waiting for a code that another request is exchanging right now (a double-submitted or
//! reloaded callback). Within one process the owner wakes waiters when it finishes; waiters also
//! re-check the store, so a code exchanged by another replica is seen too.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;

/// Codes being exchanged in this process, by hash.
#[derive(Default)]
pub struct CallbackFlights {
    running: Mutex<HashMap<[u8; 32], Arc<Notify>>>,
}

/// Held by the request exchanging a code; dropping it wakes the waiters.
pub struct FlightGuard<'a> {
    flights: &'a CallbackFlights,
    code_hash: [u8; 32],
}

impl CallbackFlights {
    /// Marks `code_hash` as being exchanged by the caller.
    pub fn begin(&self, code_hash: [u8; 32]) -> FlightGuard<'_> {
        self.running.lock().insert(code_hash, Arc::new(Notify::new()));
        FlightGuard { flights: self, code_hash }
    }

    /// Waits until the exchange of `code_hash` in this process ends, or at most `limit` (the
    /// caller then re-checks the store).
    pub async fn wait(&self, code_hash: &[u8; 32], limit: Duration) {
        let notify = self.running.lock().get(code_hash).cloned();
        match notify {
            Some(notify) => {
                let _ = tokio::time::timeout(limit, notify.notified()).await;
            }
            // Not ours: another replica may be exchanging it; look again shortly.
            None => tokio::time::sleep(limit.min(Duration::from_millis(100))).await,
        }
    }
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        if let Some(notify) = self.flights.running.lock().remove(&self.code_hash) {
            notify.notify_waiters();
        }
    }
}

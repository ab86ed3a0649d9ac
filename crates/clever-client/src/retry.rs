//! Retry decisions: exponential backoff with full jitter for failures, and waiting for the window
//! to reset on 429.

use std::time::Duration;

use bytes::Bytes;
use rand::Rng;
use reqwest::StatusCode;

use crate::config::RetryPolicy;
use crate::error::ClientError;

/// The outcome of one attempt.
pub(crate) enum Attempt {
    /// A 2xx body.
    Done(Bytes),
    /// An error retrying cannot fix.
    Fatal(ClientError),
    /// Worth another try: after `wait` if the server said how long (429), else after backoff.
    Retry { wait: Option<Duration>, error: ClientError },
}

impl Attempt {
    /// A 5xx, timeout or connection failure.
    pub(crate) fn transient(status: Option<StatusCode>, detail: String) -> Self {
        Attempt::Retry {
            wait: None,
            error: ClientError::CleverFailed { status: status.map(|s| s.as_u16()), detail, attempts: 0 },
        }
    }
}

/// Counts attempts and decides how long to wait before the next.
pub(crate) struct Backoff {
    policy: RetryPolicy,
    attempts: u32,
}

impl Backoff {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Self { policy, attempts: 0 }
    }

    /// Records a failed attempt; returns how long to wait before the next, or `None` to give up.
    pub(crate) fn next_delay(&mut self, server_wait: Option<Duration>) -> Option<Duration> {
        self.attempts += 1;
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let mut rng = rand::rng();
        Some(match server_wait {
            // Wait for the reset (capped by our patience), plus a little jitter so that many
            // clients limited in the same window do not all return at the same instant.
            Some(wait) => {
                let cap = self.policy.max_rate_limit_wait;
                let jitter_cap = (cap / 4).min(Duration::from_millis(250));
                wait.min(cap) + jitter_cap.mul_f64(rng.random::<f64>())
            }
            // Full jitter: uniform in [0, min(max, base * 2^(n-1))].
            None => {
                let exp = self.policy.base_delay.saturating_mul(1 << (self.attempts - 1).min(16));
                exp.min(self.policy.max_delay).mul_f64(rng.random::<f64>())
            }
        })
    }

    /// The error to report after the last attempt, with the attempt count filled in.
    pub(crate) fn give_up(&self, error: ClientError) -> ClientError {
        match error {
            ClientError::CleverFailed { status, detail, .. } => {
                ClientError::CleverFailed { status, detail, attempts: self.attempts }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            max_rate_limit_wait: Duration::from_secs(2),
            max_in_flight: 1,
        }
    }

    #[test]
    fn backoff_is_bounded_and_gives_up_after_max_attempts() {
        let mut b = Backoff::new(policy());
        for _ in 0..3 {
            let d = b.next_delay(None).expect("still retrying");
            assert!(d <= Duration::from_millis(300), "{d:?}");
        }
        assert_eq!(b.next_delay(None), None);
        let e = b.give_up(ClientError::CleverFailed { status: Some(503), detail: "x".into(), attempts: 0 });
        assert!(matches!(e, ClientError::CleverFailed { attempts: 4, .. }));
    }

    #[test]
    fn rate_limit_waits_for_the_reset_but_not_past_patience() {
        let mut b = Backoff::new(policy());
        let d = b.next_delay(Some(Duration::from_secs(1))).unwrap();
        assert!(d >= Duration::from_secs(1) && d <= Duration::from_millis(1250), "{d:?}");
        let d = b.next_delay(Some(Duration::from_secs(50))).unwrap();
        assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2250), "{d:?}");
    }
}

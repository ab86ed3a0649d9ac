//! Every call the app makes to Clever, counted by endpoint and status for `/metrics`, so an
//! operator can tell which call fails and how (the client logs each one at debug as well).
//! The client reports them through [`clever_client::CallObserver`]; endpoints are the client's
//! path templates (`/v3.0/users/{id}/sections`), so the label set stays small.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use clever_client::{CallObserver, CleverCall};
use parking_lot::Mutex;

/// Counts and time per (endpoint, status).
#[derive(Debug, Default)]
pub struct CleverCalls {
    by_call: Mutex<BTreeMap<(String, String), Tally>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    calls: u64,
    time: Duration,
}

impl CallObserver for CleverCalls {
    fn on_call(&self, call: &CleverCall) {
        // A transport failure (no status) is counted as `failed`.
        let status = call.status.map_or_else(|| "failed".to_owned(), |s| s.to_string());
        let mut by_call = self.by_call.lock();
        let tally = by_call.entry((format!("{} {}", call.method, call.endpoint), status)).or_default();
        tally.calls += 1;
        tally.time += call.elapsed;
    }
}

impl CleverCalls {
    /// The Prometheus text for the calls so far.
    pub fn render(&self, out: &mut String) {
        let by_call = self.by_call.lock().clone();
        let _ = writeln!(out, "# HELP rollcall_clever_calls_total Calls to Clever, by endpoint and status.");
        let _ = writeln!(out, "# TYPE rollcall_clever_calls_total counter");
        for ((endpoint, status), t) in &by_call {
            let _ = writeln!(
                out,
                "rollcall_clever_calls_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {}",
                t.calls
            );
        }
        let _ = writeln!(out, "# HELP rollcall_clever_call_seconds_total Time spent on calls to Clever.");
        let _ = writeln!(out, "# TYPE rollcall_clever_call_seconds_total counter");
        for ((endpoint, status), t) in &by_call {
            let _ = writeln!(
                out,
                "rollcall_clever_call_seconds_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {}",
                t.time.as_secs_f64()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_by_endpoint_and_status() {
        let calls = CleverCalls::default();
        let call = |endpoint: &str, status| CleverCall {
            method: "GET",
            endpoint: endpoint.to_owned(),
            status,
            elapsed: Duration::from_millis(250),
        };
        calls.on_call(&call("/v3.0/users/{id}/sections", Some(200)));
        calls.on_call(&call("/v3.0/users/{id}/sections", Some(200)));
        calls.on_call(&call("/v3.0/sections/{id}/users", Some(404)));
        calls.on_call(&call("/v3.0/me", None));
        let mut text = String::new();
        calls.render(&mut text);
        for line in [
            "rollcall_clever_calls_total{endpoint=\"GET /v3.0/users/{id}/sections\",status=\"200\"} 2",
            "rollcall_clever_calls_total{endpoint=\"GET /v3.0/sections/{id}/users\",status=\"404\"} 1",
            "rollcall_clever_calls_total{endpoint=\"GET /v3.0/me\",status=\"failed\"} 1",
            "rollcall_clever_call_seconds_total{endpoint=\"GET /v3.0/users/{id}/sections\",status=\"200\"} 0.5",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }
}

//! Test-control endpoints: the request journal, the clock and fault rules.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::Duration;

use super::error::{AdminError, AdminResult, ErrorBody, parse_json};
use crate::clock::{MAX_OFFSET, rfc3339};

/// The most the clock can be moved forward, in seconds (`clock::MAX_OFFSET`, 36500 days).
const MAX_SECONDS: i64 = MAX_OFFSET.whole_seconds();
use crate::faults::{FaultRule, FaultSpec, glob_match};
use crate::journal::JournalEntry;
use crate::state::Emulator;

/// Filters for `GET /__admin/journal`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct JournalQuery {
    /// Path glob; `*` matches anything, e.g. `/v3.0/sections/*`.
    pub path: Option<String>,
    /// HTTP method (case-insensitive).
    pub method: Option<String>,
}

/// Recorded requests (everything outside `/__admin`), oldest first.
#[utoipa::path(get, path = "/__admin/journal", tag = "journal", params(JournalQuery),
    responses((status = 200, body = Vec<JournalEntry>)))]
pub async fn journal(
    State(emulator): State<Emulator>,
    Query(q): Query<JournalQuery>,
) -> Json<Vec<JournalEntry>> {
    let entries = emulator
        .journal()
        .entries()
        .into_iter()
        // An empty filter (`?path=`) means "no filter", as a form with a blank field would send.
        .filter(|e| q.path.as_deref().filter(|p| !p.is_empty()).is_none_or(|p| glob_match(p, &e.path)))
        .filter(|e| {
            q.method.as_deref().filter(|m| !m.is_empty()).is_none_or(|m| m.eq_ignore_ascii_case(&e.method))
        })
        .collect();
    Json(entries)
}

/// Forgets every recorded request.
#[utoipa::path(delete, path = "/__admin/journal", tag = "journal", responses((status = 204, description = "Cleared")))]
pub async fn clear_journal(State(emulator): State<Emulator>) -> StatusCode {
    emulator.journal().clear();
    StatusCode::NO_CONTENT
}

/// The emulated time.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    /// Emulated now (RFC 3339).
    pub now: String,
    /// How far the clock has been advanced, in seconds.
    pub offset_seconds: f64,
}

/// How far to move the clock: `seconds`, or `advance` as `61s`, `5m`, `2h`, `1d`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// Seconds to move forward.
    #[serde(default)]
    pub seconds: Option<i64>,
    /// A duration such as `61s`, `5m`, `2h` or `1d`.
    #[serde(default)]
    pub advance: Option<String>,
}

fn clock_of(emulator: &Emulator) -> ClockView {
    let offset = emulator.clock().offset();
    ClockView { now: rfc3339(emulator.now()), offset_seconds: offset.as_seconds_f64() }
}

/// The emulated time and how far it has been advanced.
#[utoipa::path(get, path = "/__admin/clock", tag = "clock", responses((status = 200, body = ClockView)))]
pub async fn get_clock(State(emulator): State<Emulator>) -> Json<ClockView> {
    Json(clock_of(&emulator))
}

/// Moves the clock forward, e.g. 61 s to expire a code or 24 h to expire a token.
#[utoipa::path(post, path = "/__admin/clock", tag = "clock", request_body = AdvanceClock,
    responses((status = 200, body = ClockView), (status = 400, body = ErrorBody)))]
pub async fn advance_clock(State(emulator): State<Emulator>, body: Bytes) -> AdminResult<Json<ClockView>> {
    let req: AdvanceClock = parse_json(&body)?;
    let by = match (req.seconds, req.advance.as_deref()) {
        (Some(s), None) => Duration::seconds(s.clamp(-MAX_SECONDS - 1, MAX_SECONDS + 1)),
        (None, Some(text)) => parse_duration(text)?,
        _ => {
            return Err(AdminError::bad_request(
                "send exactly one of {\"seconds\": 61} or {\"advance\": \"61s\"}",
            ));
        }
    };
    if by.is_negative() {
        return Err(AdminError::bad_request(
            "the clock only moves forward; POST /__admin/reset returns it to the real time",
        ));
    }
    let total = emulator.clock().offset().checked_add(by).filter(|t| *t <= MAX_OFFSET);
    if by > MAX_OFFSET || total.is_none() {
        return Err(AdminError::bad_request(format!(
            "the clock can be advanced by 0 to {MAX_SECONDS} seconds (36500 days) in all, and it is \
             already {} seconds ahead; POST /__admin/reset returns it to the real time",
            emulator.clock().offset().whole_seconds()
        )));
    }
    emulator.clock().advance(by);
    Ok(Json(clock_of(&emulator)))
}

fn parse_duration(text: &str) -> AdminResult<Duration> {
    let bad =
        || AdminError::bad_request(format!("advance {text:?} is not a duration like 61s, 5m, 2h or 1d"));
    let text = text.trim();
    let split = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = (text.get(..split).ok_or_else(bad)?, text.get(split..).ok_or_else(bad)?);
    let n: i64 = number.trim().parse().map_err(|_| bad())?;
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    Ok(Duration::seconds(n.saturating_mul(seconds_per).clamp(-MAX_SECONDS - 1, MAX_SECONDS + 1)))
}

/// Longest injected latency; longer would only hang the caller's test.
const MAX_LATENCY_MS: u64 = 120_000;
/// Largest `times` a fault rule may count down from.
const MAX_TIMES: u32 = 1_000_000;
/// Most fault rules at once; each request scans them all.
const MAX_FAULTS: usize = 1_000;

fn validate_fault(spec: &FaultSpec) -> AdminResult<()> {
    let bad = |m: String| Err(AdminError::bad_request(m));
    if !(spec.path.starts_with('/') || spec.path.starts_with('*')) {
        return bad(format!("path {:?} must start with / (use * as a wildcard)", spec.path));
    }
    if spec.path.starts_with("/__admin") {
        return bad("admin routes are never faulted".into());
    }
    if let Some(status) = spec.status.filter(|s| !(400..=599).contains(s)) {
        return bad(format!("status {status} must be an error status between 400 and 599"));
    }
    if spec.status.is_some() && spec.rate_limit {
        return bad("choose one of status or rate_limit (rate_limit is a 429 with X-RateLimit-Reset)".into());
    }
    if spec.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
        return bad(format!("latency_ms must be between 0 and {MAX_LATENCY_MS}"));
    }
    if spec.method.as_deref().is_some_and(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic())) {
        return bad("method must be an HTTP method such as GET or POST".into());
    }
    if spec.times.is_some_and(|t| !(1..=MAX_TIMES).contains(&t)) {
        return bad(format!("times must be between 1 and {MAX_TIMES} (omit it to apply forever)"));
    }
    if spec.status.is_none()
        && !spec.rate_limit
        && spec.latency_ms.is_none_or(|ms| ms == 0)
        && spec.body.is_none()
    {
        return bad("the rule does nothing: set status, rate_limit, latency_ms or body".into());
    }
    Ok(())
}

/// The active fault rules with their counters.
#[utoipa::path(get, path = "/__admin/faults", tag = "faults", responses((status = 200, body = Vec<FaultRule>)))]
pub async fn list_faults(State(emulator): State<Emulator>) -> Json<Vec<FaultRule>> {
    Json(emulator.faults().list())
}

/// Adds a fault rule; the first matching rule applies to each request outside `/__admin`.
#[utoipa::path(post, path = "/__admin/faults", tag = "faults", request_body = FaultSpec,
    responses((status = 201, body = FaultRule), (status = 400, body = ErrorBody)))]
pub async fn add_fault(
    State(emulator): State<Emulator>,
    body: Bytes,
) -> AdminResult<(StatusCode, Json<FaultRule>)> {
    let spec: FaultSpec = parse_json(&body)?;
    validate_fault(&spec)?;
    if emulator.faults().list().len() >= MAX_FAULTS {
        return Err(AdminError::bad_request(format!(
            "0 to {MAX_FAULTS} fault rules may be active and all are in use; \
             DELETE /__admin/faults removes them"
        )));
    }
    Ok((StatusCode::CREATED, Json(emulator.faults().add(spec))))
}

/// Removes one rule.
#[utoipa::path(delete, path = "/__admin/faults/{id}", tag = "faults", params(("id" = u64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = ErrorBody)))]
pub async fn delete_fault(
    State(emulator): State<Emulator>,
    Path(id): Path<String>,
) -> AdminResult<StatusCode> {
    let found = id.parse::<u64>().is_ok_and(|n| emulator.faults().remove(n));
    if !found {
        return Err(AdminError::not_found(format!(
            "no fault rule {id:?}; list them with GET /__admin/faults"
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Removes every rule.
#[utoipa::path(delete, path = "/__admin/faults", tag = "faults", responses((status = 204, description = "Cleared")))]
pub async fn clear_faults(State(emulator): State<Emulator>) -> StatusCode {
    emulator.faults().clear();
    StatusCode::NO_CONTENT
}

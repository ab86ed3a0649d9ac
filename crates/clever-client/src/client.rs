//! The client: OAuth (authorize URL, code exchange) and Data API reads with retries.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use clever_types::{MeResponse, OAuthErrorBody, Section, SectionResponse, User, UserInfo, UserResponse};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::config::CleverConfig;
use crate::error::ClientError;
use crate::grant::{TokenGrant, read_grant};
use crate::limit::PerToken;
use crate::observe::{CallObserver, CleverCall, endpoint_template, path_only};
use crate::paging::Pages;
use crate::retry::{Attempt, Backoff};

/// A bearer token for the Data API. `Debug` never prints it.
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The raw token, for storing (encrypted or hashed) or sending.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

/// Reads the current Unix time; injected so rate-limit waits can be tested.
pub trait UnixClock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn unix_now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl UnixClock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the client's one wall-clock read
    fn unix_now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A Clever client for one app. Cheap to clone.
#[derive(Clone)]
pub struct CleverClient {
    inner: Arc<Inner>,
}

/// Every field is a handle or an `Arc`, so a builder method copies the settings it keeps cheaply.
#[derive(Clone)]
struct Inner {
    config: CleverConfig,
    http: reqwest::Client,
    /// Data API requests in flight, bounded per token; one bound for every clone of the client.
    in_flight: Arc<PerToken>,
    clock: Arc<dyn UnixClock>,
    /// Told about every HTTP request, if set.
    observer: Option<Arc<dyn CallObserver>>,
}

impl fmt::Debug for CleverClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CleverClient")
            .field("config", &self.inner.config)
            .field("observed", &self.inner.observer.is_some())
            .finish_non_exhaustive()
    }
}

/// One request's site, computed once per request (not per attempt): the method, the path without
/// its query (for the log) and its endpoint template (for the log and the observer).
struct Site {
    method: &'static str,
    path: String,
    endpoint: String,
}

impl Site {
    /// `path` is relative to the host; its query is dropped.
    fn new(method: &'static str, path: &str) -> Self {
        Self { method, path: path_only(path).to_owned(), endpoint: endpoint_template(path) }
    }
}

/// A complete HTTP answer.
struct Answer {
    status: StatusCode,
    reset: Option<i64>,
    retry_after: Option<i64>,
    body: bytes::Bytes,
}

/// No complete answer: the connection failed, timed out, or the body was cut off (then `status`
/// is the one the head carried).
struct NoAnswer {
    status: Option<StatusCode>,
    kind: &'static str,
}

impl CleverClient {
    /// Builds a client. Redirects are not followed, so a bearer token is only ever sent to the
    /// configured API host.
    pub fn new(config: CleverConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.request_timeout)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("rollcall-clever-client/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self::with_http(config, http))
    }

    /// Builds a client on an existing `reqwest::Client` (shared pools, custom TLS).
    pub fn with_http(config: CleverConfig, http: reqwest::Client) -> Self {
        let in_flight = Arc::new(PerToken::new(config.retry.max_in_flight));
        let inner = Inner { config, http, in_flight, clock: Arc::new(SystemClock), observer: None };
        Self { inner: Arc::new(inner) }
    }

    /// Replaces the clock used to interpret `X-RateLimit-Reset`. Every other setting (the
    /// observer included) is kept, and the result shares this client's connections and per-token
    /// bound on requests in flight; clones taken before the call keep the old clock.
    pub fn with_clock(self, clock: Arc<dyn UnixClock>) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        inner.clock = clock;
        Self { inner: Arc::new(inner) }
    }

    /// The same client, telling `observer` about every HTTP request it (and every clone of it)
    /// makes to Clever: see [`CallObserver`]. Replaces an earlier observer; every other setting
    /// (the clock included) is kept, and the result shares this client's connections and
    /// per-token bound on requests in flight; clones taken before the call are not observed.
    pub fn with_observer(self, observer: Arc<dyn CallObserver>) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        inner.observer = Some(observer);
        Self { inner: Arc::new(inner) }
    }

    /// The configuration.
    pub fn config(&self) -> &CleverConfig {
        &self.inner.config
    }

    /// The URL of Clever's login and consent page. `state` should be a fresh random value bound
    /// to the browser; Clever echoes it back on the callback.
    pub fn authorize_url(&self, state: Option<&str>) -> String {
        let c = &self.inner.config;
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("response_type", "code");
        query.append_pair("client_id", &c.client_id);
        query.append_pair("redirect_uri", &c.redirect_uri);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        format!("{}/oauth/authorize?{}", c.oauth_base, query.finish())
    }

    /// Where a person logs out of Clever itself: `<OAuth base URL>/logout`
    /// (`https://clever.com/logout` on real Clever — the log-off address federated set-ups use,
    /// though Clever's developer docs name none; the emulator's portal log-out when pointed at
    /// it). Logging out of an app leaves Clever's own session open, so on a shared device the
    /// next "Log in with Clever" would sign the same person in again; an app links here after
    /// its own log-out.
    pub fn logout_url(&self) -> String {
        format!("{}/logout", self.inner.config.oauth_base)
    }

    /// Exchanges an authorization code for an access token, exactly once: never retried, because
    /// a code is single-use and a replay makes Clever revoke the token the first attempt got.
    ///
    /// The grant carries the token's lifetime ([`TokenGrant::lifetime`]): the response's
    /// `expires_in` when sent, else Clever's documented 24 hours. Any casing of `bearer` is
    /// accepted as the `token_type`, and an `id_token` or other extra fields are ignored; a token
    /// type that is not bearer is `Malformed`.
    pub async fn exchange_code(&self, code: &str) -> Result<TokenGrant, ClientError> {
        let c = &self.inner.config;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &c.redirect_uri)
            .finish();
        let request = self
            .inner
            .http
            .post(format!("{}/oauth/tokens", c.oauth_base))
            .header(reqwest::header::AUTHORIZATION, basic_auth(&c.client_id, c.client_secret.expose_secret()))
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        let answer = self.call(&Site::new("POST", "/oauth/tokens"), None, request).await;
        let Answer { status, body: bytes, retry_after, reset } =
            answer.map_err(|failed| ClientError::CleverFailed {
                status: failed.status.map(|s| s.as_u16()),
                detail: failed.kind.to_owned(),
                attempts: 1,
            })?;
        if status.is_success() {
            return read_grant(&bytes);
        }
        let oauth: Option<OAuthErrorBody> = serde_json::from_slice(&bytes).ok();
        match (status, oauth) {
            // Checked before `invalid_client`: a server that throttles failed client
            // authentications (the emulator does, and keeps `invalid_client` in the body) is
            // busy, not proof that the app's credentials are wrong. Not retried: the code is
            // single-use and the caller's user is waiting.
            (StatusCode::TOO_MANY_REQUESTS, _) => Err(ClientError::RateLimited {
                reset_at: reset.or_else(|| retry_after.map(|secs| self.inner.clock.unix_now() + secs)),
            }),
            (_, Some(e)) if e.error == "invalid_client" => Err(ClientError::InvalidClient),
            (StatusCode::UNAUTHORIZED, _) => Err(ClientError::InvalidClient),
            (_, Some(e)) if e.error == "invalid_grant" => Err(ClientError::InvalidGrant {
                error: e.error,
                description: e.error_description.unwrap_or_default(),
            }),
            (s, _) if s.is_server_error() => Err(ClientError::CleverFailed {
                status: Some(s.as_u16()),
                detail: message_of(&bytes),
                attempts: 1,
            }),
            (s, _) => Err(ClientError::Rejected { status: s.as_u16(), message: message_of(&bytes) }),
        }
    }

    /// `GET /v3.0/me`: who the token belongs to.
    pub async fn me(&self, token: &AccessToken) -> Result<MeResponse, ClientError> {
        self.get_json(token, "/v3.0/me").await
    }

    /// `GET /userinfo`: OIDC-style identity, including the login's role.
    pub async fn userinfo(&self, token: &AccessToken) -> Result<UserInfo, ClientError> {
        self.get_json(token, "/userinfo").await
    }

    /// `GET /v3.0/users/{id}`.
    pub async fn user(&self, token: &AccessToken, id: &str) -> Result<User, ClientError> {
        let r: UserResponse = self.get_json(token, &format!("/v3.0/users/{}", segment(id))).await?;
        Ok(r.data)
    }

    /// `GET /v3.0/sections/{id}`.
    pub async fn section(&self, token: &AccessToken, id: &str) -> Result<Section, ClientError> {
        let r: SectionResponse = self.get_json(token, &format!("/v3.0/sections/{}", segment(id))).await?;
        Ok(r.data)
    }

    /// A user's sections, page by page (`/v3.0/users/{id}/sections`).
    pub fn sections_for_user(&self, token: &AccessToken, user_id: &str) -> Pages<Section> {
        self.pages(token, format!("/v3.0/users/{}/sections", segment(user_id)))
    }

    /// A section's students, page by page (`/v3.0/sections/{id}/users?role=student`). Some
    /// Clever-compatible servers do not offer this endpoint: that fails
    /// [`ClientError::is_not_found`].
    pub fn students_for_section(&self, token: &AccessToken, section_id: &str) -> Pages<User> {
        self.pages(token, format!("/v3.0/sections/{}/users?role=student", segment(section_id)))
    }

    /// A section's teachers, page by page (`/v3.0/sections/{id}/users?role=teacher`). Some
    /// Clever-compatible servers do not offer this endpoint: that fails
    /// [`ClientError::is_not_found`].
    pub fn teachers_for_section(&self, token: &AccessToken, section_id: &str) -> Pages<User> {
        self.pages(token, format!("/v3.0/sections/{}/users?role=teacher", segment(section_id)))
    }

    /// All students of a teacher's sections in one list (`/v3.0/users/{id}/mystudents`). Some
    /// Clever-compatible servers do not offer this endpoint: that fails
    /// [`ClientError::is_not_found`].
    pub fn my_students(&self, token: &AccessToken, teacher_id: &str) -> Pages<User> {
        self.pages(token, format!("/v3.0/users/{}/mystudents", segment(teacher_id)))
    }

    /// Any list endpoint, following `links` `next` until it is absent.
    pub fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        token: &AccessToken,
        first: String,
    ) -> Pages<T> {
        Pages::new(self.clone(), token.clone(), first)
    }

    /// GETs `path` (relative to the API host, or an absolute URL on it) with retries.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        token: &AccessToken,
        path: &str,
    ) -> Result<T, ClientError> {
        let url = self.api_url(path)?;
        // A `next` link is an absolute URL on the API host: its path is what follows the host.
        let site = Site::new("GET", path.strip_prefix(self.inner.config.api_base.as_str()).unwrap_or(path));
        let policy = &self.inner.config.retry;
        let mut backoff = Backoff::new(policy.clone());
        let mut attempt: u32 = 0;
        loop {
            attempt = attempt.saturating_add(1);
            let outcome = {
                let _turn = self.inner.in_flight.acquire(token).await;
                self.attempt_get(token, &url, &site, attempt).await
            };
            match outcome {
                Attempt::Done(bytes) => return parse(&bytes),
                Attempt::Fatal(e) => return Err(e),
                Attempt::Retry { wait, error } => match backoff.next_delay(wait) {
                    Some(delay) => {
                        tracing::debug!(
                            path = %site.path,
                            attempt,
                            delay_ms = millis(delay),
                            "retrying Clever request"
                        );
                        tokio::time::sleep(delay).await;
                    }
                    None => return Err(backoff.give_up(error)),
                },
            }
        }
    }

    async fn attempt_get(&self, token: &AccessToken, url: &str, site: &Site, attempt: u32) -> Attempt {
        let request = self.inner.http.get(url).bearer_auth(token.expose());
        let Answer { status, reset, retry_after, body: bytes } =
            match self.call(site, Some(attempt), request).await {
                Ok(answer) => answer,
                Err(failed) => return Attempt::transient(failed.status, failed.kind.to_owned()),
            };
        match status.as_u16() {
            200..=299 => Attempt::Done(bytes),
            401 => Attempt::Fatal(ClientError::Unauthorized { message: message_of(&bytes) }),
            403 | 404 => Attempt::Fatal(ClientError::NotShared {
                status: status.as_u16(),
                message: message_of(&bytes),
            }),
            429 => {
                let now = self.inner.clock.unix_now();
                let wait = retry_after
                    .or_else(|| reset.map(|r| r - now))
                    .map(|secs| Duration::from_secs(u64::try_from(secs.max(0)).unwrap_or(0)));
                Attempt::Retry {
                    wait: Some(wait.unwrap_or_default()),
                    error: ClientError::RateLimited { reset_at: reset },
                }
            }
            501 => Attempt::Fatal(ClientError::Rejected { status: 501, message: message_of(&bytes) }),
            500..=599 => Attempt::transient(Some(status), message_of(&bytes)),
            s => Attempt::Fatal(ClientError::Rejected { status: s, message: message_of(&bytes) }),
        }
    }

    /// Sends one HTTP request and reads its whole body, then logs it at `debug` (method, path
    /// without query, endpoint, status or failure kind, milliseconds; never a header or body, so
    /// never a token, code or secret) and tells the observer. Every request to Clever goes here.
    async fn call(
        &self,
        site: &Site,
        attempt: Option<u32>,
        request: reqwest::RequestBuilder,
    ) -> Result<Answer, NoAnswer> {
        let started = Instant::now();
        let result = send(request).await;
        let elapsed = started.elapsed();
        let (status, failure) = match &result {
            Ok(answer) => (Some(answer.status.as_u16()), None),
            Err(failed) => (failed.status.map(|s| s.as_u16()), Some(failed.kind)),
        };
        let Site { method, path, endpoint } = site;
        tracing::debug!(
            method,
            path = %path,
            endpoint = %endpoint,
            attempt,
            status,
            failure,
            elapsed_ms = millis(elapsed),
            "Clever call"
        );
        if let Some(observer) = &self.inner.observer {
            let call = CleverCall {
                method,
                endpoint: endpoint.clone(),
                // A body cut off is no complete answer, whatever its head said.
                status: if failure.is_some() { None } else { status },
                elapsed,
            };
            observer.on_call(&call);
        }
        result
    }

    /// Resolves a path or `next` link against the API host. Absolute URLs must be on that host, so
    /// a hostile `next` link cannot make the client send the bearer token elsewhere.
    fn api_url(&self, path: &str) -> Result<String, ClientError> {
        let base = &self.inner.config.api_base;
        if path.starts_with('/') {
            return Ok(format!("{base}{path}"));
        }
        match path.strip_prefix(base.as_str()) {
            Some(rest) if rest.starts_with('/') => Ok(path.to_owned()),
            _ => Err(ClientError::Malformed { detail: format!("link {path:?} points outside {base}") }),
        }
    }
}

/// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 asks.
fn basic_auth(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(id), enc(secret));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
}

/// Percent-encodes one path segment (ids are hex, but never trust that).
fn segment(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| ClientError::Malformed { detail: e.to_string() })
}

/// Clever's `{"message": …}` when present, else the start of the body.
fn message_of(bytes: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
    }
    match serde_json::from_slice::<Body>(bytes) {
        Ok(b) => b.message,
        Err(_) => String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
    }
}

/// Sends `request` and reads the whole answer.
async fn send(request: reqwest::RequestBuilder) -> Result<Answer, NoAnswer> {
    let response = request.send().await.map_err(|e| NoAnswer { status: None, kind: transport_kind(&e) })?;
    let status = response.status();
    let reset = header_i64(&response, "x-ratelimit-reset");
    let retry_after = header_i64(&response, "retry-after");
    let body =
        response.bytes().await.map_err(|e| NoAnswer { status: Some(status), kind: transport_kind(&e) })?;
    Ok(Answer { status, reset, retry_after, body })
}

fn header_i64(response: &reqwest::Response, name: &str) -> Option<i64> {
    response.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Whole milliseconds, for the log.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What kind of transport failure `e` is: a fixed phrase, never the error's text (which names the
/// URL, query included).
fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response body was cut off"
    } else {
        "request failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_url_encodes_before_base64() {
        let header = basic_auth("my app", "a+b%c:d");
        let b64 = header.strip_prefix("Basic ").unwrap();
        let raw = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        assert_eq!(String::from_utf8(raw).unwrap(), "my+app:a%2Bb%25c%3Ad");
    }

    #[test]
    fn next_links_may_not_leave_the_api_host() {
        let config = CleverConfig::new("id", "secret".to_owned().into(), "https://app.example/cb")
            .with_base_urls("https://clever.example", "https://api.clever.example/");
        let client = CleverClient::new(config).unwrap();
        assert_eq!(client.api_url("/v3.0/me").unwrap(), "https://api.clever.example/v3.0/me");
        assert!(client.api_url("https://api.clever.example/v3.0/users?x=1").is_ok());
        for hostile in
            ["https://evil.example/v3.0/me", "https://api.clever.example.evil.example/x", "v3.0/me"]
        {
            assert!(matches!(client.api_url(hostile), Err(ClientError::Malformed { .. })), "{hostile}");
        }
    }

    #[test]
    fn access_tokens_do_not_print() {
        assert_eq!(format!("{:?}", AccessToken::new("il123")), "AccessToken(***)");
    }
}

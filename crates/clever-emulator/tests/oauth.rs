//! The OAuth server from the outside: the authorize endpoint's checks, the browser flow through
//! login and consent, and the token endpoint's client authentication, body rules and code rules.

// Helpers outside #[test] fns (and the shared harness) panic on purpose: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clever_emulator::state::{NextLogin, TokenError};
use common::*;
use reqwest::{Response, StatusCode, header};
use serde_json::Value;

// ---------- helpers ----------

fn authorize_path(pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("/oauth/authorize?{query}")
}

fn standard(state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", CLIENT_ID.into()),
        ("redirect_uri", REDIRECT_URI.into()),
        ("state", state.into()),
    ]
}

fn location(response: &Response) -> Option<String> {
    response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned())
}

/// Query parameters of a redirect Location.
fn query_of(location: &str) -> HashMap<String, String> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

/// The value of the first hidden field `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn get(t: &TestEmulator, path: &str) -> Response {
    t.http.get(t.url(path)).send().await.unwrap()
}

async fn post_form(t: &TestEmulator, path: &str, form: &[(&str, &str)]) -> Response {
    t.http.post(t.url(path)).form(form).send().await.unwrap()
}

async fn authorize(t: &TestEmulator, pairs: &[(&str, String)]) -> Response {
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    get(t, &authorize_path(&pairs)).await
}

/// A code for `key` through the admin next-login queue (no browser pages).
async fn queued_code(t: &TestEmulator, key: &str) -> String {
    t.emulator().browser().next_logins.push_back(NextLogin { user_id: user_id(key), client_id: None });
    let response = authorize(t, &standard("s")).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    query_of(&location(&response).unwrap())["code"].clone()
}

/// `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 and oauth2-rs do it.
fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

fn exchange_form(code: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.into()),
        ("redirect_uri", REDIRECT_URI.into()),
    ]
}

async fn exchange(t: &TestEmulator, auth: &str, form: &[(&str, String)]) -> Response {
    t.http.post(t.url("/oauth/tokens")).header(header::AUTHORIZATION, auth).form(form).send().await.unwrap()
}

async fn oauth_error(response: Response, status: StatusCode, error: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    body
}

// ---------- authorize: requests that must not redirect ----------

#[tokio::test]
async fn bad_client_or_redirect_uri_shows_a_page_and_never_redirects() {
    let t = TestEmulator::start().await;
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("response_type", "code"), ("client_id", "nope"), ("redirect_uri", REDIRECT_URI)],
        vec![("response_type", "code"), ("redirect_uri", REDIRECT_URI)],
        vec![("response_type", "code"), ("client_id", CLIENT_ID)],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://evil.example/cb"),
        ],
        // prefix, trailing slash, case and query variants of a registered URI
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://app.example/auth/clever/callback/x"),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://app.example/auth/clever/callback/"),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://APP.example/auth/clever/callback"),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "https://app.example/auth/clever/callback?x=1"),
        ],
        // another app's URI
        vec![("response_type", "code"), ("client_id", CLIENT_ID), ("redirect_uri", OTHER_REDIRECT_URI)],
        // duplicates
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("redirect_uri", REDIRECT_URI),
        ],
    ];
    for pairs in cases {
        let response = get(&t, &authorize_path(&pairs)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{pairs:?}");
        assert!(location(&response).is_none(), "{pairs:?} must not redirect");
        let html = response.text().await.unwrap();
        assert!(html.contains("<html"), "{pairs:?} should be an HTML page");
    }
}

// ---------- authorize: errors returned to the app ----------

#[tokio::test]
async fn other_errors_redirect_to_the_app_with_state() {
    let t = TestEmulator::start().await;
    let base = [("client_id", CLIENT_ID), ("redirect_uri", REDIRECT_URI), ("state", "xyz")];
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "invalid_request"),
        (vec![("response_type", "token")], "unsupported_response_type"),
        (vec![("response_type", "code"), ("response_type", "code")], "invalid_request"),
        (vec![("response_type", "code"), ("district_id", "nope")], "invalid_request"),
    ];
    for (extra, error) in cases {
        let pairs: Vec<_> = base.iter().copied().chain(extra.clone()).collect();
        let response = get(&t, &authorize_path(&pairs)).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{extra:?}");
        let to = location(&response).unwrap();
        assert!(to.starts_with(REDIRECT_URI), "{to}");
        let q = query_of(&to);
        assert_eq!(q["error"], error, "{extra:?}");
        assert_eq!(q["state"], "xyz");
    }
}

#[tokio::test]
async fn params_are_appended_to_a_redirect_uri_that_has_a_query() {
    let mut seed = test_seed();
    let with_query = "https://app.example/cb?tenant=a%20b";
    seed.set_redirect_uris(CLIENT_ID, vec![REDIRECT_URI.into(), with_query.into()]);
    let t = TestEmulator::start_with(seed, Default::default()).await;
    t.emulator().browser().next_logins.push_back(NextLogin { user_id: user_id("skelly"), client_id: None });
    let response = get(
        &t,
        &authorize_path(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", with_query),
            ("state", "a&b=c"),
        ]),
    )
    .await;
    let to = location(&response).unwrap();
    assert!(to.starts_with("https://app.example/cb?tenant=a%20b&code="), "{to}");
    assert_eq!(query_of(&to)["state"], "a&b=c");
}

#[tokio::test]
async fn next_login_queue_skips_the_pages_and_respects_the_client() {
    let t = TestEmulator::start().await;
    // An entry for another client blocks the front of the queue: a normal login page is shown.
    t.emulator()
        .browser()
        .next_logins
        .push_back(NextLogin { user_id: user_id("maria"), client_id: Some(OTHER_CLIENT_ID.into()) });
    let response = authorize(&t, &standard("s1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(t.emulator().browser().next_logins.len(), 1);
    t.emulator().browser().next_logins.clear();

    let code = queued_code(&t, "skelly").await;
    let response = exchange(&t, &basic(CLIENT_ID, CLIENT_SECRET), &exchange_form(&code)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(t.emulator().browser().next_logins.is_empty());
}

// ---------- the browser flow ----------

/// Authorize → login page → log in as `key` → consent page. Returns the consent page HTML.
async fn log_in_to_consent(t: &TestEmulator, state: &str, key: &str) -> (Response, String) {
    let page = authorize(t, &standard(state)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Teachers") && html.contains("Students") && html.contains("skelly"), "{html}");
    let (req, csrf) = (hidden(&html, "req"), hidden(&html, "csrf"));
    let uid = user_id(key);
    let response = post_form(t, "/oauth/login", &[("req", &req), ("csrf", &csrf), ("user_id", &uid)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let consent = get(t, &location(&response).unwrap()).await;
    assert_eq!(consent.status(), StatusCode::OK);
    let html = consent.text().await.unwrap();
    (response, html)
}

#[tokio::test]
async fn full_browser_flow_and_remembered_consent() {
    let t = TestEmulator::start().await;
    let (_, html) = log_in_to_consent(&t, "st@te 1", "skelly").await;
    assert!(html.contains("Rollcall") && html.contains("Sam Kelly") && html.contains("Switch user"));
    assert!(html.contains("your students"), "teachers are told their students are shared: {html}");
    let (req, csrf) = (hidden(&html, "req"), hidden(&html, "csrf"));
    let response =
        post_form(&t, "/oauth/consent", &[("req", &req), ("csrf", &csrf), ("decision", "allow")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response).unwrap();
    let q = query_of(&to);
    assert_eq!(q["state"], "st@te 1");
    let token = exchange(&t, &basic(CLIENT_ID, CLIENT_SECRET), &exchange_form(&q["code"])).await;
    assert_eq!(token.status(), StatusCode::OK);

    // Same browser, same user, consent remembered: straight back with a code.
    let again = authorize(&t, &standard("two")).await;
    assert_eq!(again.status(), StatusCode::FOUND);
    let q = query_of(&location(&again).unwrap());
    assert!(q.contains_key("code"));
    assert_eq!(q["state"], "two");
}

#[tokio::test]
async fn deny_returns_access_denied_with_state() {
    let t = TestEmulator::start().await;
    let (_, html) = log_in_to_consent(&t, "keep-me", "dbrooks").await;
    assert!(html.contains("Your name"));
    let (req, csrf) = (hidden(&html, "req"), hidden(&html, "csrf"));
    let response =
        post_form(&t, "/oauth/consent", &[("req", &req), ("csrf", &csrf), ("decision", "deny")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let q = query_of(&location(&response).unwrap());
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "keep-me");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn csrf_failures_on_login_and_consent_are_refused() {
    let t = TestEmulator::start().await;
    let html = authorize(&t, &standard("s")).await.text().await.unwrap();
    let req = hidden(&html, "req");
    let uid = user_id("skelly");
    for csrf in ["", "wrong"] {
        let r = post_form(&t, "/oauth/login", &[("req", &req), ("csrf", csrf), ("user_id", &uid)]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(location(&r).is_none());
    }
    // A browser without the cookie the request is bound to is refused even with the right token.
    let stranger = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let csrf = hidden(&html, "csrf");
    let form = [("req", req.as_str()), ("csrf", csrf.as_str()), ("user_id", uid.as_str())];
    let r = stranger.post(t.url("/oauth/login")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let (_, html) = log_in_to_consent(&t, "s", "skelly").await;
    let req = hidden(&html, "req");
    let r =
        post_form(&t, "/oauth/consent", &[("req", &req), ("csrf", "forged"), ("decision", "allow")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(location(&r).is_none());
}

#[tokio::test]
async fn cross_site_posts_and_stale_requests_are_refused() {
    let t = TestEmulator::start().await;
    let html = authorize(&t, &standard("s")).await.text().await.unwrap();
    let uid = user_id("skelly");
    let (req, csrf) = (hidden(&html, "req"), hidden(&html, "csrf"));
    let form = [("req", req.as_str()), ("csrf", csrf.as_str()), ("user_id", uid.as_str())];
    let cross_site = |name: &'static str, value: &'static str| {
        t.http.post(t.url("/oauth/login")).header(name, value).form(&form).send()
    };
    assert_eq!(cross_site("sec-fetch-site", "cross-site").await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(cross_site("origin", "https://evil.example").await.unwrap().status(), StatusCode::FORBIDDEN);
    // Pending requests last 10 minutes.
    t.emulator().clock().advance(time::Duration::minutes(11));
    let r = post_form(&t, "/oauth/login", &form).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn consent_page_carries_the_security_headers() {
    let t = TestEmulator::start().await;
    let page = authorize(&t, &standard("s")).await;
    let cookie = page.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let html = page.text().await.unwrap();
    let uid = user_id("skelly");
    let form = [("req", hidden(&html, "req")), ("csrf", hidden(&html, "csrf")), ("user_id", uid)];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let login = post_form(&t, "/oauth/login", &form).await;
    let consent = get(&t, &location(&login).unwrap()).await;
    let h = consent.headers();
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
}

#[tokio::test]
async fn district_id_limits_the_login_page() {
    let t = TestEmulator::start().await;
    let mut pairs = standard("s");
    pairs.push(("district_id", district_id()));
    let html = authorize(&t, &pairs).await.text().await.unwrap();
    assert!(html.contains("Maplewood") && html.contains("skelly"));
}

// ---------- token endpoint: client authentication ----------

#[tokio::test]
async fn bad_basic_credentials_get_401_invalid_client() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    let headers = [
        None,
        Some("Basic !!!not-base64!!!".to_owned()),
        Some(format!("Basic {}", STANDARD.encode("no-colon-here"))),
        Some(format!("Bearer {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")))),
        Some(basic("unknown-client", CLIENT_SECRET)),
        Some(basic(CLIENT_ID, "wrong-secret")),
    ];
    for auth in headers {
        let mut request = t.http.post(t.url("/oauth/tokens")).form(&exchange_form(&code));
        if let Some(auth) = &auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], r#"Basic realm="Clever""#, "{auth:?}");
        let body = oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
        assert!(body["error_description"].as_str().unwrap().contains("HTTP Basic"), "{body}");
    }
    // None of the failures consumed the code.
    let ok = exchange(&t, &basic(CLIENT_ID, CLIENT_SECRET), &exchange_form(&code)).await;
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn url_encoded_odd_secret_works_and_credentials_elsewhere_are_refused() {
    let t = TestEmulator::start().await;
    t.emulator().browser().next_logins.push_back(NextLogin { user_id: user_id("skelly"), client_id: None });
    let response = get(
        &t,
        &authorize_path(&[
            ("response_type", "code"),
            ("client_id", OTHER_CLIENT_ID),
            ("redirect_uri", OTHER_REDIRECT_URI),
        ]),
    )
    .await;
    let code = query_of(&location(&response).unwrap())["code"].clone();
    let mut form = exchange_form(&code);
    form[2].1 = OTHER_REDIRECT_URI.into();

    // The secret sent in the body (with a valid Basic header) is refused: use Basic only.
    let mut with_secret = form.clone();
    with_secret.push(("client_secret", OTHER_CLIENT_SECRET.into()));
    let r = exchange(&t, &basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET), &with_secret).await;
    oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    // Body-only credentials: no Basic header at all.
    let mut body_only = form.clone();
    body_only.push(("client_id", OTHER_CLIENT_ID.into()));
    body_only.push(("client_secret", OTHER_CLIENT_SECRET.into()));
    let r = t.http.post(t.url("/oauth/tokens")).form(&body_only).send().await.unwrap();
    oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;
    // Query-string credentials.
    let r = t
        .http
        .post(t.url("/oauth/tokens?client_id=other-app&client_secret=x"))
        .header(header::AUTHORIZATION, basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap();
    oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;

    let r = exchange(&t, &basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET), &form).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(r.headers()[header::PRAGMA], "no-cache");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert!(body["access_token"].as_str().unwrap().starts_with("il"));
}

#[tokio::test]
async fn repeated_failures_are_rate_limited_per_client() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    for _ in 0..20 {
        let r = exchange(&t, &basic(CLIENT_ID, "guess"), &exchange_form(&code)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = exchange(&t, &basic(CLIENT_ID, CLIENT_SECRET), &exchange_form(&code)).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(header::RETRY_AFTER));
    t.emulator().clock().advance(time::Duration::seconds(61));
    let fresh = queued_code(&t, "skelly").await;
    let r = exchange(&t, &basic(CLIENT_ID, CLIENT_SECRET), &exchange_form(&fresh)).await;
    assert_eq!(r.status(), StatusCode::OK);
}

// ---------- token endpoint: body ----------

#[tokio::test]
async fn content_types_other_than_form_or_json_are_refused() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    let auth = basic(CLIENT_ID, CLIENT_SECRET);
    let form_text =
        form_urlencoded::Serializer::new(String::new()).extend_pairs(exchange_form(&code)).finish();
    let multipart =
        "--b\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nauthorization_code\r\n--b--\r\n";
    let cases = [
        (Some("multipart/form-data; boundary=b"), multipart.to_owned()),
        (Some("text/plain"), form_text.clone()),
        (None, form_text),
    ];
    for (content_type, body) in cases {
        let mut request = t.http.post(t.url("/oauth/tokens")).header(header::AUTHORIZATION, &auth).body(body);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let body =
            oauth_error(request.send().await.unwrap(), StatusCode::BAD_REQUEST, "invalid_request").await;
        assert!(body["error_description"].as_str().unwrap().contains("Invalid content type"), "{body}");
    }
    // JSON must be an object of strings, each key once.
    let bad_json = [
        format!(
            r#"{{"grant_type":"authorization_code","code":"{code}","code":"x","redirect_uri":"{REDIRECT_URI}"}}"#
        ),
        format!(r#"{{"grant_type":"authorization_code","code":1,"redirect_uri":"{REDIRECT_URI}"}}"#),
    ];
    for body in bad_json {
        let request = t.http.post(t.url("/oauth/tokens")).header(header::AUTHORIZATION, &auth);
        let r = request.header(header::CONTENT_TYPE, "application/json").body(body).send().await.unwrap();
        oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    // JSON works.
    let json: HashMap<_, _> = exchange_form(&code).into_iter().collect();
    let r = t
        .http
        .post(t.url("/oauth/tokens"))
        .header(header::AUTHORIZATION, &auth)
        .json(&json)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_repeated_and_wrong_parameters() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    let auth = basic(CLIENT_ID, CLIENT_SECRET);
    for missing in 0..3 {
        let mut form = exchange_form(&code);
        form.remove(missing);
        oauth_error(exchange(&t, &auth, &form).await, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
    let mut repeated = exchange_form(&code);
    repeated.push(("code", code.clone()));
    oauth_error(exchange(&t, &auth, &repeated).await, StatusCode::BAD_REQUEST, "invalid_request").await;
    let mut wrong_grant = exchange_form(&code);
    wrong_grant[0].1 = "client_credentials".into();
    oauth_error(exchange(&t, &auth, &wrong_grant).await, StatusCode::BAD_REQUEST, "unsupported_grant_type")
        .await;
    let mut wrong_redirect = exchange_form(&code);
    wrong_redirect[2].1 = SECOND_REDIRECT_URI.into();
    oauth_error(exchange(&t, &auth, &wrong_redirect).await, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // GET without owner_type and other methods.
    let r = t.http.get(t.url("/oauth/tokens")).header(header::AUTHORIZATION, &auth).send().await.unwrap();
    oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    let r = t.http.put(t.url("/oauth/tokens")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

// ---------- token endpoint: code rules ----------

#[tokio::test]
async fn expired_code_is_an_invalid_grant() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    t.emulator().clock().advance(time::Duration::seconds(61));
    let body = oauth_error(
        exchange(&t, &basic(CLIENT_ID, CLIENT_SECRET), &exchange_form(&code)).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;
    assert!(body["error_description"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn reused_code_is_refused_and_revokes_the_first_token() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    let auth = basic(CLIENT_ID, CLIENT_SECRET);
    let first: Value = exchange(&t, &auth, &exchange_form(&code)).await.json().await.unwrap();
    let token = first["access_token"].as_str().unwrap().to_owned();
    assert_eq!(t.get_as(&token, "/v3.0/me").await.status(), StatusCode::OK);
    oauth_error(exchange(&t, &auth, &exchange_form(&code)).await, StatusCode::BAD_REQUEST, "invalid_grant")
        .await;
    assert_eq!(t.emulator().check_token(&token).unwrap_err(), TokenError::Revoked);
    // The app holding the first token finds it refused where it uses it.
    let me = t.get_as(&token, "/v3.0/me").await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let challenge = me.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");
}

#[tokio::test]
async fn a_code_from_another_client_is_an_invalid_grant() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    let mut form = exchange_form(&code);
    form[2].1 = OTHER_REDIRECT_URI.into();
    let r = exchange(&t, &basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET), &form).await;
    oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_succeed_exactly_once() {
    let t = TestEmulator::start().await;
    let code = queued_code(&t, "skelly").await;
    let auth = basic(CLIENT_ID, CLIENT_SECRET);
    let form = exchange_form(&code);
    let requests = (0..64).map(|_| exchange(&t, &auth, &form));
    let responses = futures::future::join_all(requests).await;
    let mut ok = 0;
    for r in responses {
        if r.status() == StatusCode::OK {
            ok += 1;
        } else {
            oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
        }
    }
    assert_eq!(ok, 1);
}

// ---------- district tokens and tokeninfo ----------

#[tokio::test]
async fn district_apps_list_their_district_tokens_and_library_apps_none() {
    let t = TestEmulator::start().await;
    let path = "/oauth/tokens?owner_type=district";
    let auth = basic(DISTRICT_CLIENT_ID, DISTRICT_CLIENT_SECRET);
    let r = t.http.get(t.url(path)).header(header::AUTHORIZATION, &auth).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["owner"], serde_json::json!({"type": "district", "id": district_id()}));
    let token = data[0]["access_token"].as_str().unwrap();
    assert_eq!(token, t.emulator().district_token(DISTRICT_CLIENT_ID, &district_id()));
    assert_eq!(body["links"][0]["rel"], "self");

    let info: Value = t.get_as(token, "/oauth/tokeninfo").await.json().await.unwrap();
    assert_eq!(info["client_id"], DISTRICT_CLIENT_ID);
    assert!(info["scopes"].as_array().unwrap().contains(&"read:sections".into()));

    let r = t
        .http
        .get(t.url(path))
        .header(header::AUTHORIZATION, basic(CLIENT_ID, CLIENT_SECRET))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"], serde_json::json!([]));
    let r = t
        .http
        .get(t.url("/oauth/tokens?owner_type=user"))
        .header(header::AUTHORIZATION, &auth)
        .send()
        .await
        .unwrap();
    oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    let r = t.http.get(t.url(path)).send().await.unwrap();
    oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn tokeninfo_describes_user_tokens_and_refuses_bad_ones() {
    let t = TestEmulator::start().await;
    let token = t.token_for("skelly");
    let r = t.get_as(&token, "/oauth/tokeninfo").await;
    assert_eq!(r.status(), StatusCode::OK);
    let info: Value = r.json().await.unwrap();
    assert_eq!(info["client_id"], CLIENT_ID);
    assert!(info["scopes"].as_array().unwrap().contains(&"read:user_id".into()));

    let r = t.get_as("il-not-a-token", "/oauth/tokeninfo").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().contains("invalid_token"));
    let r = get(&t, "/oauth/tokeninfo").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

//! The portal and Library from the outside: a teacher installs a Library app, lands on its
//! primary redirect URI with a code and no state, and the app then appears for that teacher's
//! students only.

// Helpers outside #[test] fns (and the shared harness) panic on purpose: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use reqwest::{Client, Response, StatusCode, header};

/// A browser of its own (cookie jar, no redirects followed).
fn browser() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap()
}

fn location(response: &Response) -> String {
    response.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

fn query_of(location: &str) -> HashMap<String, String> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn page(t: &TestEmulator, b: &Client, path: &str) -> (StatusCode, String) {
    let r = b.get(t.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post(t: &TestEmulator, b: &Client, path: &str, form: &[(&str, &str)]) -> Response {
    b.post(t.url(path)).form(form).send().await.unwrap()
}

/// Logs `key` into the portal; returns the portal CSRF token.
async fn portal_login(t: &TestEmulator, b: &Client, key: &str) -> String {
    let (status, html) = page(t, b, "/portal").await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden(&html, "csrf");
    let r = post(t, b, "/portal/login", &[("csrf", &csrf), ("user_id", &user_id(key))]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    csrf
}

async fn launch(t: &TestEmulator, b: &Client, csrf: &str) -> Response {
    post(t, b, "/portal/launch", &[("csrf", csrf), ("client_id", CLIENT_ID)]).await
}

/// Redeems a code for the demo app at its primary redirect URI.
async fn redeem(t: &TestEmulator, code: &str) -> StatusCode {
    let auth = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT_URI)];
    let r = t.http.post(t.url("/oauth/tokens")).header(header::AUTHORIZATION, auth).form(&form).send().await;
    r.unwrap().status()
}

/// The teacher installs the demo app from the Library and allows it; returns the landing URL.
async fn install(t: &TestEmulator, b: &Client, csrf: &str) -> String {
    let (status, html) = page(t, b, "/portal/library").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Rollcall") && html.contains("Install"), "{html}");
    let r = post(t, b, "/portal/install", &[("csrf", csrf), ("client_id", CLIENT_ID)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, consent) = page(t, b, &location(&r)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(consent.contains("Rollcall") && consent.contains("Allow"), "{consent}");
    let form =
        [("req", hidden(&consent, "req")), ("csrf", hidden(&consent, "csrf")), ("decision", "allow".into())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post(t, b, "/oauth/consent", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    location(&r)
}

#[tokio::test]
async fn root_redirects_to_the_portal_login() {
    let t = TestEmulator::start().await;
    let r = t.http.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(location(&r), "/portal");
    let (_, html) = page(&t, &t.http, "/portal").await;
    assert!(html.contains("Teachers") && html.contains("District admins"), "{html}");
}

#[tokio::test]
async fn library_install_lands_on_the_primary_redirect_with_a_code_and_no_state() {
    let t = TestEmulator::start().await;
    let teacher = browser();
    let csrf = portal_login(&t, &teacher, "skelly").await;
    let to = install(&t, &teacher, &csrf).await;
    assert!(to.starts_with(&format!("{REDIRECT_URI}?")), "primary redirect URI expected, got {to}");
    let q = query_of(&to);
    assert!(!q.contains_key("state"), "Library installs carry no state: {to}");
    assert_eq!(redeem(&t, &q["code"]).await, StatusCode::OK);

    let (_, library) = page(&t, &teacher, "/portal/library").await;
    assert!(library.contains("Installed ✓"), "{library}");
    let (_, apps) = page(&t, &teacher, "/portal").await;
    assert!(apps.contains("Rollcall") && apps.contains("Launch"), "{apps}");
    let r = launch(&t, &teacher, &csrf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!query_of(&location(&r)).contains_key("state"));
}

#[tokio::test]
async fn students_see_an_app_only_after_their_own_teacher_installed_it() {
    let t = TestEmulator::start().await;
    let maria = browser(); // in Sam Kelly's sections
    let maria_csrf = portal_login(&t, &maria, "maria").await;
    let sofia = browser(); // only in Ngozi Okafor's section
    let sofia_csrf = portal_login(&t, &sofia, "sofia").await;

    let (_, apps) = page(&t, &maria, "/portal").await;
    assert!(!apps.contains("Rollcall"), "{apps}");
    assert_eq!(launch(&t, &maria, &maria_csrf).await.status(), StatusCode::FORBIDDEN);
    let (status, _) = page(&t, &maria, "/portal/library").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "students have no Library");

    let teacher = browser();
    let csrf = portal_login(&t, &teacher, "skelly").await;
    install(&t, &teacher, &csrf).await;

    let (_, apps) = page(&t, &maria, "/portal").await;
    assert!(apps.contains("Rollcall"), "{apps}");
    let r = launch(&t, &maria, &maria_csrf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.starts_with(&format!("{REDIRECT_URI}?")) && !query_of(&to).contains_key("state"), "{to}");
    assert_eq!(redeem(&t, &query_of(&to)["code"]).await, StatusCode::OK);

    let (_, apps) = page(&t, &sofia, "/portal").await;
    assert!(!apps.contains("Rollcall"), "another teacher's install must not show: {apps}");
    assert_eq!(launch(&t, &sofia, &sofia_csrf).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn portal_forms_need_the_csrf_token_and_logout_ends_the_session() {
    let t = TestEmulator::start().await;
    let b = browser();
    let (_, html) = page(&t, &b, "/portal").await;
    let r = post(&t, &b, "/portal/login", &[("csrf", "forged"), ("user_id", &user_id("skelly"))]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let csrf = hidden(&html, "csrf");
    let r = post(&t, &b, "/portal/login", &[("csrf", &csrf), ("user_id", &user_id("skelly"))]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(&t, &b, "/portal/install", &[("csrf", "forged"), ("client_id", CLIENT_ID)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(t.emulator().world().installs.is_empty());

    let r = post(&t, &b, "/portal/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&t, &b, "/portal").await;
    assert!(html.contains("Log in to Clever"), "{html}");
}

#[tokio::test]
async fn portal_redirects_carry_the_scope_and_an_install_is_the_teachers_authorization() {
    let t = TestEmulator::start().await;
    let teacher = browser();
    let csrf = portal_login(&t, &teacher, "skelly").await;
    let to = install(&t, &teacher, &csrf).await;
    assert_eq!(query_of(&to)["scope"], "read:user_id read:sections read:students");

    // Installing again goes straight to the app, and so does an OAuth login in another browser.
    let r = post(&t, &teacher, "/portal/install", &[("csrf", &csrf), ("client_id", CLIENT_ID)]).await;
    assert!(location(&r).starts_with(&format!("{REDIRECT_URI}?code=")), "{}", location(&r));
    match t.log_in(&browser(), "skelly", "s").await {
        common::browser::Landing::App(url) => assert_eq!(query_of(&url)["state"], "s"),
        other => panic!("a teacher who installed the app is not asked again: {other:?}"),
    }

    let maria = browser();
    let maria_csrf = portal_login(&t, &maria, "maria").await;
    let q = query_of(&location(&launch(&t, &maria, &maria_csrf).await));
    assert_eq!(q["scope"], "read:user_id");
    assert!(!q.contains_key("state"));
    assert_eq!(redeem(&t, &q["code"]).await, StatusCode::OK);
}

/// A shared classroom device: Clever's log-out (linked from apps as `/logout`, where real
/// Clever has it) ends the browser's Clever session, so the next sign-in asks who you are
/// instead of going straight through as the previous person.
#[tokio::test]
async fn logging_out_of_clever_makes_the_next_sign_in_ask_who_you_are() {
    let t = TestEmulator::start().await;
    let b = browser();
    portal_login(&t, &b, "skelly").await;
    let r = b.get(t.url(&common::browser::authorize_path("s1"))).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(!html.contains("name=\"user_id\""), "while logged in, authorize asks nobody to log in: {html}");

    let r = b.get(t.url("/logout")).send().await.unwrap();
    assert_eq!(location(&r), "/portal/logout");
    let (status, html) = page(&t, &b, "/portal/logout").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("logged in to Clever as <strong>Sam Kelly</strong>"), "{html}");
    let csrf = hidden(&html, "csrf");

    // Opening the page logs nobody out, and neither does a post without this browser's token.
    let r = post(&t, &b, "/portal/logout", &[("csrf", "forged")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, apps) = page(&t, &b, "/portal").await;
    assert!(apps.contains("Logged in as <strong>Sam Kelly</strong>"), "{apps}");

    let r = post(&t, &b, "/portal/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/portal/logout");
    let (_, html) = page(&t, &b, "/portal/logout").await;
    assert!(html.contains("You are logged out of Clever"), "{html}");
    assert!(!html.contains("Sam Kelly"), "{html}");

    let r = b.get(t.url(&common::browser::authorize_path("s2"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"user_id\""), "the next sign-in shows the login page: {html}");
}

/// The log-out works the same when the session came from the OAuth login page, not the portal.
#[tokio::test]
async fn logging_out_ends_a_session_begun_on_the_oauth_login_page() {
    let t = TestEmulator::start().await;
    let b = browser();
    assert!(matches!(t.log_in(&b, "skelly", "s1").await, common::browser::Landing::Consent(_)));
    let (_, html) = page(&t, &b, "/portal/logout").await;
    assert!(html.contains("Sam Kelly"), "{html}");
    let r = post(&t, &b, "/portal/logout", &[("csrf", &hidden(&html, "csrf"))]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b.get(t.url(&common::browser::authorize_path("s2"))).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("name=\"user_id\""));
}

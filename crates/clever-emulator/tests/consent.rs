//! Consent as in Clever's Library, from the browser's side: a teacher authorizes an app once,
//! students never see a consent page and get in only through a teacher who authorized the app,
//! and every redirect that grants a login carries `code`, `scope` and `state`.

// Helpers outside #[test] fns (and the shared harness) panic on purpose: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::{Landing, authorize_path, browser, hidden, location, query_of};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TEACHER_SCOPE: &str = "read:user_id read:sections read:students";
const STUDENT_SCOPE: &str = "read:user_id";

/// The redirect's query, after checking it went to the app with a code.
fn granted(landing: Landing) -> std::collections::HashMap<String, String> {
    match landing {
        Landing::App(url) => {
            let q = query_of(&url);
            assert!(q.contains_key("code"), "no code in {url}");
            q
        }
        other => panic!("expected a redirect to the app with a code, got {other:?}"),
    }
}

fn consent_page(landing: Landing) -> String {
    match landing {
        Landing::Consent(html) => html,
        other => panic!("expected the consent page, got {other:?}"),
    }
}

/// The error page a student gets when no teacher of theirs authorized the app.
fn refused(landing: Landing) -> String {
    match landing {
        Landing::Page(status, html) => {
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert!(html.contains("added"), "{html}");
            assert!(!html.contains("instead of redirecting"), "a plain error page: {html}");
            html
        }
        other => panic!("expected the not-added-yet page, got {other:?}"),
    }
}

async fn authorizations(t: &TestEmulator) -> Value {
    t.http.get(t.url("/__admin/authorizations")).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_teacher_authorizes_once_and_later_logins_in_any_browser_go_straight_through() {
    let t = TestEmulator::start().await;
    let first = browser();
    let consent = consent_page(t.log_in(&first, "skelly", "one").await);
    let q = query_of(&t.decide(&first, &consent, "allow").await);
    assert_eq!((q["scope"].as_str(), q["state"].as_str()), (TEACHER_SCOPE, "one"));
    assert_eq!(t.redeem(&q["code"]).await.0, StatusCode::OK);
    assert_eq!(authorizations(&t).await, json!([{"app": CLIENT_ID, "teacher": user_id("skelly")}]));

    // A browser that never saw the consent page: login page, then straight back to the app.
    let q = granted(t.log_in(&browser(), "skelly", "two").await);
    assert_eq!((q["scope"].as_str(), q["state"].as_str()), (TEACHER_SCOPE, "two"));
    assert_eq!(t.redeem(&q["code"]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_student_is_stopped_until_a_teacher_of_one_of_their_sections_authorizes_the_app() {
    let t = TestEmulator::start().await;
    let maria = browser(); // math4 (Sam Kelly, co-taught by Ana Ortega) and reading4 (Sam Kelly)
    let html = refused(t.log_in(&maria, "maria", "s").await);
    assert!(html.contains("Rollcall") && html.contains("teacher"), "{html}");

    // Ana co-teaches math4: her authorization lets María in, not Aiyana (Sam's sections only).
    let ana = browser();
    let consent = consent_page(t.log_in(&ana, "aortega", "s").await);
    t.decide(&ana, &consent, "allow").await;
    let q = granted(t.log_in(&maria, "maria", "back").await);
    assert_eq!((q["scope"].as_str(), q["state"].as_str()), (STUDENT_SCOPE, "back"));
    let (status, token) = t.redeem(&q["code"]).await;
    assert_eq!(status, StatusCode::OK);
    let me = t.get_as(token["access_token"].as_str().unwrap(), "/v3.0/me").await;
    assert_eq!(me.status(), StatusCode::OK);
    refused(t.log_in(&browser(), "aiyana", "s").await);
}

#[tokio::test]
async fn a_student_never_sees_a_consent_page_even_when_asking_for_one() {
    let t = TestEmulator::start().await;
    let zoe = browser();
    let login_page = |state: &'static str| {
        let request = zoe.get(t.url(&authorize_path(state))).send();
        async move { request.await.unwrap().text().await.unwrap() }
    };
    // Two sign-in requests started before Zoë logs in; the first one logs her in and stops.
    let (first, second) = (login_page("one").await, login_page("two").await);
    let form =
        [("req", hidden(&first, "req")), ("csrf", hidden(&first, "csrf")), ("user_id", user_id("zoe"))];
    let r = zoe.post(t.url("/oauth/login")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(location(&r).is_none(), "no redirect to the app");

    // The second request's consent page and form are refused to her as well.
    let req = hidden(&second, "req");
    let page = zoe.get(t.url(&format!("/oauth/consent?req={req}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(!page.text().await.unwrap().contains("name=\"decision\""));
    let allow = [("req", req), ("csrf", hidden(&second, "csrf")), ("decision", "allow".into())];
    let r = zoe.post(t.url("/oauth/consent")).form(&allow).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(location(&r).is_none());
    assert!(authorizations(&t).await.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_seeded_install_counts_as_the_teachers_authorization() {
    let mut seed = test_seed();
    seed.installs
        .push(clever_emulator::seed::SeedInstall { app: CLIENT_ID.into(), teacher: "nokafor".into() });
    let t = TestEmulator::start_with(seed, Default::default()).await;
    let q = granted(t.log_in(&browser(), "nokafor", "s").await);
    assert_eq!(q["scope"], TEACHER_SCOPE);
    let q = granted(t.log_in(&browser(), "sofia", "s").await); // in Ngozi Okafor's science7
    assert_eq!(q["scope"], STUDENT_SCOPE);
    refused(t.log_in(&browser(), "maria", "s").await);
}

#[tokio::test]
async fn a_revoked_authorization_asks_the_teacher_again_and_stops_their_students() {
    let t = TestEmulator::start().await;
    t.queue_login("skelly").await; // a scripted teacher login records the authorization too
    granted(t.log_in(&browser(), "skelly", "s").await);
    granted(t.log_in(&browser(), "maria", "s").await);

    let path = format!("/__admin/authorizations/{CLIENT_ID}/{}", user_id("skelly"));
    let r = t.http.delete(t.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = t.http.delete(t.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("has not authorized"), "{body}");

    consent_page(t.log_in(&browser(), "skelly", "s").await);
    refused(t.log_in(&browser(), "maria", "s").await);

    // And the admin API can authorize again without a browser.
    let r = t.http.put(t.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    granted(t.log_in(&browser(), "maria", "s").await);
}

#[tokio::test]
async fn only_teachers_authorize_library_apps_through_the_admin_api() {
    let t = TestEmulator::start().await;
    let put = |path: String| t.http.put(t.url(&path)).send();
    let r = put(format!("/__admin/authorizations/{CLIENT_ID}/{}", user_id("maria"))).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = put(format!("/__admin/authorizations/{DISTRICT_CLIENT_ID}/{}", user_id("skelly"))).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = put(format!("/__admin/authorizations/nope/{}", user_id("skelly"))).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = put(format!("/__admin/authorizations/{CLIENT_ID}/nobody")).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    put(format!("/__admin/authorizations/{OTHER_CLIENT_ID}/{}", user_id("dbrooks"))).await.unwrap();
    put(format!("/__admin/authorizations/{CLIENT_ID}/{}", user_id("skelly"))).await.unwrap();
    let only: Value = t
        .http
        .get(t.url(&format!("/__admin/authorizations?teacher={}", user_id("dbrooks"))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(only, json!([{"app": OTHER_CLIENT_ID, "teacher": user_id("dbrooks")}]));
}

#[tokio::test]
async fn a_scripted_login_goes_straight_through_for_every_user() {
    let t = TestEmulator::start().await;
    for (key, scope) in [("maria", STUDENT_SCOPE), ("pwhite", STUDENT_SCOPE), ("rgreen", STUDENT_SCOPE)] {
        t.queue_login(key).await;
        let q = granted(t.log_in(&browser(), key, "scripted").await);
        assert_eq!((q["scope"].as_str(), q["state"].as_str()), (scope, "scripted"), "{key}");
        assert_eq!(t.redeem(&q["code"]).await.0, StatusCode::OK, "{key}");
    }
    assert!(authorizations(&t).await.as_array().unwrap().is_empty(), "only teachers authorize");
}

#[tokio::test]
async fn staff_are_asked_once_and_remembered_as_before() {
    let t = TestEmulator::start().await;
    let b = browser();
    let consent = consent_page(t.log_in(&b, "pwhite", "s").await);
    let q = query_of(&t.decide(&b, &consent, "allow").await);
    assert_eq!(q["scope"], STUDENT_SCOPE);
    granted(t.log_in(&b, "pwhite", "again").await);
    assert!(authorizations(&t).await.as_array().unwrap().is_empty(), "staff do not authorize for students");
}

#[tokio::test]
async fn a_redirect_s_scope_is_what_tokeninfo_reports_for_the_token() {
    let t = TestEmulator::start().await;
    for key in ["skelly", "aortega", "maria"] {
        t.queue_login(key).await;
        let q = granted(t.log_in(&browser(), key, "s").await);
        let (_, token) = t.redeem(&q["code"]).await;
        let info: Value =
            t.get_as(token["access_token"].as_str().unwrap(), "/oauth/tokeninfo").await.json().await.unwrap();
        let scopes: Vec<&str> =
            info["scopes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(q["scope"], scopes.join(" "), "{key}");
    }
}

//! Server hygiene as a visitor meets it: one session per browser, and the app's own pages for
//! requests the framework would refuse in plain text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use rollcall_store::AccountRole;
use support::{Browser, TestApp};

const PASSWORD: &str = "correct horse battery";

/// Logs `email` in on the login form and returns the session cookie the answer set.
async fn password_login(browser: &Browser, email: &str) -> String {
    let form = browser.get("/login").await;
    let page =
        browser.post("/login", &[("csrf", &form.csrf()), ("email", email), ("password", PASSWORD)]).await;
    assert_eq!(page.location(), Some("/dashboard"), "{}", page.body);
    page.headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("rollcall_session="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("a session cookie")
}

/// Whether a browser holding only `cookie` is signed in.
async fn signed_in_with(app: &TestApp, cookie: &str) -> bool {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = client.get(format!("{}/dashboard", app.url)).header("cookie", cookie).send().await.unwrap();
    answer.status() == StatusCode::OK
}

#[tokio::test]
async fn a_login_as_someone_else_in_the_same_browser_ends_the_first_persons_session() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Dana", "First"), "dana@school.test", PASSWORD).await;
    app.password_account(AccountRole::Teacher, ("Eli", "Second"), "eli@school.test", PASSWORD).await;
    let shared_computer = app.stepping_browser();

    let dana = password_login(&shared_computer, "dana@school.test").await;
    assert!(signed_in_with(&app, &dana).await);
    let eli = password_login(&shared_computer, "eli@school.test").await;
    assert!(signed_in_with(&app, &eli).await);
    assert!(
        !signed_in_with(&app, &dana).await,
        "Dana's old cookie, copied or left behind, still opens her account"
    );
}

#[tokio::test]
async fn requests_the_framework_refuses_get_the_apps_page_in_plain_words() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let csrf = app.login(&browser, "skelly").await.csrf();

    // A form missing a field, a body of the wrong type, one far too large, a path id that is no
    // number, a repeated query parameter, a method the page does not take.
    let http = &browser.http;
    let url = |path: &str| format!("{}{path}", app.url);
    let answers = [
        ("missing field", http.post(url("/login")).form(&[("csrf", csrf.as_str())]).send().await.unwrap()),
        (
            "wrong content type",
            http.post(url("/profile/school"))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap(),
        ),
        (
            "too large",
            http.post(url("/profile/school"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={csrf}&school={}", "a".repeat(3 << 20)))
                .send()
                .await
                .unwrap(),
        ),
        ("not a number", http.get(url("/sections/abc")).send().await.unwrap()),
        ("repeated parameter", http.get(url("/profile?linked=1&linked=2")).send().await.unwrap()),
        ("wrong method", http.put(url("/login")).send().await.unwrap()),
    ];
    for (what, answer) in answers {
        let status = answer.status();
        let kind = answer.headers()["content-type"].to_str().unwrap().to_owned();
        let body = answer.text().await.unwrap();
        assert!(status.is_client_error(), "{what}: {status}");
        assert!(kind.starts_with("text/html"), "{what}: {kind}: {body}");
        assert!(body.contains("<h1>") && body.contains("Rollcall"), "{what}: {body}");
        for framework in ["Failed to deserialize", "Expected request with", "Length limit", "Invalid URL"] {
            assert!(!body.contains(framework), "{what}: framework text {framework:?}: {body}");
        }
    }
}

#[tokio::test]
async fn over_https_browsers_are_told_to_stay_on_https_and_cookies_are_host_only() {
    let app = TestApp::spawn().await;
    // The test app is served over http (dev mode): no HSTS, plain cookie names there.
    let page = app.stepping_browser().get("/login").await;
    assert!(page.headers.get("strict-transport-security").is_none());
    let https = support::https_config_headers().await;
    assert_eq!(https.hsts.as_deref(), Some("max-age=31536000"));
    assert!(https.form_cookie.starts_with("__Host-rollcall_form="), "{}", https.form_cookie);
    assert!(https.form_cookie.contains("Secure") && https.form_cookie.contains("Path=/"));
}

/// Tries `email` / `password` on the login form as a browser at `address`; returns the answer.
async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> support::Page {
    let browser = app.stepping_browser();
    let form = browser.get("/login").await;
    let answer = browser
        .http
        .post(format!("{}/login", app.url))
        .header("x-forwarded-for", address)
        .form(&[("csrf", form.csrf().as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    Browser::page(answer).await
}

#[tokio::test]
async fn one_client_spraying_many_emails_is_stopped_and_others_still_log_in() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Dana", "First"), "dana@school.test", PASSWORD).await;
    let sprayer = "203.0.113.66";
    for n in 1..rollcall_web::passwords::MAX_CLIENT_FAILURES {
        let answer = login_from(&app, sprayer, &format!("guess{n}@school.test"), "Winter2026!").await;
        assert!(answer.contains("Wrong email or password."), "attempt {n}: {}", answer.body);
    }
    let last = login_from(&app, sprayer, "guess-last@school.test", "Winter2026!").await;
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.contains("too many wrong passwords from your network"), "{}", last.body);
    // Stopped for every email now, even one it knows the password of.
    let known = login_from(&app, sprayer, "dana@school.test", PASSWORD).await;
    assert_eq!(known.status, StatusCode::TOO_MANY_REQUESTS);
    // Dana, elsewhere, is not.
    let dana = login_from(&app, "198.51.100.20", "dana@school.test", PASSWORD).await;
    assert_eq!(dana.location(), Some("/dashboard"), "{}", dana.body);
}

#[tokio::test]
async fn guessing_one_account_from_one_client_does_not_lock_its_owner_out() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Dana", "First"), "dana@school.test", PASSWORD).await;
    let guesser = "203.0.113.77";
    for n in 1..=rollcall_web::passwords::MAX_FAILURES + 2 {
        login_from(&app, guesser, "dana@school.test", &format!("guess number {n}")).await;
    }
    let locked = login_from(&app, guesser, "dana@school.test", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "the guesser is stopped, right password or not");
    assert!(locked.contains("too many wrong passwords for this email"), "{}", locked.body);
    let dana = login_from(&app, "198.51.100.20", "dana@school.test", PASSWORD).await;
    assert_eq!(dana.location(), Some("/dashboard"), "the owner is not locked out: {}", dana.body);
}

#[tokio::test]
async fn a_burst_of_guesses_sent_at_once_gets_no_more_tries_than_the_limit() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Dana", "First"), "dana@school.test", PASSWORD).await;
    let guesser = "203.0.113.88";
    // Forty guesses in flight together: every one of them would find no failure counted yet.
    let guesses = (0..40).map(|n| {
        let app = &app;
        async move { login_from(app, guesser, "dana@school.test", &format!("burst guess {n}")).await }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| a.contains("Wrong email or password.")).count();
    let refused = answers.iter().filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS).count();
    let busy = answers.iter().filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE).count();
    assert_eq!(checked + refused + busy, answers.len(), "only those three answers");
    // A guess told "busy" got past the limit check too (it waited for a hashing turn in vain).
    let limit = usize::try_from(rollcall_web::passwords::MAX_FAILURES).unwrap();
    assert!(
        checked + busy <= limit,
        "{checked} guesses were checked and {busy} waited to be; the limit is {limit}"
    );
    // The owner, elsewhere, still logs in.
    let dana = login_from(&app, "198.51.100.20", "dana@school.test", PASSWORD).await;
    assert_eq!(dana.location(), Some("/dashboard"), "{}", dana.body);
}

//! The forms shown before anyone is signed in — log in, sign up, the first-login question
//! ("Do you already have a Rollcall account?", both answers) and an emailed link's button —
//! each refuse a post without this browser's form token, with another browser's token, with no
//! form cookie at all, or from another site: 403 and the "This form has expired" page, and
//! nothing is done.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use rollcall_store::AccountRole;
use support::{Browser, TestApp};

const PASSWORD: &str = "correct horse battery";

/// Posts `fields` to `path` from `browser` (whose page gave it `token`) in every way that must be
/// refused, and checks each answer.
async fn refused_every_way(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) {
    let with = |csrf: &str| {
        let mut form = vec![("csrf".to_owned(), csrf.to_owned())];
        form.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        form
    };
    let refused = |what: &str, page: support::Page| {
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} {what}: {}", page.body);
        assert!(
            page.contains("This form has expired") && page.contains("Go back to the form, reload it"),
            "{path} {what}: {}",
            page.body
        );
    };
    let missing: Vec<(&str, &str)> = fields.to_vec();
    refused("without a token", browser.post(path, &missing).await);
    refused("with a made-up token", browser.post(path, &as_refs(&with("forged"))).await);
    let other = app.browser();
    let other_token = other.get("/login").await.csrf();
    refused("with another browser's token", browser.post(path, &as_refs(&with(&other_token))).await);
    refused("from a browser with no form cookie", app.browser().post(path, &as_refs(&with(token))).await);
    let cross_site = browser
        .http
        .post(format!("{}{path}", app.url))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&with(token))
        .send()
        .await
        .unwrap();
    refused("from another site", Browser::page(cross_site).await);
}

fn as_refs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn log_in_and_sign_up_refuse_a_post_without_this_browsers_token() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Sam", "Kelly"), "sam@school.test", PASSWORD).await;
    let browser = app.browser();
    let token = browser.get("/login").await.csrf();
    refused_every_way(
        &app,
        &browser,
        "/login",
        &token,
        &[("email", "sam@school.test"), ("password", PASSWORD)],
    )
    .await;
    let signup = [
        ("first_name", "Lee"),
        ("last_name", "Park"),
        ("email", "lee@school.test"),
        ("password", PASSWORD),
        ("role", "student"),
    ];
    refused_every_way(&app, &browser, "/signup", &token, &signup).await;

    // Nothing was done: not signed in, no mail sent; the right token still works.
    assert!(browser.get("/dashboard").await.on("/login"));
    assert!(app.outbox().await.is_empty());
    let page = browser
        .post("/login", &[("csrf", &token), ("email", "sam@school.test"), ("password", PASSWORD)])
        .await;
    assert!(page.on("/dashboard"), "{}: {}", page.url, page.body);
}

#[tokio::test]
async fn the_first_login_question_refuses_a_post_without_this_browsers_token() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Other", "Teacher"), "other@school.test", PASSWORD).await;
    let browser = app.browser();
    let welcome = app.login(&browser, "skelly").await;
    assert!(welcome.url.ends_with("/auth/clever/welcome"), "{}", welcome.url);
    let token = welcome.csrf();
    refused_every_way(&app, &browser, "/auth/clever/welcome/new", &token, &[]).await;
    let link = [("email", "other@school.test"), ("password", PASSWORD)];
    refused_every_way(&app, &browser, "/auth/clever/welcome/link", &token, &link).await;

    // Nothing was created or linked, and the question still stands.
    assert!(app.clever_account("skelly").await.is_none());
    let page = browser
        .submit(&browser.get("/auth/clever/welcome").await, &app.url, "Create my Rollcall account")
        .await;
    assert!(page.on("/dashboard"), "{}: {}", page.url, page.body);
    assert!(app.clever_account("skelly").await.is_some());
}

#[tokio::test]
async fn an_emailed_links_button_refuses_a_post_without_this_browsers_token() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up(("Lee", "Park"), "lee@school.test", PASSWORD, "student").await;
    let link = app.mailed_link("lee@school.test").await;
    let page = browser.get(&link).await;
    let (action, fields) = support::form_with_button(&page, "<button type=\"submit\">");
    let token = page.csrf();
    let sealed = fields.iter().find(|(k, _)| k == "link").map(|(_, v)| v.clone()).unwrap();
    refused_every_way(&app, &browser, &action, &token, &[("link", &sealed)]).await;

    // No account yet; the button itself still works.
    assert!(app.store().credential_by_email("lee@school.test").await.unwrap().is_none());
    let done = browser.open_mailed_link(&link).await;
    assert!(done.on("/dashboard"), "{}: {}", done.url, done.body);
}

/// The login email is read once where it is typed: trimmed and lower-cased it finds the
/// account; something that is no email at all gets the same refusal as a wrong password.
#[tokio::test]
async fn a_login_email_is_read_as_the_account_stores_it() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Sam", "Kelly"), "sam@school.test", PASSWORD).await;
    let wrong = app.browser().password_login("not an email", PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.contains("Wrong email or password.") && wrong.contains("not an email"), "{}", wrong.body);
    let page = app.browser().password_login("  Sam@School.TEST ", PASSWORD).await;
    assert!(page.on("/dashboard"), "{}: {}", page.url, page.body);

    // Signing up with something that is no email shows the form again, as typed, saying why.
    let signup = app.browser().sign_up(("Lee", "Park"), "lee at school", PASSWORD, "student").await;
    assert_eq!(signup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        signup.contains("Enter an email address like name@school.org.") && signup.contains("lee at school")
    );
    assert!(app.outbox().await.is_empty());
}

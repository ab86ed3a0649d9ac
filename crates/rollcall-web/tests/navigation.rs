//! Getting around: a page asked for before logging in is where the login lands; error pages keep
//! the navigation of whoever is signed in; the staff page survives a reload.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use rollcall_store::AccountRole;
use support::{TestApp, user_id};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_class_page_asked_for_signed_out_is_where_the_clever_login_lands() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "skelly").await;
    let sam = app.clever_account("skelly").await.unwrap();
    let math =
        app.store().teacher_sections(sam.id).await.unwrap().into_iter().find(|s| s.name == "Grade 4 Math");
    let path = format!("/sections/{}", math.unwrap().id);

    let browser = app.browser();
    let asked = browser.get(&path).await;
    assert!(asked.on("/login") && asked.contains("Log in with Clever"), "{}", asked.url);
    let page = app.login(&browser, "skelly").await;
    assert!(page.on(&path), "the login lands on the class asked for: {}", page.url);
    assert!(page.contains("Grade 4 Math"), "{}", page.body);

    // Once used, it is forgotten: the next login goes to the dashboard.
    let again = app.login(&browser, "skelly").await;
    assert!(again.on("/dashboard"), "{}", again.url);
}

#[tokio::test]
async fn a_page_asked_for_signed_out_is_where_the_password_login_lands() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Pat", "Lee"), "pat@school.test", PASSWORD).await;
    let browser = app.browser();
    let login = browser.get("/sync/history").await;
    assert!(login.on("/login"), "{}", login.url);
    let typed = [("email", "pat@school.test"), ("password", PASSWORD)];
    let page = browser.fill(&login, &app.url, "Log in</button>", &typed).await;
    assert!(page.on("/sync/history"), "{}", page.url);
}

/// A `next` that could lead off the site, each refused: the login lands on the dashboard.
#[tokio::test]
async fn a_next_page_off_this_site_is_refused_however_it_is_written() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Pat", "Lee"), "pat@school.test", PASSWORD).await;
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "javascript:alert(1)",
    ] {
        let browser = app.browser();
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let login = browser.get(&format!("/login?next={encoded}")).await;
        let typed = [("email", "pat@school.test"), ("password", PASSWORD)];
        let page = browser.fill(&login, &app.url, "Log in</button>", &typed).await;
        assert!(page.url.starts_with(&app.url), "{next}: left the site for {}", page.url);
        assert!(page.on("/dashboard"), "{next}: {}", page.url);
    }
}

#[tokio::test]
async fn an_error_page_keeps_the_navigation_and_leads_back_to_the_users_own_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.login(&browser, "skelly").await;
    let missing = browser.get("/sections/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.contains(">Sam Kelly<") && missing.contains("Log out"),
        "who is signed in: {}",
        missing.body
    );
    assert!(missing.contains("<a class=\"button\" href=\"/dashboard\">Try again</a>"), "{}", missing.body);
    let nowhere = browser.get("/no/such/page").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(nowhere.contains(">Sam Kelly<"), "{}", nowhere.body);

    let stranger = app.browser().get("/no/such/page").await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    assert!(!stranger.contains("Log out"), "nobody is signed in: {}", stranger.body);
}

#[tokio::test]
async fn the_staff_page_comes_after_a_redirect_so_a_reload_shows_it_again() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = app.login(&browser, "pwhite").await;
    assert!(page.on("/auth/clever/unsupported"), "{}", page.url);
    assert!(page.contains("Rollcall is built for teachers and their students"), "{}", page.body);
    let reload = browser.get(&page.url).await;
    assert_eq!(reload.status, StatusCode::OK);
    assert_eq!(reload.body, page.body, "the same page, not \"this sign-in link has expired\"");
    assert_eq!(app.token_exchanges(), 1);
    assert!(app.clever_account("pwhite").await.is_none(), "no account: {}", user_id("pwhite"));
}

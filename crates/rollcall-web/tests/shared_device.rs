//! Shared classroom devices: one browser, several children and teachers in turn. Every step goes
//! through the real Clever pages (the emulator's portal and login page) in one cookie jar, as a
//! classroom Chromebook would, so Clever's own session is part of the story.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Browser, Page, TestApp};

/// `name` logs in to the Clever portal in `browser`; returns the portal's "My apps" page.
async fn clever_portal_login(app: &TestApp, browser: &Browser, name: &str) -> Page {
    let clever = &app.emulator.base_url;
    let login = browser.get(&format!("{clever}/portal")).await;
    assert!(login.contains("Log in to Clever"), "someone is still logged in to Clever: {}", login.body);
    let portal = browser.submit(&login, clever, name).await;
    assert!(portal.contains(&format!("Logged in as <strong>{name}</strong>")), "{}", portal.body);
    portal
}

/// A teacher, in a browser of their own, installs Rollcall from the Clever Library: their
/// classes come in, and their students find Rollcall on their portal.
async fn teacher_installs_rollcall(app: &TestApp, name: &str) {
    let clever = &app.emulator.base_url;
    let teacher = app.browser();
    clever_portal_login(app, &teacher, name).await;
    let library = teacher.get(&format!("{clever}/portal/library")).await;
    let consent = teacher.submit(&library, clever, "Install").await;
    let dashboard = teacher.submit(&consent, clever, "Allow").await;
    assert!(dashboard.on("/dashboard"), "{}\n{}", dashboard.url, dashboard.body);
}

/// Logs whoever is logged in to Clever in `browser` out of Clever, from the portal's button.
async fn clever_portal_logout(app: &TestApp, browser: &Browser) {
    let clever = &app.emulator.base_url;
    let portal = browser.get(&format!("{clever}/portal")).await;
    let done = browser.submit(&portal, clever, "Log out").await;
    assert!(done.contains("You are logged out of Clever"), "{}", done.body);
}

/// The pages a signed-in person can open from the navigation, joined.
async fn every_page(browser: &Browser) -> String {
    let mut all = String::new();
    for path in ["/dashboard", "/profile"] {
        let page = browser.get(path).await;
        assert!(page.on(path), "{path} ended on {}", page.url);
        all += &page.body;
    }
    all
}

#[tokio::test]
async fn a_second_child_who_launches_from_the_portal_is_signed_in_and_sees_nothing_of_the_first() {
    let app = TestApp::spawn().await;
    teacher_installs_rollcall(&app, "Sam Kelly").await;
    teacher_installs_rollcall(&app, "Ngozi Okafor").await;

    // María launches Rollcall from her Clever portal on the classroom device.
    let device = app.browser();
    let portal = clever_portal_login(&app, &device, "María Núñez").await;
    let maria = device.submit(&portal, &app.emulator.base_url, "Launch").await;
    assert!(maria.on("/dashboard"), "{}", maria.url);
    assert!(maria.contains("María Núñez") && maria.contains("Grade 4 Reading"), "{}", maria.body);

    // She walks away without logging out of Rollcall. Sofía, next at the device, switches Clever
    // to herself and launches Rollcall too.
    clever_portal_logout(&app, &device).await;
    let portal = clever_portal_login(&app, &device, "Sofía Hernández").await;
    let sofia = device.submit(&portal, &app.emulator.base_url, "Launch").await;
    assert!(sofia.on("/dashboard"), "{}", sofia.url);

    let seen = every_page(&device).await;
    assert!(seen.contains("Sofía Hernández") && seen.contains("Life Science 7"), "{seen}");
    for of_maria in ["María", "Núñez", "Grade 4 Math", "Grade 4 Reading", "Sam Kelly"] {
        assert!(!seen.contains(of_maria), "Sofía's pages show {of_maria:?}:\n{seen}");
    }
}

#[tokio::test]
async fn a_new_clever_login_that_does_not_end_in_a_session_still_ends_the_one_before() {
    let app = TestApp::spawn().await;
    teacher_installs_rollcall(&app, "Sam Kelly").await;
    // With a password account on this Rollcall, a teacher new to Rollcall is first asked
    // whether they already have an account: that login pauses at a question, with no session.
    app.password_account(rollcall_store::AccountRole::Teacher, ("Old", "Account"), "old@school.test", "pw")
        .await;

    let device = app.browser();
    let portal = clever_portal_login(&app, &device, "María Núñez").await;
    let maria = device.submit(&portal, &app.emulator.base_url, "Launch").await;
    assert!(maria.contains("Grade 4 Reading"), "{}", maria.body);

    // Dan, a teacher, installs Rollcall from the Library on the same device.
    clever_portal_logout(&app, &device).await;
    clever_portal_login(&app, &device, "Dan Brooks").await;
    let clever = &app.emulator.base_url;
    let library = device.get(&format!("{clever}/portal/library")).await;
    let consent = device.submit(&library, clever, "Install").await;
    let question = device.submit(&consent, clever, "Allow").await;
    assert!(question.on("/auth/clever/welcome"), "{}", question.url);
    assert!(question.contains("Dan") && !question.contains("María"), "{}", question.body);

    // Walking away from the question leaves nothing of María's open.
    let dashboard = device.get("/dashboard").await;
    assert!(dashboard.on("/login"), "María's session outlived Dan's login: {}", dashboard.url);
    assert!(!dashboard.contains("María") && !dashboard.contains("Grade 4 Reading"), "{}", dashboard.body);

    // And the next child's login closes Dan's unanswered question: it is not left for them.
    clever_portal_logout(&app, &device).await;
    let portal = clever_portal_login(&app, &device, "Zoë Çelik").await;
    let zoe = device.submit(&portal, clever, "Launch").await;
    assert!(zoe.on("/dashboard") && zoe.contains("Zoë"), "{}", zoe.url);
    let question = device.get("/auth/clever/welcome").await;
    assert!(!question.contains("Dan") && !question.contains("/auth/clever/welcome/new"), "{}", question.body);
}

#[tokio::test]
async fn after_logging_out_the_page_says_clever_may_still_be_signed_in_and_how_to_log_out_of_it() {
    let app = TestApp::spawn().await;
    let clever = app.emulator.base_url.clone();
    let device = app.browser();

    // Sam signs in with Clever on the Clever login page (no shortcut: Clever's session opens).
    let login = device.get("/auth/clever/start").await;
    let consent = device.submit(&login, &clever, "Sam Kelly").await;
    let dashboard = device.submit(&consent, &clever, "Allow").await;
    assert!(dashboard.on("/dashboard"), "{}", dashboard.url);

    let out = device.post("/logout", &[("csrf", &dashboard.csrf())]).await;
    assert!(out.on("/logged-out"), "{}", out.url);
    assert!(out.contains("You are logged out of Rollcall"), "{}", out.body);
    assert!(out.contains("Clever may still be signed in on this device"), "{}", out.body);
    assert!(out.contains(&format!("href=\"{clever}/logout\"")), "a link to Clever's log-out: {}", out.body);
    assert!(!out.contains("Sam Kelly"), "{}", out.body);

    // Which is true: "Log in with Clever" now signs Sam straight back in, asking nobody.
    let again = device.get("/auth/clever/start").await;
    assert!(again.on("/dashboard") && again.contains("Sam Kelly"), "{}", again.url);
    let out = device.post("/logout", &[("csrf", &again.csrf())]).await;

    // Following the page's link and pressing Clever's button logs Clever out too ...
    let clever_logout = device.get(&format!("{clever}/logout")).await;
    assert!(
        clever_logout.contains("logged in to Clever as <strong>Sam Kelly</strong>"),
        "{}",
        clever_logout.body
    );
    let done = device.submit(&clever_logout, &clever, "Log out of Clever").await;
    assert!(done.contains("You are logged out of Clever"), "{}", done.body);
    assert!(out.on("/logged-out"));

    // ... so the next "Log in with Clever" on this device asks who you are.
    let next = device.get("/auth/clever/start").await;
    assert!(next.url.starts_with(&clever), "{}", next.url);
    assert!(
        next.contains("Sam Kelly") && next.contains("María Núñez"),
        "the login page lists people: {}",
        next.body
    );
    assert!(device.get("/dashboard").await.on("/login"), "nobody is signed in to Rollcall");
}

#[tokio::test]
async fn the_logged_out_page_sends_someone_signed_in_to_their_classes() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.login(&browser, "skelly").await;
    let page = browser.get("/logged-out").await;
    assert!(page.on("/dashboard"), "{}", page.url);
}

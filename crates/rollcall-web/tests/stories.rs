//! Stories through HTTP: a browser, the real app, the real emulator. Each test is one thing a
//! teacher, a student or an operator would notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use rollcall_core::CleverId;
use support::{TestApp, section_id, user_id};

fn cid(s: &str) -> CleverId {
    CleverId::parse(s).unwrap()
}

#[tokio::test]
async fn signup_page_offers_sign_up_with_clever() {
    let app = TestApp::spawn().await;
    let page = app.browser().get("/signup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Sign up with Clever") && page.contains("href=\"/auth/clever/start\""));
    let login = app.browser().get("/login").await;
    assert!(login.contains("Log in with Clever"));
}

#[tokio::test]
async fn a_teachers_first_login_creates_the_account_and_imports_every_class() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = app.login(&browser, "skelly").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.on("/dashboard"), "{}", page.url);
    for class in ["Grade 4 Math", "Grade 4 Reading", "Homeroom 4B"] {
        assert!(page.contains(class), "{class} missing");
    }
    assert!(page.contains("5 students"), "Grade 4 Math has five students");
    assert!(!page.contains("Co-taught with"), "Ana has not joined yet");
    let teacher = app.store().user_by_clever_id(&cid(&user_id("skelly"))).await.unwrap().unwrap();
    assert_eq!(teacher.first_name, "Sam");
    let runs = app.store().sync_runs(teacher.id, 5).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].counts.added, 3 + 5 + 4 + 3, "three sections and twelve enrollments");
}

#[tokio::test]
async fn a_student_who_logs_in_first_gets_an_account_and_classes_appear_later() {
    let app = TestApp::spawn().await;
    let student = app.browser();
    let page = app.login(&student, "maria").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Your classes will appear here"), "{}", page.body);

    app.login(&app.browser(), "skelly").await;
    let page = student.get("/dashboard").await;
    assert!(page.contains("Grade 4 Math") && page.contains("Grade 4 Reading"), "{}", page.body);
    let maria = app.store().user_by_clever_id(&cid(&user_id("maria"))).await.unwrap().unwrap();
    assert_eq!(maria.last_name, "Núñez", "the full name from her own login survives the teacher's sync");
}

#[tokio::test]
async fn a_co_teacher_joins_the_existing_section() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "skelly").await;
    let page = app.login(&app.browser(), "aortega").await;
    assert!(page.contains("Grade 4 Math") && page.contains("Co-taught with Sam Kelly"), "{}", page.body);
    let ana = app.store().user_by_clever_id(&cid(&user_id("aortega"))).await.unwrap().unwrap();
    let sam = app.store().user_by_clever_id(&cid(&user_id("skelly"))).await.unwrap().unwrap();
    let ana_math = app.store().teacher_sections(ana.id).await.unwrap();
    let sam_math: Vec<_> = app.store().teacher_sections(sam.id).await.unwrap();
    let math = |list: &Vec<rollcall_store::SectionSummary>| {
        list.iter().find(|s| s.clever_id.as_str() == section_id("math4")).map(|s| s.id)
    };
    assert_eq!(math(&ana_math), math(&sam_math), "one section row, two teachers");
}

#[tokio::test]
async fn a_teacher_with_no_classes_sees_how_to_get_them() {
    let app = TestApp::spawn().await;
    let page = app.login(&app.browser(), "dbrooks").await;
    assert!(page.contains("no classes in Clever yet"), "{}", page.body);
}

#[tokio::test]
async fn every_login_resyncs_new_renamed_and_removed() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "skelly").await;
    {
        let mut world = app.emulator().world_mut();
        world.update_section(&section_id("math4"), |s| {
            s.name = "Math 4 (Advanced)".into();
            s.students.retain(|id| *id != user_id("jamal"));
            s.students.push(user_id("sofia"));
        });
    }
    let page = app.login(&app.browser(), "skelly").await;
    assert!(page.contains("Math 4 (Advanced)"), "renamed");
    assert!(
        page.contains("class=\"flag\">1 student removed in Clever<"),
        "Jamal is flagged, not deleted: {}",
        page.body
    );
    let sam = app.store().user_by_clever_id(&cid(&user_id("skelly"))).await.unwrap().unwrap();
    let math = app
        .store()
        .teacher_sections(sam.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.synced_name.starts_with("Math 4"))
        .unwrap();
    let roster = app.store().section_roster(sam.id, math.id).await.unwrap().unwrap();
    let jamal = roster.students.iter().find(|s| s.first_name == "Jamal").unwrap();
    assert!(jamal.removed_in_clever);
    assert!(roster.students.iter().any(|s| s.first_name == "Sofía" && !s.removed_in_clever), "added");
}

#[tokio::test]
async fn the_sync_button_picks_up_changes_and_needs_the_csrf_token() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let dashboard = app.login(&browser, "skelly").await;
    app.emulator()
        .world_mut()
        .update_section(&section_id("reading4"), |s| s.name = "Reading Workshop".into());

    let refused = browser.post("/sync", &[("csrf", "forged")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!browser.get("/dashboard").await.contains("Reading Workshop"), "nothing ran");

    let page = browser.post("/sync", &[("csrf", &dashboard.csrf())]).await;
    assert!(page.on("/dashboard"));
    assert!(page.contains("Reading Workshop"));
    assert!(page.contains("— 1 class renamed."), "the report says what changed: {}", page.body);
}

#[tokio::test]
async fn a_library_install_without_state_is_bounced_once_and_signs_the_teacher_in() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    // Clever sends the teacher to the primary redirect URI with a code and no state.
    let code = app.emulator().issue_code(
        support::CLIENT_ID,
        &format!("{}/auth/clever/callback", app.url),
        &user_id("skelly"),
    );
    app.next_login("skelly");
    let page = browser.get(&format!("/auth/clever/callback?code={code}")).await;
    assert!(page.on("/dashboard"), "{}", page.url);
    assert!(page.contains("Grade 4 Math"));
    assert_eq!(app.token_exchanges(), 1, "the stateless code is never exchanged; the bounced one is");
}

#[tokio::test]
async fn reloading_the_callback_does_not_exchange_the_code_again() {
    let app = TestApp::spawn().await;
    let browser = app.stepping_browser();
    app.next_login("skelly");
    let start = browser.get("/auth/clever/start").await;
    let authorize = start.location().unwrap().to_owned();
    let back = browser.http.get(&authorize).send().await.unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let first = browser.get(&callback).await;
    assert_eq!(first.location(), Some("/dashboard"));
    let reload = browser.get(&callback).await;
    assert_eq!(reload.location(), Some("/dashboard"), "a reload goes home, no error page");
    assert_eq!(app.token_exchanges(), 1);
}

/// A finished callback URL (browser history on a shared classroom computer, a proxy log, a
/// screenshot) is no session for anyone else: replayed from another client with the state cookie
/// forged from the URL's `state`, before and after the owner logs out, it signs nobody in.
#[tokio::test]
async fn a_used_callback_url_replayed_with_a_forged_state_cookie_is_no_session() {
    let app = TestApp::spawn().await;
    let owner = app.stepping_browser();
    app.next_login("skelly");
    let start = owner.get("/auth/clever/start").await;
    let back = owner.http.get(start.location().unwrap()).send().await.unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let query = callback.split_once('?').unwrap().1;
    let state = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "state").unwrap().1.into_owned();
    assert_eq!(owner.get(&callback).await.location(), Some("/dashboard"));

    let replay = |label: &'static str| {
        let (callback, state) = (callback.clone(), state.clone());
        async move {
            let attacker =
                reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let answer = attacker
                .get(&callback)
                .header("cookie", format!("rollcall_oauth_state={state}"))
                .send()
                .await
                .unwrap();
            let location = answer.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
            let sets_session = answer
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("rollcall_session="));
            assert!(!sets_session, "{label}: the replay got a session");
            assert_ne!(location.as_deref(), Some("/dashboard"), "{label}: the replay was signed in");
            assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{label}");
            assert!(answer.text().await.unwrap().contains("This sign-in link has expired"), "{label}");
        }
    };
    replay("before the owner logs out").await;
    let dashboard = owner.get("/dashboard").await;
    owner.post("/logout", &[("csrf", &dashboard.csrf())]).await;
    replay("after the owner logged out").await;
    assert_eq!(app.token_exchanges(), 1);
}

#[tokio::test]
async fn a_double_submitted_callback_signs_in_once() {
    let app = TestApp::spawn().await;
    let browser = app.stepping_browser();
    app.next_login("skelly");
    let start = browser.get("/auth/clever/start").await;
    let back = browser.http.get(start.location().unwrap()).send().await.unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let (a, b) = tokio::join!(browser.get(&callback), browser.get(&callback));
    assert_eq!(a.location(), Some("/dashboard"), "{}", a.body);
    assert_eq!(b.location(), Some("/dashboard"), "{}", b.body);
    assert_eq!(app.token_exchanges(), 1);
}

#[tokio::test]
async fn denying_consent_shows_a_friendly_page_with_a_way_back() {
    let app = TestApp::spawn().await;
    let browser = app.stepping_browser();
    let start = browser.get("/auth/clever/start").await;
    let state = start.location().unwrap().split("state=").nth(1).unwrap().to_owned();
    let page = browser.get(&format!("/auth/clever/callback?error=access_denied&state={state}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("Sign-in cancelled") && page.contains("Try again"));
}

#[tokio::test]
async fn while_clever_throttles_the_apps_sign_ins_the_teacher_reads_clever_is_busy() {
    let app = TestApp::spawn().await;
    // Someone sends wrong secrets for Rollcall's client id until Clever throttles it.
    let outsider = reqwest::Client::new();
    let mut throttled = false;
    for _ in 0..=clever_emulator::oauth::client_auth::FAILURES_PER_MINUTE {
        let answer = outsider
            .post(format!("{}/oauth/tokens", app.emulator.base_url))
            .basic_auth(support::CLIENT_ID, Some("not-the-secret"))
            .form(&[("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", "https://x.test/")])
            .send()
            .await
            .unwrap();
        throttled = answer.status() == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(throttled, "the emulator throttles failed client authentications");

    let page = app.login(&app.browser(), "skelly").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert!(page.contains("Clever is busy") && page.contains("wait a minute"), "{}", page.body);
    assert!(!page.contains("misconfigured"), "{}", page.body);
    assert!(app.clever_account("skelly").await.is_none(), "nothing was created");
}

#[tokio::test]
async fn a_used_code_in_a_fresh_login_restarts_cleanly() {
    let app = TestApp::spawn().await;
    let first = app.stepping_browser();
    app.next_login("skelly");
    let start = first.get("/auth/clever/start").await;
    let back = first.http.get(start.location().unwrap()).send().await.unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    first.get(&callback).await;
    // Someone else replays the callback URL in another browser: no session, a clear page.
    let other = app.stepping_browser();
    let page = other.get(&callback).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.contains("expired") && page.contains("Try again"));
    assert_eq!(app.token_exchanges(), 1);
}

#[tokio::test]
async fn every_page_names_its_icon_and_the_icon_is_served() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    assert!(browser.get("/login").await.contains(r#"<link rel="icon" href="/static/favicon.svg""#));
    for path in ["/static/favicon.svg", "/favicon.ico"] {
        let icon = browser.get(path).await;
        assert_eq!(icon.status, StatusCode::OK, "{path}");
        assert_eq!(icon.headers["content-type"], "image/svg+xml", "{path}");
        assert!(icon.body.starts_with("<svg"), "{path}: {}", icon.body);
    }
}

#[tokio::test]
async fn pages_carry_security_headers_and_the_session_cookie_is_locked_down() {
    let app = TestApp::spawn().await;
    let browser = app.stepping_browser();
    let page = browser.get("/signup").await;
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    // "Link Clever" posts to the app, which redirects to Clever: the one other place a form may go.
    let clever = app.emulator.base_url.trim_end_matches('/');
    assert!(csp.contains(&format!("form-action 'self' {clever};")), "{csp}");
    app.next_login("skelly");
    let start = browser.get("/auth/clever/start").await;
    let back = browser.http.get(start.location().unwrap()).send().await.unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let done = browser.get(&callback).await;
    let cookies: Vec<&str> = done.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    let session = cookies.iter().find(|c| c.starts_with("rollcall_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let dashboard = app.login(&browser, "skelly").await;
    let page = browser.post("/logout", &[("csrf", &dashboard.csrf())]).await;
    assert!(page.on("/logged-out") && page.contains("You are logged out of Rollcall"), "{}", page.url);
    let again = browser.get("/dashboard").await;
    assert!(again.on("/login"), "{}", again.url);
}

#[tokio::test]
async fn staff_get_a_clear_page_and_no_account() {
    let app = TestApp::spawn().await;
    let page = app.login(&app.browser(), "pwhite").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Rollcall is built for teachers and their students"), "{}", page.body);
    assert!(app.store().user_by_clever_id(&cid(&user_id("pwhite"))).await.unwrap().is_none());
}

#[tokio::test]
async fn installing_from_the_clever_library_signs_the_teacher_in_and_shares_the_app_with_students() {
    let app = TestApp::spawn().await;
    let clever = app.emulator.base_url.clone();
    let teacher = app.browser();
    let login = teacher.get(&format!("{clever}/portal")).await;
    let portal = teacher.submit(&login, &clever, "Sam Kelly").await;
    assert!(portal.url.ends_with("/portal"), "{}", portal.url);
    let library = teacher.get(&format!("{clever}/portal/library")).await;
    let consent = teacher.submit(&library, &clever, "Install").await;
    // Allow → Clever lands on Rollcall's primary redirect URI with a code and no state; Rollcall
    // bounces once through its own start and the teacher ends on the dashboard.
    let page = teacher.submit(&consent, &clever, "Allow").await;
    assert!(page.on("/dashboard"), "{}\n{}", page.url, page.body);
    assert!(page.contains("Grade 4 Math") && page.contains("Homeroom 4B"));
    assert_eq!(app.token_exchanges(), 1);

    // A student of Sam's now finds Rollcall in their portal and launches it: Sam's authorization
    // covers his students, so Clever asks María nothing and she lands on her classes.
    let student = app.browser();
    let login = student.get(&format!("{clever}/portal")).await;
    let portal = student.submit(&login, &clever, "María Núñez").await;
    let page = student.submit(&portal, &clever, "Launch").await;
    assert!(page.on("/dashboard"), "{}\n{}", page.url, page.body);
    assert!(page.contains("Grade 4 Math") && page.contains("Sam Kelly"), "{}", page.body);
}

#[tokio::test]
async fn operators_read_metrics_with_the_metrics_token_only() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), "skelly").await;
    let http = reqwest::Client::new();
    let url = format!("{}/metrics", app.url);
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let text = http.get(&url).bearer_auth("metrics-secret").send().await.unwrap().text().await.unwrap();
    assert!(text.contains("rollcall_logins_total{role=\"teacher\"} 1"), "{text}");
    assert!(text.contains("rollcall_syncs_total{outcome=\"ok\"} 1"), "{text}");
    // The app runs on SQLite: its one writer's counts are there, and the login wrote.
    let writes = text.lines().find_map(|l| l.strip_prefix("rollcall_sqlite_writes_total ")).expect(&text);
    assert!(writes.parse::<u64>().unwrap() > 0, "{text}");
    assert!(text.contains("rollcall_sqlite_write_busy_seconds_total "), "{text}");
    // Every call the login made to Clever, by endpoint and status.
    for call in [
        "rollcall_clever_calls_total{endpoint=\"POST /oauth/tokens\",status=\"200\"} 1",
        "rollcall_clever_calls_total{endpoint=\"GET /v3.0/me\",status=\"200\"} 1",
        "rollcall_clever_calls_total{endpoint=\"GET /v3.0/users/{id}/sections\",status=\"200\"} 1",
    ] {
        assert!(text.contains(call), "{call} in {text}");
    }
}

/// Every form a signed-in user posts carries the session's CSRF token and must come from this
/// site: a forged token, or the right one posted from another site, is refused with 403 before
/// anything else is looked at, whoever is signed in and whatever the form names.
#[tokio::test]
async fn every_signed_in_form_refuses_a_forged_token_and_another_sites_post() {
    let app = TestApp::spawn().await;
    let support::TeacherAndStudent { teacher, teacher_token, student, student_token, section, .. } =
        app.teacher_and_student().await;
    let (name, assignments) =
        (format!("/sections/{section}/name"), format!("/sections/{section}/assignments"));

    // Who posts, with which session token, where, and the form's other fields.
    type Post<'a> = (&'a support::Browser, &'a str, &'a str, &'a [(&'a str, &'a str)]);
    let forms: [Post; 10] = [
        (&teacher, &teacher_token, "/sync", &[]),
        (&teacher, &teacher_token, &name, &[("display_name", "Renamed")]),
        (&teacher, &teacher_token, &assignments, &[("title", "Essay"), ("due_on", "")]),
        (&teacher, &teacher_token, "/profile/school", &[("school", "Elm")]),
        (
            &teacher,
            &teacher_token,
            "/profile/password",
            &[("email", "sam@school.test"), ("password", "long enough pass")],
        ),
        (&teacher, &teacher_token, "/profile/unlink", &[]),
        (&teacher, &teacher_token, "/auth/clever/link", &[]),
        (&student, &student_token, "/assignments/1/done", &[("done", "true")]),
        (&student, &student_token, "/profile/merge", &[("email", "old@school.test"), ("password", "x")]),
        (&teacher, &teacher_token, "/logout", &[]),
    ];
    for (browser, token, path, fields) in forms {
        let mut forged = vec![("csrf", "forged")];
        forged.extend_from_slice(fields);
        let refused = browser.post(path, &forged).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path} with a forged token: {}", refused.body);

        let mut cross_site = vec![("csrf", token)];
        cross_site.extend_from_slice(fields);
        let response = browser
            .http
            .post(format!("{}{path}", app.url))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .form(&cross_site)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} posted from another site");
    }
    // The token is checked before the rest of the form is read: a forged post that is not
    // even a rename form is refused as forged, not as a malformed rename.
    assert_eq!(teacher.post(&name, &[("csrf", "forged")]).await.status, StatusCode::FORBIDDEN);
    // Nothing was done: still signed in, the class keeps its name, no school was set.
    let dashboard = teacher.get("/dashboard").await;
    assert!(dashboard.on("/dashboard") && !dashboard.contains("Renamed"), "{}", dashboard.body);
    assert_eq!(app.clever_account("skelly").await.unwrap().school, None);
}

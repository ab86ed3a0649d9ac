//! Stories of email addresses (issue 14): nothing a password account does counts until its
//! owner opens the link mailed to the address, nobody can squat an address they cannot read, the
//! pages never say which addresses have accounts, and mail really goes out over SMTP. Through
//! HTTP against the real app; mail is read from the app's outbox page, or from a local SMTP
//! listener the story starts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use rollcall_store::AccountRole;
use rollcall_web::email_links::{MAX_MAILS_PER_ADDRESS, MAX_MAILS_PER_CLIENT};
use rollcall_web::mail::MailSettings;
use support::TestApp;
use support::smtp::SmtpSink;

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_squatter_cannot_take_a_colleagues_address_and_the_colleague_signs_up_later() {
    let app = TestApp::spawn().await;
    let squatter = app.browser();
    let sent = squatter.sign_up(("Eve", "Mallory"), "ana@school.test", "squatters password", "teacher").await;
    assert!(sent.contains("Check your email"), "{}", sent.body);
    // Eve cannot read Ana's mail, so there is no account to log in to.
    let login = squatter.password_login("ana@school.test", "squatters password").await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);

    // Ana signs up herself: her own link makes her account; Eve's link is never opened.
    let ana = app.browser();
    ana.sign_up(("Ana", "Lopez"), "ana@school.test", PASSWORD, "teacher").await;
    let page = ana.open_mailed_link(&app.mailed_link("ana@school.test").await).await;
    assert!(page.on("/dashboard") && page.contains("Ana Lopez"), "{}", page.body);
    assert!(squatter.password_login("ana@school.test", "squatters password").await.contains("Wrong email"));
}

#[tokio::test]
async fn adding_someone_elses_address_to_a_clever_account_changes_nothing_and_tells_its_owner() {
    let app = TestApp::spawn().await;
    let owner =
        app.password_account(AccountRole::Teacher, ("Tara", "Ng"), "tara@school.test", PASSWORD).await;
    let sam = app.browser();
    // Rollcall has a password account, so Sam's first Clever login asks; he is new.
    let welcome = app.login(&sam, "skelly").await;
    sam.submit(&welcome, &app.url, "Create my Rollcall account").await;
    let profile = sam.get("/profile").await;
    assert!(profile.contains("We will email you a link"), "{}", profile.body);
    let taken = sam
        .fill(&profile, &app.url, "Add password", &[("email", "tara@school.test"), ("password", PASSWORD)])
        .await;
    let free = sam
        .fill(&profile, &app.url, "Add password", &[("email", "sam@school.test"), ("password", PASSWORD)])
        .await;
    // The same page either way.
    let scrub = |page: &support::Page, email: &str| page.body.replace(email, "EMAIL");
    assert_eq!(scrub(&taken, "tara@school.test"), scrub(&free, "sam@school.test"));
    let outbox = app.outbox().await;
    let to_tara = outbox.iter().find(|m| m.to == "tara@school.test").unwrap();
    assert_eq!((to_tara.subject.as_str(), to_tara.link.as_deref()), ("Your email address on Rollcall", None));
    assert_eq!(app.store().credential_by_email("tara@school.test").await.unwrap().unwrap().user_id, owner.id);
    assert!(sam.get("/profile").await.contains("Add an email and password"), "Sam has no password yet");
}

#[tokio::test]
async fn an_expired_or_altered_link_does_nothing_and_says_to_ask_again() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up(("Lee", "Park"), "lee@school.test", PASSWORD, "student").await;
    let link = app.mailed_link("lee@school.test").await;
    let shown = browser.get(&link).await;
    assert!(shown.contains("Create the student account for Lee Park"), "{}", shown.body);

    let mut altered = link.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    let page = browser.get(&altered).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.contains("This link has expired") && page.contains("Ask for a new one"), "{}", page.body);

    app.clock.advance(time::Duration::hours(25));
    let late = browser.submit(&shown, &app.url, "Create my account").await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.body);
    assert!(app.store().credential_by_email("lee@school.test").await.unwrap().is_none(), "nothing created");
}

#[tokio::test]
async fn an_account_from_before_confirmation_confirms_its_email_at_its_next_login() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Old", "Timer"), "old@school.test", PASSWORD).await;
    // As a credential written before addresses were confirmed reads.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.db.display())).await.unwrap();
    sqlx::query("UPDATE local_credentials SET confirmed_at = NULL").execute(&pool).await.unwrap();
    pool.close().await;

    let browser = app.browser();
    let wrong = browser.password_login("old@school.test", "not the password").await;
    assert!(wrong.contains("Wrong email or password."), "a wrong password learns nothing: {}", wrong.body);
    assert!(app.outbox().await.is_empty());
    let first = browser.password_login("old@school.test", PASSWORD).await;
    assert_eq!(first.status, StatusCode::FORBIDDEN);
    assert!(
        first.contains("confirm that it is yours") && first.contains("old@school.test"),
        "{}",
        first.body
    );
    let mail = app.outbox().await.into_iter().next().unwrap();
    assert_eq!(mail.subject, "Confirm your email address for Rollcall");
    let done = app.browser().open_mailed_link(&mail.link.unwrap()).await;
    assert!(
        done.url.ends_with("/login?confirmed=1") && done.contains("your email is confirmed"),
        "{}",
        done.body
    );
    let page = browser.password_login("old@school.test", PASSWORD).await;
    assert!(page.on("/dashboard") && page.contains("Old Timer"), "{}", page.body);
}

#[tokio::test]
async fn mail_is_limited_per_address_and_per_client() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for _ in 0..MAX_MAILS_PER_ADDRESS + 2 {
        let page = browser.sign_up(("Lee", "Park"), "lee@school.test", PASSWORD, "student").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    let to_lee = app.outbox().await.into_iter().filter(|m| m.to == "lee@school.test").count();
    assert_eq!(to_lee, MAX_MAILS_PER_ADDRESS as usize, "an inbox is not flooded");

    let sent = MAX_MAILS_PER_ADDRESS + 2;
    let mut last = None;
    for n in sent..MAX_MAILS_PER_CLIENT {
        last =
            Some(browser.sign_up(("Lee", "Park"), &format!("lee{n}@school.test"), PASSWORD, "student").await);
    }
    assert_eq!(last.unwrap().status, StatusCode::OK);
    let refused = browser.sign_up(("Lee", "Park"), "one-more@school.test", PASSWORD, "student").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.contains("Try again after"), "{}", refused.body);
    // Another network is not affected.
    let elsewhere = app.browser_at("10.9.9.9");
    let page = elsewhere.sign_up(("Kim", "Lee"), "kim@school.test", PASSWORD, "teacher").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

#[tokio::test]
async fn sign_up_mail_goes_out_over_smtp_and_its_link_works() {
    let mut sink = SmtpSink::start().await;
    let mail =
        MailSettings::Smtp { url: sink.url.clone().into(), from: "Rollcall <noreply@rollcall.test>".into() };
    let app = TestApp::spawn_with_mail(mail).await;
    let browser = app.browser();
    let sent = browser.sign_up(("Zoë", "Çelik"), "zoe@school.test", PASSWORD, "student").await;
    assert!(sent.contains("Check your email"), "{}", sent.body);

    let received = sink.next().await;
    assert_eq!(
        (received.from.as_str(), received.to.as_slice()),
        ("noreply@rollcall.test", &["zoe@school.test".to_owned()][..])
    );
    assert!(received.data.contains("Subject: Finish creating your Rollcall account"), "{}", received.data);
    assert!(received.data.contains("Hello Zoë"), "{}", received.data);
    let page = browser.open_mailed_link(&received.link().unwrap()).await;
    assert!(page.on("/dashboard") && page.contains("Zoë Çelik"), "{}", page.body);
    assert_eq!(app.browser().get("/dev/outbox").await.status, StatusCode::NOT_FOUND, "no outbox with SMTP");
}

#[tokio::test]
async fn without_mail_there_is_no_email_sign_up_and_clever_still_works() {
    let app = TestApp::spawn_with_mail(MailSettings::Off).await;
    let browser = app.browser();
    let signup = browser.get("/signup").await;
    assert!(signup.contains("Sign up with Clever") && !signup.contains("Create account"), "{}", signup.body);
    assert!(signup.contains("does not send email"), "{}", signup.body);
    // A post made anyway (from an old tab; the form shares the log-in form's token).
    let form = browser.get("/login").await;
    let posted = browser
        .post(
            "/signup",
            &[
                ("csrf", &form.csrf()),
                ("first_name", "Lee"),
                ("last_name", "Park"),
                ("email", "lee@school.test"),
                ("password", PASSWORD),
                ("role", "teacher"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(posted.contains("accounts are made with Clever only"), "{}", posted.body);
    let dashboard = app.login(&browser, "skelly").await;
    assert!(dashboard.contains("Grade 4 Math"), "{}", dashboard.body);
    let profile = browser.get("/profile").await;
    assert!(profile.contains("a password cannot be added here"), "{}", profile.body);
}

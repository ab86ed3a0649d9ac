//! Stories of existing accounts (issue 5): password accounts, a new Clever teacher linking the
//! account they already had, linking and unlinking from the profile, and what each role gets.
//! Through HTTP against the real app and the real emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use rollcall_store::AccountRole;
use support::TestApp;

const SAM_OLD: &str = "sam@school.test";
const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_teacher_signs_up_with_email_and_password_confirms_the_address_and_logs_back_in() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let signup = browser.get("/signup").await;
    assert!(signup.contains("Sign up with Clever"), "the Clever button stays first");
    let sent = browser.sign_up(("Lee", "Park"), " Lee.Park@School.test ", PASSWORD, "teacher").await;
    assert_eq!(sent.status, StatusCode::OK);
    assert!(sent.contains("Check your email") && sent.contains("lee.park@school.test"), "{}", sent.body);
    // Nothing exists until the link is opened.
    let early = app.browser().password_login("lee.park@school.test", PASSWORD).await;
    assert!(early.contains("Wrong email or password."), "{}", early.body);

    let link = app.mailed_link("lee.park@school.test").await;
    // Opening the link (as a mail scanner would) only shows what it will do.
    let shown = app.browser().get(&link).await;
    assert!(shown.contains("Create the teacher account for Lee Park"), "{}", shown.body);
    assert!(app.store().credential_by_email("lee.park@school.test").await.unwrap().is_none());
    let page = browser.open_mailed_link(&link).await;
    assert!(page.on("/dashboard"), "{}\n{}", page.url, page.body);
    assert!(page.contains("Lee Park") && page.contains("Clever is not linked"), "{}", page.body);

    browser.post("/logout", &[("csrf", &page.csrf())]).await;
    let again = app.browser().password_login("lee.park@school.test", PASSWORD).await;
    assert!(again.on("/dashboard"), "the email is matched case-insensitively: {}", again.body);
    // The link did its work once: used again it creates nothing and signs nobody in.
    let replay = app.browser();
    let twice = replay.open_mailed_link(&link).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.contains("already exists") && twice.contains("Log in"), "{}", twice.body);
    assert!(replay.get("/dashboard").await.url.contains("/login"), "no session from a used link");
}

#[tokio::test]
async fn a_refused_sign_up_keeps_what_was_typed_and_a_taken_email_is_not_revealed() {
    let app = TestApp::spawn().await;
    let taken =
        app.password_account(AccountRole::Student, ("Old", "Account"), "taken@school.test", PASSWORD).await;
    let browser = app.browser();
    let short = browser.sign_up(("Zoe", "Chen"), "zoe@school.test", "short", "student").await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.contains("at least 10 characters") && short.contains("value=\"Zoe\""), "{}", short.body);

    // A taken email reads exactly like a new one: the mail tells the address's owner.
    let new = browser.sign_up(("Zoe", "Chen"), "zoe@school.test", PASSWORD, "student").await;
    let again = browser.sign_up(("Zoe", "Chen"), "TAKEN@school.test", PASSWORD, "student").await;
    assert_eq!((new.status, again.status), (StatusCode::OK, StatusCode::OK));
    let scrub = |page: &support::Page, email: &str| page.body.replace(email, "EMAIL");
    assert_eq!(scrub(&new, "zoe@school.test"), scrub(&again, "taken@school.test"));
    let outbox = app.outbox().await;
    let to_owner = outbox.iter().find(|m| m.to == "taken@school.test").unwrap();
    assert_eq!(to_owner.subject, "You already have a Rollcall account");
    assert!(to_owner.link.as_deref().unwrap().ends_with("/login"), "{to_owner:?}");
    let login = app.browser().password_login("taken@school.test", PASSWORD).await;
    assert!(login.contains("Old Account"), "the owner's account is untouched: {}", login.body);
    assert_eq!(
        app.store().credential_by_email("taken@school.test").await.unwrap().unwrap().user_id,
        taken.id
    );
}

#[tokio::test]
async fn wrong_passwords_get_one_message_and_are_rate_limited_per_email() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Sam", "Kelly"), SAM_OLD, PASSWORD).await;
    let browser = app.browser();
    let unknown = browser.password_login("nobody@school.test", PASSWORD).await;
    let wrong = browser.password_login(SAM_OLD, "not the password").await;
    for page in [&unknown, &wrong] {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("Wrong email or password."), "{}", page.body);
    }
    for _ in 0..3 {
        browser.password_login(SAM_OLD, "still wrong").await;
    }
    let fifth = browser.password_login(SAM_OLD, "wrong again").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS, "the fifth failure locks the email");
    let locked = browser.password_login(SAM_OLD, PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "five failures lock the email, even for the right password"
    );
    assert!(locked.contains("Too many") || locked.contains("too many"), "{}", locked.body);
    // Another browser (or replica) is locked out just the same: the count is in the database.
    assert_eq!(app.browser().password_login(SAM_OLD, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);

    app.clock.advance(time::Duration::minutes(16));
    let page = browser.password_login(SAM_OLD, PASSWORD).await;
    assert!(page.on("/dashboard"), "the window has passed: {}", page.body);
}

#[tokio::test]
async fn login_forms_refuse_a_post_without_the_pages_token() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Sam", "Kelly"), SAM_OLD, PASSWORD).await;
    let page =
        app.browser().post("/login", &[("csrf", "forged"), ("email", SAM_OLD), ("password", PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_clever_teacher_whose_email_matches_is_asked_and_never_linked_by_email_alone() {
    let app = TestApp::spawn().await;
    // Same email as Sam's Clever account.
    let old = app
        .password_account(AccountRole::Teacher, ("Sam", "Kelly"), "sam.kelly@maplewood.example", PASSWORD)
        .await;
    let browser = app.browser();
    let welcome = app.login(&browser, "skelly").await;
    assert!(welcome.url.ends_with("/auth/clever/welcome"), "{}", welcome.url);
    assert!(welcome.contains("Do you already have a Rollcall account?"));
    assert!(welcome.contains("never joins accounts just because their emails match"), "{}", welcome.body);
    assert!(app.clever_account("skelly").await.is_none(), "nothing is created or linked before the answer");
    assert_eq!(app.store().user(old.id).await.unwrap().unwrap().clever_id, None);

    let wrong = browser
        .fill(
            &welcome,
            &app.url,
            "Link my existing account",
            &[("email", "sam.kelly@maplewood.example"), ("password", "guess")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong.contains("Wrong email or password.") && wrong.contains("Do you already have"),
        "{}",
        wrong.body
    );
    assert!(app.clever_account("skelly").await.is_none(), "a wrong password links nothing");

    let page = browser
        .fill(
            &wrong,
            &app.url,
            "Link my existing account",
            &[("email", "sam.kelly@maplewood.example"), ("password", PASSWORD)],
        )
        .await;
    assert!(page.on("/dashboard"), "{}\n{}", page.url, page.body);
    assert!(
        page.contains("Grade 4 Math") && page.contains("Homeroom 4B"),
        "the sync ran into the old account"
    );
    let linked = app.clever_account("skelly").await.unwrap();
    assert_eq!(linked.id, old.id, "the Clever identity is on the account Sam already had");
    assert_eq!(app.store().teacher_sections(old.id).await.unwrap().len(), 3);

    // From now on a Clever login goes straight in, no question.
    let again = app.login(&app.browser(), "skelly").await;
    assert!(again.on("/dashboard") && again.contains("Grade 4 Math"), "{}", again.url);
}

#[tokio::test]
async fn a_new_clever_teacher_who_answers_no_gets_a_new_account_and_the_old_one_is_untouched() {
    let app = TestApp::spawn().await;
    let old =
        app.password_account(AccountRole::Teacher, ("Other", "Teacher"), "other@school.test", PASSWORD).await;
    let browser = app.browser();
    let welcome = app.login(&browser, "skelly").await;
    let page = browser.submit(&welcome, &app.url, "Create my Rollcall account").await;
    assert!(page.on("/dashboard") && page.contains("Grade 4 Math"), "{}\n{}", page.url, page.body);
    let sam = app.clever_account("skelly").await.unwrap();
    assert_ne!(sam.id, old.id);
    assert!(app.store().teacher_sections(old.id).await.unwrap().is_empty());
    // A reload of the finished question does not make a second account.
    let replay = browser.submit(&welcome, &app.url, "Create my Rollcall account").await;
    assert_ne!(replay.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.clever_account("skelly").await.unwrap().id, sam.id);
}

#[tokio::test]
async fn a_student_is_never_asked_and_gets_an_account_at_once() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Student, ("Old", "Student"), "old@school.test", PASSWORD).await;
    let page = app.login(&app.browser(), "maria").await;
    assert!(page.on("/dashboard"), "{}", page.url);
    assert!(app.clever_account("maria").await.is_some());
}

#[tokio::test]
async fn a_teacher_links_clever_from_the_profile_and_their_classes_arrive() {
    let app = TestApp::spawn().await;
    let ana =
        app.password_account(AccountRole::Teacher, ("Ana", "Ortega"), "ana@school.test", PASSWORD).await;
    let browser = app.browser();
    browser.password_login("ana@school.test", PASSWORD).await;
    let profile = browser.get("/profile").await;
    assert!(profile.contains("Not linked"), "{}", profile.body);
    app.next_login("aortega");
    let page = browser.submit(&profile, &app.url, "Link Clever").await;
    assert!(page.url.ends_with("/profile?linked=1"), "{}\n{}", page.url, page.body);
    assert!(page.contains("Your Clever account is linked."));
    assert_eq!(app.clever_account("aortega").await.unwrap().id, ana.id);
    let dashboard = browser.get("/dashboard").await;
    assert!(dashboard.contains("Grade 4 Math"), "{}", dashboard.body);
    let activity = browser.get("/profile").await;
    assert!(activity.contains("Clever linked") && activity.contains("Classes synced"), "{}", activity.body);
}

#[tokio::test]
async fn linking_a_clever_account_that_belongs_to_someone_else_is_refused() {
    let app = TestApp::spawn().await;
    let sam = app.login(&app.browser(), "skelly").await;
    assert!(sam.contains("Grade 4 Math"));
    let other = app.password_account(AccountRole::Teacher, ("Pat", "Doe"), "pat@school.test", PASSWORD).await;
    let browser = app.browser();
    browser.password_login("pat@school.test", PASSWORD).await;
    let profile = browser.get("/profile").await;
    app.next_login("skelly");
    let page = browser.submit(&profile, &app.url, "Link Clever").await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.contains("already belongs to a different Rollcall account"), "{}", page.body);
    assert_eq!(app.store().user(other.id).await.unwrap().unwrap().clever_id, None);
    assert!(app.store().teacher_sections(other.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_clever_teacher_cannot_take_over_a_student_account() {
    let app = TestApp::spawn().await;
    let kid = app.password_account(AccountRole::Student, ("Kid", "Doe"), "kid@school.test", PASSWORD).await;
    let browser = app.browser();
    browser.password_login("kid@school.test", PASSWORD).await;
    let profile = browser.get("/profile").await;
    app.next_login("dbrooks");
    let page = browser.submit(&profile, &app.url, "Link Clever").await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("do not match"), "{}", page.body);
    assert_eq!(app.store().user(kid.id).await.unwrap().unwrap().clever_id, None);
}

#[tokio::test]
async fn unlinking_clever_keeps_every_class_and_needs_a_password_first() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.login(&browser, "skelly").await;
    let profile = browser.get("/profile").await;
    assert!(profile.contains("first add an email and password"), "{}", profile.body);
    let refused = browser.post("/profile/unlink", &[("csrf", &profile.csrf())]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.contains("Add a password first"), "{}", refused.body);

    let sent = browser
        .fill(&profile, &app.url, "Add password", &[("email", "sam@school.test"), ("password", PASSWORD)])
        .await;
    assert!(sent.contains("Check your email") && sent.contains("Sam Kelly"), "signed in: {}", sent.body);
    let added = browser.open_mailed_link(&app.mailed_link("sam@school.test").await).await;
    assert!(added.url.ends_with("/profile?password=1") && added.contains("Password added"), "{}", added.body);
    let page = browser.submit(&added, &app.url, "Unlink Clever").await;
    assert!(page.contains("Clever is unlinked"), "{}", page.body);
    let sam = app
        .store()
        .user(app.state.store().credential_by_email("sam@school.test").await.unwrap().unwrap().user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sam.clever_id, None);
    let dashboard = browser.get("/dashboard").await;
    assert!(
        dashboard.contains("Grade 4 Math") && dashboard.contains("Clever is not linked"),
        "{}",
        dashboard.body
    );
    let sync = browser.post("/sync", &[("csrf", &dashboard.csrf())]).await;
    assert_eq!(sync.status, StatusCode::CONFLICT, "a sync without Clever says why");
    // The password still works, and a Clever login now makes a separate account (nothing is
    // re-linked behind the owner's back).
    assert!(app.browser().password_login("sam@school.test", PASSWORD).await.contains("Grade 4 Math"));
}

#[tokio::test]
async fn a_new_teacher_is_asked_for_a_school_once_and_others_see_it_suggested() {
    let app = TestApp::spawn().await;
    let sam = app.browser();
    let page = app.login(&sam, "skelly").await;
    assert!(page.contains("Which school do you teach at?"), "{}", page.body);
    let saved = sam.fill(&page, &app.url, "Save school", &[("school", "  Lincoln Elementary ")]).await;
    assert!(saved.on("/dashboard") && !saved.contains("Which school do you teach at?"), "{}", saved.body);
    let profile = sam.get("/profile").await;
    assert!(profile.contains("value=\"Lincoln Elementary\""), "editable later: {}", profile.body);

    let ana = app.browser();
    let page = app.login(&ana, "aortega").await;
    assert!(
        page.contains("<option value=\"Lincoln Elementary\">"),
        "known schools are offered: {}",
        page.body
    );
    let skipped = ana.submit(&page, &app.url, "Skip for now").await;
    assert!(!skipped.contains("Which school do you teach at?"), "{}", skipped.body);
    assert!(!ana.get("/dashboard").await.contains("Which school do you teach at?"), "skipping sticks");
}

#[tokio::test]
async fn each_clever_role_gets_what_the_docs_promise() {
    let app = TestApp::spawn().await;
    // Ana is a teacher and staff in Clever: she uses Rollcall as a teacher.
    let ana = app.login(&app.browser(), "aortega").await;
    assert!(ana.contains("Grade 4 Math") && ana.contains("Sync my classes"), "{}", ana.body);
    assert_eq!(app.clever_account("aortega").await.unwrap().role, AccountRole::Teacher);
    // A district admin gets a clear page, and no account.
    let admin = app.login(&app.browser(), "rgreen").await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(
        admin.contains("district administrator") && admin.contains("nothing was created"),
        "{}",
        admin.body
    );
    assert!(app.clever_account("rgreen").await.is_none());
    // A student has no teacher pages.
    let maria = app.browser();
    app.login(&maria, "maria").await;
    assert_eq!(maria.get("/sync/history").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reloading_the_callback_during_the_question_returns_to_it() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Other", "Teacher"), "other@school.test", PASSWORD).await;
    let browser = app.stepping_browser();
    app.next_login("skelly");
    let start = browser.get("/auth/clever/start").await;
    let back = browser.http.get(start.location().unwrap()).send().await.unwrap();
    let callback = back.headers()["location"].to_str().unwrap().to_owned();
    let first = browser.get(&callback).await;
    assert_eq!(first.location(), Some("/auth/clever/welcome"));
    let reload = browser.get(&callback).await;
    assert_eq!(
        reload.location(),
        Some("/auth/clever/welcome"),
        "back to the question, no error: {}",
        reload.body
    );
    assert_eq!(app.token_exchanges(), 1);
    let question = browser.get("/auth/clever/welcome").await;
    assert!(question.contains("Do you already have a Rollcall account?"));
}

#[tokio::test]
async fn the_question_expires_after_fifteen_minutes_and_says_how_to_start_again() {
    let app = TestApp::spawn().await;
    app.password_account(AccountRole::Teacher, ("Other", "Teacher"), "other@school.test", PASSWORD).await;
    let browser = app.browser();
    let welcome = app.login(&browser, "skelly").await;
    app.clock.advance(time::Duration::minutes(16));
    let late = browser.submit(&welcome, &app.url, "Create my Rollcall account").await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(
        late.contains("This sign-in has expired") && late.contains("/auth/clever/start"),
        "{}",
        late.body
    );
    assert!(app.clever_account("skelly").await.is_none(), "nothing was created");
}

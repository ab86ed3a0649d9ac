//! "Merge my accounts" stories: a student or a teacher signed in with Clever proves they own an
//! older password account, and the two become one without losing anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use support::{Browser, Page, TestApp};

const OLD_EMAIL: &str = "zoe@school.test";
const PASSWORD: &str = "zoe's long password";

/// Sam posts two assignments, to Grade 4 Math and Grade 4 Reading (Zoe is in both).
async fn sam_posts_two_assignments(app: &TestApp) -> Browser {
    let sam = app.browser();
    let dashboard = app.login(&sam, "skelly").await;
    for (class, title) in [("Grade 4 Math", "Fractions"), ("Grade 4 Reading", "Chapter 3")] {
        let at = dashboard.body.find(&format!("<h2>{class}</h2>")).unwrap();
        let href = dashboard.body[..at].rfind("href=\"").unwrap() + 6;
        let link = dashboard.body[href..].split('"').next().unwrap().to_owned();
        let page = sam.get(&link).await;
        sam.fill(&page, &app.url, "Post assignment", &[("title", title)]).await;
    }
    sam
}

/// Zoe's older account: she used Rollcall with Clever, finished "Fractions", added a password,
/// then unlinked Clever. It keeps her classes and her finished work, and logs in by password.
async fn zoes_older_account(app: &TestApp) -> i64 {
    let zoe = app.browser();
    let home = app.login(&zoe, "zoe").await;
    let home = zoe.submit(&home, &app.url, "Mark “Fractions” done").await;
    assert!(home.contains("Mark “Fractions” not done"));
    let profile = zoe.get("/profile").await;
    zoe.fill(&profile, &app.url, "Add password", &[("email", OLD_EMAIL), ("password", PASSWORD)]).await;
    let profile = zoe.open_mailed_link(&app.mailed_link(OLD_EMAIL).await).await;
    let unlinked = zoe.submit(&profile, &app.url, "Unlink Clever").await;
    assert!(unlinked.contains("Clever is unlinked"), "{}", unlinked.body);
    app.store().credential_by_email(OLD_EMAIL).await.unwrap().unwrap().user_id.0
}

/// Zoe signs in with Clever again (a new account), Sam syncs, and she finishes both assignments.
async fn zoes_new_clever_account(app: &TestApp, sam: &Browser) -> (Browser, i64) {
    zoes_new_clever_account_finishing(app, sam, &["Fractions", "Chapter 3"]).await
}

/// Zoe's new Clever account, as above, finishing only `titles`.
async fn zoes_new_clever_account_finishing(app: &TestApp, sam: &Browser, titles: &[&str]) -> (Browser, i64) {
    let zoe = app.browser();
    app.login(&zoe, "zoe").await;
    let dashboard = sam.get("/dashboard").await;
    sam.submit(&dashboard, &app.url, "Sync my classes").await;
    let mut home = zoe.get("/dashboard").await;
    for title in titles {
        home = zoe.submit(&home, &app.url, &format!("Mark “{title}” done")).await;
    }
    let id = app.clever_account("zoe").await.unwrap().id.0;
    (zoe, id)
}

async fn merge(browser: &Browser, app: &TestApp, email: &str, password: &str) -> Page {
    let profile = browser.get("/profile").await;
    browser.fill(&profile, &app.url, "Merge my accounts", &[("email", email), ("password", password)]).await
}

#[tokio::test]
async fn a_merge_keeps_the_classes_and_finished_work_of_both_accounts() {
    let app = TestApp::spawn().await;
    let sam = sam_posts_two_assignments(&app).await;
    let old = zoes_older_account(&app).await;
    app.clock.advance(time::Duration::minutes(5));
    let (zoe, new) = zoes_new_clever_account(&app, &sam).await;
    assert_ne!(old, new);

    let page = merge(&zoe, &app, OLD_EMAIL, PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Your accounts are now one"), "{}", page.body);
    assert!(page.contains("2 classes were on both accounts, now listed once"), "{}", page.body);
    assert!(
        !page.contains("finished assignment added") && !page.contains("added from your other account"),
        "Zoe had done both already and her classes were on both accounts: nothing is new to her: {}",
        page.body
    );
    assert!(page.contains("1 assignment was done on both, kept once with the earlier time"), "{}", page.body);
    assert!(page.contains("Your Clever login now opens this account"));
    assert!(page.url.ends_with("/profile/merged"), "a reload cannot post the merge again: {}", page.url);
    let reloaded = zoe.get("/profile/merged").await;
    assert!(reloaded.contains("2 classes were on both accounts, now listed once"), "{}", reloaded.body);

    // One account: the older one, now with the Clever login; the newer one is gone.
    let merged = app.clever_account("zoe").await.unwrap();
    assert_eq!(merged.id.0, old);
    assert!(app.store().user(rollcall_core::UserId(new)).await.unwrap().is_none());
    let home = zoe.get("/dashboard").await;
    assert!(home.contains("Grade 4 Math") && home.contains("Grade 4 Reading"), "the session moved along");
    assert_eq!(
        home.body.matches("not done</button>").count(),
        2,
        "both assignments still done: {}",
        home.body
    );
    // Fractions keeps the earlier time it was done (on the older account).
    let done = app.store().student_assignments(merged.id).await.unwrap();
    let fractions = done.iter().find(|a| a.title == "Fractions").unwrap();
    let chapter = done.iter().find(|a| a.title == "Chapter 3").unwrap();
    assert!(fractions.done_at.unwrap() < chapter.done_at.unwrap());
    // Either way in works: Clever, and the older password.
    assert_eq!(app.login(&app.browser(), "zoe").await.status, StatusCode::OK);
    assert!(app.browser().password_login(OLD_EMAIL, PASSWORD).await.contains("Grade 4 Math"));
    // The owner sees it in their account activity, in words: no account numbers, no Clever id.
    let profile = zoe.get("/profile").await;
    assert!(profile.contains("Accounts merged"), "{}", profile.body);
    assert!(profile.contains("Your other account was merged into this one, bringing"), "{}", profile.body);
    assert!(
        !profile.contains(&format!("account {new}")) && !profile.contains("Merged account"),
        "{}",
        profile.body
    );
    let clever_id = support::user_id("zoe");
    assert!(!profile.contains(&clever_id), "no Clever id on the profile: {}", profile.body);
}

#[tokio::test]
async fn a_merge_counts_only_what_the_other_account_brings() {
    let app = TestApp::spawn().await;
    let sam = sam_posts_two_assignments(&app).await;
    zoes_older_account(&app).await; // finished Fractions
    let (zoe, _) = zoes_new_clever_account_finishing(&app, &sam, &["Chapter 3"]).await;

    let page = merge(&zoe, &app, OLD_EMAIL, PASSWORD).await;
    assert!(page.contains("1 finished assignment added from your other account"), "Fractions: {}", page.body);
    assert!(!page.contains("done on both"), "no assignment was done on both: {}", page.body);
    assert!(!page.contains("classes added from"), "both accounts were in both classes: {}", page.body);
    let home = zoe.get("/dashboard").await;
    assert_eq!(home.body.matches("not done</button>").count(), 2, "{}", home.body);
}

#[tokio::test]
async fn a_merge_needs_the_older_accounts_password_and_is_rate_limited() {
    let app = TestApp::spawn().await;
    let sam = sam_posts_two_assignments(&app).await;
    let old = zoes_older_account(&app).await;
    let (zoe, new) = zoes_new_clever_account(&app, &sam).await;
    for _ in 0..4 {
        let wrong = merge(&zoe, &app, OLD_EMAIL, "a guess at it").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.contains("Wrong email or password."));
    }
    let locked = merge(&zoe, &app, OLD_EMAIL, "one more guess").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(app.store().user(rollcall_core::UserId(new)).await.unwrap().is_some(), "nothing merged");
    assert_eq!(app.clever_account("zoe").await.unwrap().id.0, new);
    assert_ne!(old, new);
}

#[tokio::test]
async fn two_merges_raced_at_once_leave_one_consistent_account() {
    let app = TestApp::spawn().await;
    let sam = sam_posts_two_assignments(&app).await;
    let old = zoes_older_account(&app).await;
    let (tab1, new) = zoes_new_clever_account(&app, &sam).await;
    let tab2 = app.browser();
    app.login(&tab2, "zoe").await;

    let (a, b) =
        tokio::join!(merge(&tab1, &app, OLD_EMAIL, PASSWORD), merge(&tab2, &app, OLD_EMAIL, PASSWORD));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{}\n---\n{}", a.body, b.body);
    let loser = if a.status == StatusCode::CONFLICT { &a } else { &b };
    assert!(
        loser.contains("merged a moment ago") || loser.contains("That is this account"),
        "{}",
        loser.body
    );

    let merged = app.clever_account("zoe").await.unwrap();
    assert_eq!(merged.id.0, old);
    assert!(app.store().user(rollcall_core::UserId(new)).await.unwrap().is_none());
    let work = app.store().student_assignments(merged.id).await.unwrap();
    assert_eq!(work.iter().filter(|a| a.done_at.is_some()).count(), 2, "{work:?}");
    // Both tabs are still logged in, to the one account.
    for tab in [&tab1, &tab2] {
        assert!(tab.get("/dashboard").await.contains("Grade 4 Math"));
    }
}

#[tokio::test]
async fn password_only_accounts_are_not_offered_a_merge() {
    // The merge folds a Clever account into an older password account: an account without
    // Clever has nothing to fold in.
    let app = TestApp::spawn().await;
    for (role, email) in [
        (rollcall_store::AccountRole::Teacher, "pat@school.test"),
        (rollcall_store::AccountRole::Student, "lee@school.test"),
    ] {
        app.password_account(role, ("Pat", "Lee"), email, PASSWORD).await;
        let browser = app.browser();
        browser.password_login(email, PASSWORD).await;
        let page = browser.get("/profile").await;
        assert!(!page.contains("Merge my accounts"), "{email}: {}", page.body);
        let form = [("csrf", page.csrf()), ("email", "x@y.test".to_owned()), ("password", "x".to_owned())];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = browser.post("/profile/merge", &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{email}");
    }
}

/// Sam had a password account (with his school) and, at his first Clever login, answered "Create
/// my Rollcall account" by mistake; he posted an assignment there. From his profile he proves he
/// owns the older account: the two become one, and nothing is lost.
#[tokio::test]
async fn a_teacher_who_made_a_second_account_by_mistake_merges_them_from_the_profile() {
    let app = TestApp::spawn().await;
    let old = app
        .password_account(
            rollcall_store::AccountRole::Teacher,
            ("Sam", "Kelly"),
            "sam.old@school.test",
            PASSWORD,
        )
        .await;
    app.store()
        .set_school(old.id, Some("Lincoln Elementary"), rollcall_core::Clock::now(&app.clock))
        .await
        .unwrap();
    let sam = app.browser();
    let question = app.login(&sam, "skelly").await;
    let first = question.body.find("Create my Rollcall account").unwrap();
    let link = question.body.find("Link my existing account").unwrap();
    assert!(first < link, "creating an account is offered first, linking second");
    let dashboard = sam.submit(&question, &app.url, "Create my Rollcall account").await;
    let at = dashboard.body.find("<h2>Grade 4 Math</h2>").unwrap();
    let href = dashboard.body[..at].rfind("href=\"").unwrap() + 6;
    let math = dashboard.body[href..].split('"').next().unwrap().to_owned();
    let page = sam.get(&math).await;
    sam.fill(&page, &app.url, "Post assignment", &[("title", "Fractions")]).await;
    let mistaken = app.clever_account("skelly").await.unwrap();
    assert_ne!(mistaken.id, old.id);

    let profile = sam.get("/profile").await;
    assert!(profile.contains("Merge my accounts"), "{}", profile.body);
    let typed = [("email", "sam.old@school.test"), ("password", PASSWORD)];
    let merged = sam.fill(&profile, &app.url, "Merge my accounts", &typed).await;
    assert!(merged.on("/profile/merged"), "{}", merged.url);
    assert!(
        merged.contains("Your accounts are now one")
            && merged.contains("Clever login now opens this account")
    );

    // One account: the older one, with the classes, the assignment and the school.
    let now = app.clever_account("skelly").await.unwrap();
    assert_eq!(now.id, old.id, "Clever opens the older account");
    assert_eq!(now.school.as_deref(), Some("Lincoln Elementary"));
    assert!(app.store().user(mistaken.id).await.unwrap().is_none());
    let classes = sam.get("/dashboard").await;
    for class in ["Grade 4 Math", "Grade 4 Reading", "Homeroom 4B"] {
        assert!(classes.contains(class), "{class}: {}", classes.body);
    }
    assert!(sam.get(&math).await.contains("Fractions"), "the assignment is still there");
    let by_password = app.browser().password_login("sam.old@school.test", PASSWORD).await;
    assert!(
        by_password.contains("Grade 4 Math"),
        "the password opens the same classes: {}",
        by_password.body
    );
    let profile = sam.get("/profile").await;
    assert!(profile.contains("Your other account was merged into this one"), "audited: {}", profile.body);
}

//! Teachers' words: what a teacher or a student reads on their pages is in plain words, with
//! nouns, and says only what really changed (issue 15, item 5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{TestApp, section_id, user_id};

#[tokio::test]
async fn the_first_sync_report_names_classes_and_students_and_a_repeat_says_nothing_changed() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = app.login(&browser, "skelly").await;
    // Three classes; six students (María, Zoë, Wei, Jamal, Oliver and Aiyana), some in two.
    assert!(page.contains("— 3 classes added, 6 students added."), "{}", page.body);
    assert!(!page.contains("unchanged") && !page.contains(" updated,"), "{}", page.body);

    let page = browser.submit(&page, &app.url, "Sync my classes").await;
    assert!(page.contains("— Everything was already up to date."), "{}", page.body);
}

#[tokio::test]
async fn a_sync_report_counts_only_what_changed_classes_and_students_apart() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = app.login(&browser, "skelly").await;
    {
        let mut world = app.emulator().world_mut();
        world.update_section(&section_id("reading4"), |s| s.name = "Reading Workshop".into());
        world.update_section(&section_id("math4"), |s| {
            s.students.retain(|id| *id != user_id("jamal"));
            s.students.push(user_id("sofia"));
            s.students.push(user_id("ethan"));
        });
    }
    let page = browser.submit(&page, &app.url, "Sync my classes").await;
    assert!(
        page.contains("— 1 class renamed, 2 students added, 1 student removed in Clever."),
        "{}",
        page.body
    );
    let profile = browser.get("/profile").await;
    assert!(
        profile.contains("Sync my classes: 1 class renamed, 2 students added, 1 student removed in Clever"),
        "the account activity uses the same words: {}",
        profile.body
    );
}

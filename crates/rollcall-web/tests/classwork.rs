//! Classwork stories: a teacher posts an assignment, students see it and mark it done, the
//! teacher sees who has. Through HTTP against the real app and the real emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use support::{Browser, Page, TestApp};

/// The id of the section called `name` on the teacher's dashboard.
fn section_link(dashboard: &Page, name: &str) -> String {
    let at = dashboard.body.find(&format!("<h2>{name}</h2>")).expect("section on the dashboard");
    let before = &dashboard.body[..at];
    let href = before.rfind("href=\"/sections/").unwrap() + 6;
    before[href..].split('"').next().unwrap().to_owned()
}

async fn post_assignment(browser: &Browser, app: &TestApp, section: &str, fields: &[(&str, &str)]) -> Page {
    let page = browser.get(section).await;
    browser.fill(&page, &app.url, "Post assignment", fields).await
}

#[tokio::test]
async fn a_posted_assignment_reaches_the_students_and_the_teacher_sees_who_did_it() {
    let app = TestApp::spawn().await;
    let sam = app.browser();
    let dashboard = app.login(&sam, "skelly").await;
    let math = section_link(&dashboard, "Grade 4 Math");
    let posted = post_assignment(
        &sam,
        &app,
        &math,
        &[
            ("title", "Fractions worksheet"),
            ("instructions", "Pages 12–13, odd problems."),
            ("due_on", "2026-12-04"),
        ],
    )
    .await;
    assert!(posted.contains("Fractions worksheet") && posted.contains("0 of 5 done"), "{}", posted.body);

    let maria = app.browser();
    let home = app.login(&maria, "maria").await;
    assert!(home.contains("Fractions worksheet") && home.contains("Due Fri, Dec 4, 2026"), "{}", home.body);
    assert!(home.contains("Pages 12–13, odd problems."));
    let done = maria.submit(&home, &app.url, "Mark “Fractions worksheet” done").await;
    assert!(done.contains("Mark “Fractions worksheet” not done"), "now under Done: {}", done.body);

    let section = sam.get(&math).await;
    assert!(section.contains("1 of 5 done"), "{}", section.body);
    let progress = sam.get(&section_assignment_link(&section)).await;
    assert!(progress.contains("María") && progress.contains("Done"), "{}", progress.body);
    assert_eq!(progress.body.matches("Not yet").count(), 4);

    // The co-teacher sees the same assignment; a student of another class does not.
    let ana = app.browser();
    let home = app.login(&ana, "aortega").await;
    let ana_math = ana.get(&section_link(&home, "Grade 4 Math")).await;
    assert!(
        ana_math.contains("Fractions worksheet") && ana_math.contains("1 of 5 done"),
        "{}",
        ana_math.body
    );
    let aiyana = app.login(&app.browser(), "aiyana").await;
    assert!(!aiyana.contains("Fractions worksheet"), "Aiyana is not in Grade 4 Math");
}

fn section_assignment_link(section: &Page) -> String {
    let at = section.body.find("href=\"/assignments/").unwrap() + 6;
    section.body[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn marking_done_twice_keeps_the_first_time_and_undo_works() {
    let app = TestApp::spawn().await;
    let sam = app.browser();
    let dashboard = app.login(&sam, "skelly").await;
    let reading = section_link(&dashboard, "Grade 4 Reading");
    post_assignment(&sam, &app, &reading, &[("title", "Read chapter 3")]).await;
    let zoe = app.browser();
    let home = app.login(&zoe, "zoe").await;
    let first = zoe.submit(&home, &app.url, "Mark “Read chapter 3” done").await;
    app.clock.advance(time::Duration::hours(1));
    // The same form posted again (a double click, a stale tab).
    let again = zoe.submit(&home, &app.url, "Mark “Read chapter 3” done").await;
    assert_eq!(first.status, StatusCode::OK);
    let section = sam.get(&reading).await;
    let progress = sam.get(&section_assignment_link(&section)).await;
    assert_eq!(progress.body.matches("class=\"done\"").count(), 1, "{}", progress.body);
    let undone = zoe.submit(&again, &app.url, "Mark “Read chapter 3” not done").await;
    assert!(undone.contains("Mark “Read chapter 3” done"), "{}", undone.body);
    assert!(sam.get(&reading).await.contains("0 of 4 done"));
}

#[tokio::test]
async fn a_refused_assignment_keeps_what_the_teacher_typed() {
    let app = TestApp::spawn().await;
    let sam = app.browser();
    let dashboard = app.login(&sam, "skelly").await;
    let math = section_link(&dashboard, "Grade 4 Math");
    let page = post_assignment(
        &sam,
        &app,
        &math,
        &[
            ("title", "   "),
            ("instructions", "A long explanation I do not want to retype."),
            ("due_on", "2026-13-40"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Give the assignment a title."), "{}", page.body);
    assert!(page.contains("A long explanation I do not want to retype."), "nothing typed is lost");
    let bad_date = post_assignment(&sam, &app, &math, &[("title", "Quiz"), ("due_on", "2026-13-40")]).await;
    assert!(bad_date.contains("YYYY-MM-DD") && bad_date.contains("value=\"Quiz\""), "{}", bad_date.body);
    assert!(sam.get(&math).await.contains("No assignments yet."));
}

#[tokio::test]
async fn only_the_sections_teachers_post_and_only_its_students_complete() {
    let app = TestApp::spawn().await;
    let sam = app.browser();
    let dashboard = app.login(&sam, "skelly").await;
    let math = section_link(&dashboard, "Grade 4 Math");
    let posted = post_assignment(&sam, &app, &math, &[("title", "Times tables")]).await;
    let assignment = section_assignment_link(&posted);

    // Ngozi teaches another school's class: Sam's class does not exist for her.
    let ngozi = app.browser();
    let her = app.login(&ngozi, "nokafor").await;
    let forged =
        ngozi.post(&format!("{math}/assignments"), &[("csrf", &her.csrf()), ("title", "Hijack")]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert_eq!(ngozi.get(&assignment).await.status, StatusCode::NOT_FOUND);

    // Aiyana is not in Grade 4 Math; a student never posts.
    let aiyana = app.browser();
    let home = app.login(&aiyana, "aiyana").await;
    let done = aiyana.post(&format!("{assignment}/done"), &[("csrf", &home.csrf()), ("done", "1")]).await;
    assert_eq!(done.status, StatusCode::NOT_FOUND);
    let student_post =
        aiyana.post(&format!("{math}/assignments"), &[("csrf", &home.csrf()), ("title", "x")]).await;
    assert_eq!(student_post.status, StatusCode::NOT_FOUND);
    assert!(sam.get(&math).await.contains("0 of 5 done"));
}

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

#[tokio::test]
async fn classes_show_their_subject_in_words_and_a_labelled_section_number() {
    let app = TestApp::spawn().await;
    let page = app.login(&app.browser(), "skelly").await;
    assert!(page.contains("Section M4-01 · Math · Grade 4 · 5 students"), "{}", page.body);
    assert!(page.contains("Section R4-01 · English / Language Arts · Grade 4"), "{}", page.body);
    assert!(page.contains("Homeroom / Advisory · 3 students"), "the empty grade is left out: {}", page.body);
    for enum_spelling in ["#M4-01", "homeroom/advisory", "english/language arts", "· math ·"] {
        assert!(!page.contains(enum_spelling), "{enum_spelling}: {}", page.body);
    }

    let student = app.browser();
    let page = app.login(&student, "maria").await;
    assert!(page.contains("Math · Sam Kelly") && page.contains("English / Language Arts"), "{}", page.body);
    assert!(!page.contains("english/language arts"), "{}", page.body);
}

#[tokio::test]
async fn a_roster_is_sorted_by_last_then_first_name_with_one_name_form_per_student() {
    let app = TestApp::spawn().await;
    let teacher = app.browser();
    app.login(&teacher, "skelly").await;
    // María signs in herself, so Rollcall knows her whole last name; Clever shows Sam only
    // the others' initials.
    app.login(&app.browser(), "maria").await;
    let sam = app.clever_account("skelly").await.unwrap();
    let math = app.store().teacher_sections(sam.id).await.unwrap();
    let math = math.iter().find(|s| s.clever_id.as_str() == section_id("math4")).unwrap();
    let page = teacher.get(&format!("/sections/{}", math.id)).await;

    let order = ["Zoë Ç.", "Wei 李", "María Núñez", "Oliver O.", "Jamal W."];
    let at: Vec<usize> =
        order.iter().map(|name| page.body.find(&format!("<td>{name}</td>")).expect(name)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "Ç as C, 李 as Li, then N, O, W: {}", page.body);
    assert!(!page.contains("Zoë Ç<") && !page.contains("Núñez N"), "{}", page.body);
}

#[tokio::test]
async fn no_page_a_teacher_or_student_sees_shows_a_clever_id() {
    let app = TestApp::spawn().await;
    let who = app.teacher_and_student().await;
    let csrf = who.teacher_token.as_str();
    let section = format!("/sections/{}", who.section);
    let posted =
        who.teacher.post(&format!("{section}/assignments"), &[("csrf", csrf), ("title", "Fractions")]).await;
    assert!(posted.contains("Fractions"), "{}", posted.body);
    let assignment = app.store().section_assignments(who.sam.id, who.section).await.unwrap()[0].id;
    let students = ["maria", "zoe", "liwei", "jamal", "oliver", "aiyana", "sofia", "ethan"];
    let teachers = ["skelly", "aortega"];
    let sections = ["math4", "reading4", "homeroom4", "science7"];
    let ids: Vec<String> = students
        .iter()
        .chain(&teachers)
        .map(|k| user_id(k))
        .chain(sections.iter().map(|k| section_id(k)))
        .collect();
    let teacher_pages =
        ["/dashboard", "/profile", "/sync/history", &section, &format!("/assignments/{assignment}")];
    for path in teacher_pages {
        let page = who.teacher.get(path).await;
        assert!(page.status.is_success(), "{path}: {}", page.status);
        for id in &ids {
            assert!(!page.contains(id), "{path} shows the Clever id {id}: {}", page.body);
        }
    }
    for path in ["/dashboard", "/profile"] {
        let page = who.student.get(path).await;
        for id in &ids {
            assert!(!page.contains(id), "{path} shows the Clever id {id}: {}", page.body);
        }
    }
}

#[tokio::test]
async fn times_read_relative_to_now_with_the_exact_time_on_hover() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.login(&browser, "skelly").await;
    let synced = rollcall_core::Clock::now(&app.clock);
    app.clock.advance(time::Duration::minutes(2));

    let page = browser.get("/dashboard").await;
    let exact = synced
        .format(time::macros::format_description!(
            "[weekday repr:short], [month repr:short] [day padding:none], [year], [hour]:[minute] UTC"
        ))
        .unwrap();
    let stamp = format!("title=\"{exact}\">2 minutes ago</time>");
    assert!(page.contains("Last synced <time datetime=\""), "{}", page.body);
    assert!(page.contains(&stamp), "{stamp} in {}", page.body);

    app.clock.advance(time::Duration::hours(3));
    let history = browser.get("/sync/history").await;
    assert!(history.contains("\">3 hours ago</time>"), "{}", history.body);
    let profile = browser.get("/profile").await;
    assert!(profile.contains("\">3 hours ago</time>"), "the account activity too: {}", profile.body);
}

//! Who may use which page ("roles.rs"): signed out, every signed-in page and form sends the
//! visitor to log in; signed in as the wrong kind of account, pages that name a record and the
//! admin page do not exist (404), and actions every visitor knows of are refused (403).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::StatusCode;
use rollcall_store::NewAssignment;
use support::TestApp;

#[tokio::test]
async fn signed_out_every_role_page_and_form_sends_the_visitor_to_log_in() {
    let app = TestApp::spawn().await;
    let visitor = app.stepping_browser();
    for path in ["/sync/history", "/sections/1", "/assignments/1", "/admin/audit", "/profile", "/dashboard"] {
        let page = visitor.get(path).await;
        assert!(page.status.is_redirection(), "{path}: {}", page.status);
        let back = format!("/login?next={}", path.replace('/', "%2F"));
        assert_eq!(
            page.location(),
            Some(back.as_str()),
            "{path}: the page asked for is kept for after login"
        );
    }
    let posts: [(&str, &[(&str, &str)]); 6] = [
        ("/sync", &[]),
        ("/profile/school", &[("school", "Elm")]),
        ("/profile/merge", &[("email", "a@b.test"), ("password", "x")]),
        ("/sections/1/name", &[("display_name", "x")]),
        ("/sections/1/assignments", &[("title", "x")]),
        ("/assignments/1/done", &[("done", "1")]),
    ];
    for (path, fields) in posts {
        let mut form = vec![("csrf", "anything")];
        form.extend_from_slice(fields);
        let page = visitor.post(path, &form).await;
        assert!(page.status.is_redirection(), "{path}: {}", page.status);
        assert_eq!(page.location(), Some("/login"), "{path}: a form's post is not replayed after login");
    }
}

#[tokio::test]
async fn the_wrong_kind_of_account_finds_no_such_page_or_is_refused_the_action() {
    let app = TestApp::spawn().await;
    let support::TeacherAndStudent { teacher, teacher_token, student, student_token, sam, section } =
        app.teacher_and_student().await;
    let new = NewAssignment { section, title: "Essay".into(), instructions: String::new(), due_on: None };
    let assignment = app.store().create_assignment(sam.id, &new, app.state.now()).await.unwrap();
    let (section, assignment) = (format!("/sections/{section}"), format!("/assignments/{assignment}"));

    // A student: the teacher's pages do not exist for them.
    for path in ["/sync/history", section.as_str(), assignment.as_str(), "/admin/audit"] {
        let page = student.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "student GET {path}: {}", page.body);
    }
    // A teacher: not an admin, so the admin page does not exist either.
    assert_eq!(teacher.get("/admin/audit").await.status, StatusCode::NOT_FOUND);

    // Forms, each with the poster's own valid token: only the role is wrong.
    let (name, add) = (format!("{section}/name"), format!("{section}/assignments"));
    let done = format!("{assignment}/done");
    type Post<'a> = (&'a support::Browser, &'a str, &'a str, &'a [(&'a str, &'a str)], StatusCode);
    // (A teacher may merge accounts too: tests/merge.rs.)
    let posts: [Post; 5] = [
        (&student, &student_token, "/sync", &[], StatusCode::FORBIDDEN),
        (&student, &student_token, "/profile/school", &[("school", "Elm")], StatusCode::FORBIDDEN),
        (&student, &student_token, &name, &[("display_name", "Mine now")], StatusCode::NOT_FOUND),
        (&student, &student_token, &add, &[("title", "Hijack")], StatusCode::NOT_FOUND),
        (&teacher, &teacher_token, &done, &[("done", "1")], StatusCode::NOT_FOUND),
    ];
    for (browser, token, path, fields, expected) in posts {
        let mut form = vec![("csrf", token)];
        form.extend_from_slice(fields);
        let page = browser.post(path, &form).await;
        assert_eq!(page.status, expected, "POST {path}: {}", page.body);
    }
    // Nothing was done: no school, the class keeps its name, one assignment, none done.
    assert!(!teacher.get(&section).await.contains("Mine now"));
    assert_eq!(app.clever_account("maria").await.unwrap().school, None);
    let assignments = app.store().section_assignments(sam.id, new.section).await.unwrap();
    assert_eq!(assignments.len(), 1, "{assignments:?}");
}

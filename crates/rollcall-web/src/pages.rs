//! Server-rendered pages (askama, compiled in). Every page works without JavaScript.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rollcall_store::{SectionRoster, SectionSummary, StudentSection, SyncRun, User};

/// Renders a template, or a plain 500 if rendering itself fails (a bug, logged).
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong").into_response()
        }
    }
}

/// Who is logged in, for the header.
pub struct Viewer<'a> {
    /// Display name.
    pub name: String,
    /// CSRF token for the logout form.
    pub csrf: &'a str,
}

impl<'a> Viewer<'a> {
    /// The header's view of a user.
    pub fn of(user: &User, csrf: &'a str) -> Self {
        Viewer { name: format!("{} {}", user.first_name, user.last_name), csrf }
    }
}

/// `/`: what Rollcall is, with both buttons.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage;

/// `/signup` and `/login`.
#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    /// True on `/login`.
    pub login: bool,
}

/// Any error.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// Headline.
    pub title: &'a str,
    /// What happened and what to do.
    pub detail: &'a str,
    /// "Try again" link.
    pub retry: Option<&'a str>,
}

/// A staff member or district admin signed in with Clever.
#[derive(Template)]
#[template(path = "unsupported_role.html")]
pub struct UnsupportedRolePage<'a> {
    /// Their name.
    pub name: &'a str,
    /// Their role, in words.
    pub role: &'a str,
}

/// The teacher's dashboard.
#[derive(Template)]
#[template(path = "teacher.html")]
pub struct TeacherPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// Active sections.
    pub sections: Vec<SectionSummary>,
    /// Archived sections.
    pub archived: Vec<SectionSummary>,
    /// The latest sync, if any.
    pub last_sync: Option<SyncRun>,
    /// Whether the teacher must reconnect Clever.
    pub reconnect: bool,
}

/// One of the teacher's sections.
#[derive(Template)]
#[template(path = "section.html")]
pub struct SectionPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// The section with its students.
    pub roster: SectionRoster,
}

/// The student's dashboard.
#[derive(Template)]
#[template(path = "student.html")]
pub struct StudentPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// Their classes.
    pub sections: Vec<StudentSection>,
}

/// The teacher's sync history.
#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// Runs, newest first.
    pub runs: Vec<SyncRun>,
}

/// Formats a time for people: `2026-11-22 14:05 UTC`.
pub fn when(at: &time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// "#M4-01 · math · Grade 4 · 5 students", skipping what Clever left empty.
fn section_meta(s: &SectionSummary) -> String {
    let mut parts = Vec::new();
    if let Some(n) = s.section_number.as_deref().filter(|n| !n.is_empty()) {
        parts.push(format!("#{n}"));
    }
    if let Some(subject) = s.subject.as_deref().filter(|v| !v.is_empty()) {
        parts.push(subject.to_owned());
    }
    if let Some(grade) = s.grade.as_deref().filter(|v| !v.is_empty()) {
        parts.push(format!("Grade {grade}"));
    }
    parts.push(match s.active_students {
        1 => "1 student".to_owned(),
        n => format!("{n} students"),
    });
    parts.join(" · ")
}

impl TeacherPage<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        when(at)
    }

    fn meta(&self, s: &SectionSummary) -> String {
        section_meta(s)
    }
}

impl SectionPage<'_> {
    fn meta(&self) -> String {
        section_meta(&self.roster.section)
    }
}

impl HistoryPage<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        when(at)
    }
}

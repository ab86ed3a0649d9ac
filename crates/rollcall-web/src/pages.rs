//! Server-rendered pages (askama, compiled in). Every page works without JavaScript.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rollcall_store::{
    AccountRole, Assignment, AuditAction, AuditEntry, Completion, MergeReport, SectionRoster, SectionSummary,
    StudentAssignment, StudentSection, SyncRun, SyncTrigger, User,
};

use crate::times::Stamp;
use crate::words;

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
    /// CSRF token for the logout form (and every other form on the page).
    pub csrf: &'a str,
    /// Whether to show the admin link.
    pub admin: bool,
    /// The request's time (the app's clock), for "2 minutes ago".
    pub now: time::OffsetDateTime,
}

impl<'a> Viewer<'a> {
    /// The header's view of `user`, signed in with a session whose CSRF token is `csrf`, on a
    /// request read at `now`.
    pub fn of(user: &User, csrf: &'a str, now: time::OffsetDateTime) -> Self {
        Viewer { name: words::person(&user.first_name, &user.last_name), csrf, admin: is_admin(user), now }
    }

    /// `at` relative to this request, with its exact time.
    pub fn stamp(&self, at: &time::OffsetDateTime) -> Stamp {
        crate::times::stamp(*at, self.now)
    }
}

/// Whether `user` may see the admin pages: an operator granted it on the server (`rollcall
/// admin grant`); nothing a visitor does (an email typed at sign-up) makes an admin.
pub fn is_admin(user: &User) -> bool {
    user.admin
}

/// `/`: what Rollcall is, with both buttons.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage;

/// `/logged-out`: the page after "Log out", telling a shared device's user how to log out of
/// Clever too.
#[derive(Template)]
#[template(path = "logged_out.html")]
pub struct LoggedOutPage {
    /// Clever's log-out page (the emulator's when Rollcall runs against it).
    pub clever_logout_url: String,
}

/// `/signup` and `/login`: Clever's button, and the email + password form.
#[derive(Template, Default)]
#[template(path = "signup.html")]
pub struct SignupPage {
    /// True on `/login`.
    pub login: bool,
    /// The form's CSRF token.
    pub csrf: String,
    /// What was wrong with the last attempt.
    pub error: Option<String>,
    /// What the person typed, kept on error.
    pub email: String,
    /// Given name (sign-up).
    pub first_name: String,
    /// Family name (sign-up).
    pub last_name: String,
    /// `teacher` or `student` (sign-up).
    pub role: String,
    /// Whether the email form is offered on `/signup` (only when Rollcall can mail the link
    /// that proves the address).
    pub email_signup: bool,
    /// A one-line confirmation (on `/login` after an emailed link was used).
    pub notice: Option<&'static str>,
}

/// After a sign-up or an added password: the link is on its way.
#[derive(Template)]
#[template(path = "email_sent.html")]
pub struct EmailSentPage<'a> {
    /// Header, when signed in (adding a password).
    pub viewer: Option<Viewer<'a>>,
    /// Where the link went.
    pub to: String,
    /// What opening it finishes, e.g. "creating your account".
    pub finishes: &'static str,
}

/// What an emailed link will do, with the button that does it.
#[derive(Template)]
#[template(path = "email_confirm.html")]
pub struct ConfirmEmailPage {
    /// The page's heading.
    pub heading: &'static str,
    /// What pressing the button does, in a sentence.
    pub summary: String,
    /// The button's words.
    pub button: &'static str,
    /// The form's CSRF token.
    pub csrf: String,
    /// The link's token, posted back.
    pub link: String,
}

/// `/dev/outbox`: the mail Rollcall would have sent.
#[derive(Template)]
#[template(path = "outbox.html")]
pub struct OutboxPage {
    /// Newest first.
    pub mails: Vec<crate::mail::Sent>,
}

/// A new Clever teacher, asked whether they already have an account.
#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    /// Their first name.
    pub first_name: String,
    /// The choice forms' CSRF token.
    pub csrf: String,
    /// What was wrong with the last attempt to log in to the older account.
    pub error: Option<String>,
    /// What they typed.
    pub email: String,
}

/// The account page.
#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfilePage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// The account.
    pub user: &'a User,
    /// A one-line confirmation of what just happened.
    pub notice: Option<&'static str>,
    /// Whether a password can be added (Rollcall must be able to mail the confirmation link).
    pub can_add_password: bool,
    /// School names to suggest.
    pub schools: Vec<String>,
    /// The account's history, newest first.
    pub audit: Vec<AuditEntry>,
}

/// What a merge kept.
#[derive(Template)]
#[template(path = "merged.html")]
pub struct MergedPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// What moved.
    pub report: MergeReport,
}

/// One assignment's progress, for its teachers.
#[derive(Template)]
#[template(path = "assignment.html")]
pub struct AssignmentPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// The assignment.
    pub assignment: Assignment,
    /// A row per student.
    pub rows: Vec<Completion>,
}

/// The admin's audit log.
#[derive(Template)]
#[template(path = "admin_audit.html")]
pub struct AuditPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// Matching entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// The filter as typed: action.
    pub action: String,
    /// The filter as typed: account id.
    pub user: String,
    /// The filter as typed: from date (YYYY-MM-DD).
    pub since: String,
    /// The filter as typed: to date (YYYY-MM-DD).
    pub until: String,
    /// Every action (stored name, words), for the filter's list.
    pub actions: Vec<(&'static str, &'static str)>,
    /// The query for the next (older) page, if there may be one.
    pub older: Option<String>,
    /// A filter that could not be read.
    pub error: Option<String>,
}

/// An audit action in words.
pub fn action_label(action: AuditAction) -> &'static str {
    match action {
        AuditAction::AccountCreated => "Account created",
        AuditAction::CleverLinked => "Clever linked",
        AuditAction::CleverUnlinked => "Clever unlinked",
        AuditAction::AccountsMerged => "Accounts merged",
        AuditAction::RoleChanged => "Role changed",
        AuditAction::SyncRun => "Classes synced",
        AuditAction::PasswordAdded => "Password added",
        AuditAction::SchoolChanged => "School changed",
        AuditAction::AdminChanged => "Admin rights changed",
    }
}

impl ProfilePage<'_> {
    fn stamp(&self, at: &time::OffsetDateTime) -> Stamp {
        self.viewer.stamp(at)
    }

    fn detail(&self, entry: &AuditEntry) -> String {
        words::activity(entry)
    }

    fn label(&self, action: &AuditAction) -> &'static str {
        action_label(*action)
    }
}

impl ProfilePage<'_> {
    fn current_school(&self) -> &str {
        self.user.school.as_deref().unwrap_or_default()
    }
}

impl AuditPage<'_> {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        when(at)
    }

    fn label(&self, action: &AuditAction) -> &'static str {
        action_label(*action)
    }
}

impl AssignmentPage<'_> {
    fn stamp(&self, at: &time::OffsetDateTime) -> Stamp {
        self.viewer.stamp(at)
    }

    fn person(&self, first: &str, last: &str) -> String {
        words::person(first, last)
    }

    fn due(&self, d: &time::Date) -> String {
        due(d)
    }
}

/// Any error.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// Header, when someone is signed in.
    pub viewer: Option<Viewer<'a>>,
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
    /// Whether Clever is linked at all (an account can unlink it and keep its classes).
    pub linked: bool,
    /// Ask which school they teach at (not named yet, not skipped in this browser).
    pub ask_school: bool,
    /// School names to suggest when asking.
    pub schools: Vec<String>,
    /// A sync of these classes is running (the page then reloads itself until it ends).
    pub syncing: bool,
}

/// One of the teacher's sections.
#[derive(Template)]
#[template(path = "section.html")]
pub struct SectionPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// The section with its students.
    pub roster: SectionRoster,
    /// Its assignments, newest first.
    pub assignments: Vec<Assignment>,
    /// The new-assignment form, as typed (kept when it is refused).
    pub draft: AssignmentDraft,
}

/// The new-assignment form's values and what was wrong with them.
#[derive(Debug, Default, Clone)]
pub struct AssignmentDraft {
    /// Title.
    pub title: String,
    /// Instructions.
    pub instructions: String,
    /// Due date, `YYYY-MM-DD` or empty.
    pub due_on: String,
    /// Why it was refused.
    pub error: Option<String>,
}

/// The student's dashboard.
#[derive(Template)]
#[template(path = "student.html")]
pub struct StudentPage<'a> {
    /// Header.
    pub viewer: Viewer<'a>,
    /// Their classes.
    pub sections: Vec<StudentSection>,
    /// Clever did not say who is in some class, so theirs may be missing from `sections`.
    pub rosters_unknown: bool,
    /// Assignments still to do.
    pub todo: Vec<StudentAssignment>,
    /// Assignments done.
    pub done: Vec<StudentAssignment>,
}

impl StudentPage<'_> {
    fn stamp(&self, at: &time::OffsetDateTime) -> Stamp {
        self.viewer.stamp(at)
    }

    fn subject(&self, value: &Option<String>) -> Option<String> {
        words::subject(value.as_deref())
    }

    fn due(&self, d: &time::Date) -> String {
        due(d)
    }
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

/// Formats a due date for people: `Fri, Mar 14, 2031`.
pub fn due(d: &time::Date) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [month repr:short] [day padding:none], [year]"
    );
    d.format(&format).unwrap_or_else(|_| d.to_string())
}

/// "Section M4-01 · Math · Grade 4 · 5 students", skipping what Clever left empty.
fn section_meta(s: &SectionSummary) -> String {
    let mut parts = Vec::new();
    if let Some(n) = s.section_number.as_deref().filter(|n| !n.trim().is_empty()) {
        parts.push(words::section_number(n));
    }
    if let Some(subject) = words::subject(s.subject.as_deref()) {
        parts.push(subject);
    }
    if let Some(grade) = s.grade.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        parts.push(words::grade(grade));
    }
    // A class whose roster Clever did not give is never "0 students": the count is only what
    // an earlier sync learned, and the page says so.
    parts.push(match (s.roster_known, s.active_students) {
        (false, 0) => "students not known".to_owned(),
        (_, 1) => "1 student".to_owned(),
        (_, n) => format!("{n} students"),
    });
    parts.join(" · ")
}

impl TeacherPage<'_> {
    fn stamp(&self, at: &time::OffsetDateTime) -> Stamp {
        self.viewer.stamp(at)
    }

    fn current_school(&self) -> &str {
        ""
    }

    fn meta(&self, s: &SectionSummary) -> String {
        section_meta(s)
    }

    fn summary(&self, run: &SyncRun) -> String {
        sync_summary(run)
    }
}

impl SectionPage<'_> {
    fn person(&self, first: &str, last: &str) -> String {
        words::person(first, last)
    }

    fn meta(&self) -> String {
        section_meta(&self.roster.section)
    }

    fn due(&self, d: &time::Date) -> String {
        due(d)
    }
}

impl HistoryPage<'_> {
    fn stamp(&self, at: &time::OffsetDateTime) -> Stamp {
        self.viewer.stamp(at)
    }

    fn summary(&self, run: &SyncRun) -> String {
        sync_summary(run)
    }

    fn how(&self, trigger: &SyncTrigger) -> &'static str {
        match trigger {
            SyncTrigger::Login => "When you logged in",
            SyncTrigger::Button => "Sync my classes",
            SyncTrigger::Background => "Automatic",
            SyncTrigger::Cli => "By your school’s Rollcall administrator",
        }
    }
}

/// What a sync run changed, in a teacher's words: "3 students added, 1 class renamed",
/// "Everything was already up to date", or that a failed run changed nothing (its problems
/// say why).
pub fn sync_summary(run: &SyncRun) -> String {
    if run.failed { "Nothing was changed".to_owned() } else { run.counts.summary() }
}

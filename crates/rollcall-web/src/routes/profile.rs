//! The account page and what it offers: add a password, link or unlink Clever, the teacher's
//! school (also asked on the dashboard until named or skipped), a student's "Merge my accounts",
//! and the account's own activity log.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::{Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use rollcall_store::{AccountRole, AuditFilter, MergeReport, StoreError};
use serde::Deserialize;

use crate::client_addr::ClientAddr;
use crate::crypto::{open_json, seal_json};
use crate::csrf::SignedInForm;
use crate::email_links::Proof;
use crate::error::WebError;
use crate::login_email::EmailField;
use crate::pages::{EmailSentPage, MergedPage, ProfilePage, render};
use crate::passwords::{self, check_new_password};
use crate::roles::Teacher;
use crate::session::{CookieName, host_cookie};
use crate::session::{CurrentUser, cookie};
use crate::state::AppState;

/// Which confirmation to show (set by the redirect after a change).
#[derive(Debug, Default, Deserialize)]
pub struct ProfileQuery {
    #[serde(default)]
    linked: Option<String>,
    #[serde(default)]
    unlinked: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    school: Option<String>,
    #[serde(default)]
    confirmed: Option<String>,
}

/// `GET /profile`.
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, WebError> {
    let notice = if q.linked.is_some() {
        Some("Your Clever account is linked.")
    } else if q.unlinked.is_some() {
        Some("Clever is unlinked. Your classes and students are still here.")
    } else if q.password.is_some() {
        Some("Password added. You can now log in with your email.")
    } else if q.school.is_some() {
        Some("School saved.")
    } else if q.confirmed.is_some() {
        Some("Email confirmed. You can log in with it and your password.")
    } else {
        None
    };
    let filter = AuditFilter { user: Some(current.user.id), ..AuditFilter::default() };
    let audit = state.store().audit_log(&filter, 50).await?;
    let schools = state.store().known_schools().await?;
    let viewer = current.viewer();
    let can_add_password = state.mailer().enabled();
    Ok(render(&ProfilePage { viewer, user: &current.user, notice, can_add_password, schools, audit }))
}

/// The school form (on the profile, and the dashboard's question for a teacher without one).
#[derive(Deserialize)]
pub struct SchoolForm {
    #[serde(default)]
    school: String,
    /// `/dashboard` from the dashboard's question; anything else returns to the profile.
    #[serde(default)]
    next: String,
    /// `skip` from the question's "Skip for now".
    #[serde(default)]
    action: String,
}

/// Set in a browser whose teacher skipped the school question, so the dashboard stops asking.
pub const SKIP_SCHOOL_COOKIE: CookieName = host_cookie!("rollcall_school_skipped");

/// `POST /profile/school`: set (or, empty, clear) the teacher's school, or skip the question.
pub async fn set_school(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedInForm { user: Teacher(current), form }: SignedInForm<SchoolForm, Teacher>,
) -> Result<(CookieJar, Redirect), WebError> {
    if form.action == "skip" {
        let skip = cookie(state.cookies(), SKIP_SCHOOL_COOKIE, "1".into(), time::Duration::days(365));
        return Ok((jar.add(skip), Redirect::to("/dashboard")));
    }
    let school: String = form.school.trim().chars().take(120).collect();
    let school = (!school.is_empty()).then_some(school.as_str());
    state.store().set_school(current.user.id, school, state.now()).await?;
    Ok((jar, Redirect::to(if form.next == "/dashboard" { "/dashboard" } else { "/profile?school=1" })))
}

/// The add-password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    email: EmailField,
    password: String,
}

/// `POST /profile/password`: an email and password for an account that has none, added once
/// the link mailed to the email is opened ([`crate::email_links`]).
pub async fn add_password(
    State(state): State<AppState>,
    client: ClientAddr,
    SignedInForm { user: current, form }: SignedInForm<PasswordForm>,
) -> Result<Response, WebError> {
    let bad = |message: &str| {
        WebError::friendly(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "Password not added",
            message,
            Some("/profile#password"),
        )
    };
    if current.user.login_email.is_some() {
        return Err(bad("Your account has a password already."));
    }
    if !state.mailer().enabled() {
        return Err(bad("This Rollcall server does not send email, so a password cannot be added."));
    }
    let email = form.email.parsed().map_err(|why| bad(&why.to_string()))?.to_string();
    check_new_password(&form.password).map_err(bad)?;
    // Hashed before anything is looked up, so a taken email takes as long as a new one.
    let password_hash = passwords::hash(&form.password).await?;
    let proof = Proof::AddPassword { user: current.user.id, email: email.clone(), password_hash };
    state.emails().add_password(&client, proof).await?;
    let viewer = Some(current.viewer());
    Ok(render(&EmailSentPage { viewer, to: email, finishes: "adding your password" }))
}

/// `POST /profile/unlink`: remove the Clever identity, keeping every class and student.
pub async fn unlink(
    State(state): State<AppState>,
    SignedInForm { user: current, .. }: SignedInForm,
) -> Result<Redirect, WebError> {
    state.store().unlink_clever(current.user.id, state.now()).await?;
    tracing::info!(user = %current.user.id, "Clever identity unlinked");
    Ok(Redirect::to("/profile?unlinked=1"))
}

/// The merge form.
#[derive(Deserialize)]
pub struct MergeForm {
    email: EmailField,
    password: String,
}

/// `POST /profile/merge`: a student or teacher signed in with Clever proves they own an older
/// password account of the same kind; the Clever account is merged into it (the older account
/// survives) in one transaction; `/profile/merged` then says what was kept.
pub async fn merge(
    State(state): State<AppState>,
    jar: CookieJar,
    client: ClientAddr,
    SignedInForm { user: current, form }: SignedInForm<MergeForm>,
) -> Result<Response, WebError> {
    // The merge folds a Clever account into an older password account.
    let person = matches!(current.user.role, AccountRole::Student | AccountRole::Teacher);
    if current.user.clever_id.is_none() || !person {
        return Err(WebError::Forbidden);
    }
    let verified = match form.email.parsed() {
        Ok(email) => state.passwords().verify(&client, email, &form.password).await,
        Err(_) => Err(passwords::wrong_credentials()),
    };
    let credential = verified.map_err(|e| match e {
        WebError::Friendly { status, title, detail, .. } => {
            WebError::Friendly { status, title, detail, retry: Some("/profile#merge".to_owned()) }
        }
        other => other,
    })?;
    let merged =
        state.store().merge_accounts(credential.user_id, current.user.id, current.user.id, state.now()).await;
    let report = match merged {
        Ok(report) => report,
        // A merge raced by another tab or device absorbed one of the accounts first.
        Err(StoreError::NotFound(_)) => {
            return Err(WebError::friendly(
                StatusCode::CONFLICT,
                "Already merged",
                "These accounts were merged a moment ago, from another tab or device. Everything is in one account now.",
                Some("/profile"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(survivor = %report.survivor, absorbed = %report.absorbed, role = current.user.role.as_str(), "accounts merged");
    // Post/redirect/get: the report rides along sealed, so a reload shows it again instead of
    // posting the merge a second time. (The session moved to the surviving account.)
    let sealed = seal_json(state.sealer(), &report);
    let jar = jar.add(cookie(state.cookies(), MERGE_REPORT_COOKIE, sealed, time::Duration::minutes(10)));
    Ok((jar, Redirect::to("/profile/merged")).into_response())
}

/// Carries a merge's report from the merge to the page that shows it.
const MERGE_REPORT_COOKIE: CookieName = host_cookie!("rollcall_merge_report");

/// `GET /profile/merged`: what the merge just kept (for this account), or the profile.
pub async fn merged(State(state): State<AppState>, current: CurrentUser, jar: CookieJar) -> Response {
    let report: Option<MergeReport> =
        jar.get(MERGE_REPORT_COOKIE.of(state.cookies())).and_then(|c| open_json(state.sealer(), c.value()));
    match report.filter(|r| r.survivor == current.user.id) {
        Some(report) => render(&MergedPage { viewer: current.viewer(), report }),
        None => Redirect::to("/profile").into_response(),
    }
}

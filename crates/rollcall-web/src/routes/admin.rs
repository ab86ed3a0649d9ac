//! `GET /admin/audit`: the audit log with filters, for the operator's admins (accounts granted
//! on the server with `rollcall admin grant EMAIL`). To anyone else the page does not exist.

use axum::extract::{Query, State};
use axum::response::Response;
use rollcall_core::UserId;
use rollcall_store::{AuditAction, AuditFilter};
use serde::Deserialize;

use crate::error::WebError;
use crate::pages::{AuditPage, action_label, render};
use crate::roles::{Admin, Hidden};
use crate::state::AppState;

/// Entries per page.
const PAGE: u32 = 100;

/// The filters, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    before: String,
}

/// `GET /admin/audit`.
pub async fn audit(
    State(state): State<AppState>,
    Hidden(Admin(current)): Hidden<Admin>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let (filter, error) = match parse(&q) {
        Ok(filter) => (filter, None),
        Err(message) => (AuditFilter::default(), Some(message.to_owned())),
    };
    let entries = state.store().audit_log(&filter, PAGE).await?;
    let older = (entries.len() == PAGE as usize).then(|| {
        let last = entries.last().map_or(0, |e| e.id);
        form_urlencoded::Serializer::new(String::new())
            .append_pair("action", &q.action)
            .append_pair("user", &q.user)
            .append_pair("since", &q.since)
            .append_pair("until", &q.until)
            .append_pair("before", &last.to_string())
            .finish()
    });
    let page = AuditPage {
        viewer: current.viewer(),
        entries,
        action: q.action.clone(),
        user: q.user.clone(),
        since: q.since.clone(),
        until: q.until.clone(),
        actions: AuditAction::ALL.iter().map(|a| (a.as_str(), action_label(*a))).collect(),
        older,
        error,
    };
    Ok(render(&page))
}

/// Reads the filters; an unreadable one is reported, not ignored.
fn parse(q: &AuditQuery) -> Result<AuditFilter, &'static str> {
    let date = |text: &str| -> Result<Option<time::OffsetDateTime>, &'static str> {
        match text.trim() {
            "" => Ok(None),
            t => time::Date::parse(t, time::macros::format_description!("[year]-[month]-[day]"))
                .map(|d| Some(d.midnight().assume_utc()))
                .map_err(|_| "Dates are YYYY-MM-DD."),
        }
    };
    let action = match q.action.trim() {
        "" => None,
        a => Some(AuditAction::parse(a).ok_or("Unknown action.")?),
    };
    let user = match q.user.trim() {
        "" => None,
        u => Some(UserId(u.parse().map_err(|_| "The account id is a number.")?)),
    };
    let before_id = match q.before.trim() {
        "" => None,
        b => Some(b.parse().map_err(|_| "Bad page link.")?),
    };
    // "To" includes the whole day.
    let until = date(&q.until)?.map(|d| d + time::Duration::days(1));
    Ok(AuditFilter { action, user, since: date(&q.since)?, until, before_id })
}

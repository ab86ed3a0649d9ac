//! The soak's mix of operations, each what one user does with a browser: a Clever login (the
//! whole OAuth dance through the emulator, with the sync it runs), a "Sync my classes" press, a
//! dashboard read and a class page read; the last three in sessions logged in beforehand.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use super::login::SECTIONS_PER_TEACHER;
use super::login::rig::{Flow, Page};

/// What each user does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Login,
    Sync,
    Dashboard,
    ClassPage,
}

impl Op {
    pub(super) const ALL: [Op; 4] = [Op::Login, Op::Sync, Op::Dashboard, Op::ClassPage];

    pub(super) fn name(self) -> &'static str {
        match self {
            Op::Login => "Clever login (OAuth + sync)",
            Op::Sync => "\"Sync my classes\"",
            Op::Dashboard => "dashboard",
            Op::ClassPage => "class page",
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            Op::Login => 0,
            Op::Sync => 1,
            Op::Dashboard => 2,
            Op::ClassPage => 3,
        }
    }
}

/// Twenty operations in the proportions of the mix (3 logins, 2 syncs, 8 dashboards, 7 class
/// pages), interleaved; operation `i` is `MIX[i % 20]`.
pub(super) const MIX: [Op; 20] = {
    use Op::{ClassPage as C, Dashboard as D, Login as L, Sync as S};
    [D, C, L, D, C, D, S, C, D, L, C, D, C, D, S, C, D, L, C, D]
};

/// The mix in words, for captions.
pub(super) fn describe() -> String {
    let parts: Vec<String> = Op::ALL
        .iter()
        .map(|op| format!("{} {}", MIX.iter().filter(|o| *o == op).count(), op.name()))
        .collect();
    format!("per {} operations: {}", MIX.len(), parts.join(", "))
}

/// A user answered in this long is not waited for any more.
pub(super) const OP_TIMEOUT: Duration = Duration::from_secs(30);

/// A teacher's browser, logged in: its cookie jar holds the session.
pub(super) struct Session {
    browser: reqwest::Client,
    csrf: String,
    sections: Vec<String>,
}

impl Session {
    /// From the dashboard a login ended on: the session's CSRF token and the classes' ids.
    pub(super) fn from_dashboard(browser: reqwest::Client, page: &Page) -> Result<Self, String> {
        const CSRF: &str = "name=\"csrf\" value=\"";
        const CLASS: &str = "href=\"/sections/";
        let csrf = page.body.split(CSRF).nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
        let mut sections: Vec<String> = page
            .body
            .split(CLASS)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect();
        sections.dedup();
        if csrf.is_empty() || sections.len() != SECTIONS_PER_TEACHER {
            return Err(format!(
                "the dashboard has {} classes and a CSRF token? {}",
                sections.len(),
                !csrf.is_empty()
            ));
        }
        Ok(Self { browser, csrf: csrf.to_owned(), sections })
    }
}

/// The operations, against one app.
pub(super) struct Mix {
    pub(super) flow: Flow,
    pub(super) app_url: String,
    pub(super) teachers: Vec<String>,
    pub(super) sessions: Vec<Session>,
    next_teacher: AtomicUsize,
    /// Numbers the operations of the closed loop (the open loop numbers its own).
    next_op: AtomicU64,
}

impl Mix {
    pub(super) fn new(flow: Flow, app_url: String, teachers: Vec<String>, sessions: Vec<Session>) -> Self {
        Self {
            flow,
            app_url,
            teachers,
            sessions,
            next_teacher: AtomicUsize::new(0),
            next_op: AtomicU64::new(0),
        }
    }

    /// The next operation of the closed loop.
    pub(super) fn next_op(&self) -> Op {
        op_for(self.next_op.fetch_add(1, Ordering::Relaxed))
    }

    /// Runs `op` as a user would, judging what the browser ended on: `Err` says what went wrong,
    /// in words that group alike failures ("HTTP 503 on /dashboard", "timeout").
    pub(super) async fn run(self: &Arc<Self>, op: Op, i: u64) -> Result<(), String> {
        match tokio::time::timeout(OP_TIMEOUT, self.attempt(op, i)).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {} s", OP_TIMEOUT.as_secs())),
        }
    }

    async fn attempt(&self, op: Op, i: u64) -> Result<(), String> {
        let classes = Some(SECTIONS_PER_TEACHER);
        if op == Op::Login {
            let n = self.next_teacher.fetch_add(1, Ordering::Relaxed);
            let teacher = self.teachers.get(n % self.teachers.len().max(1)).ok_or("no teachers")?;
            self.flow.queue(teacher);
            let (_, page) = self.flow.start_login().await.map_err(transport)?;
            return judge(&page, "/dashboard", classes);
        }
        // Spread over the sessions (a multiplicative hash of the number, so consecutive
        // operations land on different teachers).
        let pick = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize;
        let session = self.sessions.get(pick % self.sessions.len().max(1)).ok_or("no sessions")?;
        let app = &self.app_url;
        let (request, path, classes) = match op {
            Op::Sync => {
                let form = [("csrf", session.csrf.as_str())];
                (session.browser.post(format!("{app}/sync")).form(&form), "/dashboard".to_owned(), classes)
            }
            Op::Dashboard => {
                (session.browser.get(format!("{app}/dashboard")), "/dashboard".to_owned(), classes)
            }
            Op::Login | Op::ClassPage => {
                let section = session.sections.get(pick % SECTIONS_PER_TEACHER).ok_or("no classes")?;
                let path = format!("/sections/{section}");
                (session.browser.get(format!("{app}{path}")), path, None)
            }
        };
        let page = Page::read(request.send().await.map_err(transport)?).await.map_err(transport)?;
        judge(&page, &path, classes)
    }
}

/// Operation `i` of a run.
pub(super) fn op_for(i: u64) -> Op {
    MIX[(i % MIX.len() as u64) as usize]
}

/// A page is right when it is a 200 at `path` (a redirect to the log-in page is not) showing the
/// teacher's classes, if `classes` says how many.
pub(super) fn judge(page: &Page, path: &str, classes: Option<usize>) -> Result<(), String> {
    if !page.status.is_success() {
        return Err(format!("HTTP {} on {}", page.status.as_u16(), page.path));
    }
    if page.path != path {
        return Err(format!("ended on {}", page.path));
    }
    match classes {
        Some(n) if page.classes() != n => Err(format!("dashboard with {} classes", page.classes())),
        _ => Ok(()),
    }
}

/// A failure before any page: grouped by what failed, not by its message.
fn transport(error: reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_redirect() {
        "redirect loop"
    } else if error.is_body() || error.is_decode() {
        "broken answer"
    } else {
        "request failed"
    };
    format!("transport: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_three_logins_two_syncs_eight_dashboards_and_seven_class_pages_in_twenty() {
        let count = |op| MIX.iter().filter(|o| **o == op).count();
        assert_eq!([Op::Login, Op::Sync, Op::Dashboard, Op::ClassPage].map(count), [3, 2, 8, 7]);
        assert!(describe().starts_with("per 20 operations: 3 Clever login"));
        assert_eq!(op_for(22), MIX[2]);
    }
}

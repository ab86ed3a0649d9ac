//! Rendering the OAuth login and consent pages. Both are plain HTML forms that work without
//! JavaScript; every form carries the pending request id and its CSRF token.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::people::{self, Group, Hidden};
use crate::error::no_store;
use crate::model::{Role, UserRec};
use crate::state::{Emulator, PendingAuthorization};

/// The login page template (also used by the portal).
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginTemplate {
    /// Page headline.
    pub heading: String,
    /// Line under the headline.
    pub subtitle: String,
    /// Where each user's button posts.
    pub action: &'static str,
    /// Hidden fields every form carries.
    pub hidden: Vec<Hidden>,
    /// Users by role.
    pub groups: Vec<Group>,
    /// Set when the list is limited to one district.
    pub district_name: Option<String>,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentTemplate<'a> {
    app_name: &'a str,
    user_name: String,
    user_role: &'static str,
    switch_href: String,
    shared: Vec<&'static str>,
    req: &'a str,
    csrf: &'a str,
}

/// Renders an askama template as a 200 HTML response (500 if rendering fails). Pages carry CSRF
/// tokens and request ids, so they are never cached.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template error: {e}")).into_response(),
    }
}

/// What an app will see, by the role the user logs in as. Teacher and student lists follow
/// Clever's Library data-sharing description; for staff and admins Clever's wording is unknown.
fn shared_data(role: Role) -> Vec<&'static str> {
    match role {
        Role::Teacher => vec![
            "Your name and email address",
            "Your sections (classes)",
            "The names (first name and last initial) and grades of your students",
        ],
        Role::Student => vec!["Your name"],
        Role::Staff | Role::DistrictAdmin => vec!["Your name and email address"],
    }
}

impl Emulator {
    fn app_name(&self, client_id: &str) -> String {
        self.world().apps.get(client_id).map(|a| a.name.clone()).unwrap_or_else(|| client_id.to_owned())
    }

    /// The OAuth login page for pending request `req`.
    pub fn login_page(&self, req: &str, pending: &PendingAuthorization) -> Response {
        let world = self.world();
        let district = pending.district_id.as_deref();
        let district_name = district.and_then(|d| world.districts.get(d)).map(|d| d.name.clone());
        let page = LoginTemplate {
            heading: format!("Log in to {}", self.app_name(&pending.client_id)),
            subtitle: match &district_name {
                Some(name) => format!("{name}: choose who you are. (Emulator: no passwords.)"),
                None => "Choose who you are. (Emulator: no passwords.)".into(),
            },
            action: "/oauth/login",
            hidden: vec![
                Hidden { name: "req", value: req.to_owned() },
                Hidden { name: "csrf", value: pending.csrf.clone() },
            ],
            groups: people::groups(&world, district),
            district_name,
        };
        drop(world);
        render(&page)
    }

    /// The consent page for pending request `req`, as `user`.
    pub fn consent_page(&self, req: &str, pending: &PendingAuthorization, user: &UserRec) -> Response {
        let app_name = self.app_name(&pending.client_id);
        let role = user.primary_role();
        let switch_href = format!(
            "/oauth/login?{}",
            form_urlencoded::Serializer::new(String::new()).append_pair("req", req).finish()
        );
        render(&ConsentTemplate {
            app_name: &app_name,
            user_name: people::full_name(&user.name),
            user_role: role.as_str(),
            switch_href,
            shared: shared_data(role),
            req,
            csrf: &pending.csrf,
        })
    }
}

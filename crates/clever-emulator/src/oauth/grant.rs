//! Whether a logged-in user goes straight back to the app, is asked, or is stopped, and the
//! redirect that carries a granted login's code.
//!
//! At a Library app the emulator follows Clever's Library:
//! - a teacher authorizes the app once (Allow on the consent page, Install in the portal Library,
//!   or a seed's `[[installs]]`); the authorization is kept per (teacher, app) in
//!   [`World::installs`](crate::model::World::installs), and later logins go straight back with a
//!   code;
//! - a student never sees a consent page: the login goes straight through when a teacher of one
//!   of the student's sections has authorized the app, and otherwise stops on an error page (no
//!   redirect) that says the teacher has not added the app yet;
//! - staff and district admins are asked once, and their answer is remembered per (user, app)
//!   until the next reset.
//!
//! At a district (Secure Sync) app every user is asked once, as staff are.
//!
//! Every redirect that grants a login carries `code`, then `scope` (the scopes
//! `/oauth/tokeninfo` reports for that user's token, space-separated), then `state` when the app
//! sent one.

use axum::http::StatusCode;

use super::redirect::code_uri;
use super::scopes;
use crate::error::ErrorPage;
use crate::model::{AppKind, Role, UserRec, World};
use crate::state::Emulator;

/// What a login of a known user at an app leads to.
#[derive(Debug, Clone)]
pub enum Gate {
    /// Straight back to the app with a code.
    Through,
    /// The consent page first.
    Ask,
    /// An error page and no redirect (a student whose teachers have not added the app).
    Refused(ErrorPage),
}

/// True when `teacher_id` has authorized Library app `client_id`.
fn authorized(world: &World, client_id: &str, teacher_id: &str) -> bool {
    world.installs.contains(&(client_id.to_owned(), teacher_id.to_owned()))
}

fn is_library_app(world: &World, client_id: &str) -> bool {
    world.apps.get(client_id).is_some_and(|a| a.kind == AppKind::Library)
}

/// The page a student sees when none of their teachers has added the app.
fn not_added_yet(app_name: &str) -> ErrorPage {
    ErrorPage {
        status: StatusCode::FORBIDDEN,
        title: format!("Your teacher hasn't added {app_name} yet"),
        detail: format!(
            "Students can use {app_name} once a teacher of one of their classes has added it: the teacher \
             logs in to {app_name} with Clever, or installs it from the Clever Library. Ask your teacher, \
             then try again."
        ),
        instead_of_redirect: false,
    }
}

impl Emulator {
    /// Where a login of `user` at `client_id` goes next (see the module doc for the rules).
    pub fn gate(&self, client_id: &str, user: &UserRec) -> Gate {
        let world = self.world();
        if is_library_app(&world, client_id) {
            if user.has(Role::Teacher) {
                return if authorized(&world, client_id, &user.id) { Gate::Through } else { Gate::Ask };
            }
            if user.has(Role::Student) {
                let added =
                    world.teachers_of_student(&user.id).iter().any(|t| authorized(&world, client_id, t));
                if added {
                    return Gate::Through;
                }
                let name = world.apps.get(client_id).map_or(client_id, |a| a.name.as_str());
                return Gate::Refused(not_added_yet(name));
            }
        }
        drop(world);
        let key = (client_id.to_owned(), user.id.clone());
        if self.browser().consents.contains(&key) { Gate::Through } else { Gate::Ask }
    }

    /// Remembers that `user` allowed `client_id`: a teacher's allowance of a Library app is an
    /// authorization (an install, which also puts the app on their students' portal); anyone
    /// else's is a remembered consent.
    pub fn remember_consent(&self, client_id: &str, user: &UserRec) {
        if user.has(Role::Teacher) {
            let mut world = self.world_mut();
            if is_library_app(&world, client_id) {
                world.installs.insert((client_id.to_owned(), user.id.clone()));
                return;
            }
        }
        self.browser().consents.insert((client_id.to_owned(), user.id.clone()));
    }

    /// A login scripted with `POST /__admin/next-login` goes straight through for every user; a
    /// teacher's also records the authorization, as an allowed consent page would.
    pub fn remember_scripted_login(&self, client_id: &str, user_id: &str) {
        let user = self.world().users.get(user_id).cloned();
        if let Some(user) = user.filter(|u| u.has(Role::Teacher)) {
            let mut world = self.world_mut();
            if is_library_app(&world, client_id) {
                world.installs.insert((client_id.to_owned(), user.id));
            }
        }
    }

    /// Issues a code for `user_id` and returns the redirect URI that hands it to the app, with
    /// `scope` and (when given) `state`.
    pub fn grant_uri(
        &self,
        client_id: &str,
        redirect_uri: &str,
        user_id: &str,
        state: Option<&str>,
    ) -> String {
        let scope = {
            let world = self.world();
            scopes::of_user(world.users.get(user_id)).join(" ")
        };
        let code = self.issue_code(client_id, redirect_uri, user_id);
        code_uri(redirect_uri, &code, &scope, state)
    }
}

//! Who may use a page, checked before the handler runs: a handler names the account it serves
//! ([`Teacher`], [`Student`], [`Admin`]) and never sees anyone else.
//!
//! - Signed out: the log-in page, as for any signed-in page ([`CurrentUser`]).
//! - Signed in as another kind of account: 403 "Not available" — for actions every visitor
//!   knows exist ("Sync my classes", the school form, "Merge my accounts").
//! - [`Hidden`]`<R>` instead answers 404, as for a page that does not exist: for pages whose
//!   address names a record (a section, an assignment) and for the admin pages, so that a wrong
//!   account learns nothing about what is there.
//!
//! Forms take the same types: `SignedInForm<T, Teacher>` ([`crate::csrf::SignedInForm`]) checks
//! the CSRF token first, then the role.

use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rollcall_store::AccountRole;

use crate::error::WebError;
use crate::pages::is_admin;
use crate::session::{CurrentUser, Sessions};

/// Which signed-in accounts a page admits.
pub trait Role: Sized {
    /// `user` as this role, or the refusal.
    fn admit(user: CurrentUser) -> Result<Self, WebError>;
}

impl Role for CurrentUser {
    fn admit(user: CurrentUser) -> Result<Self, WebError> {
        Ok(user)
    }
}

/// A signed-in teacher.
#[derive(Debug, Clone)]
pub struct Teacher(pub CurrentUser);

/// A signed-in student.
#[derive(Debug, Clone)]
pub struct Student(pub CurrentUser);

/// A signed-in account the operator made an admin (`rollcall admin grant`).
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

impl Role for Teacher {
    fn admit(user: CurrentUser) -> Result<Self, WebError> {
        if user.user.role == AccountRole::Teacher { Ok(Self(user)) } else { Err(WebError::Forbidden) }
    }
}

impl Role for Student {
    fn admit(user: CurrentUser) -> Result<Self, WebError> {
        if user.user.role == AccountRole::Student { Ok(Self(user)) } else { Err(WebError::Forbidden) }
    }
}

impl Role for Admin {
    fn admit(user: CurrentUser) -> Result<Self, WebError> {
        if is_admin(&user.user) { Ok(Self(user)) } else { Err(WebError::Forbidden) }
    }
}

/// `R`, but an account that is not one gets 404 (the page does not exist for it), not 403.
#[derive(Debug, Clone)]
pub struct Hidden<R>(pub R);

impl<R: Role> Role for Hidden<R> {
    fn admit(user: CurrentUser) -> Result<Self, WebError> {
        match R::admit(user) {
            Ok(role) => Ok(Self(role)),
            Err(WebError::Forbidden) => Err(WebError::NotFound),
            Err(other) => Err(other),
        }
    }
}

impl<R> Deref for Hidden<R> {
    type Target = R;

    fn deref(&self) -> &R {
        &self.0
    }
}

/// Each role: the signed-in account, admitted by [`Role::admit`], and read as that account.
macro_rules! role_extractor {
    ($($role:ty),*) => {$(
        impl<S: AsRef<Sessions> + Send + Sync> FromRequestParts<S> for $role {
            type Rejection = WebError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
                Role::admit(CurrentUser::from_request_parts(parts, state).await?)
            }
        }

        impl Deref for $role {
            type Target = CurrentUser;

            fn deref(&self) -> &CurrentUser {
                &self.0
            }
        }
    )*};
}

role_extractor!(Teacher, Student, Admin);

impl<S: AsRef<Sessions> + Send + Sync, R: Role + Send> FromRequestParts<S> for Hidden<R> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        Role::admit(CurrentUser::from_request_parts(parts, state).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::UserId;
    use rollcall_store::{Session, User};

    fn signed_in(role: AccountRole, admin: bool) -> CurrentUser {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let session = Session {
            id_hash: [0; 32],
            user_id: UserId(1),
            csrf_token: "t".into(),
            created_at: now,
            expires_at: now,
        };
        let user = User {
            id: UserId(1),
            role,
            first_name: "Sam".into(),
            middle_name: None,
            last_name: "Kelly".into(),
            email: None,
            grade: None,
            clever_id: None,
            login_email: None,
            admin,
            school: None,
            created_at: now,
        };
        CurrentUser { user, session, now: time::OffsetDateTime::UNIX_EPOCH }
    }

    fn refusal<R: Role>(user: CurrentUser) -> Option<&'static str> {
        match R::admit(user) {
            Ok(_) => None,
            Err(WebError::Forbidden) => Some("403"),
            Err(WebError::NotFound) => Some("404"),
            Err(_) => Some("other"),
        }
    }

    #[test]
    fn each_role_admits_its_accounts_and_hidden_turns_403_into_404() {
        let teacher = || signed_in(AccountRole::Teacher, false);
        let student = || signed_in(AccountRole::Student, false);
        assert_eq!(refusal::<Teacher>(teacher()), None);
        assert_eq!(refusal::<Teacher>(student()), Some("403"));
        assert_eq!(refusal::<Hidden<Teacher>>(student()), Some("404"));
        assert_eq!(refusal::<Student>(student()), None);
        assert_eq!(refusal::<Student>(teacher()), Some("403"));
        assert_eq!(refusal::<Hidden<Student>>(teacher()), Some("404"));
        assert_eq!(refusal::<Admin>(teacher()), Some("403"));
        assert_eq!(refusal::<Hidden<Admin>>(signed_in(AccountRole::Student, false)), Some("404"));
        assert_eq!(refusal::<Hidden<Admin>>(signed_in(AccountRole::Teacher, true)), None);
        for role in [AccountRole::Staff, AccountRole::DistrictAdmin] {
            assert_eq!(refusal::<Teacher>(signed_in(role, false)), Some("403"));
            assert_eq!(refusal::<Student>(signed_in(role, false)), Some("403"));
        }
    }
}

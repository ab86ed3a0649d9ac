//! Scope names reported by `/oauth/tokeninfo` and the district token listing. Clever does not
//! document the exact lists, so these are the emulator's choice: district tokens get the read
//! scopes of a Secure Sync app; user tokens get `read:user_id` (enough for `/me` and `/userinfo`)
//! plus, for teachers, the teacher-shared Library data (their sections and those students).

use crate::model::{Role, UserRec};
use crate::state::TokenOwner;

/// Scopes of a district-app token.
pub const DISTRICT_SCOPES: &[&str] = &[
    "read:district_admins",
    "read:school_admins",
    "read:schools",
    "read:sections",
    "read:students",
    "read:teachers",
    "read:user_id",
];

/// Scopes of a teacher's Library token.
pub const TEACHER_SCOPES: &[&str] = &["read:user_id", "read:sections", "read:students"];

/// Scopes of any other user's token.
pub const USER_SCOPES: &[&str] = &["read:user_id"];

/// The scopes of a token owned by `owner` (`user` is the owner's record, when a user).
pub fn for_owner(owner: &TokenOwner, user: Option<&UserRec>) -> Vec<String> {
    let list = match owner {
        TokenOwner::District(_) => DISTRICT_SCOPES,
        TokenOwner::User(_) => of_user(user),
    };
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The scopes of a user token: a teacher's, or any other user's (also when the user is gone).
pub fn of_user(user: Option<&UserRec>) -> &'static [&'static str] {
    if user.is_some_and(|u| u.has(Role::Teacher)) { TEACHER_SCOPES } else { USER_SCOPES }
}

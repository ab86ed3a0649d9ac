//! Who may read what: the Library ("teacher-shared") scope versus district-shared data.
//!
//! Clever's rules, as the emulator enforces them:
//! - a district-app token reads everything in its district with every field; records of other
//!   districts do not exist for it (404);
//! - a user token issued to a district (Secure Sync) app reads only its own user, with every field;
//! - a Library token of a teacher reads itself, the sections it teaches, the students of those
//!   sections (first name and last initial) and its co-teachers (id and name);
//! - any other Library token (student, staff, district admin) reads only itself.
//!
//! A record that exists but is out of scope is 403 "Resource not in token's scopes" (Clever's
//! wording); a record that does not exist is 404. Checking existence first means a 403 never
//! reveals more than the id the caller already sent.

use crate::error::ApiError;
use crate::model::{AppKind, Role, SectionRec, UserRec, World};
use crate::state::{TokenOwner, TokenRec};

/// The reader a token stands for, resolved against the current world.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    /// A district-app token of this district.
    District(&'a str),
    /// A user who logged in to a district (Secure Sync) app: district-shared data about themself.
    SharedUser(&'a UserRec),
    /// A user who logged in to a Library app: teacher-shared data only.
    Library(&'a UserRec),
}

/// How much of a user a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserView {
    /// Every field (district-shared).
    Full,
    /// A Library user looking at themself: id, name, email, role names (no district or school).
    LibrarySelf,
    /// A student of the Library teacher's sections: id, first name + last initial, grade.
    LibraryStudent,
    /// A co-teacher of the Library teacher's sections: id and name.
    LibraryColleague,
}

/// How much of a section a viewer sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionView {
    /// Every field (district-shared).
    Full,
    /// id, name, section_number, teachers, students, subject, grade.
    Library,
}

impl<'a> Viewer<'a> {
    /// Resolves a live token. A user token whose user or app has since been removed is treated
    /// as invalid: it can no longer stand for anyone.
    pub fn resolve(world: &'a World, token: &'a TokenRec) -> Result<Self, ApiError> {
        match &token.owner {
            TokenOwner::District(district) => Ok(Viewer::District(district)),
            TokenOwner::User(user_id) => {
                let user = world
                    .users
                    .get(user_id)
                    .ok_or_else(|| ApiError::invalid_token("the token's user no longer exists"))?;
                let app = world
                    .apps
                    .get(&token.client_id)
                    .ok_or_else(|| ApiError::invalid_token("the token's app no longer exists"))?;
                Ok(match app.kind {
                    AppKind::District => Viewer::SharedUser(user),
                    AppKind::Library => Viewer::Library(user),
                })
            }
        }
    }

    /// The token's own user, if it is a user token.
    pub fn me(&self) -> Option<&'a UserRec> {
        match self {
            Viewer::District(_) => None,
            Viewer::SharedUser(user) | Viewer::Library(user) => Some(user),
        }
    }

    /// The district whose data the viewer may read in full, if any.
    pub fn shared_district(&self) -> Option<&'a str> {
        match self {
            Viewer::District(district) => Some(district),
            Viewer::SharedUser(user) => Some(&user.district),
            Viewer::Library(_) => None,
        }
    }

    /// True for district-app tokens, the only ones that may list whole collections.
    pub fn is_district(&self) -> bool {
        matches!(self, Viewer::District(_))
    }

    /// How this viewer sees `user`, or `None` when the user is out of scope.
    pub fn user_view(&self, world: &World, user: &UserRec) -> Option<UserView> {
        match self {
            Viewer::District(district) => (user.district == *district).then_some(UserView::Full),
            Viewer::SharedUser(me) => (me.id == user.id).then_some(UserView::Full),
            Viewer::Library(me) if me.id == user.id => Some(UserView::LibrarySelf),
            Viewer::Library(me) if me.has(Role::Teacher) => {
                if user.has(Role::Student) && world.teaches_student(&me.id, &user.id) {
                    Some(UserView::LibraryStudent)
                } else if user.has(Role::Teacher) && co_teaches(world, &me.id, &user.id) {
                    Some(UserView::LibraryColleague)
                } else {
                    None
                }
            }
            Viewer::Library(_) => None,
        }
    }

    /// How this viewer sees `section`, or `None` when it is out of scope.
    pub fn section_view(&self, section: &SectionRec) -> Option<SectionView> {
        match self {
            Viewer::District(district) => (section.district == *district).then_some(SectionView::Full),
            Viewer::SharedUser(_) => None,
            Viewer::Library(me) => {
                (me.has(Role::Teacher) && section.teachers.contains(&me.id)).then_some(SectionView::Library)
            }
        }
    }

    /// Looks a user up: 404 if missing (or in another district, for a district token), 403 if
    /// out of scope.
    pub fn find_user<'w>(&self, world: &'w World, id: &str) -> Result<(&'w UserRec, UserView), ApiError> {
        let user = world.users.get(id).ok_or_else(ApiError::not_found)?;
        if self.hides_district(&user.district) {
            return Err(ApiError::not_found());
        }
        let view = self.user_view(world, user).ok_or_else(ApiError::out_of_scope)?;
        Ok((user, view))
    }

    /// Looks a section up, with the same 404/403 rules as [`Viewer::find_user`].
    pub fn find_section<'w>(
        &self,
        world: &'w World,
        id: &str,
    ) -> Result<(&'w SectionRec, SectionView), ApiError> {
        let section = world.section(id).ok_or_else(ApiError::not_found)?;
        if self.hides_district(&section.district) {
            return Err(ApiError::not_found());
        }
        let view = self.section_view(section).ok_or_else(ApiError::out_of_scope)?;
        Ok((section, view))
    }

    /// Whether the viewer may list the sections, students or teachers of `user`: a district
    /// token for anyone in its district, a Library teacher for themself only.
    pub fn may_list_relations_of(&self, user: &UserRec) -> bool {
        match self {
            Viewer::District(district) => user.district == *district,
            Viewer::SharedUser(_) => false,
            Viewer::Library(me) => me.id == user.id && me.has(Role::Teacher),
        }
    }

    /// A district token must not learn that other districts' records exist.
    fn hides_district(&self, district: &str) -> bool {
        matches!(self, Viewer::District(own) if *own != district)
    }
}

/// True when both teach one same section.
fn co_teaches(world: &World, a: &str, b: &str) -> bool {
    world
        .section_ids_of(a)
        .filter_map(|id| world.section(id))
        .any(|s| s.teachers.iter().any(|t| t == a) && s.teachers.iter().any(|t| t == b))
}

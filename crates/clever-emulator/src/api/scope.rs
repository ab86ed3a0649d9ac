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

use std::cell::OnceCell;
use std::collections::HashSet;

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

    /// Which users this viewer may see, and how. Build it once per request and ask it about every
    /// user of a list: a Library teacher's students and co-teachers are gathered only once.
    pub fn users<'w>(&self, world: &'w World) -> UserScope<'w>
    where
        'a: 'w,
    {
        UserScope { viewer: *self, world, taught: OnceCell::new() }
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
        let view = self.users(world).view(user).ok_or_else(ApiError::out_of_scope)?;
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

/// Which users a [`Viewer`] may see, and how, for the length of one request (it borrows the
/// world, so it cannot outlive the read lock and go stale).
#[derive(Debug)]
pub struct UserScope<'a> {
    viewer: Viewer<'a>,
    world: &'a World,
    /// A Library teacher's reach, gathered on the first user that needs it.
    taught: OnceCell<Taught<'a>>,
}

/// Everyone the sections a teacher teaches put within that teacher's reach.
#[derive(Debug, Default)]
struct Taught<'a> {
    /// Students of those sections.
    students: HashSet<&'a str>,
    /// Teachers of those sections (the teacher and its co-teachers).
    teachers: HashSet<&'a str>,
}

impl<'a> Taught<'a> {
    fn of(world: &'a World, teacher_id: &str) -> Self {
        let mut taught = Taught::default();
        let sections = world.section_ids_of(teacher_id).filter_map(|id| world.section(id));
        for section in sections.filter(|s| s.teachers.iter().any(|t| t == teacher_id)) {
            taught.students.extend(section.students.iter().map(String::as_str));
            taught.teachers.extend(section.teachers.iter().map(String::as_str));
        }
        taught
    }
}

impl<'a> UserScope<'a> {
    /// How the viewer sees `user`, or `None` when the user is out of scope.
    pub fn view(&self, user: &UserRec) -> Option<UserView> {
        match self.viewer {
            Viewer::District(district) => (user.district == district).then_some(UserView::Full),
            Viewer::SharedUser(me) => (me.id == user.id).then_some(UserView::Full),
            Viewer::Library(me) if me.id == user.id => Some(UserView::LibrarySelf),
            Viewer::Library(me) if me.has(Role::Teacher) => {
                let taught = self.taught.get_or_init(|| Taught::of(self.world, &me.id));
                if user.has(Role::Student) && taught.students.contains(user.id.as_str()) {
                    Some(UserView::LibraryStudent)
                } else if user.has(Role::Teacher) && taught.teachers.contains(user.id.as_str()) {
                    Some(UserView::LibraryColleague)
                } else {
                    None
                }
            }
            Viewer::Library(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::generate::{GenerateSpec, generate};

    /// The Library rules straight from the sections, without the index or the gathered sets.
    fn expected(world: &World, me: &UserRec, user: &UserRec) -> Option<UserView> {
        let taught = || world.sections().values().filter(|s| s.teachers.contains(&me.id));
        if me.id == user.id {
            Some(UserView::LibrarySelf)
        } else if !me.has(Role::Teacher) {
            None
        } else if user.has(Role::Student) && taught().any(|s| s.students.contains(&user.id)) {
            Some(UserView::LibraryStudent)
        } else if user.has(Role::Teacher) && taught().any(|s| s.teachers.contains(&user.id)) {
            Some(UserView::LibraryColleague)
        } else {
            None
        }
    }

    /// Every (Library viewer, user) pair, asked through one scope per viewer as a list would.
    /// Returns how many students and colleagues were in reach, to show the check was not vacuous.
    fn check_every_pair(world: &World) -> (usize, usize) {
        let (mut students, mut colleagues) = (0, 0);
        for me in world.users.values() {
            let scope = Viewer::Library(me).users(world);
            for user in world.users.values() {
                let view = scope.view(user);
                assert_eq!(view, expected(world, me, user), "{} looking at {}", me.id, user.id);
                students += usize::from(view == Some(UserView::LibraryStudent));
                colleagues += usize::from(view == Some(UserView::LibraryColleague));
            }
        }
        (students, colleagues)
    }

    fn small_world() -> World {
        let spec: GenerateSpec =
            "schools=2,teachers=6,students=40,sections=10,students_per_section=8,co_taught_every=3"
                .parse()
                .expect("spec");
        generate(&spec, datetime!(2026-01-01 0:00 UTC)).expect("generated world")
    }

    #[test]
    fn a_library_teachers_scope_matches_the_sections_and_follows_roster_changes() {
        let mut world = small_world();
        let (students, colleagues) = check_every_pair(&world);
        assert!(students > 0 && colleagues > 0, "{students} students, {colleagues} colleagues in reach");

        // Seat a student the teacher does not teach in one of the teacher's sections, and make a
        // teacher who shares none of them its co-teacher: a scope built afterwards sees both.
        let section = world.sections().keys().nth(1).cloned().expect("a second section");
        let teacher = world.users[&world.section(&section).expect("section").teachers[0]].clone();
        let out_of_reach = |world: &World, role: Role| {
            let user = world.users.values().find(|u| u.has(role) && expected(world, &teacher, u).is_none());
            user.map(|u| u.id.clone()).expect("someone out of the teacher's reach")
        };
        let (student, colleague) = (out_of_reach(&world, Role::Student), out_of_reach(&world, Role::Teacher));
        world.update_section(&section, |s| {
            s.students.push(student.clone());
            s.teachers.push(colleague.clone());
        });
        let scope = Viewer::Library(&teacher).users(&world);
        assert_eq!(scope.view(&world.users[&student]), Some(UserView::LibraryStudent));
        assert_eq!(scope.view(&world.users[&colleague]), Some(UserView::LibraryColleague));
        check_every_pair(&world);

        // Take them out again, then remove the student altogether.
        world.update_section(&section, |s| {
            s.students.retain(|id| *id != student);
            s.teachers.retain(|id| *id != colleague);
        });
        let scope = Viewer::Library(&teacher).users(&world);
        assert_eq!(scope.view(&world.users[&student]), None);
        assert_eq!(scope.view(&world.users[&colleague]), None);
        check_every_pair(&world);
        world.remove_user(&student);
        check_every_pair(&world);
    }
}

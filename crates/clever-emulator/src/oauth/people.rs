//! The "pick who you are" list shared by the OAuth login page and the portal login page: a
//! district's users grouped by role, with the seed key so a tester can find a scenario's user.

use crate::model::{PersonName, Role, UserRec, World};

/// One user as shown on a login page.
#[derive(Debug, Clone)]
pub struct Person {
    /// User id (posted back by the form).
    pub id: String,
    /// Full display name.
    pub name: String,
    /// Seed key.
    pub key: String,
    /// Roles, comma-separated wire names.
    pub roles: String,
}

/// Users holding one role.
#[derive(Debug, Clone)]
pub struct Group {
    /// Heading (`Teachers`, `Students`, `Staff`, `District admins`).
    pub label: &'static str,
    /// Members, by name.
    pub people: Vec<Person>,
}

/// A hidden form field.
#[derive(Debug, Clone)]
pub struct Hidden {
    /// Field name.
    pub name: &'static str,
    /// Field value.
    pub value: String,
}

/// "First Middle Last".
pub fn full_name(name: &PersonName) -> String {
    [Some(name.first.as_str()), name.middle.as_deref(), Some(name.last.as_str())]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A user's roles as `teacher, staff`.
pub fn role_list(user: &UserRec) -> String {
    user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

/// The users of `district` (all districts if `None`), grouped under their primary role, so a
/// multi-role teacher is listed once, as a teacher. Empty groups are left out.
pub fn groups(world: &World, district: Option<&str>) -> Vec<Group> {
    let order = [
        (Role::Teacher, "Teachers"),
        (Role::Student, "Students"),
        (Role::Staff, "Staff"),
        (Role::DistrictAdmin, "District admins"),
    ];
    order
        .into_iter()
        .map(|(role, label)| {
            let mut people: Vec<Person> = world
                .users
                .values()
                .filter(|u| district.is_none_or(|d| u.district == d) && u.primary_role() == role)
                .map(|u| Person {
                    id: u.id.clone(),
                    name: full_name(&u.name),
                    key: u.key.clone(),
                    roles: role_list(u),
                })
                .collect();
            people.sort_by(|a, b| a.name.cmp(&b.name));
            Group { label, people }
        })
        .filter(|g| !g.people.is_empty())
        .collect()
}

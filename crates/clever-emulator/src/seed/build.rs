//! Seed → world: resolving keys to ids, checking Clever's rules and naming the record that
//! breaks one.

use std::collections::{BTreeSet, HashMap, HashSet};

use time::OffsetDateTime;

use super::{Seed, SeedApp, SeedError, SeedPerson, SeedSection, validate_redirect_uri};
use crate::ids::{IdScheme, digest};
use crate::model::check_roles;
use crate::model::{AppRec, DistrictRec, PersonName, Role, SchoolRec, SectionRec, UserRec, World};

pub(super) struct Builder<'a> {
    seed: &'a Seed,
    now: OffsetDateTime,
    world: World,
    /// (kind, key) → id, for resolving references.
    keys: HashMap<(&'static str, String), String>,
    /// (kind, id) already given out: two records of one kind never share an id.
    used: HashSet<(&'static str, String)>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(seed: &'a Seed, now: OffsetDateTime, ids: IdScheme) -> Self {
        Self { seed, now, world: World::with_ids(ids), keys: HashMap::new(), used: HashSet::new() }
    }

    pub(super) fn run(mut self) -> Result<World, SeedError> {
        let seed = self.seed;
        for d in &seed.districts {
            let id = self.assign("district", &d.key, d.id.as_deref())?;
            let rec = DistrictRec { id: id.clone(), key: d.key.clone(), name: d.name.clone() };
            self.world.districts.insert(id, rec);
        }
        for s in &seed.schools {
            let district = self.district_of(&format!("school {:?}", s.key), s.district.as_deref(), None)?;
            let id = self.assign("school", &s.key, s.id.as_deref())?;
            let rec = SchoolRec { id: id.clone(), key: s.key.clone(), district, name: s.name.clone() };
            self.world.schools.insert(id, rec);
        }
        for (people, role) in [
            (&seed.teachers, Role::Teacher),
            (&seed.students, Role::Student),
            (&seed.staff, Role::Staff),
            (&seed.district_admins, Role::DistrictAdmin),
        ] {
            for p in people {
                self.person(p, role)?;
            }
        }
        for s in &seed.sections {
            self.section(s)?;
        }
        for a in &seed.apps {
            self.app(a)?;
        }
        for i in &seed.installs {
            if !self.world.apps.contains_key(&i.app) {
                return Err(unknown(format!("install of {:?}", i.app), "app", &i.app));
            }
            let teacher = self.resolve("user", &format!("install of {:?}", i.app), &i.teacher)?;
            self.world.installs.insert((i.app.clone(), teacher));
        }
        Ok(self.world)
    }

    /// Records `key` for `kind` and returns its id: the explicit one, or one derived from the
    /// key. Under `foreign-ids` an explicit id in Clever's shape (written for strict Clever) is
    /// replaced by the readable one derived from the key.
    fn assign(&mut self, kind: &'static str, key: &str, explicit: Option<&str>) -> Result<String, SeedError> {
        let ids = self.world.ids;
        let id = match explicit {
            Some(id) if ids.accepts(id) => id.to_owned(),
            Some(id) if ids == IdScheme::Clever => {
                return Err(SeedError::Invalid(format!("{kind} {key:?} has id {id:?}; {}", ids.rule())));
            }
            _ => ids.id(&self.seed.namespace, kind, key),
        };
        if self.keys.insert((kind, key.to_owned()), id.clone()).is_some() {
            return Err(SeedError::Duplicate { kind, key: key.to_owned() });
        }
        if !self.used.insert((kind, id.clone())) {
            return Err(SeedError::Duplicate { kind, key: id });
        }
        Ok(id)
    }

    fn resolve(&self, kind: &'static str, from: &str, key: &str) -> Result<String, SeedError> {
        self.keys.get(&(kind, key.to_owned())).cloned().ok_or_else(|| unknown(from.to_owned(), kind, key))
    }

    /// The district of a record: its own `district` key, else its school's, else the first one.
    fn district_of(
        &self,
        from: &str,
        district: Option<&str>,
        school: Option<&str>,
    ) -> Result<String, SeedError> {
        if let Some(key) = district {
            return self.resolve("district", from, key);
        }
        if let Some(s) = school.and_then(|id| self.world.schools.get(id)) {
            return Ok(s.district.clone());
        }
        self.world
            .districts
            .keys()
            .next()
            .cloned()
            .ok_or_else(|| SeedError::Invalid(format!("{from} needs a district, and the seed defines none")))
    }

    fn person(&mut self, p: &SeedPerson, role: Role) -> Result<(), SeedError> {
        let from = format!("{} {:?}", role.as_str(), p.key);
        let school = p.school.as_deref().map(|k| self.resolve("school", &from, k)).transpose()?;
        let district = self.district_of(&from, p.district.as_deref(), school.as_deref())?;
        let mut roles = BTreeSet::from([role]);
        roles.extend(p.also.iter().copied());
        check_roles(&roles).map_err(|why| SeedError::Invalid(format!("{from}: {why}")))?;
        let id = self.assign("user", &p.key, p.id.as_deref())?;
        self.world.users.insert(
            id.clone(),
            UserRec {
                id,
                district,
                key: p.key.clone(),
                name: PersonName { first: p.first.clone(), middle: p.middle.clone(), last: p.last.clone() },
                email: p.email.clone(),
                roles,
                school: if role == Role::DistrictAdmin { None } else { school },
                grade: p.grade.clone(),
                sis_id: p.sis_id.clone(),
                number: None,
                title: p.title.clone(),
                created: self.now,
                last_modified: self.now,
            },
        );
        Ok(())
    }

    fn section(&mut self, s: &SeedSection) -> Result<(), SeedError> {
        let from = format!("section {:?}", s.key);
        let school = s.school.as_deref().map(|k| self.resolve("school", &from, k)).transpose()?;
        let district = self.district_of(&from, None, school.as_deref())?;
        let mut teachers = Vec::new();
        for key in &s.teachers {
            let id = self.resolve("user", &from, key)?;
            if !self.world.users.get(&id).is_some_and(|u| u.has(Role::Teacher)) {
                return Err(SeedError::Invalid(format!(
                    "{from} lists {key:?} as a teacher, but they are not one"
                )));
            }
            teachers.push(id);
        }
        let mut students = Vec::new();
        for key in &s.students {
            let id = self.resolve("user", &from, key)?;
            if !self.world.users.get(&id).is_some_and(|u| u.has(Role::Student)) {
                return Err(SeedError::Invalid(format!(
                    "{from} lists {key:?} as a student, but they are not one"
                )));
            }
            if !students.contains(&id) {
                students.push(id);
            }
        }
        let id = self.assign("section", &s.key, s.id.as_deref())?;
        self.world.put_section(SectionRec {
            id,
            district,
            school,
            key: s.key.clone(),
            name: s.name.clone(),
            section_number: s.section_number.clone(),
            period: s.period.clone(),
            subject: s.subject.clone(),
            grade: s.grade.clone(),
            sis_id: None,
            teachers,
            students,
            created: self.now,
            last_modified: self.now,
        });
        Ok(())
    }

    fn app(&mut self, a: &SeedApp) -> Result<(), SeedError> {
        if self.world.apps.contains_key(&a.client_id) {
            return Err(SeedError::Duplicate { kind: "app", key: a.client_id.clone() });
        }
        if a.redirect_uris.is_empty() {
            return Err(SeedError::Invalid(format!("app {:?} needs at least one redirect URI", a.client_id)));
        }
        for uri in &a.redirect_uris {
            validate_redirect_uri(uri).map_err(|why| {
                SeedError::Invalid(format!("app {:?} redirect URI {uri:?} {why}", a.client_id))
            })?;
        }
        let mut districts = Vec::new();
        for key in &a.districts {
            districts.push(self.resolve("district", &format!("app {:?}", a.client_id), key)?);
        }
        self.world.apps.insert(
            a.client_id.clone(),
            AppRec {
                client_id: a.client_id.clone(),
                secret_digest: digest(&a.client_secret),
                secret_for_display: a.client_secret.clone(),
                name: a.name.clone().unwrap_or_else(|| a.client_id.clone()),
                redirect_uris: a.redirect_uris.clone(),
                kind: a.kind,
                districts,
            },
        );
        Ok(())
    }
}

fn unknown(from: String, kind: &'static str, key: &str) -> SeedError {
    SeedError::UnknownRef { from, kind, key: key.to_owned() }
}

//! World → seed: turns any world (a generated district in particular) back into a seed that
//! rebuilds it with the same ids. The admin API loads generated districts this way, so `reset`
//! returns to them and `GET /__admin/seed` can hand them out as a file to keep.

use std::collections::HashMap;

use crate::ids::IdScheme;
use crate::model::{Role, World};
use crate::profile::{Profile, Profiles};
use crate::seed::{Seed, SeedApp, SeedDistrict, SeedInstall, SeedPerson, SeedSchool, SeedSection};

/// A seed describing `world`. Every record keeps its key (a district or school without one uses
/// its id as its key). An explicit `id` is written only where the one derived from the key would
/// differ. A world with readable ids exports with `profiles = ["foreign-ids"]`, under which the
/// keys and explicit ids rebuild the same ids.
pub fn world_to_seed(world: &World, namespace: &str) -> Seed {
    let explicit =
        |kind: &str, key: &str, id: &str| (world.ids.id(namespace, kind, key) != id).then(|| id.to_owned());
    let profiles: Profiles =
        (world.ids == IdScheme::Readable).then_some(Profile::ForeignIds).into_iter().collect();
    let mut seed = Seed { namespace: namespace.to_owned(), profiles, ..Seed::default() };
    let key_or_id = |key: &str, id: &str| if key.is_empty() { id.to_owned() } else { key.to_owned() };
    let district_key: HashMap<&str, String> =
        world.districts.values().map(|d| (d.id.as_str(), key_or_id(&d.key, &d.id))).collect();
    let school_key: HashMap<&str, String> =
        world.schools.values().map(|s| (s.id.as_str(), key_or_id(&s.key, &s.id))).collect();
    let district_of = |id: &str| district_key.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let school_of = |id: &Option<String>| {
        id.as_deref().map(|s| school_key.get(s).cloned().unwrap_or_else(|| s.to_owned()))
    };
    for d in world.districts.values() {
        let key = district_of(&d.id);
        let id = explicit("district", &key, &d.id);
        seed.districts.push(SeedDistrict { key, id, name: d.name.clone() });
    }
    for s in world.schools.values() {
        let key = school_of(&Some(s.id.clone())).unwrap_or_default();
        let id = explicit("school", &key, &s.id);
        let district = Some(district_of(&s.district));
        seed.schools.push(SeedSchool { key, id, name: s.name.clone(), district });
    }
    let key_of: HashMap<&str, &str> = world.users.values().map(|u| (u.id.as_str(), u.key.as_str())).collect();
    for u in world.users.values() {
        let primary = u.primary_role();
        let person = SeedPerson {
            key: u.key.clone(),
            id: explicit("user", &u.key, &u.id),
            first: u.name.first.clone(),
            middle: u.name.middle.clone(),
            last: u.name.last.clone(),
            email: u.email.clone(),
            school: school_of(&u.school),
            district: Some(district_of(&u.district)),
            grade: u.grade.clone(),
            title: u.title.clone(),
            sis_id: u.sis_id.clone(),
            also: u.roles.iter().copied().filter(|r| *r != primary).collect(),
        };
        match primary {
            Role::Teacher => seed.teachers.push(person),
            Role::Student => seed.students.push(person),
            Role::Staff => seed.staff.push(person),
            Role::DistrictAdmin => seed.district_admins.push(person),
        }
    }
    let keys = |ids: &[String]| {
        ids.iter().filter_map(|id| key_of.get(id.as_str()).map(|k| (*k).to_owned())).collect()
    };
    for s in world.sections().values() {
        seed.sections.push(SeedSection {
            key: s.key.clone(),
            id: explicit("section", &s.key, &s.id),
            name: s.name.clone(),
            school: school_of(&s.school),
            subject: s.subject.clone(),
            grade: s.grade.clone(),
            period: s.period.clone(),
            section_number: s.section_number.clone(),
            teachers: keys(&s.teachers),
            students: keys(&s.students),
        });
    }
    for a in world.apps.values() {
        seed.apps.push(SeedApp {
            client_id: a.client_id.clone(),
            client_secret: a.secret_for_display.clone(),
            name: Some(a.name.clone()),
            redirect_uris: a.redirect_uris.clone(),
            kind: a.kind,
            districts: a.districts.iter().map(|d| district_of(d)).collect(),
        });
    }
    for (app, teacher) in &world.installs {
        if let Some(key) = key_of.get(teacher.as_str()) {
            seed.installs.push(SeedInstall { app: app.clone(), teacher: (*key).to_owned() });
        }
    }
    seed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateSpec, generate_with_ids};
    use time::macros::datetime;

    #[test]
    fn generated_and_demo_worlds_round_trip_through_a_seed_with_either_kind_of_id() {
        let now = datetime!(2026-01-01 0:00 UTC);
        let spec: GenerateSpec =
            "students=500,sections=40,client_id=a,client_secret=b,redirect_uri=https://a.example/cb"
                .parse()
                .unwrap();
        let mut cases = Vec::new();
        for ids in [IdScheme::Clever, IdScheme::Readable] {
            cases.push((generate_with_ids(&spec, now, ids).unwrap(), "generated"));
            cases.push((Seed::demo().build_with_ids(now, ids).unwrap(), "demo"));
            cases.push((generate_with_ids(&spec, now, ids).unwrap(), "another-namespace"));
        }
        for (world, ns) in cases {
            let rebuilt = world_to_seed(&world, ns).build(now).unwrap();
            let users = |w: &World| w.users.values().map(|u| format!("{u:?}")).collect::<Vec<_>>();
            assert_eq!(users(&rebuilt), users(&world));
            let sections = |w: &World| w.sections().values().map(|s| format!("{s:?}")).collect::<Vec<_>>();
            assert_eq!(sections(&rebuilt), sections(&world));
            assert_eq!(rebuilt.apps.keys().collect::<Vec<_>>(), world.apps.keys().collect::<Vec<_>>());
            assert_eq!(rebuilt.installs, world.installs);
            let places = |w: &World| format!("{:?} {:?}", w.districts, w.schools);
            assert_eq!(places(&rebuilt), places(&world));
        }
    }
}

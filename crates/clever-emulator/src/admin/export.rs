//! World → seed: turns any world (a generated district in particular) back into a seed that
//! rebuilds it with the same ids. The admin API loads generated districts this way, so `reset`
//! returns to them and `GET /__admin/seed` can hand them out as a file to keep.

use std::collections::HashMap;

use crate::ids::derive_id;
use crate::model::{Role, World};
use crate::seed::{Seed, SeedApp, SeedDistrict, SeedInstall, SeedPerson, SeedSchool, SeedSection};

/// A seed describing `world`. Districts and schools have no key in the world, so their id is
/// their key; users and sections keep theirs. An explicit `id` is written only where the derived
/// one would differ.
pub fn world_to_seed(world: &World, namespace: &str) -> Seed {
    let explicit =
        |kind: &str, key: &str, id: &str| (derive_id(namespace, kind, key) != id).then(|| id.to_owned());
    let mut seed = Seed { namespace: namespace.to_owned(), ..Seed::default() };
    for d in world.districts.values() {
        let id = explicit("district", &d.id, &d.id);
        seed.districts.push(SeedDistrict { key: d.id.clone(), id, name: d.name.clone() });
    }
    for s in world.schools.values() {
        let (key, id) = (s.id.clone(), explicit("school", &s.id, &s.id));
        seed.schools.push(SeedSchool { key, id, name: s.name.clone(), district: Some(s.district.clone()) });
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
            school: u.school.clone(),
            district: Some(u.district.clone()),
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
            school: s.school.clone(),
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
            districts: a.districts.clone(),
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
    use crate::generate::{GenerateSpec, generate};
    use time::macros::datetime;

    #[test]
    fn generated_and_demo_worlds_round_trip_through_a_seed() {
        let now = datetime!(2026-01-01 0:00 UTC);
        let spec: GenerateSpec =
            "students=500,sections=40,client_id=a,client_secret=b,redirect_uri=https://a.example/cb"
                .parse()
                .unwrap();
        let demo = Seed::demo().build(now).unwrap();
        for (world, ns) in [(generate(&spec, now).unwrap(), "generated"), (demo, "demo")] {
            let rebuilt = world_to_seed(&world, ns).build(now).unwrap();
            let users = |w: &World| w.users.values().map(|u| format!("{u:?}")).collect::<Vec<_>>();
            assert_eq!(users(&rebuilt), users(&world));
            let sections = |w: &World| w.sections().values().map(|s| format!("{s:?}")).collect::<Vec<_>>();
            assert_eq!(sections(&rebuilt), sections(&world));
            assert_eq!(rebuilt.apps.keys().collect::<Vec<_>>(), world.apps.keys().collect::<Vec<_>>());
            assert_eq!(rebuilt.installs, world.installs);
        }
    }
}

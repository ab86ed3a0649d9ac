use std::collections::BTreeSet;

use clever_types::Subject;
use time::macros::datetime;

use super::*;
use crate::model::Role;

const NOW: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);

fn large() -> GenerateSpec {
    "students=10000,teachers=400,sections=500,students_per_section=30,co_taught_every=5,\
     client_id=big-app,client_secret=s3cret,redirect_uri=https://app.example/cb"
        .parse()
        .unwrap()
}

#[test]
fn large_district_meets_every_invariant() {
    let spec = large();
    // How long generation takes is a benchmark's question (`rollcall-bench emulator` reports the
    // emulator's start-up on a generated district), not this test's.
    let world = generate(&spec, NOW).unwrap();

    let by_role = |r: Role| world.users.values().filter(move |u| u.has(r));
    assert_eq!(by_role(Role::Student).count(), 10_000);
    assert_eq!(by_role(Role::Teacher).count(), 400);
    assert_eq!(world.sections().len(), 500);
    assert_eq!(world.schools.len(), 4);

    for student in by_role(Role::Student) {
        let sections: Vec<_> = world.section_ids_of(&student.id).collect();
        assert!(!sections.is_empty(), "student {} has no section", student.key);
        let school = world.schools.get(student.school.as_deref().unwrap()).unwrap();
        assert_eq!(school.district, student.district);
        assert!(student.roles.len() == 1, "students hold no other role");
    }
    let multi = by_role(Role::Student).filter(|u| world.section_ids_of(&u.id).count() > 1).count();
    assert!(multi > 2_000, "many students are in several sections ({multi})");
    assert!(by_role(Role::Student).any(|u| u.email.is_none()), "some students have no email");
    assert!(by_role(Role::Student).any(|u| u.email.is_some()));
    assert!(world.users.values().any(|u| !u.name.last.is_ascii()), "non-ASCII names");

    let idle: Vec<_> =
        by_role(Role::Teacher).filter(|t| world.section_ids_of(&t.id).next().is_none()).collect();
    assert_eq!(idle.len(), 1, "exactly one teacher teaches nothing");

    let co_taught = world.sections().values().filter(|s| s.teachers.len() == 2).count();
    assert_eq!(co_taught, 100, "every 5th section is co-taught");
    let subjects: BTreeSet<_> = world.sections().values().filter_map(|s| s.subject.clone()).collect();
    assert_eq!(subjects.len(), Subject::KNOWN.len() - 1, "every subject but the empty one");

    for section in world.sections().values() {
        assert!(section.teachers[0] != section.teachers.get(1).cloned().unwrap_or_default());
        for t in &section.teachers {
            assert!(world.users[t].has(Role::Teacher));
        }
        // Grades are consistent per school: a section's students share its school.
        for s in &section.students {
            assert_eq!(world.users[s].school, section.school);
        }
        let unique: BTreeSet<_> = section.students.iter().collect();
        assert_eq!(unique.len(), section.students.len(), "no student twice in a section");
    }
    assert_eq!(world.apps["big-app"].redirect_uris, ["https://app.example/cb"]);
    // `POST /__admin/generate` loads the district through a seed so that reset returns to it.
    let rebuilt = crate::admin::world_to_seed(&world, &spec.namespace).build(NOW).unwrap();
    assert_eq!(rebuilt.users.len(), world.users.len());
}

#[test]
fn generation_is_deterministic_and_namespaced() {
    let spec = GenerateSpec { students: 300, sections: 20, ..GenerateSpec::default() };
    let (a, b) = (generate(&spec, NOW).unwrap(), generate(&spec, NOW).unwrap());
    let rosters =
        |w: &World| w.sections().values().map(|s| (s.id.clone(), s.students.clone())).collect::<Vec<_>>();
    assert_eq!(a.users.keys().collect::<Vec<_>>(), b.users.keys().collect::<Vec<_>>());
    assert_eq!(rosters(&a), rosters(&b));
    let names = |w: &World| w.users.values().map(|u| u.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));

    let other = generate(&GenerateSpec { namespace: "other".into(), ..spec }, NOW).unwrap();
    assert!(other.users.keys().all(|id| !a.users.contains_key(id)));
}

#[test]
fn cli_form_parses_and_rejects_unknown_keys() {
    let spec: GenerateSpec = "students=10, teachers=3,sections=2".parse().unwrap();
    assert_eq!((spec.students, spec.teachers, spec.sections), (10, 3, 2));
    assert_eq!(spec.schools, GenerateSpec::default().schools);
    let err = "studnets=10".parse::<GenerateSpec>().unwrap_err();
    assert!(err.0.contains("unknown key \"studnets\"") && err.0.contains("students"), "{err}");
    assert!("students=ten".parse::<GenerateSpec>().unwrap_err().0.contains("whole number"));
    assert!("client_id=x".parse::<GenerateSpec>().is_err(), "an app needs a secret and redirect");
}

#[test]
fn impossible_specs_are_refused_with_the_setting_to_change() {
    let err = generate(&"students=100,sections=2,students_per_section=10".parse().unwrap(), NOW).unwrap_err();
    assert!(err.0.contains("raise sections or students_per_section"), "{err}");
    let err = generate(&"teachers=1".parse().unwrap(), NOW).unwrap_err();
    assert!(err.0.contains("teachers must be at least 2"), "{err}");
    let bad_uri = "client_id=a,client_secret=b,redirect_uri=ftp://x";
    assert!(generate(&bad_uri.parse().unwrap(), NOW).unwrap_err().0.contains("redirect URI"));
}

#[test]
fn tiny_districts_work() {
    let world = generate(&"students=1,teachers=2,sections=1,schools=3".parse().unwrap(), NOW).unwrap();
    assert_eq!(world.sections().values().next().unwrap().students.len(), 1);
    let empty = generate(&"students=0,teachers=0,sections=0".parse().unwrap(), NOW).unwrap();
    assert_eq!(empty.users.len(), 1, "only the district admin");
}

//! Helpers shared by the fuzz targets.

use clever_emulator::model::World;

/// Every field a seed or the admin API can set, in a comparable form (`World` has no
/// `PartialEq`: it also holds secrets' digests and indexes). Records are listed sorted by id.
pub fn summary(world: &World) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for d in world.districts.values() {
        let _ = writeln!(out, "district {} {:?}", d.id, d.name);
    }
    for s in world.schools.values() {
        let _ = writeln!(out, "school {} {:?} in {}", s.id, s.name, s.district);
    }
    // Without created/last_modified: a rebuilt world stamps its records with the time it was
    // built at.
    for u in world.users.values() {
        let _ = writeln!(
            out,
            "user {} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            u.id, u.district, u.key, u.name, u.email, u.roles, u.school, u.grade, u.sis_id, u.number, u.title
        );
    }
    for s in world.sections().values() {
        let _ = writeln!(
            out,
            "section {} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            s.id, s.district, s.school, s.key, s.name, s.section_number, s.period, s.subject, s.grade,
            s.sis_id, s.teachers, s.students
        );
    }
    for a in world.apps.values() {
        let _ = writeln!(
            out,
            "app {} {:?} {:?} {:?} {:?} {:?}",
            a.client_id, a.name, a.redirect_uris, a.kind, a.districts, a.secret_for_display
        );
    }
    let _ = writeln!(out, "installs {:?}\nids {:?}", world.installs, world.ids);
    out
}

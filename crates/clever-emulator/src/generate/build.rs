//! The generation algorithm. Ids are made as the seed builder makes them, from the same kinds
//! (`district`, `school`, `user`, `section`) and the records' keys, so a generated district
//! exported as a seed rebuilds identically, with Clever's ids or readable ones.

use std::collections::BTreeSet;

use clever_types::{Grade, Subject};
use time::OffsetDateTime;

use super::GenerateSpec;
use super::names::{self, Rng};
use crate::ids::{IdScheme, digest};
use crate::model::{AppKind, AppRec, DistrictRec, PersonName, Role, SchoolRec, SectionRec, UserRec, World};

pub(super) struct Builder<'a> {
    spec: &'a GenerateSpec,
    now: OffsetDateTime,
    rng: Rng,
    world: World,
    district: String,
    domain: String,
}

/// Per school: its id and the grades it teaches.
struct School {
    id: String,
    grades: &'static [Grade],
}

const ELEMENTARY: &[Grade] = &[Grade::Kindergarten, Grade::G1, Grade::G2, Grade::G3, Grade::G4, Grade::G5];
const MIDDLE: &[Grade] = &[Grade::G6, Grade::G7, Grade::G8];
const HIGH: &[Grade] = &[Grade::G9, Grade::G10, Grade::G11, Grade::G12];
const LEVELS: [(&[Grade], &str); 3] =
    [(ELEMENTARY, "Elementary School"), (MIDDLE, "Middle School"), (HIGH, "High School")];

/// The generated district's key.
const DISTRICT_KEY: &str = "district";

impl<'a> Builder<'a> {
    pub(super) fn new(spec: &'a GenerateSpec, now: OffsetDateTime, ids: IdScheme) -> Self {
        let slug: String = spec
            .namespace
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
            .collect();
        Self {
            spec,
            now,
            rng: Rng::from_namespace(&spec.namespace),
            world: World::with_ids(ids),
            district: ids.id(&spec.namespace, "district", DISTRICT_KEY),
            domain: format!("{slug}.example"),
        }
    }

    pub(super) fn run(mut self) -> World {
        let district = self.district.clone();
        let name = format!("{} Unified School District", names::SCHOOL[0]);
        let rec = DistrictRec { id: district.clone(), key: DISTRICT_KEY.to_owned(), name };
        self.world.districts.insert(district, rec);
        let schools = self.schools();
        let teachers = self.teachers(&schools);
        let students = self.students(&schools);
        self.admin();
        self.sections(&schools, &teachers, &students);
        self.app();
        self.world
    }

    /// The id of the record of `kind` with `key`, in the world's id scheme.
    fn id(&self, kind: &str, key: &str) -> String {
        self.world.ids.id(&self.spec.namespace, kind, key)
    }

    fn schools(&mut self) -> Vec<School> {
        (0..self.spec.schools)
            .map(|i| {
                let (grades, level) = LEVELS[i % LEVELS.len()];
                let key = format!("school-{}", i + 1);
                let id = self.id("school", &key);
                let stem = names::SCHOOL[i % names::SCHOOL.len()];
                let name = match i / names::SCHOOL.len() {
                    0 => format!("{stem} {level}"),
                    n => format!("{stem} {level} {}", n + 1),
                };
                let rec = SchoolRec { id: id.clone(), key, district: self.district.clone(), name };
                self.world.schools.insert(id.clone(), rec);
                School { id, grades }
            })
            .collect()
    }

    /// A person with a random name; `email` says whether they get one.
    fn person(&mut self, key: String, role: Role, school: Option<&str>, email: Option<&str>) -> String {
        let first = self.rng.pick(names::FIRST).to_owned();
        let last = self.rng.pick(names::LAST).to_owned();
        let middle = (self.rng.below(10) == 0).then(|| self.rng.pick(names::MIDDLE).to_owned());
        let email = email.map(|sub| {
            let local = names::email_local(&first, &last);
            let local = if local.is_empty() { key.clone() } else { format!("{local}.{key}") };
            format!("{local}@{sub}{}", self.domain)
        });
        let id = self.id("user", &key);
        let user = UserRec {
            id: id.clone(),
            district: self.district.clone(),
            sis_id: Some(format!("SIS-{key}")),
            key,
            name: PersonName { first, middle, last },
            email,
            roles: BTreeSet::from([role]),
            school: school.map(str::to_owned),
            grade: None,
            number: None,
            title: None,
            created: self.now,
            last_modified: self.now,
        };
        self.world.users.insert(id.clone(), user);
        id
    }

    /// Teacher ids, and per school the indices of those who teach (all but the last teacher,
    /// who is the "substitute with no sections" edge case).
    fn teachers(&mut self, schools: &[School]) -> (Vec<String>, Vec<Vec<usize>>) {
        let mut ids = Vec::with_capacity(self.spec.teachers);
        let mut teaching = vec![Vec::new(); schools.len()];
        for i in 0..self.spec.teachers {
            let school = &schools[i % schools.len()].id;
            // Every 25th teacher has no email on file, as happens in real SIS exports.
            let email = (i % 25 != 24).then_some("");
            let id = self.person(format!("t{:05}", i + 1), Role::Teacher, Some(school), email);
            let last = i + 1 == self.spec.teachers;
            if let Some(user) = self.world.users.get_mut(&id) {
                user.title = Some(if last { "Substitute Teacher" } else { "Teacher" }.to_owned());
                if i % 10 == 9 {
                    user.roles.insert(Role::Staff);
                }
            }
            if !last {
                teaching[i % schools.len()].push(i);
            }
            ids.push(id);
        }
        (ids, teaching)
    }

    /// Student ids, grouped as `[school][grade index]` → indices into the id list.
    fn students(&mut self, schools: &[School]) -> (Vec<String>, Vec<Vec<Vec<usize>>>) {
        let mut ids = Vec::with_capacity(self.spec.students);
        let mut pools: Vec<Vec<Vec<usize>>> =
            schools.iter().map(|s| vec![Vec::new(); s.grades.len()]).collect();
        for i in 0..self.spec.students {
            let s = i % schools.len();
            let g = self.rng.below(schools[s].grades.len());
            // About one student in eight has no email; the first always lacks one.
            let email = (i != 0 && self.rng.below(8) != 0).then_some("students.");
            let id = self.person(format!("s{:06}", i + 1), Role::Student, Some(&schools[s].id), email);
            if let Some(user) = self.world.users.get_mut(&id) {
                user.grade = Some(schools[s].grades[g].clone());
            }
            pools[s][g].push(i);
            ids.push(id);
        }
        (ids, pools)
    }

    fn admin(&mut self) {
        let id = self.person("admin".to_owned(), Role::DistrictAdmin, None, Some(""));
        if let Some(user) = self.world.users.get_mut(&id) {
            user.title = Some("Director of Technology".to_owned());
        }
    }

    fn sections(
        &mut self,
        schools: &[School],
        (teacher_ids, teaching): &(Vec<String>, Vec<Vec<usize>>),
        (student_ids, pools): &(Vec<String>, Vec<Vec<Vec<usize>>>),
    ) {
        let all_teaching: Vec<usize> = teaching.iter().flatten().copied().collect();
        let subjects: Vec<&Subject> = Subject::KNOWN.iter().filter(|s| **s != Subject::Unspecified).collect();
        // (school, grade index) of each section, then the rosters filled in two passes.
        let placed: Vec<(usize, usize)> = (0..self.spec.sections)
            .map(|i| {
                let s = i % schools.len();
                (s, (i / schools.len()) % schools[s].grades.len())
            })
            .collect();
        let mut rosters = self.cover_every_student(&placed, pools);
        self.fill_rosters(&placed, pools, &mut rosters);
        for (i, ((s, g), roster)) in placed.iter().zip(rosters).enumerate() {
            let j = i / schools.len();
            let pool = if teaching[*s].is_empty() { &all_teaching } else { &teaching[*s] };
            let primary = pool[j % pool.len()];
            let mut teachers = vec![teacher_ids[primary].clone()];
            let co = self.spec.co_taught_every;
            if co > 0 && (i + 1) % co == 0 {
                let second = [pool[(j + 1) % pool.len()], all_teaching[(i + 1) % all_teaching.len()]]
                    .into_iter()
                    .chain(all_teaching.iter().copied())
                    .find(|t| *t != primary);
                teachers.extend(second.map(|t| teacher_ids[t].clone()));
            }
            let subject = subjects[(i / 3) % subjects.len()].clone();
            let grade = schools[*s].grades[*g].clone();
            let key = format!("sec{:05}", i + 1);
            self.world.put_section(SectionRec {
                id: self.id("section", &key),
                district: self.district.clone(),
                school: Some(schools[*s].id.clone()),
                key,
                name: format!("{} – Grade {}", subject_title(&subject), grade_label(&grade)),
                section_number: Some(format!("{:03}", i + 1)),
                period: Some(((j % 7) + 1).to_string()),
                subject: Some(subject),
                grade: Some(grade),
                sis_id: None,
                teachers,
                students: roster.into_iter().map(|k| student_ids[k].clone()).collect(),
                created: self.now,
                last_modified: self.now,
            });
        }
    }

    /// Pass 1: deal every student round-robin into a section of their school and grade (or of
    /// their school, or any section), so nobody is left without a class.
    fn cover_every_student(&self, placed: &[(usize, usize)], pools: &[Vec<Vec<usize>>]) -> Vec<Vec<usize>> {
        let mut rosters = vec![Vec::new(); placed.len()];
        let all: Vec<usize> = (0..placed.len()).collect();
        for (s, school_pools) in pools.iter().enumerate() {
            let of_school: Vec<usize> = all.iter().copied().filter(|k| placed[*k].0 == s).collect();
            for (g, pool) in school_pools.iter().enumerate() {
                let exact: Vec<usize> = of_school.iter().copied().filter(|k| placed[*k].1 == g).collect();
                let targets = [&exact, &of_school, &all].into_iter().find(|t| !t.is_empty());
                let Some(targets) = targets else { continue };
                for (n, student) in pool.iter().enumerate() {
                    rosters[targets[n % targets.len()]].push(*student);
                }
            }
        }
        rosters
    }

    /// Pass 2: top each section up to `students_per_section` with random classmates of the same
    /// school and grade, which puts many students in several sections.
    fn fill_rosters(
        &mut self,
        placed: &[(usize, usize)],
        pools: &[Vec<Vec<usize>>],
        rosters: &mut [Vec<usize>],
    ) {
        // mark[student] == section + 1 means "already in this section": O(1) dedupe.
        let mut mark = vec![0usize; self.spec.students];
        for (k, (s, g)) in placed.iter().enumerate() {
            let pool = &pools[*s][*g];
            let roster = &mut rosters[k];
            for st in roster.iter() {
                mark[*st] = k + 1;
            }
            let target = self.spec.students_per_section.min(pool.len().max(roster.len()));
            let mut attempts = target * 4;
            while roster.len() < target && attempts > 0 {
                attempts -= 1;
                let st = pool[self.rng.below(pool.len())];
                if mark[st] != k + 1 {
                    mark[st] = k + 1;
                    roster.push(st);
                }
            }
            // Random picks stall when the pool is barely larger than the target; finish in order.
            for st in pool {
                if roster.len() >= target {
                    break;
                }
                if mark[*st] != k + 1 {
                    mark[*st] = k + 1;
                    roster.push(*st);
                }
            }
        }
    }

    fn app(&mut self) {
        let Some(app) = &self.spec.app else { return };
        let rec = AppRec {
            client_id: app.client_id.clone(),
            secret_digest: digest(&app.client_secret),
            secret_for_display: app.client_secret.clone(),
            name: app.name.clone().unwrap_or_else(|| app.client_id.clone()),
            redirect_uris: app.redirect_uris.clone(),
            kind: AppKind::Library,
            districts: Vec::new(),
        };
        self.world.apps.insert(rec.client_id.clone(), rec);
    }
}

fn subject_title(subject: &Subject) -> &'static str {
    match subject {
        Subject::EnglishLanguageArts => "English Language Arts",
        Subject::Math => "Math",
        Subject::Science => "Science",
        Subject::SocialStudies => "Social Studies",
        Subject::Language => "Spanish",
        Subject::HomeroomAdvisory => "Homeroom",
        Subject::InterventionsOnlineLearning => "Reading Intervention",
        Subject::TechnologyAndEngineering => "Robotics",
        Subject::PeAndHealth => "PE & Health",
        Subject::ArtsAndMusic => "Art & Music",
        _ => "Study Hall",
    }
}

fn grade_label(grade: &Grade) -> &str {
    match grade {
        Grade::Kindergarten => "K",
        other => other.as_str(),
    }
}

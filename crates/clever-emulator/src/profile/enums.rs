//! `loose-enums`: the fixed mapping from Clever's subject and grade values to values other
//! servers send, all outside Clever's sets. The empty string (the SIS did not say) stays empty,
//! and a value that is already outside Clever's set passes unchanged.
//!
//! | Clever | sent as |
//! |---|---|
//! | `english/language arts` | `ELA` |
//! | `math` | `Mathematics` |
//! | `science` | `Science` |
//! | `social studies` | `Social Studies` |
//! | `language` | `World Languages` |
//! | `homeroom/advisory` | `Homeroom` |
//! | `interventions/online learning` | `Intervention` |
//! | `technology and engineering` | `Technology` |
//! | `PE and health` | `Physical Education` |
//! | `arts and music` | `Fine Arts` |
//! | `other` | `Miscellaneous` |
//! | `InfantToddler`, `Preschool`, `PreKindergarten`, `TransitionalKindergarten` | `IT`, `PS`, `PK`, `TK` |
//! | `Kindergarten` | `K` |
//! | `"1"` … `"13"` | `1st`, `2nd`, `3rd`, `4th` … `13th` |
//! | `PostGraduate`, `Ungraded`, `Other` | `PG`, `UG`, `Other Grade` |

use clever_types::{Grade, Subject};

/// The subject as a `loose-enums` server sends it.
pub fn subject(subject: &Subject) -> Subject {
    let loose = match subject {
        Subject::EnglishLanguageArts => "ELA",
        Subject::Math => "Mathematics",
        Subject::Science => "Science",
        Subject::SocialStudies => "Social Studies",
        Subject::Language => "World Languages",
        Subject::HomeroomAdvisory => "Homeroom",
        Subject::InterventionsOnlineLearning => "Intervention",
        Subject::TechnologyAndEngineering => "Technology",
        Subject::PeAndHealth => "Physical Education",
        Subject::ArtsAndMusic => "Fine Arts",
        Subject::OtherSubject => "Miscellaneous",
        Subject::Unspecified | Subject::Other(_) => return subject.clone(),
    };
    Subject::Other(loose.to_owned())
}

/// The grade as a `loose-enums` server sends it.
pub fn grade(grade: &Grade) -> Grade {
    let loose = match grade {
        Grade::InfantToddler => "IT",
        Grade::Preschool => "PS",
        Grade::PreKindergarten => "PK",
        Grade::TransitionalKindergarten => "TK",
        Grade::Kindergarten => "K",
        Grade::PostGraduate => "PG",
        Grade::Ungraded => "UG",
        Grade::OtherGrade => "Other Grade",
        Grade::Unspecified | Grade::Other(_) => return grade.clone(),
        numbered => return Grade::Other(ordinal(numbered.as_str())),
    };
    Grade::Other(loose.to_owned())
}

/// `"1"` → `1st`, `"12"` → `12th`, `"13"` → `13th`.
fn ordinal(number: &str) -> String {
    let suffix = match number {
        "1" => "st",
        "2" => "nd",
        "3" => "rd",
        _ => "th",
    };
    format!("{number}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_value_maps_outside_clevers_set_and_empty_stays_empty() {
        for s in Subject::KNOWN {
            let loose = subject(s);
            assert_eq!(loose.is_known(), *s == Subject::Unspecified, "{s:?} → {loose:?}");
            assert_eq!(Subject::from_wire(loose.as_str()), loose, "{s:?} must read back as unknown");
        }
        for g in Grade::KNOWN {
            let loose = grade(g);
            assert_eq!(loose.is_known(), *g == Grade::Unspecified, "{g:?} → {loose:?}");
            assert_eq!(Grade::from_wire(loose.as_str()), loose);
        }
        assert_eq!(grade(&Grade::G4).as_str(), "4th");
        assert_eq!(grade(&Grade::G12).as_str(), "12th");
        assert_eq!(grade(&Grade::Kindergarten).as_str(), "K");
        assert_eq!(subject(&Subject::Math).as_str(), "Mathematics");
        assert_eq!(subject(&Subject::EnglishLanguageArts).as_str(), "ELA");
        assert_eq!(grade(&Grade::Other("Year 5".into())).as_str(), "Year 5");
    }
}

//! Clever's normalized string enums.
//!
//! Every enum here deserializes from *any* string: values Clever adds later land in `Other(String)`
//! instead of failing the whole page. The empty string is a legal, distinct value in v3 ("unknown
//! in the SIS"), so it has its own variant. `null` is modelled by the caller as `Option<…>`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Defines a string enum with known wire values and an `Other(String)` catch-all.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the types does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known value, in the order of Clever's specification.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The exact string Clever sends for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses a wire string; never fails (unknown values become `Other`).
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }

            /// True for values listed in Clever's specification.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

wire_enum! {
    /// Grade of a student, a section or a school's range (v3.0 spec order).
    Grade {
        /// `InfantToddler`
        InfantToddler => "InfantToddler",
        /// `Preschool`
        Preschool => "Preschool",
        /// `PreKindergarten`
        PreKindergarten => "PreKindergarten",
        /// `TransitionalKindergarten`
        TransitionalKindergarten => "TransitionalKindergarten",
        /// `Kindergarten`
        Kindergarten => "Kindergarten",
        /// `"1"`
        G1 => "1",
        /// `"2"`
        G2 => "2",
        /// `"3"`
        G3 => "3",
        /// `"4"`
        G4 => "4",
        /// `"5"`
        G5 => "5",
        /// `"6"`
        G6 => "6",
        /// `"7"`
        G7 => "7",
        /// `"8"`
        G8 => "8",
        /// `"9"`
        G9 => "9",
        /// `"10"`
        G10 => "10",
        /// `"11"`
        G11 => "11",
        /// `"12"`
        G12 => "12",
        /// `"13"`
        G13 => "13",
        /// `PostGraduate`
        PostGraduate => "PostGraduate",
        /// `Ungraded`
        Ungraded => "Ungraded",
        /// `Other` (Clever's own "other" grade, distinct from an unknown value)
        OtherGrade => "Other",
        /// `""`: the SIS did not say.
        Unspecified => "",
    }
}

wire_enum! {
    /// Normalized section subject. Case matters (`"PE and health"`).
    Subject {
        /// `english/language arts`
        EnglishLanguageArts => "english/language arts",
        /// `math`
        Math => "math",
        /// `science`
        Science => "science",
        /// `social studies`
        SocialStudies => "social studies",
        /// `language`
        Language => "language",
        /// `homeroom/advisory`
        HomeroomAdvisory => "homeroom/advisory",
        /// `interventions/online learning`
        InterventionsOnlineLearning => "interventions/online learning",
        /// `technology and engineering`
        TechnologyAndEngineering => "technology and engineering",
        /// `PE and health`
        PeAndHealth => "PE and health",
        /// `arts and music`
        ArtsAndMusic => "arts and music",
        /// `other`
        OtherSubject => "other",
        /// `""`: not normalized.
        Unspecified => "",
    }
}

wire_enum! {
    /// Student gender.
    Gender {
        /// `M`
        M => "M",
        /// `F`
        F => "F",
        /// `X`
        X => "X",
        /// `""`
        Unspecified => "",
    }
}

wire_enum! {
    /// Yes/no flags such as `ell_status` and `hispanic_ethnicity`.
    YesNo {
        /// `Y`
        Yes => "Y",
        /// `N`
        No => "N",
        /// `""`
        Unspecified => "",
    }
}

wire_enum! {
    /// Student race.
    Race {
        /// `Caucasian`
        Caucasian => "Caucasian",
        /// `Asian`
        Asian => "Asian",
        /// `Black or African American`
        BlackOrAfricanAmerican => "Black or African American",
        /// `American Indian`
        AmericanIndian => "American Indian",
        /// `Hawaiian or Other Pacific Islander`
        HawaiianOrOtherPacificIslander => "Hawaiian or Other Pacific Islander",
        /// `Two or More Races`
        TwoOrMoreRaces => "Two or More Races",
        /// `Unknown`
        Unknown => "Unknown",
        /// `""`
        Unspecified => "",
    }
}

wire_enum! {
    /// District sync state.
    DistrictState {
        /// `running`
        Running => "running",
        /// `pending`
        Pending => "pending",
        /// `error`
        Error => "error",
        /// `paused`
        Paused => "paused",
        /// `success`
        Success => "success",
        /// `""`
        Unspecified => "",
    }
}

wire_enum! {
    /// A role a user holds (the keys of `roles`, and the `role` filter of `/users`).
    RoleName {
        /// `teacher`
        Teacher => "teacher",
        /// `student`
        Student => "student",
        /// `staff`
        Staff => "staff",
        /// `district_admin`
        DistrictAdmin => "district_admin",
        /// `contact`
        Contact => "contact",
    }
}

wire_enum! {
    /// `rel` of a link. The spec lists `next`, `prev` and `self`; `/me` adds `canonical` and `district`.
    LinkRel {
        /// `next`: the following page.
        Next => "next",
        /// `prev`: the previous page.
        Prev => "prev",
        /// `self`: this resource or page.
        SelfLink => "self",
        /// `canonical`: the user a `/me` response stands for.
        Canonical => "canonical",
        /// `district`: the user's district (district-shared data only).
        District => "district",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_list_matches_the_v3_spec_in_order() {
        let wire: Vec<&str> = Grade::KNOWN.iter().map(Grade::as_str).collect();
        assert_eq!(
            wire,
            [
                "InfantToddler",
                "Preschool",
                "PreKindergarten",
                "TransitionalKindergarten",
                "Kindergarten",
                "1",
                "2",
                "3",
                "4",
                "5",
                "6",
                "7",
                "8",
                "9",
                "10",
                "11",
                "12",
                "13",
                "PostGraduate",
                "Ungraded",
                "Other",
                ""
            ]
        );
    }

    #[test]
    fn subject_list_matches_the_v3_spec_in_order() {
        let wire: Vec<&str> = Subject::KNOWN.iter().map(Subject::as_str).collect();
        assert_eq!(
            wire,
            [
                "english/language arts",
                "math",
                "science",
                "social studies",
                "language",
                "homeroom/advisory",
                "interventions/online learning",
                "technology and engineering",
                "PE and health",
                "arts and music",
                "other",
                ""
            ]
        );
    }

    #[test]
    fn unknown_values_are_kept_not_rejected() {
        let g: Grade = serde_json::from_str("\"Grade 14\"").unwrap();
        assert_eq!(g, Grade::Other("Grade 14".into()));
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"Grade 14\"");
        let s: Subject = serde_json::from_str("\"Math\"").unwrap();
        assert!(!s.is_known(), "subjects are case sensitive");
    }

    #[test]
    fn empty_string_and_clever_other_are_distinct_known_values() {
        let empty: Grade = serde_json::from_str("\"\"").unwrap();
        assert_eq!(empty, Grade::Unspecified);
        let other: Grade = serde_json::from_str("\"Other\"").unwrap();
        assert_eq!(other, Grade::OtherGrade);
        assert!(empty.is_known() && other.is_known());
    }

    #[test]
    fn every_known_value_round_trips() {
        for g in Grade::KNOWN {
            assert_eq!(&Grade::from_wire(g.as_str()), g);
        }
        for s in Subject::KNOWN {
            assert_eq!(&Subject::from_wire(s.as_str()), s);
        }
    }
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod clock;
pub mod ids;
pub mod plan;
pub mod planner;
pub mod roster;
pub mod summary;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{AssignmentId, CleverId, InvalidCleverId, SectionId, UserId};
pub use plan::{
    Changes, SectionChange, SectionChangeKind, SectionField, SectionUnlink, SkippedSection, StudentChange,
    SyncCounts, SyncPlan, SyncedSection, SyncedStudent, UNNAMED_SECTION,
};
pub use planner::plan;
pub use roster::{
    CleverSection, CleverStudent, FetchError, FetchErrorKind, FetchedRoster, FetchedSection, LocalEnrollment,
    LocalSection, LocalSnapshot, Members, RECONNECT_ADVICE, ROSTER_UNKNOWN_ADVICE, TeacherLink,
};

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod clock;
pub mod ids;
pub mod plan;
pub mod planner;
pub mod roster;

pub use clock::{Clock, FixedClock, SystemClock};
pub use ids::{AssignmentId, CleverId, InvalidCleverId, SectionId, UserId};
pub use plan::{
    SectionChange, SectionChangeKind, SectionField, SectionUnlink, SkippedSection, StudentChange, SyncCounts,
    SyncPlan,
};
pub use planner::plan;
pub use roster::{
    FetchError, FetchErrorKind, FetchedRoster, FetchedSection, LocalEnrollment, LocalSection, LocalSnapshot,
    RECONNECT_ADVICE, SourceSection, SourceStudent, TeacherLink,
};

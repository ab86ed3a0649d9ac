//! The roster planner: a pure function from what Rollcall has and what Clever said to the plan.
//!
//! Rules (Clever's Library guide and the lessons of earlier integrations):
//! - a section Clever lists that does not exist locally is created; one that exists but is not
//!   linked to this teacher is joined as co-teacher (one row per Clever id, never two);
//! - changed name / section number / subject / grade are updated (the teacher's own display name
//!   lives elsewhere and is never touched);
//! - a student Clever lists is enrolled; one no longer listed is *flagged* removed, never deleted;
//!   a flagged student who comes back is restored;
//! - a section the teacher is linked to that Clever no longer lists is unlinked (and archived by
//!   the store once no teacher remains), never deleted; it is restored if it comes back;
//! - a section whose students could not be fetched is skipped entirely: an error is never "empty".

use crate::plan::SyncPlan;
use crate::roster::{FetchedRoster, LocalSnapshot};

/// Plans one sync.
pub fn plan(_local: &LocalSnapshot, _fetched: &FetchedRoster) -> SyncPlan {
    SyncPlan::default()
}

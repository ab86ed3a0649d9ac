//! Reading stored values back, the same way on every backend.

use rollcall_core::CleverId;

use crate::{StoreError, StoreResult};

/// A stored Clever id, parsed again on the way out.
pub(crate) fn clever_id(s: &str) -> StoreResult<CleverId> {
    CleverId::parse(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A stored count.
pub(crate) fn count(n: i64) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("count out of range: {n}")))
}

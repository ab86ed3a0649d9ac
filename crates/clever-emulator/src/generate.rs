//! Generator for large districts (being written).

use time::OffsetDateTime;

use crate::model::World;

/// How big a district to generate.
#[derive(Debug, Clone)]
pub struct GenerateSpec {
    /// Number of students.
    pub students: usize,
}

/// Generates a district.
pub fn generate(_spec: &GenerateSpec, _now: OffsetDateTime) -> World {
    World::default()
}

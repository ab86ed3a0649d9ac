//! Property tests for the planner.

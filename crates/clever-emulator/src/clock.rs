//! The emulator's clock: wall time plus an offset that the admin API can advance, so a test can
//! expire a 60-second code or a 24-hour token without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

/// Where the emulator reads the time. Either the system clock or a fixed instant, plus an offset
/// moved forward by `POST /__admin/clock`.
#[derive(Debug)]
pub struct Clock {
    base: Base,
    offset_ms: AtomicI64,
}

#[derive(Debug, Clone, Copy)]
enum Base {
    System,
    Fixed(OffsetDateTime),
}

impl Clock {
    /// The real time.
    pub fn system() -> Self {
        Self { base: Base::System, offset_ms: AtomicI64::new(0) }
    }

    /// A clock frozen at `at` (only `advance` moves it). For deterministic tests and snapshots.
    pub fn fixed(at: OffsetDateTime) -> Self {
        Self { base: Base::Fixed(at), offset_ms: AtomicI64::new(0) }
    }

    /// The current emulated time.
    pub fn now(&self) -> OffsetDateTime {
        let base = match self.base {
            Base::System => system_now(),
            Base::Fixed(at) => at,
        };
        base + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.whole_milliseconds()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// How far the clock has been moved from its base.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }
}

#[allow(clippy::disallowed_methods)] // the one place that reads the wall clock
fn system_now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Formats a time the way Clever does (`2024-01-31T12:00:00.000Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn advance_moves_a_fixed_clock() {
        let clock = Clock::fixed(datetime!(2026-01-01 0:00 UTC));
        clock.advance(Duration::seconds(61));
        assert_eq!(clock.now(), datetime!(2026-01-01 0:01:01 UTC));
        assert_eq!(rfc3339(clock.now()), "2026-01-01T00:01:01.000Z");
    }
}

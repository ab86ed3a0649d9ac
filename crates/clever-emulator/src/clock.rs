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

/// The farthest the clock can be moved from its base: 36500 days (about a century), far beyond
/// any code, token or lease lifetime a test needs to expire.
pub const MAX_OFFSET: Duration = Duration::days(36_500);

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
        let offset = Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed));
        // The offset is bounded by `MAX_OFFSET`, so this only saturates for a base that is
        // itself at the edge of the calendar.
        base.checked_add(offset).unwrap_or(base)
    }

    /// Moves the clock forward (or back, with a negative duration). The total offset is kept
    /// within ±[`MAX_OFFSET`], so `now()` can never overflow the calendar, whatever is asked.
    pub fn advance(&self, by: Duration) {
        let max = MAX_OFFSET.whole_milliseconds();
        let ms = by.whole_milliseconds().clamp(-max, max);
        let _ = self.offset_ms.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
            let total = i128::from(old).saturating_add(ms).clamp(-max, max);
            i64::try_from(total).ok()
        });
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

    #[test]
    fn the_offset_never_leaves_its_bounds() {
        let clock = Clock::fixed(datetime!(2026-01-01 0:00 UTC));
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert_eq!(clock.offset(), MAX_OFFSET);
        let _ = clock.now();
    }
}

//! Times as people read them: relative to the request's time ("2 minutes ago", "yesterday"),
//! with the exact time in a title attribute for hovering. The request's time comes from the
//! app's injected clock ([`crate::session::CurrentUser::now`]), never from the system.

use time::OffsetDateTime;

/// One time on a page: `<time datetime="{iso}" title="{exact}">{ago}</time>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Machine-readable (RFC 3339, UTC).
    pub iso: String,
    /// The exact time: "Sun, Nov 22, 2026, 14:05 UTC".
    pub exact: String,
    /// Relative to now: "2 minutes ago".
    pub ago: String,
}

/// `at` as seen at `now`.
pub fn stamp(at: OffsetDateTime, now: OffsetDateTime) -> Stamp {
    let at = at.to_offset(time::UtcOffset::UTC);
    let iso = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    let exact = at
        .format(time::macros::format_description!(
            "[weekday repr:short], [month repr:short] [day padding:none], [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_else(|_| iso.clone());
    Stamp { iso, exact, ago: ago(at, now) }
}

/// How long before `now` `at` was, in words. A time a little after `now` (another replica's
/// clock) is "just now"; one more than a week back is its date.
pub fn ago(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let elapsed = now - at;
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    if elapsed < time::Duration::minutes(1) {
        "just now".to_owned()
    } else if elapsed < time::Duration::hours(1) {
        plural(elapsed.whole_minutes(), "minute")
    } else if elapsed < time::Duration::days(1) {
        plural(elapsed.whole_hours(), "hour")
    } else if elapsed < time::Duration::days(2) {
        "yesterday".to_owned()
    } else if elapsed < time::Duration::days(7) {
        plural(elapsed.whole_days(), "day")
    } else {
        let format = time::macros::format_description!("[month repr:short] [day padding:none], [year]");
        format!("on {}", at.format(&format).unwrap_or_else(|_| at.date().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 14:05:30 UTC);

    #[test]
    fn a_time_reads_relative_to_now() {
        let before = |d: time::Duration| ago(NOW - d, NOW);
        assert_eq!(before(time::Duration::seconds(10)), "just now");
        assert_eq!(before(time::Duration::seconds(-30)), "just now", "a clock a little ahead");
        assert_eq!(before(time::Duration::minutes(1)), "1 minute ago");
        assert_eq!(before(time::Duration::seconds(150)), "2 minutes ago");
        assert_eq!(before(time::Duration::minutes(61)), "1 hour ago");
        assert_eq!(before(time::Duration::hours(23)), "23 hours ago");
        assert_eq!(before(time::Duration::hours(30)), "yesterday");
        assert_eq!(before(time::Duration::days(3)), "3 days ago");
        assert_eq!(before(time::Duration::days(10)), "on Nov 12, 2026");
    }

    #[test]
    fn the_exact_time_goes_along_for_hovering() {
        let s = stamp(datetime!(2026-11-22 14:03:00 UTC), NOW);
        assert_eq!(s.iso, "2026-11-22T14:03:00Z");
        assert_eq!(s.exact, "Sun, Nov 22, 2026, 14:03 UTC");
        assert_eq!(s.ago, "2 minutes ago");
    }
}

//! Where a login goes next: a page the browser asked for before it was signed in (a bookmarked
//! class, a link in an email). A signed-out `GET` of a signed-in page is sent to
//! [`login_url`]; `GET /login?next=…` keeps the page in a short-lived cookie
//! (`session::remember_next`), so the Clever button and the password form both carry it
//! without a field of their own, and the login that follows lands there
//! (`session::take_next`).
//!
//! Only a path on this site is ever followed: anything that a browser could read as another
//! origin (`//evil`, `https://…`, `/\evil`, the same percent-encoded, control characters) is
//! refused and the login lands where it always does.

/// Longer paths are refused (no page of Rollcall's needs one).
const MAX_LEN: usize = 512;

/// `raw` if it is a path on this site (with its query), else `None`.
pub fn safe(raw: &str) -> Option<&str> {
    let ok = raw.len() <= MAX_LEN
        && raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.chars().any(char::is_control)
        && !raw.to_ascii_lowercase().contains("%5c");
    if !ok {
        return None;
    }
    // Percent-decoded, it must still be a path here: `/%2F%2Fevil` is `//evil` to some.
    let decoded: String = form_urlencoded::parse(format!("p={}", raw.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    if decoded.starts_with("//") || decoded.contains('\\') || decoded.chars().any(char::is_control) {
        return None;
    }
    // And resolved against this site, it stays on it.
    let base = url::Url::parse("https://rollcall.invalid/").ok()?;
    let joined = base.join(raw).ok()?;
    (joined.origin() == base.origin()).then_some(raw)
}

/// `/login?next=…` for a browser that asked for `path` signed out.
pub fn login_url(path: &str) -> String {
    match safe(path) {
        Some(path) => {
            format!("/login?next={}", form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>())
        }
        None => "/login".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_on_this_site_is_kept_with_its_query() {
        for path in ["/sections/5", "/assignments/12?tab=done", "/dashboard", "/sync/history", "/a%20b"] {
            assert_eq!(safe(path), Some(path), "{path}");
        }
    }

    #[test]
    fn a_protocol_relative_url_is_refused() {
        assert_eq!(safe("//evil.example/x"), None);
    }

    #[test]
    fn an_absolute_url_is_refused() {
        assert_eq!(safe("https://evil.example/"), None);
        assert_eq!(safe("javascript:alert(1)"), None);
        assert_eq!(safe("evil.example"), None);
    }

    #[test]
    fn a_backslash_is_refused_as_browsers_read_it_as_a_slash() {
        assert_eq!(safe("/\\evil.example"), None);
        assert_eq!(safe("/\\/evil.example"), None);
    }

    #[test]
    fn encoded_slashes_and_backslashes_are_refused() {
        assert_eq!(safe("/%2F%2Fevil.example"), None);
        assert_eq!(safe("/%2f/evil.example"), None);
        assert_eq!(safe("/%5Cevil.example"), None);
        assert_eq!(safe("/%5cevil.example"), None);
    }

    #[test]
    fn control_characters_and_overlong_paths_are_refused() {
        assert_eq!(safe("/\t/evil.example"), None);
        assert_eq!(safe("/%09/evil.example"), None);
        assert_eq!(safe("/ok\r\nSet-Cookie: x=1"), None);
        assert_eq!(safe(&format!("/{}", "a".repeat(MAX_LEN))), None);
    }

    #[test]
    fn the_login_url_carries_the_path_encoded() {
        assert_eq!(login_url("/assignments/12?tab=done"), "/login?next=%2Fassignments%2F12%3Ftab%3Ddone");
        assert_eq!(login_url("//evil.example"), "/login");
    }
}

//! The email an account logs in with, parsed once where it enters (a form, `rollcall admin`):
//! everything past the edge holds a [`LoginEmail`] and never checks or normalises it again.

use serde::{Deserialize, Deserializer};

/// A login email as Rollcall stores and compares it: trimmed and lower-case, at most 254 bytes,
/// something before one `@` and a dotted domain after it, no spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginEmail(String);

/// Why a typed email is not a login email (in words a visitor can act on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Enter an email address like name@school.org.")]
pub struct NotAnEmail;

impl LoginEmail {
    /// Normalises `input` (trimmed, lower-case) and checks its shape.
    pub fn parse(input: &str) -> Result<Self, NotAnEmail> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid { Ok(Self(email)) } else { Err(NotAnEmail) }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LoginEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<LoginEmail> for String {
    fn from(email: LoginEmail) -> Self {
        email.0
    }
}

/// A form's email field: what was typed (a refused form shows it again) and what it parses to.
/// Reading the form never fails on it, so a mistyped address gets the form's own sentence, not
/// the page for a broken request.
#[derive(Debug, Clone)]
pub struct EmailField {
    typed: String,
    parsed: Result<LoginEmail, NotAnEmail>,
}

impl EmailField {
    /// As typed.
    pub fn typed(&self) -> &str {
        &self.typed
    }

    /// The login email, if what was typed is one.
    pub fn parsed(&self) -> Result<&LoginEmail, NotAnEmail> {
        self.parsed.as_ref().map_err(|e| *e)
    }
}

impl<'de> Deserialize<'de> for EmailField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let typed = String::deserialize(deserializer)?;
        let parsed = LoginEmail::parse(&typed);
        Ok(Self { typed, parsed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        let email = LoginEmail::parse("  Sam.Kelly@School.ORG ").map(String::from);
        assert_eq!(email, Ok("sam.kelly@school.org".to_owned()));
        for bad in ["", "sam", "@school.org", "sam@school", "sam@.org", "sa m@school.org"] {
            assert!(LoginEmail::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn more_parse_cases() {
        let ok = |s: &str| LoginEmail::parse(s).map(|e| e.as_str().to_owned());
        assert_eq!(ok("\tA@B.CO\n"), Ok("a@b.co".to_owned()), "tabs and newlines at the ends are trimmed");
        assert_eq!(ok("first.last+tag@sub.school.org"), Ok("first.last+tag@sub.school.org".to_owned()));
        assert_eq!(ok("ÉLÈVE@École.fr"), Ok("élève@école.fr".to_owned()), "lower-cased beyond ASCII");
        let long_local = "a".repeat(249);
        assert_eq!(ok(&format!("{long_local}@b.co")), Ok(format!("{long_local}@b.co")), "254 bytes");
        assert!(ok(&format!("a{long_local}@b.co")).is_err(), "255 bytes");
        for bad in ["sam@school.", "sam@school..org.", "sam@", "sam@sch ool.org", "sam@school.org\u{7}"] {
            assert_eq!(ok(bad), Err(NotAnEmail), "{bad:?}");
        }
        assert_eq!(NotAnEmail.to_string(), "Enter an email address like name@school.org.");
    }

    #[test]
    fn a_form_field_keeps_what_was_typed_and_never_fails_to_read() {
        #[derive(Deserialize)]
        struct Form {
            email: EmailField,
        }
        let read = |body: &str| serde_json::from_str::<Form>(body).map(|f| f.email);
        let good = read(r#"{"email":" Sam@School.org "}"#).map_err(|e| e.to_string());
        let good = good.as_ref().map(|f| (f.typed(), f.parsed().map(LoginEmail::as_str)));
        assert_eq!(good, Ok((" Sam@School.org ", Ok("sam@school.org"))));
        let bad = read(r#"{"email":"sam"}"#).map_err(|e| e.to_string());
        let bad = bad.as_ref().map(|f| (f.typed(), f.parsed().map(LoginEmail::as_str)));
        assert_eq!(bad, Ok(("sam", Err(NotAnEmail))));
    }
}

//! Request parameters that remember repeats. RFC 6749 §3.1/§3.2 forbid repeating a parameter,
//! and a map-based extractor would silently keep one of the copies, so parameters are kept as an
//! ordered list and every lookup checks for repeats.

/// Why a parameter could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamError {
    /// Absent or empty (RFC 6749 §3.1: a parameter without a value counts as omitted).
    Missing(&'static str),
    /// Sent more than once.
    Repeated(&'static str),
}

impl ParamError {
    /// A sentence a developer can act on.
    pub fn describe(self) -> String {
        match self {
            ParamError::Missing(name) => format!("Missing required parameter `{name}`."),
            ParamError::Repeated(name) => {
                format!("Parameter `{name}` was sent more than once; send each parameter exactly once.")
            }
        }
    }
}

/// An ordered list of name/value pairs.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `application/x-www-form-urlencoded` bytes (a query string or a form body).
    pub fn from_urlencoded(bytes: &[u8]) -> Self {
        Self(form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// Wraps already-decoded pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// True when `name` was sent at all (even empty).
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The value of an optional parameter: `None` when absent or empty, an error when repeated.
    pub fn get(&self, name: &'static str) -> Result<Option<&str>, ParamError> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(ParamError::Repeated(name));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }

    /// The value of a required parameter.
    pub fn require(&self, name: &'static str) -> Result<&str, ParamError> {
        self.get(name)?.ok_or(ParamError::Missing(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_and_empties_are_reported() {
        let p = Params::from_urlencoded(b"a=1&b=&c=x&c=y");
        assert_eq!(p.require("a"), Ok("1"));
        assert_eq!(p.require("b"), Err(ParamError::Missing("b")));
        assert_eq!(p.get("c"), Err(ParamError::Repeated("c")));
        assert_eq!(p.get("d"), Ok(None));
        assert!(p.contains("b"));
    }
}

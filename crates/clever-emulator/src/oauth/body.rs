//! Reading the token request body. Clever accepts JSON or `application/x-www-form-urlencoded`;
//! anything else is refused with "Invalid content type" (Clever's documented error text).

use axum::http::{HeaderMap, header};
use serde::de::{Deserializer, MapAccess, Visitor};

use super::params::Params;
use crate::error::OAuthError;

/// The pairs of a JSON object whose values are all strings, in order and with repeats kept (a
/// map type would silently keep only one copy of a repeated key).
struct StringPairs(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for StringPairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = StringPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object whose values are strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(StringPairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// The media type of the request (`type/subtype`, lower-cased, parameters dropped).
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// Parses a token request body into parameters.
pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
    match media_type(headers).as_deref() {
        Some("application/x-www-form-urlencoded") => Ok(Params::from_urlencoded(body)),
        Some("application/json") => {
            serde_json::from_slice::<StringPairs>(body).map(|p| Params::from_pairs(p.0)).map_err(|e| {
                OAuthError::invalid_request(format!("The JSON body is not an object of strings: {e}."))
            })
        }
        other => Err(OAuthError::invalid_request(format!(
            "Invalid content type {}: send the token request as application/x-www-form-urlencoded or application/json.",
            other.map_or_else(|| "(none)".to_owned(), |t| format!("\"{t}\""))
        ))),
    }
}

//! Form decoding at the token endpoint: `client_auth::form_decode` (the id and secret inside the
//! Basic header) and `body::parse` (the form or JSON body).
//!
//! Properties:
//! - `form_decode` agrees with the reference decoder (`+` → space, then `percent_decode` from
//!   the `percent-encoding` crate, which keeps a `%` without two hex digits): it returns the
//!   same text whenever the result is UTF-8, and `None` exactly when it is not;
//! - `form_decode(form_urlencoded::byte_serialize(s)) == s` for any text `s`;
//! - `body::parse` never panics; for a form body its pairs are `form_urlencoded::parse`'s, so a
//!   parameter sent once reads back as that value, and twice as "repeated"; a JSON body is
//!   accepted only when it is an object of strings.
#![no_main]

use axum::http::{HeaderMap, HeaderValue, header};
use clever_emulator::oauth::body;
use clever_emulator::oauth::client_auth::form_decode;
use clever_emulator::oauth::params::ParamError;
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode;

fn reference(s: &str) -> Option<String> {
    let plus = s.replace('+', " ");
    String::from_utf8(percent_decode(plus.as_bytes()).collect()).ok()
}

/// Every (key, value) of a JSON object, repeats kept (`serde_json::Value` keeps only the last).
#[derive(Debug)]
struct AllPairs(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for AllPairs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = AllPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<AllPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(AllPairs(pairs))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

fn with_type(media: &'static str) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    map
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if let Ok(text) = std::str::from_utf8(rest) {
        assert_eq!(form_decode(text), reference(text), "form_decode({text:?})");
        let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        assert_eq!(form_decode(&encoded).as_deref(), Some(text), "decode(encode({text:?}))");
    }
    match mode % 3 {
        0 => {
            let Ok(params) = body::parse(&with_type("application/x-www-form-urlencoded"), rest) else {
                panic!("a form body is always accepted");
            };
            let pairs: Vec<_> = form_urlencoded::parse(rest).collect();
            for name in ["grant_type", "code", "redirect_uri"] {
                let values: Vec<_> = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v).collect();
                match (values.as_slice(), params.get(name)) {
                    ([], Ok(None)) => {}
                    ([v], Ok(got)) => assert_eq!(got, Some(v.as_ref()).filter(|v| !v.is_empty())),
                    ([_, _, ..], Err(ParamError::Repeated(_))) => {}
                    (values, got) => panic!("{name}: sent {values:?}, read {got:?}"),
                }
            }
        }
        1 => {
            let parsed = body::parse(&with_type("application/json"), rest);
            let reference = serde_json::from_slice::<AllPairs>(rest).ok();
            let strings = reference.as_ref().map(|p| p.0.iter().all(|(_, v)| v.is_string()));
            assert_eq!(parsed.is_ok(), strings == Some(true), "JSON body {rest:?}: {reference:?}");
            if let (Ok(params), Some(pairs)) = (&parsed, &reference) {
                for (name, _) in &pairs.0 {
                    assert!(params.contains(name), "{name:?} lost from {rest:?}");
                }
            }
        }
        _ => {
            assert!(body::parse(&HeaderMap::new(), rest).is_err(), "no content type must be refused");
            assert!(body::parse(&with_type("text/plain"), rest).is_err(), "text/plain must be refused");
        }
    }
});

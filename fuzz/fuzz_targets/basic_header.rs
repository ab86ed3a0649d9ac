//! The token endpoint's HTTP Basic client authentication header parser
//! (`clever_emulator::oauth::client_auth::basic_credentials`).
//!
//! Properties:
//! - any header value: never panics; what it accepts is `base64(a ":" b)` with `a`, `b` the
//!   form-url-encodings of the returned id and secret;
//! - round trip: `Basic base64(urlencode(id) ":" urlencode(secret))` (any scheme case, any
//!   surrounding spaces) gives back exactly `(id, secret)`, whatever the two strings hold;
//! - a client that does not encode still works when its id has no `:`, `+` or `%` and its
//!   secret no `+` or `%` (the module's documented promise).
#![no_main]

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clever_emulator::oauth::client_auth::basic_credentials;
use libfuzzer_sys::fuzz_target;

fn headers(value: &[u8]) -> Option<HeaderMap> {
    let value = HeaderValue::from_bytes(value).ok()?;
    let mut map = HeaderMap::new();
    map.insert(header::AUTHORIZATION, value);
    Some(map)
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn parse(value: &str) -> Option<(String, String)> {
    basic_credentials(&headers(value.as_bytes())?).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    // 1. Arbitrary header bytes.
    if let Some(map) = headers(rest)
        && let Ok((id, secret)) = basic_credentials(&map)
    {
        // Whatever was accepted decodes to a pair that parses back to itself when re-encoded.
        let again = format!("Basic {}", STANDARD.encode(format!("{}:{}", encode(&id), encode(&secret))));
        assert_eq!(parse(&again), Some((id, secret)), "accepted {rest:?} but the re-encoding differs");
    }
    // 2. Round trip of an arbitrary (id, secret) pair.
    let text = String::from_utf8_lossy(rest);
    let cut = (mode as usize) % (text.len() + 1);
    let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let (id, secret) = text.split_at(cut);
    let scheme = ["Basic", "basic", "BASIC", "bAsIc"][(mode >> 6) as usize % 4];
    let pad = if mode & 0x20 != 0 { "  " } else { "" };
    let encoded = STANDARD.encode(format!("{}:{}", encode(id), encode(secret)));
    let value = format!("{pad}{scheme} {encoded}{pad}");
    assert_eq!(
        parse(&value),
        Some((id.to_owned(), secret.to_owned())),
        "round trip of id {id:?} secret {secret:?} via {value:?}"
    );
    // 3. Unencoded credentials, where the module promises they still work.
    if !id.contains([':', '+', '%']) && !secret.contains(['+', '%']) {
        let value = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
        assert_eq!(parse(&value), Some((id.to_owned(), secret.to_owned())), "unencoded {value:?}");
    }
});

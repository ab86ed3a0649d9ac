//! Clever JSON from a server into the `clever-types` wire types (what `clever-client` decodes
//! every response into).
//!
//! Properties, for each response type (picked by the first byte):
//! - arbitrary bytes never panic the decoder;
//! - what parses re-serializes, and the serialization parses back equal to it (so nothing the
//!   client read is lost or changed by the types' own `Serialize`, which the emulator serves);
//!   (floats in pass-through `extra`/`ext` maps to within a few ulps: serde_json's default
//!   float parsing is not exact).
#![no_main]

use clever_types::{
    ApiErrorBody, DistrictTokens, ListEnvelope, MeResponse, OAuthErrorBody, School, SectionResponse,
    SectionsResponse, TokenInfo, TokenResponse, UserInfo, UserResponse, UsersResponse,
};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(bytes) else { return };
    let text = serde_json::to_string(&first).expect("a parsed value serializes");
    let second: T = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("re-parse of {text} failed: {e}"),
    };
    if first != second {
        // serde_json (without its `float_roundtrip` feature, as the workspace builds it) may
        // read a float one ulp off, so numbers kept in `extra`/`ext` maps may differ in the
        // last bit; anything else must be equal.
        let (a, b) = (serde_json::to_value(&first).expect("value"), serde_json::to_value(&second).expect("value"));
        assert!(close(&a, &b), "round trip changed the value (via {text})\n{first:?}\n{second:?}");
    }
}

fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, json)) = data.split_first() else { return };
    match kind % 12 {
        0 => round_trip::<UserResponse>(json),
        1 => round_trip::<UsersResponse>(json),
        2 => round_trip::<SectionResponse>(json),
        3 => round_trip::<SectionsResponse>(json),
        4 => round_trip::<MeResponse>(json),
        5 => round_trip::<UserInfo>(json),
        6 => round_trip::<TokenResponse>(json),
        7 => round_trip::<TokenInfo>(json),
        8 => round_trip::<OAuthErrorBody>(json),
        9 => round_trip::<ApiErrorBody>(json),
        10 => round_trip::<DistrictTokens>(json),
        _ => round_trip::<ListEnvelope<School>>(json),
    }
});

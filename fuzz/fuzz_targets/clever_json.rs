//! Clever JSON from a server into the `clever-types` wire types (what `clever-client` decodes
//! every response into).
//!
//! Properties, for each response type (picked by the first byte):
//! - arbitrary bytes never panic the decoder;
//! - what parses re-serializes, and the serialization parses back equal to it (so nothing the
//!   client read is lost or changed by the types' own `Serialize`, which the emulator serves);
//!   floats in pass-through `extra`/`ext` maps included, exactly.
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
    // The workspace builds serde_json with `float_roundtrip`, so even floats kept in pass-through
    // `extra`/`ext` maps read back exactly.
    assert_eq!(first, second, "round trip changed the value (via {text})");
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

//! How profiles are set: the configuration, the seed's `profiles` key, the admin API and the Rust
//! methods; `reset` returns to the configuration's plus the seed's.

use clever_emulator::{Clock, Emulator, EmulatorConfig, Profile, Profiles, Seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestEmulator, test_seed};
use crate::config_with;
use crate::support::ok;

async fn admin_profiles(te: &TestEmulator) -> Value {
    te.http.get(te.url("/__admin/profiles")).send().await.unwrap().json().await.unwrap()
}

async fn put_profiles(te: &TestEmulator, body: Value) -> (StatusCode, Value) {
    let r = te.http.put(te.url("/__admin/profiles")).json(&body).send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

/// The demo seed with `profiles = [...]` in the file.
fn seed_with(profiles: &[&str]) -> Seed {
    let mut seed = test_seed();
    seed.profiles = profiles.iter().map(|p| p.parse::<Profile>().unwrap()).collect();
    seed
}

#[tokio::test]
async fn the_seeds_profiles_add_to_the_configured_ones_and_reset_returns_to_both() {
    let te = TestEmulator::start_with(seed_with(&["legacy-me"]), config_with("no-links")).await;
    assert_eq!(admin_profiles(&te).await, json!({"profiles": ["legacy-me", "no-links"]}));
    let me = ok(&te, &te.token_for("skelly"), "/v3.0/me").await;
    assert_eq!(me["data"]["type"], "teacher");
    assert!(me.get("links").is_none());

    let (status, body) = put_profiles(&te, json!({"profiles": ["extra-fields"]})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"profiles": ["extra-fields"]})));
    let me = ok(&te, &te.token_for("skelly"), "/v3.0/me").await;
    assert_eq!(me["data"]["type"], "user", "runtime profiles replace the set");
    assert!(me["links"].is_array() && me["x_vendor"].is_object());
    assert_eq!(te.emulator().profiles(), Profiles::parse("extra-fields").unwrap());

    te.http.post(te.url("/__admin/reset")).send().await.unwrap();
    assert_eq!(admin_profiles(&te).await, json!({"profiles": ["legacy-me", "no-links"]}));

    // Loading another seed serves the configuration's plus that seed's.
    let r = te.http.put(te.url("/__admin/seed")).json(&seed_with(&["long-codes"])).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(admin_profiles(&te).await, json!({"profiles": ["no-links", "long-codes"]}));
}

#[tokio::test]
async fn a_seed_file_names_its_profiles_and_hands_them_back() {
    let toml = "namespace = \"p\"\nprofiles = [\"no-member-lists\", \"legacy-me\"]\n\
                [[districts]]\nkey = \"d\"\nname = \"D\"\n";
    let seed = Seed::from_toml(toml).unwrap();
    assert!(seed.profiles.has(Profile::NoMemberLists) && seed.profiles.has(Profile::LegacyMe));
    let te = TestEmulator::start_with(seed, EmulatorConfig::default()).await;
    assert_eq!(admin_profiles(&te).await, json!({"profiles": ["no-member-lists", "legacy-me"]}));
    let got: Value = te.http.get(te.url("/__admin/seed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(got["profiles"], json!(["no-member-lists", "legacy-me"]));

    let bad = Seed::from_toml("profiles = [\"no-links\", \"nope\"]").unwrap_err().to_string();
    assert!(bad.contains("\"nope\"") && bad.contains("long-codes"), "{bad}");
    // A seed without profiles exports without the key, as before.
    let strict = TestEmulator::start().await;
    let got: Value = strict.http.get(strict.url("/__admin/seed")).send().await.unwrap().json().await.unwrap();
    assert!(got.get("profiles").is_none(), "{}", got["namespace"]);
}

#[tokio::test]
async fn an_unknown_profile_is_a_400_naming_it_and_the_known_ones() {
    let te = TestEmulator::start().await;
    let (status, body) = put_profiles(&te, json!({"profiles": ["no-links", "no-such"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("\"no-such\""), "{error}");
    for known in Profile::ALL {
        assert!(error.contains(known.as_str()), "{error}");
    }
    assert_eq!(admin_profiles(&te).await, json!({"profiles": []}), "nothing changed");
    let (status, _) = put_profiles(&te, json!({"profile": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = put_profiles(&te, json!({"profiles": []})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"profiles": []})));
}

#[tokio::test]
async fn the_rust_methods_set_and_read_the_profiles() {
    let emulator = Emulator::new(test_seed(), config_with("legacy-me"), Clock::system()).unwrap();
    assert_eq!(emulator.profiles(), Profiles::parse("legacy-me").unwrap());
    emulator.set_profiles(Profiles::parse("no-links,long-codes").unwrap()).unwrap();
    assert!(emulator.has_profile(Profile::LongCodes) && !emulator.has_profile(Profile::LegacyMe));
    emulator.reset().unwrap();
    assert_eq!(emulator.profiles(), Profiles::parse("legacy-me").unwrap());
}

#[tokio::test]
async fn the_admin_openapi_document_lists_profiles_and_authorizations() {
    let te = TestEmulator::start().await;
    let doc: Value = te.http.get(te.url("/__admin/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths["/__admin/profiles"]["get"].is_object() && paths["/__admin/profiles"]["put"].is_object());
    assert!(paths["/__admin/authorizations"]["get"].is_object());
    assert!(paths["/__admin/authorizations/{client_id}/{user_id}"]["delete"].is_object());
    let index: Value = te.http.get(te.url("/__admin")).send().await.unwrap().json().await.unwrap();
    assert!(index["endpoints"].as_array().unwrap().iter().any(|e| e == "PUT /__admin/profiles"));
}

//! `foreign-ids`: readable ids made from the seed keys, and everything keyed by id still works.

use clever_emulator::ids::{is_clever_id, is_readable_id};
use clever_emulator::{Clock, Emulator, GenerateSpec, RunningEmulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{CLIENT_ID, DISTRICT_CLIENT_ID, TestEmulator, user_id};
use crate::support::{district_token, get, item_ids, link, ok};
use crate::{config_with, start_as};

/// A Library token for the demo user `key` under readable ids.
fn token(te: &TestEmulator, key: &str) -> String {
    te.emulator().mint_token(&format!("user-{key}"), CLIENT_ID)
}

/// Every id anywhere in `body` (keys `id`, plus id lists), for shape checks.
fn all_ids(body: &Value, out: &mut Vec<String>) {
    match body {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("id" | "district" | "school" | "teacher", Value::String(id)) => out.push(id.clone()),
                    ("teachers" | "students" | "schools", Value::Array(ids)) => {
                        out.extend(ids.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                    _ => all_ids(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| all_ids(item, out)),
        _ => {}
    }
}

#[tokio::test]
async fn ids_are_readable_strings_made_from_the_seed_keys() {
    let te = start_as("foreign-ids").await;
    let me = ok(&te, &token(&te, "skelly"), "/v3.0/me").await;
    assert_eq!(me["data"]["id"], "user-skelly");
    assert_eq!(link(&me, "canonical"), Some("/v3.0/users/user-skelly"));
    // The district's id is readable too, and its district-app token is issued for that id.
    let district = te.emulator().district_token(DISTRICT_CLIENT_ID, "district-maplewood");
    assert_eq!(get(&te, Some(&district_token(&te)), "/v3.0/me").await.status, StatusCode::UNAUTHORIZED);
    let mut ids = Vec::new();
    for path in ["/v3.0/users?limit=100", "/v3.0/sections", "/v3.0/districts/district-maplewood"] {
        all_ids(&ok(&te, &district, path).await, &mut ids);
    }
    assert!(ids.len() > 40, "{ids:?}");
    for id in &ids {
        assert!(is_readable_id(id) && !is_clever_id(id), "{id}");
    }
    for expected in ["user-maria", "user-aortega", "section-math4", "school-lincoln", "district-maplewood"] {
        assert!(ids.iter().any(|id| id == expected), "{expected} in {ids:?}");
    }
}

#[tokio::test]
async fn paths_cursors_scopes_and_the_admin_api_work_with_readable_ids() {
    let te = start_as("foreign-ids").await;
    let teacher = token(&te, "skelly");
    let section = ok(&te, &teacher, "/v3.0/sections/section-math4").await;
    assert_eq!(section["data"]["teachers"], json!(["user-skelly", "user-aortega"]));
    ok(&te, &teacher, "/v3.1/users/user-maria").await;
    let members = ok(&te, &teacher, "/v3.0/sections/section-math4/users?role=student&limit=2").await;
    assert_eq!(item_ids(&members), ["user-jamal", "user-liwei"]);
    let next = link(&members, "next").unwrap().to_owned();
    assert!(next.ends_with("starting_after=user-liwei"), "{next}");
    assert_eq!(item_ids(&ok(&te, &teacher, &next).await), ["user-maria", "user-oliver"]);
    assert_eq!(
        get(&te, Some(&teacher), "/v3.0/sections/section-science7").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&te, Some(&teacher), "/v3.0/users/user-nobody").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&te, Some(&teacher), &format!("/v3.0/users/{}", user_id("maria"))).await.status,
        StatusCode::NOT_FOUND,
        "the Clever-shaped ids do not exist"
    );

    // Admin-created records get readable ids, and rosters follow.
    let new = json!({"key": "newkid", "role": "student", "first": "Ada", "last": "Obi", "school": "lincoln"});
    let created: Value =
        te.http.post(te.url("/__admin/users")).json(&new).send().await.unwrap().json().await.unwrap();
    assert_eq!(created["id"], "user-newkid");
    assert_eq!(created["school"], "school-lincoln");
    let r = te.http.put(te.url("/__admin/sections/section-math4/students/user-newkid")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    ok(&te, &teacher, "/v3.0/users/user-newkid").await;
    let bad =
        json!({"key": "k2", "role": "student", "first": "A", "last": "B", "id": "0123456789abcdef01234567"});
    let r = te.http.post(te.url("/__admin/users")).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "no Clever-shaped id under foreign-ids");
    let path = format!("/__admin/authorizations/{CLIENT_ID}/user-skelly");
    assert_eq!(te.http.put(te.url(&path)).send().await.unwrap().status(), StatusCode::OK);
    let login = te.http.post(te.url("/__admin/next-login")).json(&json!({"user_id": "user-maria"})).send();
    assert_eq!(login.await.unwrap().status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_generated_district_gets_readable_ids_too() {
    let spec: GenerateSpec = "students=60,teachers=6,sections=6,schools=2".parse().unwrap();
    let emulator = Emulator::generated(spec, config_with("foreign-ids"), Clock::system()).unwrap();
    let running = RunningEmulator::start(emulator, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let world = running.emulator.world().clone();
    assert!(world.users.contains_key("user-t00001") && world.users.contains_key("user-s000001"));
    assert!(world.sections().contains_key("section-sec00001"));
    assert!(
        world.schools.contains_key("school-school-1") && world.districts.contains_key("district-district")
    );
    drop(world);
    // Through the admin API as well, and `reset` regenerates the same ids.
    let http = reqwest::Client::new();
    let base = &running.base_url;
    let r =
        http.post(format!("{base}/__admin/generate")).json(&json!({"students": 30, "sections": 3})).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::OK);
    assert!(running.emulator.world().users.contains_key("user-s000030"));
    http.post(format!("{base}/__admin/reset")).send().await.unwrap();
    assert!(running.emulator.world().users.contains_key("user-s000030"));
    // The exported seed rebuilds the same readable ids.
    let seed: Value = http.get(format!("{base}/__admin/seed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(seed["profiles"], json!(["foreign-ids"]));
    let before: Vec<String> = running.emulator.world().users.keys().cloned().collect();
    let r = http.put(format!("{base}/__admin/seed")).json(&seed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(running.emulator.world().users.keys().cloned().collect::<Vec<_>>(), before);
}

#[tokio::test]
async fn turning_foreign_ids_on_at_runtime_rebuilds_the_district_and_reset_turns_it_off() {
    let te = TestEmulator::start().await;
    let old = te.token_for("skelly");
    let r = te.http.put(te.url("/__admin/profiles")).json(&json!({"profiles": ["foreign-ids"]})).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get(&te, Some(&old), "/v3.0/me").await.status,
        StatusCode::UNAUTHORIZED,
        "a rebuild is a reset"
    );
    assert_eq!(ok(&te, &token(&te, "skelly"), "/v3.0/me").await["data"]["id"], "user-skelly");
    te.http.post(te.url("/__admin/reset")).send().await.unwrap();
    let me = ok(&te, &te.token_for("skelly"), "/v3.0/me").await;
    assert_eq!(me["data"]["id"], user_id("skelly"), "reset returns to the configured (strict) profiles");
}

//! The admin API over real HTTP: what a test suite scripting the emulator would see.
// Test helpers (here and in `common`) may panic: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use clever_emulator::model::Role;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

impl TestEmulator {
    /// Sends an admin request with an optional JSON body; returns the status and parsed body.
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
        (status, value)
    }

    async fn admin_get(&self, path: &str) -> (StatusCode, Value) {
        self.admin(Method::GET, path, None).await
    }

    async fn admin_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.admin(Method::POST, path, Some(body)).await
    }
}

fn error_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_else(|| panic!("no error message in {body}"))
}

#[tokio::test]
async fn health_reports_the_loaded_district() {
    let emu = TestEmulator::start().await;
    let (status, body) = emu.admin_get("/__admin/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    let world = emu.emulator().world();
    assert_eq!(body["users"], world.users.len());
    assert_eq!(body["sections"], world.sections().len());
    assert_eq!(body["apps"], 3);
}

#[tokio::test]
async fn reset_restores_a_renamed_section_and_forgets_minted_tokens() {
    let emu = TestEmulator::start().await;
    let math = section_id("math4");
    let original = emu.emulator().world().section(&math).unwrap().name.clone();
    let (status, _) = emu
        .admin(Method::PATCH, &format!("/__admin/sections/{math}"), Some(json!({"name": "Algebra"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, minted) = emu
        .admin_post("/__admin/tokens", json!({"user_id": user_id("skelly"), "client_id": CLIENT_ID}))
        .await;
    let token = minted["access_token"].as_str().unwrap().to_owned();
    emu.admin_post("/__admin/clock", json!({"seconds": 3600})).await;

    let (status, _) = emu.admin_post("/__admin/reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(emu.emulator().world().section(&math).unwrap().name, original);
    assert!(emu.emulator().check_token(&token).is_err(), "minted token forgotten");
    let (_, clock) = emu.admin_get("/__admin/clock").await;
    assert_eq!(clock["offset_seconds"], 0.0);
}

#[tokio::test]
async fn a_seed_loads_as_json_or_toml_and_a_bad_reference_is_named() {
    let emu = TestEmulator::start().await;
    let seed = json!({
        "namespace": "tiny",
        "districts": [{"key": "d", "name": "Tiny District"}],
        "teachers": [{"key": "t", "first": "Tess", "last": "Ng"}],
        "sections": [{"key": "s", "name": "Art", "teachers": ["t"]}],
        "apps": [{"client_id": "a", "client_secret": "b", "redirect_uris": ["https://a.example/cb"]}]
    });
    let (status, health) = emu.admin(Method::PUT, "/__admin/seed", Some(seed)).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!((health["users"].as_u64(), health["sections"].as_u64()), (Some(1), Some(1)));
    let (_, got) = emu.admin_get("/__admin/seed").await;
    assert_eq!(got["namespace"], "tiny");

    let toml = "namespace = \"toml\"\n[[districts]]\nkey = \"d\"\nname = \"D\"\n\
                [[students]]\nkey = \"kid\"\nfirst = \"Zoë\"\nlast = \"Çelik\"\ngrade = \"4\"\n";
    let response = emu
        .http
        .put(emu.url("/__admin/seed"))
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kid = clever_emulator::ids::derive_id("toml", "user", "kid");
    assert_eq!(emu.emulator().world().users[&kid].name.first, "Zoë");

    let bad = json!({"districts": [{"key": "d", "name": "D"}],
                     "sections": [{"key": "s1", "name": "Math", "teachers": ["nobody"]}]});
    let (status, body) = emu.admin(Method::PUT, "/__admin/seed", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&body), "section \"s1\" refers to user \"nobody\", which the seed does not define");
    assert!(emu.emulator().world().users.contains_key(&kid), "a rejected seed changes nothing");

    let (status, body) = emu.admin(Method::PUT, "/__admin/seed", Some(json!({"studnets": []}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("unknown field `studnets`"), "{body}");
}

#[tokio::test]
async fn generate_loads_a_large_district_that_reset_returns_to() {
    let emu = TestEmulator::start().await;
    let spec = json!({"namespace": "big", "students": 2000, "teachers": 80, "sections": 100,
        "app": {"client_id": "gen-app", "client_secret": "s", "redirect_uris": ["https://gen.example/cb"]}});
    let (status, health) = emu.admin_post("/__admin/generate", spec).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["sections"], 100);
    let (_, students) = emu.admin_get("/__admin/users?role=student").await;
    assert_eq!(students.as_array().unwrap().len(), 2000);
    let (_, apps) = emu.admin_get("/__admin/apps").await;
    assert_eq!(apps[0]["client_id"], "gen-app");

    let first = clever_emulator::ids::derive_id("big", "user", "s000001");
    emu.admin(Method::DELETE, &format!("/__admin/users/{first}"), None).await;
    emu.admin_post("/__admin/reset", json!({})).await;
    assert!(emu.emulator().world().users.contains_key(&first), "reset returns to the generated district");

    let (status, body) = emu.admin_post("/__admin/generate", json!({"students": 100, "sections": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("raise sections"), "{body}");
    let (status, body) = emu.admin_post("/__admin/generate", json!({"pupils": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("unknown field `pupils`"), "{body}");
}

#[tokio::test]
async fn users_are_created_patched_and_deleted() {
    let emu = TestEmulator::start().await;
    let new = json!({"key": "newkid", "role": "student", "first": "Ada", "last": "Obi",
                     "school": "lincoln", "grade": "4"});
    let (status, created) = emu.admin_post("/__admin/users", new.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = user_id("newkid");
    assert_eq!(created["id"], id.as_str(), "id derived from the key like a seed record");
    assert!(emu.emulator().world().users[&id].has(Role::Student));
    let (status, body) = emu.admin_post("/__admin/users", new).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    emu.admin_post("/__admin/clock", json!({"advance": "1d"})).await;
    let patch = json!({"first": "Adaeze", "email": "ada@example.org", "grade": "5"});
    let (status, patched) = emu.admin(Method::PATCH, &format!("/__admin/users/{id}"), Some(patch)).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["email"], "ada@example.org");
    assert!(patched["last_modified"].as_str() > patched["created"].as_str(), "last_modified bumped");
    {
        let world = emu.emulator().world();
        assert_eq!(world.users[&id].name.first, "Adaeze");
        let user = &world.users[&id];
        assert!(user.last_modified - user.created >= time::Duration::days(1), "bumped to the emulated now");
    }
    let (_, cleared) =
        emu.admin(Method::PATCH, &format!("/__admin/users/{id}"), Some(json!({"email": null}))).await;
    assert_eq!(cleared["email"], Value::Null);

    let (_, found) = emu.admin_get("/__admin/users?q=adaeze").await;
    assert_eq!(found.as_array().unwrap().len(), 1);

    let maria = user_id("maria");
    let sections: Vec<String> = emu.emulator().world().section_ids_of(&maria).cloned().collect();
    assert!(!sections.is_empty());
    let (status, _) = emu.admin(Method::DELETE, &format!("/__admin/users/{maria}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    {
        let world = emu.emulator().world();
        assert!(!world.users.contains_key(&maria));
        assert!(
            sections.iter().all(|s| !world.section(s).unwrap().students.contains(&maria)),
            "memberships gone"
        );
    }
    let (status, body) = emu.admin(Method::DELETE, &format!("/__admin/users/{maria}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error_of(&body).contains("GET /__admin/users"));
}

#[tokio::test]
async fn sections_and_memberships_change_and_are_visible_in_the_world() {
    let emu = TestEmulator::start().await;
    let (skelly, aortega, maria, zoe) =
        (user_id("skelly"), user_id("aortega"), user_id("maria"), user_id("zoe"));
    let body = json!({"key": "art4", "name": "Art 4", "subject": "arts and music", "grade": "4",
                      "school": "lincoln", "teachers": [skelly], "students": [maria]});
    let (status, created) = emu.admin_post("/__admin/sections", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let art = section_id("art4");
    assert!(emu.emulator().world().section_ids_of(&maria).any(|s| s == &art));

    let (status, section) =
        emu.admin(Method::PUT, &format!("/__admin/sections/{art}/students/{zoe}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(section["students"], json!([maria, zoe]));
    let (_, section) = emu
        .admin(
            Method::PUT,
            &format!("/__admin/sections/{art}/teachers/{aortega}"),
            Some(json!({"primary": true})),
        )
        .await;
    assert_eq!(section["teachers"], json!([aortega, skelly]), "primary teacher first");

    let (status, _) =
        emu.admin(Method::DELETE, &format!("/__admin/sections/{art}/students/{maria}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!emu.emulator().world().section_ids_of(&maria).any(|s| s == &art), "index follows");
    let (status, body) =
        emu.admin(Method::DELETE, &format!("/__admin/sections/{art}/students/{maria}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error_of(&body).contains("is not a student of section"));

    let patch = json!({"name": "Studio Art", "period": "3", "section_number": null, "subject": "other"});
    let (_, patched) = emu.admin(Method::PATCH, &format!("/__admin/sections/{art}"), Some(patch)).await;
    assert_eq!((patched["name"].as_str(), patched["period"].as_str()), (Some("Studio Art"), Some("3")));
    assert_eq!(patched["section_number"], Value::Null);
    let (status, body) = emu.admin(Method::PATCH, &format!("/__admin/sections/{art}"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("changes nothing"));

    let (status, _) = emu.admin(Method::DELETE, &format!("/__admin/sections/{art}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(emu.emulator().world().section(&art).is_none());
    assert!(!emu.emulator().world().section_ids_of(&zoe).any(|s| s == &art));
    let (status, _) = emu.admin_get(&format!("/__admin/sections/{art}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn role_rules_are_enforced_with_clear_messages() {
    let emu = TestEmulator::start().await;
    let math = section_id("math4");
    let (status, body) = emu
        .admin(Method::PUT, &format!("/__admin/sections/{math}/teachers/{}", user_id("maria")), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("is a student, not a teacher"), "{body}");
    let (status, body) = emu
        .admin(Method::PUT, &format!("/__admin/sections/{math}/students/{}", user_id("skelly")), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("not a student"), "{body}");
    let (status, _) =
        emu.admin(Method::PUT, &format!("/__admin/sections/{math}/students/{}", "0".repeat(24)), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let both = json!({"key": "x", "roles": ["student", "teacher"], "first": "A", "last": "B"});
    let (status, body) = emu.admin_post("/__admin/users", both).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("cannot hold other roles"));
    let teacher_grade = json!({"key": "y", "role": "teacher", "first": "A", "last": "B", "grade": "4"});
    let (status, _) = emu.admin_post("/__admin/users", teacher_grade).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let section = json!({"key": "z", "name": "Z", "teachers": [user_id("maria")]});
    let (status, body) = emu.admin_post("/__admin/sections", section).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn apps_list_without_secrets_and_register_with_valid_redirects() {
    let emu = TestEmulator::start().await;
    let (_, apps) = emu.admin_get("/__admin/apps").await;
    assert!(!apps.to_string().contains(CLIENT_SECRET), "secrets never listed");
    let new =
        json!({"client_id": "new-app", "client_secret": "pw", "redirect_uris": ["https://n.example/cb"]});
    let (status, app) = emu.admin_post("/__admin/apps", new.clone()).await;
    assert_eq!((status, app["kind"].as_str()), (StatusCode::CREATED, Some("library")));
    assert!(emu.emulator().authenticate_client("new-app", "pw").is_some());
    assert_eq!(emu.admin_post("/__admin/apps", new).await.0, StatusCode::CONFLICT);
    let bad =
        json!({"client_id": "b", "client_secret": "pw", "redirect_uris": ["https://n.example/cb#frag"]});
    let (status, body) = emu.admin_post("/__admin/apps", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("fragment"));
}

#[tokio::test]
async fn minted_tokens_work_and_are_listed_without_their_value() {
    let emu = TestEmulator::start().await;
    let (status, body) = emu
        .admin_post("/__admin/tokens", json!({"user_id": user_id("skelly"), "client_id": CLIENT_ID}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = body["access_token"].as_str().unwrap();
    assert!(emu.emulator().check_token(token).is_ok());
    let (_, list) = emu.admin_get("/__admin/tokens").await;
    assert!(!list.to_string().contains(token), "the listing never shows a token");
    assert!(list.as_array().unwrap().iter().any(|t| t["owner_id"] == user_id("skelly").as_str()));

    let (status, body) =
        emu.admin_post("/__admin/tokens", json!({"user_id": "nobody", "client_id": CLIENT_ID})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error_of(&body).contains("no user"));
    let (status, _) =
        emu.admin_post("/__admin/tokens", json!({"user_id": user_id("skelly"), "client_id": "nope"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn minted_codes_redeem_exactly_once() {
    let emu = TestEmulator::start().await;
    let req = json!({"user_id": user_id("maria"), "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "count": 3});
    let (status, body) = emu.admin_post("/__admin/codes", req).await;
    assert_eq!(status, StatusCode::CREATED);
    let codes: Vec<String> = serde_json::from_value(body["codes"].clone()).unwrap();
    assert_eq!(codes.len(), 3);
    let e = emu.emulator();
    assert!(e.redeem_code(CLIENT_ID, Some(REDIRECT_URI), &codes[0]).is_ok());
    assert!(e.redeem_code(CLIENT_ID, Some(REDIRECT_URI), &codes[0]).is_err(), "single use");
    let (_, list) = emu.admin_get("/__admin/codes").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.iter().filter(|c| c["redeemed"] == true).count(), 1);
    assert!(codes.iter().all(|c| !Value::Array(list.clone()).to_string().contains(c.as_str())));

    let bad =
        json!({"user_id": user_id("maria"), "client_id": CLIENT_ID, "redirect_uri": OTHER_REDIRECT_URI});
    let (status, body) = emu.admin_post("/__admin/codes", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(&body).contains("is not registered"));
}

#[tokio::test]
async fn the_clock_only_moves_forward() {
    let emu = TestEmulator::start().await;
    let before = emu.emulator().now();
    let (status, body) = emu.admin_post("/__admin/clock", json!({"seconds": 61})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["offset_seconds"].as_f64().unwrap() >= 61.0);
    assert!(emu.emulator().now() - before >= time::Duration::seconds(61));
    let (status, body) = emu.admin_post("/__admin/clock", json!({"seconds": -5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).contains("only moves forward"));
    let (_, body) = emu.admin_post("/__admin/clock", json!({"advance": "2h"})).await;
    assert_eq!(body["offset_seconds"], 61.0 + 7200.0);
    let (status, _) = emu.admin_post("/__admin/clock", json!({"advance": "soon"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_next_login_queue_can_be_filled_listed_and_cleared() {
    let emu = TestEmulator::start().await;
    let (status, queue) = emu.admin_post("/__admin/next-login", json!({"user_id": user_id("maria")})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(queue.as_array().unwrap().len(), 1);
    emu.admin_post("/__admin/next-login", json!({"user_id": user_id("skelly"), "client_id": CLIENT_ID}))
        .await;
    let (_, queue) = emu.admin_get("/__admin/next-login").await;
    assert_eq!(queue[1]["client_id"], CLIENT_ID);
    assert_eq!(emu.emulator().browser().next_logins.front().unwrap().user_id, user_id("maria"));
    let (status, _) = emu.admin_post("/__admin/next-login", json!({"user_id": "ghost"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = emu.admin(Method::DELETE, "/__admin/next-login", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(emu.emulator().browser().next_logins.is_empty());
}

#[tokio::test]
async fn faults_are_validated_applied_listed_and_removed() {
    let emu = TestEmulator::start().await;
    let (status, rule) =
        emu.admin_post("/__admin/faults", json!({"path": "/v3.0/*", "status": 503, "times": 1})).await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    let response = emu.http.get(emu.url("/v3.0/me")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(emu.admin_get("/__admin/health").await.0, StatusCode::OK, "admin routes are never faulted");
    let (_, rules) = emu.admin_get("/__admin/faults").await;
    assert_eq!(rules[0]["applied"], 1);

    let id = rule["id"].as_u64().unwrap();
    assert_eq!(
        emu.admin(Method::DELETE, &format!("/__admin/faults/{id}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        emu.admin(Method::DELETE, &format!("/__admin/faults/{id}"), None).await.0,
        StatusCode::NOT_FOUND
    );
    emu.admin_post("/__admin/faults", json!({"path": "/oauth/*", "rate_limit": true})).await;
    assert_eq!(emu.admin(Method::DELETE, "/__admin/faults", None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(emu.admin_get("/__admin/faults").await.1, json!([]));

    for (spec, message) in [
        (json!({"path": "/v3.0/*", "status": 200}), "between 400 and 599"),
        (json!({"path": "/v3.0/*"}), "the rule does nothing"),
        (json!({"path": "/v3.0/*", "latency_ms": 0}), "the rule does nothing"),
        (json!({"path": "v3.0", "status": 500}), "must start with /"),
        (json!({"path": "/v3.0/*", "body": "wobbly"}), "unknown variant"),
    ] {
        let (status, body) = emu.admin_post("/__admin/faults", spec.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{spec}");
        assert!(error_of(&body).contains(message), "{spec}: {body}");
    }
}

#[tokio::test]
async fn the_journal_records_app_requests_but_not_admin_ones() {
    let emu = TestEmulator::start().await;
    emu.admin_get("/__admin/health").await;
    emu.http.get(emu.url("/v3.0/me")).bearer_auth("x").send().await.unwrap();
    emu.http.post(emu.url("/v3.0/me")).send().await.unwrap();
    emu.http.get(emu.url("/oauth/elsewhere")).send().await.unwrap();

    let (_, all) = emu.admin_get("/__admin/journal").await;
    assert!(all.as_array().unwrap().iter().all(|e| !e["path"].as_str().unwrap().starts_with("/__admin")));
    let (_, me) = emu.admin_get("/__admin/journal?path=/v3.0/*").await;
    let me = me.as_array().unwrap();
    assert_eq!(me.len(), 2);
    assert_eq!((me[0]["method"].as_str(), me[0]["path"].as_str()), (Some("GET"), Some("/v3.0/me")));
    assert_eq!(me[0]["auth"], "bearer");
    assert!(me[0]["status"].as_u64().unwrap() >= 200);
    let (_, posts) = emu.admin_get("/__admin/journal?path=/v3.0/*&method=post").await;
    assert_eq!(posts.as_array().unwrap().len(), 1);

    assert_eq!(emu.admin(Method::DELETE, "/__admin/journal", None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(emu.admin_get("/__admin/journal").await.1, json!([]));
}

#[tokio::test]
async fn openapi_document_and_index_list_every_admin_path() {
    let emu = TestEmulator::start().await;
    let (status, doc) = emu.admin_get("/__admin/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/__admin/health",
        "/__admin/reset",
        "/__admin/seed",
        "/__admin/generate",
        "/__admin/users/{id}",
        "/__admin/sections/{id}/teachers/{user_id}",
        "/__admin/apps",
        "/__admin/tokens",
        "/__admin/codes",
        "/__admin/next-login",
        "/__admin/journal",
        "/__admin/clock",
        "/__admin/faults/{id}",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["FaultSpec"].is_object());
    let (_, index) = emu.admin_get("/__admin").await;
    assert_eq!(index["openapi"], "/__admin/openapi.json");
    assert!(index["endpoints"].as_array().unwrap().iter().any(|e| e == "PATCH /__admin/sections/{id}"));
}

#[tokio::test]
async fn malformed_json_is_a_400_with_serdes_message() {
    let emu = TestEmulator::start().await;
    let response = emu.http.post(emu.url("/__admin/users")).body("{\"key\": ").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(error_of(&body).starts_with("invalid JSON body: EOF while parsing"), "{body}");
}

#[tokio::test]
async fn a_generated_district_exports_as_a_seed_that_rebuilds_it() {
    use clever_emulator::generate::{GenerateSpec, generate};
    use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator};
    let world = generate(&GenerateSpec::default(), time::OffsetDateTime::UNIX_EPOCH).unwrap();
    let ids: Vec<String> = world.users.keys().cloned().collect();
    let emulator = Emulator::from_world(world, EmulatorConfig::default(), Clock::system()).unwrap();
    let running = RunningEmulator::start(emulator, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let http = reqwest::Client::new();
    let response = http.get(format!("{}/__admin/seed", running.base_url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let seed = response.text().await.unwrap();

    // Change the world, then load the exported seed: the generated district is back, same ids.
    running.emulator.world_mut().users.clear();
    let loaded = http
        .put(format!("{}/__admin/seed", running.base_url))
        .header("content-type", "application/json")
        .body(seed)
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), StatusCode::OK, "{}", loaded.text().await.unwrap());
    let reloaded: Vec<String> = running.emulator.world().users.keys().cloned().collect();
    assert_eq!(reloaded, ids);
    let health: Value =
        http.get(format!("{}/__admin/health", running.base_url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["sections"], GenerateSpec::default().sections);
}

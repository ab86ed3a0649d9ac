//! Profiles that change records: `no-member-lists`, `loose-enums`, `legacy-me`, `extra-fields`.

use clever_types::{Grade, Subject};
use serde_json::Value;

use crate::common::{CLIENT_ID, TestEmulator, district_id, section_id, user_id};
use crate::start_as;
use crate::support::{district_token, keys, ok};

/// Every section object of an answer (a single one or a list's).
fn sections(body: &Value) -> Vec<&Value> {
    match &body["data"] {
        Value::Array(items) => items.iter().map(|item| &item["data"]).collect(),
        record => vec![record],
    }
}

#[tokio::test]
async fn no_member_lists_sends_every_section_without_students_or_teachers() {
    let te = start_as("no-member-lists").await;
    let teacher = te.token_for("skelly");
    let district = district_token(&te);
    let answers = [
        ok(&te, &teacher, &format!("/v3.0/sections/{}", section_id("math4"))).await,
        ok(&te, &teacher, &format!("/v3.0/users/{}/sections", user_id("skelly"))).await,
        ok(&te, &district, "/v3.0/sections").await,
        ok(&te, &district, &format!("/v3.1/sections/{}", section_id("math4"))).await,
        ok(&te, &district, &format!("/v3.0/users/{}/sections", user_id("maria"))).await,
    ];
    for answer in &answers {
        for section in sections(answer) {
            let fields = keys(section);
            assert!(fields.contains(&"name") && fields.contains(&"subject"), "{section}");
            for gone in ["students", "teachers", "teacher"] {
                assert!(!fields.contains(&gone), "{gone} is sent: {section}");
            }
        }
    }
    assert_eq!(sections(&answers[2]).len(), 4);
    // A teacher still learns its students, and a section its members.
    let mine = ok(&te, &teacher, &format!("/v3.0/users/{}/mystudents", user_id("skelly"))).await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 6);
    let members =
        ok(&te, &teacher, &format!("/v3.0/sections/{}/users?role=student", section_id("math4"))).await;
    assert_eq!(members["data"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn loose_enums_sends_subjects_and_grades_outside_clevers_sets() {
    let te = start_as("loose-enums").await;
    let teacher = te.token_for("skelly");
    let section = |key: &'static str| {
        let token = district_token(&te);
        let te = &te;
        async move { ok(te, &token, &format!("/v3.0/sections/{}", section_id(key))).await["data"].clone() }
    };
    let math = section("math4").await;
    assert_eq!((math["subject"].as_str(), math["grade"].as_str()), (Some("Mathematics"), Some("4th")));
    let reading = section("reading4").await;
    assert_eq!((reading["subject"].as_str(), reading["grade"].as_str()), (Some("ELA"), Some("4th")));
    let homeroom = section("homeroom4").await;
    assert_eq!((homeroom["subject"].as_str(), homeroom["grade"].as_str()), (Some("Homeroom"), Some("")));
    let science = section("science7").await;
    assert_eq!((science["subject"].as_str(), science["grade"].as_str()), (Some("Science"), Some("7th")));
    for s in [&math, &reading, &homeroom, &science] {
        assert!(!Subject::from_wire(s["subject"].as_str().unwrap()).is_known(), "{s}");
    }

    // Students' grades, at Library and district scope.
    let zoe = ok(&te, &teacher, &format!("/v3.0/users/{}", user_id("zoe"))).await;
    assert_eq!(zoe["data"]["roles"]["student"]["grade"], "4th");
    let aiyana = ok(&te, &teacher, &format!("/v3.0/users/{}", user_id("aiyana"))).await;
    assert_eq!(aiyana["data"]["roles"]["student"]["grade"], "UG");
    let maria = ok(&te, &district_token(&te), &format!("/v3.1/users/{}", user_id("maria"))).await;
    let grade = maria["data"]["roles"]["student"]["grade"].as_str().unwrap();
    assert_eq!(grade, "4th");
    assert!(!Grade::from_wire(grade).is_known());
    let listed = ok(&te, &teacher, &format!("/v3.0/users/{}/mystudents", user_id("skelly"))).await;
    for item in listed["data"].as_array().unwrap() {
        let grade = item["data"]["roles"]["student"]["grade"].as_str().unwrap();
        assert!(["4th", "UG"].contains(&grade), "{item}");
    }
}

#[tokio::test]
async fn legacy_me_says_the_role_in_type() {
    let te = start_as("legacy-me").await;
    for (key, role) in [
        ("skelly", "teacher"),
        ("aortega", "teacher"),
        ("maria", "student"),
        ("pwhite", "staff"),
        ("rgreen", "district_admin"),
    ] {
        for path in ["/v3.0/me", "/v3.1/me", "/me"] {
            let me = ok(&te, &te.token_for(key), path).await;
            assert_eq!(me["data"]["type"], role, "{key} at {path}");
            assert_eq!(me["data"]["id"], user_id(key));
        }
    }
    let district = ok(&te, &district_token(&te), "/v3.0/me").await;
    assert_eq!(district["data"]["type"], "district");
}

/// True when `value` carries the extra key.
fn extra(value: &Value) -> bool {
    value["x_vendor"] == serde_json::json!({"source": "emulator"})
}

#[tokio::test]
async fn extra_fields_puts_unknown_keys_on_every_object_and_envelope() {
    let te = start_as("extra-fields").await;
    let teacher = te.token_for("skelly");
    let district = district_token(&te);
    for (token, path) in [
        (&teacher, "/v3.0/me".to_owned()),
        (&teacher, format!("/v3.0/users/{}", user_id("skelly"))),
        (&teacher, format!("/v3.0/sections/{}", section_id("math4"))),
        (&district, format!("/v3.0/districts/{}", district_id())),
    ] {
        let body = ok(&te, token, &path).await;
        assert!(extra(&body) && extra(&body["data"]), "{path}: {body}");
        assert!(body["links"].is_array(), "Clever's keys stay: {body}");
    }
    for (token, path) in [
        (&teacher, format!("/v3.0/users/{}/sections", user_id("skelly"))),
        (&teacher, format!("/v3.0/sections/{}/users", section_id("math4"))),
        (&district, "/v3.0/users?limit=3".to_owned()),
    ] {
        let body = ok(&te, token, &path).await;
        assert!(extra(&body), "{path}: {body}");
        for item in body["data"].as_array().unwrap() {
            assert!(extra(item) && extra(&item["data"]) && item["data"]["id"].is_string(), "{path}: {item}");
        }
    }
    let info = ok(&te, &teacher, "/userinfo").await;
    assert!(extra(&info) && info["sub"] == user_id("skelly"), "{info}");
    let tokeninfo: Value = te.get_as(&teacher, "/oauth/tokeninfo").await.json().await.unwrap();
    assert!(extra(&tokeninfo) && tokeninfo["client_id"] == CLIENT_ID, "{tokeninfo}");

    te.queue_login("skelly").await;
    let landing = te.log_in(&crate::common::browser::browser(), "skelly", "s").await;
    let crate::common::browser::Landing::App(url) = landing else { panic!("{landing:?}") };
    let (status, token) = te.redeem(&crate::common::browser::query_of(&url)["code"]).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(extra(&token) && token["token_type"] == "bearer", "{token}");
}

#[tokio::test]
async fn profiles_off_leave_the_shapes_alone() {
    let te: TestEmulator = start_as("").await;
    let token = te.token_for("skelly");
    let section = ok(&te, &token, &format!("/v3.0/sections/{}", section_id("math4"))).await;
    assert_eq!(section["data"]["subject"], "math");
    assert!(section["data"]["students"].is_array() && section.get("x_vendor").is_none());
    assert_eq!(ok(&te, &token, "/v3.0/me").await["data"]["type"], "user");
}

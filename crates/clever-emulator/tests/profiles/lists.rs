//! Profiles that change lists and paths: `no-links` and `no-section-users`.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestEmulator, district_id, section_id, user_id};
use crate::start_as;
use crate::support::{district_token, get, item_ids, ok};

#[tokio::test]
async fn no_links_sends_no_links_and_every_item_on_one_page() {
    let te = start_as("no-links").await;
    let teacher = te.token_for("skelly");
    let district = district_token(&te);
    for (token, path) in [
        (&teacher, "/v3.0/me".to_owned()),
        (&teacher, "/me".to_owned()),
        (&teacher, format!("/v3.0/users/{}", user_id("skelly"))),
        (&teacher, format!("/v3.1/sections/{}", section_id("math4"))),
        (&district, format!("/v3.0/districts/{}", district_id())),
        (&district, "/v3.0/me".to_owned()),
    ] {
        let body = ok(&te, token, &path).await;
        assert!(body.get("links").is_none(), "{path}: {body}");
        assert!(body["data"]["id"].is_string(), "{path}: {body}");
    }

    let users = te.emulator().world().users.len();
    // `limit` is ignored, even one Clever would refuse with 413, and so are cursors.
    for path in ["/v3.0/users?limit=2", "/v3.0/users?limit=20000", "/v3.1/users?limit=1&starting_after=zzz"] {
        let page = ok(&te, &district, path).await;
        assert!(page.get("links").is_none(), "{path}: {page}");
        assert_eq!(item_ids(&page).len(), users, "{path}: every user in one answer");
        assert!(page["data"][0]["uri"].is_string(), "items keep their uri");
    }
    let students = ok(&te, &district, "/v3.0/users?role=student&limit=1").await;
    assert_eq!(item_ids(&students).len(), 8, "the role filter still applies");
    let members = ok(&te, &teacher, &format!("/v3.0/sections/{}/users?limit=1", section_id("math4"))).await;
    assert_eq!(item_ids(&members).len(), 7, "5 students and 2 teachers");
    let mine = ok(&te, &teacher, &format!("/v3.0/users/{}/mystudents?limit=2", user_id("skelly"))).await;
    assert_eq!(item_ids(&mine).len(), 6);
    assert!(mine.get("links").is_none());
}

#[tokio::test]
async fn no_links_keeps_errors_as_they_are() {
    let te = start_as("no-links").await;
    let reply = get(&te, Some(&te.token_for("skelly")), "/v3.0/users?limit=2").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"message": "Resource not in token's scopes"}));
}

#[tokio::test]
async fn no_section_users_answers_404_for_a_sections_users_as_for_any_unknown_path() {
    let te = start_as("no-section-users").await;
    let teacher = te.token_for("skelly");
    let district = district_token(&te);
    for version in ["v3.0", "v3.1"] {
        let path = format!("/{version}/sections/{}/users?role=student", section_id("math4"));
        for token in [Some(teacher.as_str()), Some(district.as_str()), None, Some("il-not-a-token")] {
            let reply = get(&te, token, &path).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path} with {token:?}");
            assert_eq!(reply.body, json!({"message": "Resource not found"}));
            assert!(
                reply.header("x-ratelimit-limit").is_none(),
                "the path does not exist, nothing is counted"
            );
        }
        let unknown = get(&te, None, &format!("/{version}/sections/{}/nothing", section_id("math4"))).await;
        assert_eq!(unknown.body, json!({"message": "Resource not found"}));
    }
    // The rest of the API is there.
    ok(&te, &teacher, &format!("/v3.0/sections/{}", section_id("math4"))).await;
    let mine = ok(&te, &teacher, &format!("/v3.0/users/{}/mystudents", user_id("skelly"))).await;
    assert_eq!(item_ids(&mine).len(), 6);
}

#[tokio::test]
async fn without_no_section_users_the_path_needs_a_token() {
    let te = TestEmulator::start().await;
    let path = format!("/v3.0/sections/{}/users", section_id("math4"));
    assert_eq!(get(&te, None, &path).await.status, StatusCode::UNAUTHORIZED);
}

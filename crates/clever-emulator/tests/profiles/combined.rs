//! Profiles together: a server with no member lists, no `/sections/{id}/users`, a v2-style `/me`,
//! readable ids, no links and loose enums still lets a teacher learn its students.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::browser::{Landing, browser, query_of};
use crate::start_as;
use crate::support::{get, item_ids, ok};

#[tokio::test]
async fn a_teacher_learns_its_students_through_mystudents_when_sections_list_none() {
    let te = start_as("no-member-lists,no-section-users,legacy-me,foreign-ids,no-links,loose-enums").await;
    let login =
        te.http.post(te.url("/__admin/next-login")).json(&serde_json::json!({"user_id": "user-skelly"}));
    assert_eq!(login.send().await.unwrap().status(), StatusCode::CREATED);
    let Landing::App(url) = te.log_in(&browser(), "skelly", "s").await else { panic!("no code") };
    let (status, body) = te.redeem(&query_of(&url)["code"]).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["access_token"].as_str().unwrap();

    let me = ok(&te, token, "/v3.0/me").await;
    assert_eq!(
        (me["data"]["id"].as_str(), me["data"]["type"].as_str()),
        (Some("user-skelly"), Some("teacher"))
    );
    assert!(me.get("links").is_none());

    let sections = ok(&te, token, "/v3.0/users/user-skelly/sections?limit=1").await;
    assert_eq!(item_ids(&sections), ["section-homeroom4", "section-math4", "section-reading4"]);
    for item in sections["data"].as_array().unwrap() {
        let section = &item["data"];
        assert!(section.get("students").is_none() && section.get("teachers").is_none(), "{section}");
        assert!(
            ["Mathematics", "ELA", "Homeroom"].contains(&section["subject"].as_str().unwrap()),
            "{section}"
        );
    }
    let path = "/v3.0/sections/section-math4/users?role=student";
    assert_eq!(get(&te, Some(token), path).await.status, StatusCode::NOT_FOUND);

    let students = ok(&te, token, "/v3.0/users/user-skelly/mystudents?limit=2").await;
    assert!(students.get("links").is_none());
    assert_eq!(
        item_ids(&students),
        ["user-aiyana", "user-jamal", "user-liwei", "user-maria", "user-oliver", "user-zoe"]
    );
    let grades: Vec<&Value> = students["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["data"]["roles"]["student"]["grade"])
        .collect();
    assert!(grades.iter().all(|g| *g == "4th" || *g == "UG"), "{grades:?}");
}

//! Library (teacher-shared) scope versus district-shared data.

use reqwest::StatusCode;

use crate::common::{TestEmulator, district_id, section_id, user_id};
use crate::support::{district_token, get, item_ids, keys, ok};

const OUT_OF_SCOPE: &str = "Resource not in token's scopes";

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn a_teacher_reads_its_own_section_with_only_library_fields() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let section = ok(&te, &token, &format!("/v3.0/sections/{}", section_id("math4"))).await;
    assert_eq!(
        keys(&section["data"]),
        ["grade", "id", "name", "section_number", "students", "subject", "teachers"],
        "no district, school, period, sis_id, teacher or timestamps: {section}"
    );
    assert_eq!(section["data"]["teachers"][0], user_id("skelly"));
    assert_eq!(section["data"]["students"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn a_teacher_sees_itself_without_district_or_school() {
    let te = TestEmulator::start().await;
    let me = ok(&te, &te.token_for("skelly"), &format!("/v3.0/users/{}", user_id("skelly"))).await;
    assert_eq!(keys(&me["data"]), ["email", "id", "name", "roles"]);
    assert_eq!(me["data"]["roles"], serde_json::json!({"teacher": {}}));
}

#[tokio::test]
async fn another_teachers_section_is_403_with_clevers_message() {
    let te = TestEmulator::start().await;
    let reply =
        get(&te, Some(&te.token_for("skelly")), &format!("/v3.0/sections/{}", section_id("science7"))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.message(), OUT_OF_SCOPE);
    assert!(reply.header("www-authenticate").unwrap_or_default().contains("insufficient_scope"));
}

#[tokio::test]
async fn a_student_outside_the_teachers_sections_is_403_and_unknown_ids_404() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let reply = get(&te, Some(&token), &format!("/v3.0/users/{}", user_id("sofia"))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.message(), OUT_OF_SCOPE);
    for path in ["/v3.0/users/000000000000000000000000", "/v3.0/sections/nope", "/v3.0/nothing/here"] {
        let reply = get(&te, Some(&token), path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!reply.message().is_empty(), "{path}: JSON message body");
    }
    let reply = get(&te, Some(&token), &format!("/v3.0/users/{}/nothing", user_id("skelly"))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn students_are_cut_to_first_name_last_initial_and_grade() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let maria = ok(&te, &token, &format!("/v3.0/users/{}", user_id("maria"))).await;
    assert_eq!(keys(&maria["data"]), ["id", "name", "roles"]);
    assert_eq!(maria["data"]["name"], serde_json::json!({"first": "María", "last": "N"}));
    assert_eq!(maria["data"]["roles"], serde_json::json!({"student": {"grade": "4"}}));
    let page = ok(&te, &token, &format!("/v3.0/sections/{}/users?role=student", section_id("math4"))).await;
    let lasts: Vec<&str> =
        page["data"].as_array().unwrap().iter().filter_map(|u| u["data"]["name"]["last"].as_str()).collect();
    assert_eq!(lasts.len(), 5);
    assert!(lasts.iter().all(|l| l.chars().count() == 1), "{lasts:?}");
    assert!(
        lasts.contains(&"李") && lasts.contains(&"Ç"),
        "non-ASCII initials are whole characters: {lasts:?}"
    );
}

#[tokio::test]
async fn a_teacher_lists_its_sections_students_and_co_teachers() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let me = user_id("skelly");
    let sections = ok(&te, &token, &format!("/v3.0/users/{me}/sections")).await;
    let expected = sorted(["math4", "reading4", "homeroom4"].map(section_id).to_vec());
    assert_eq!(item_ids(&sections), expected);
    let students = ok(&te, &token, &format!("/v3.0/users/{me}/mystudents")).await;
    let expected = sorted(["maria", "zoe", "liwei", "jamal", "oliver", "aiyana"].map(user_id).to_vec());
    assert_eq!(item_ids(&students), expected, "each student once, across sections");
    let teachers =
        ok(&te, &token, &format!("/v3.0/sections/{}/users?role=teacher", section_id("math4"))).await;
    assert_eq!(item_ids(&teachers), sorted(vec![me.clone(), user_id("aortega")]));
    let ana = ok(&te, &token, &format!("/v3.0/users/{}", user_id("aortega"))).await;
    assert_eq!(keys(&ana["data"]), ["id", "name", "roles"], "a co-teacher: id and name only");
    assert!(ana["data"].get("email").is_none());
    // Not a co-teacher, and not the teacher's own sub-resources.
    for path in [
        format!("/v3.0/users/{}", user_id("nokafor")),
        format!("/v3.0/users/{}/sections", user_id("aortega")),
        format!("/v3.0/users/{}/sections", user_id("maria")),
        format!("/v3.0/sections/{}/users", section_id("science7")),
        "/v3.0/users?role=student".to_owned(),
        "/v3.0/sections".to_owned(),
        format!("/v3.0/districts/{}", district_id()),
    ] {
        let reply = get(&te, Some(&token), &path).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}: {}", reply.body);
    }
}

#[tokio::test]
async fn a_student_token_sees_only_itself() {
    let te = TestEmulator::start().await;
    let token = te.token_for("maria");
    let me = ok(&te, &token, &format!("/v3.0/users/{}", user_id("maria"))).await;
    assert_eq!(keys(&me["data"]), ["id", "name", "roles"]);
    assert_eq!(me["data"]["name"]["last"], "Núñez", "a student's own name is not cut");
    assert_eq!(me["data"]["roles"], serde_json::json!({"student": {"grade": "4"}}));
    for path in [
        format!("/v3.0/users/{}", user_id("zoe")),
        format!("/v3.0/users/{}", user_id("skelly")),
        format!("/v3.0/sections/{}", section_id("math4")),
        format!("/v3.0/users/{}/sections", user_id("maria")),
        format!("/v3.0/users/{}/myteachers", user_id("maria")),
    ] {
        assert_eq!(get(&te, Some(&token), &path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn staff_and_admin_library_tokens_see_only_themselves() {
    let te = TestEmulator::start().await;
    for key in ["pwhite", "rgreen"] {
        let token = te.token_for(key);
        let me = ok(&te, &token, &format!("/v3.0/users/{}", user_id(key))).await;
        assert!(me["data"].get("district").is_none());
        let reply = get(&te, Some(&token), &format!("/v3.0/users/{}", user_id("skelly"))).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{key}");
    }
}

#[tokio::test]
async fn a_district_token_sees_full_records_and_lists() {
    let te = TestEmulator::start().await;
    let token = district_token(&te);
    let skelly = ok(&te, &token, &format!("/v3.0/users/{}", user_id("skelly"))).await;
    let data = &skelly["data"];
    assert_eq!(data["district"], district_id());
    assert!(data["created"].is_string() && data["last_modified"].is_string());
    assert_eq!(data["roles"]["teacher"]["district"], district_id());
    assert_eq!(data["roles"]["teacher"]["title"], "4th Grade Teacher");
    assert!(data.get("lms_status").is_none(), "lms_status is v3.1 only");
    let maria = ok(&te, &token, &format!("/v3.1/users/{}", user_id("maria"))).await;
    assert_eq!(maria["data"]["name"]["last"], "Núñez");
    assert_eq!(maria["data"]["lms_status"]["synced_in_lms"], false);
    let section = ok(&te, &token, &format!("/v3.0/sections/{}", section_id("math4"))).await;
    assert_eq!(section["data"]["teacher"], user_id("skelly"));
    assert_eq!(section["data"]["period"], "1");
    assert_eq!(section["data"]["district"], district_id());

    let students = ok(&te, &token, "/v3.0/users?role=student").await;
    let expected = sorted(
        ["maria", "zoe", "liwei", "jamal", "aiyana", "oliver", "sofia", "ethan"].map(user_id).to_vec(),
    );
    assert_eq!(item_ids(&students), expected);
    let first = &students["data"][0];
    assert_eq!(first["uri"], format!("/v3.0/users/{}", first["data"]["id"].as_str().unwrap()));
    let staff = ok(&te, &token, "/v3.0/users?role=staff").await;
    assert_eq!(item_ids(&staff), sorted(vec![user_id("aortega"), user_id("pwhite")]));
    assert_eq!(item_ids(&ok(&te, &token, "/v3.0/users?role=contact").await), Vec::<String>::new());
    assert_eq!(item_ids(&ok(&te, &token, "/v3.0/sections").await).len(), 4);
    assert_eq!(get(&te, Some(&token), "/v3.0/users?role=parent").await.status, StatusCode::BAD_REQUEST);
    let bad =
        get(&te, Some(&token), &format!("/v3.0/sections/{}/users?role=staff", section_id("math4"))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&te, Some(&token), "/v3.0/districts/000000000000000000000000").await.status,
        StatusCode::NOT_FOUND
    );
    let teachers = ok(&te, &token, &format!("/v3.0/users/{}/myteachers", user_id("maria"))).await;
    assert_eq!(item_ids(&teachers), sorted(vec![user_id("skelly"), user_id("aortega")]));
}

#[tokio::test]
async fn other_districts_records_are_404_for_a_district_token_and_403_for_a_teacher() {
    let te = TestEmulator::start().await;
    let stranger = {
        let mut world = te.emulator().world_mut();
        let mut user = world.users[&user_id("maria")].clone();
        user.id = "0123456789abcdef01234567".to_owned();
        user.district = "fedcba9876543210fedcba98".to_owned();
        world.users.insert(user.id.clone(), user.clone());
        user.id
    };
    let path = format!("/v3.0/users/{stranger}");
    assert_eq!(get(&te, Some(&district_token(&te)), &path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&te, Some(&te.token_for("skelly")), &path).await.status, StatusCode::FORBIDDEN);
    let students = ok(&te, &district_token(&te), "/v3.0/users?role=student").await;
    assert!(!item_ids(&students).contains(&stranger), "lists stay inside the district");
}

#[tokio::test]
async fn library_views_are_the_same_under_v3_1() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let section = ok(&te, &token, &format!("/v3.1/sections/{}", section_id("math4"))).await;
    assert!(section["data"].get("lms_status").is_none(), "{section}");
    let maria = ok(&te, &token, &format!("/v3.1/users/{}", user_id("maria"))).await;
    assert_eq!(keys(&maria["data"]), ["id", "name", "roles"]);
    assert_eq!(section["links"][0]["uri"], format!("/v3.1/sections/{}", section_id("math4")));
}

#[tokio::test]
async fn a_user_whose_record_was_removed_can_no_longer_use_its_token() {
    let te = TestEmulator::start().await;
    let token = te.token_for("dbrooks");
    te.emulator().world_mut().remove_user(&user_id("dbrooks"));
    let reply = get(&te, Some(&token), "/v3.0/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// A teacher's reach follows the roster as the admin API changes it, from one request to the next:
/// nothing about a teacher's students or co-teachers is remembered across requests.
#[tokio::test]
async fn a_teachers_reach_follows_roster_changes_made_through_the_admin_api() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let (me, sofia, nokafor) = (user_id("skelly"), user_id("sofia"), user_id("nokafor"));
    let math = section_id("math4");
    let admin = |method: reqwest::Method, path: String| {
        let request = te.http.request(method, te.url(&path));
        async move { request.send().await.unwrap().status() }
    };
    let sofia_path = format!("/v3.0/users/{sofia}");
    let nokafor_path = format!("/v3.0/users/{nokafor}");
    let my_students = format!("/v3.0/users/{me}/mystudents");
    let math_teachers = format!("/v3.0/sections/{math}/users?role=teacher");
    assert_eq!(get(&te, Some(&token), &sofia_path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&te, Some(&token), &nokafor_path).await.status, StatusCode::FORBIDDEN);
    let before = item_ids(&ok(&te, &token, &my_students).await);
    assert!(!before.contains(&sofia));

    let enrol = format!("/__admin/sections/{math}/students/{sofia}");
    assert_eq!(admin(reqwest::Method::PUT, enrol.clone()).await, StatusCode::OK);
    let seen = ok(&te, &token, &sofia_path).await;
    assert_eq!(keys(&seen["data"]), ["id", "name", "roles"], "a student of the teacher now");
    assert!(item_ids(&ok(&te, &token, &my_students).await).contains(&sofia));

    let co_teach = format!("/__admin/sections/{math}/teachers/{nokafor}");
    assert_eq!(admin(reqwest::Method::PUT, co_teach.clone()).await, StatusCode::OK);
    let seen = ok(&te, &token, &nokafor_path).await;
    assert_eq!(seen["data"]["roles"], serde_json::json!({"teacher": {}}), "a co-teacher now");
    assert!(item_ids(&ok(&te, &token, &math_teachers).await).contains(&nokafor));

    assert_eq!(admin(reqwest::Method::DELETE, enrol).await, StatusCode::OK);
    assert_eq!(admin(reqwest::Method::DELETE, co_teach).await, StatusCode::OK);
    assert_eq!(get(&te, Some(&token), &sofia_path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&te, Some(&token), &nokafor_path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(item_ids(&ok(&te, &token, &my_students).await), before);
    assert!(!item_ids(&ok(&te, &token, &math_teachers).await).contains(&nokafor));
}

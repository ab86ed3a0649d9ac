//! `/me` and `/userinfo`: teacher-shared (Library) logins never see a district; district-shared
//! logins always do.

use reqwest::StatusCode;

use crate::common::{TestEmulator, district_id, user_id};
use crate::support::{district_token, get, keys, link, ok, shared_token};

#[tokio::test]
async fn me_for_a_library_teacher_has_no_district() {
    let te = TestEmulator::start().await;
    let me = ok(&te, &te.token_for("skelly"), "/v3.0/me").await;
    assert_eq!(me["data"]["id"], user_id("skelly"));
    assert_eq!(me["data"]["type"], "user");
    assert!(me["data"].get("district").is_none(), "{me}");
    assert_eq!(link(&me, "self"), Some("/me"));
    assert_eq!(link(&me, "canonical"), Some(format!("/v3.0/users/{}", user_id("skelly")).as_str()));
    assert_eq!(link(&me, "district"), None);
}

#[tokio::test]
async fn me_for_a_district_shared_login_names_the_district() {
    let te = TestEmulator::start().await;
    let me = ok(&te, &shared_token(&te, "skelly"), "/v3.1/me").await;
    assert_eq!(me["data"]["district"], district_id());
    assert_eq!(link(&me, "district"), Some(format!("/v3.1/districts/{}", district_id()).as_str()));
    assert_eq!(link(&me, "canonical"), Some(format!("/v3.1/users/{}", user_id("skelly")).as_str()));
}

#[tokio::test]
async fn me_for_a_district_token_is_the_district() {
    let te = TestEmulator::start().await;
    let me = ok(&te, &district_token(&te), "/v3.0/me").await;
    assert_eq!(me["data"]["type"], "district");
    assert_eq!(me["data"]["id"], district_id());
}

#[tokio::test]
async fn userinfo_for_a_library_teacher() {
    let te = TestEmulator::start().await;
    let info = ok(&te, &te.token_for("aortega"), "/userinfo").await;
    assert_eq!(info["sub"], user_id("aortega"));
    assert_eq!(info["multi_role_user_id"], user_id("aortega"));
    assert_eq!(info["user_type"], "teacher", "teacher wins over staff for a multi-role login");
    assert_eq!(info["email_verified"], false);
    assert_eq!(info["given_name"], "Ana");
    assert_eq!(info["family_name"], "Ortega-Muñoz");
    assert_eq!(info["name"]["middle"], "Lucía");
    assert_eq!(info["schools"], serde_json::json!([]));
    assert!(info.get("district").is_none() && info.get("district_id").is_none(), "{info}");
}

#[tokio::test]
async fn userinfo_roles_and_district_sharing() {
    let te = TestEmulator::start().await;
    let student = ok(&te, &te.token_for("zoe"), "/userinfo").await;
    assert_eq!(student["user_type"], "student");
    assert!(student.get("email").is_none(), "zoe has no email: {student}");
    let staff = ok(&te, &te.token_for("pwhite"), "/userinfo").await;
    assert_eq!(staff["user_type"], "staff");
    let admin = ok(&te, &shared_token(&te, "rgreen"), "/userinfo").await;
    assert_eq!(admin["user_type"], "district_admin");
    assert_eq!(admin["district_id"], district_id());
    assert_eq!(admin["district"], district_id());
    // /userinfo has no version prefix.
    assert_eq!(get(&te, Some(&te.token_for("zoe")), "/v3.0/userinfo").await.status, StatusCode::NOT_FOUND);
    // A district token has no user behind it.
    assert_eq!(get(&te, Some(&district_token(&te)), "/userinfo").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_district_shared_login_reads_itself_in_full_and_nothing_else() {
    let te = TestEmulator::start().await;
    let token = shared_token(&te, "skelly");
    let me = ok(&te, &token, &format!("/v3.0/users/{}", user_id("skelly"))).await;
    assert_eq!(me["data"]["district"], district_id());
    assert!(me["data"]["roles"]["teacher"]["school"].is_string(), "{me}");
    let district = ok(&te, &token, &format!("/v3.0/districts/{}", district_id())).await;
    assert_eq!(keys(&district["data"]), ["id", "name"]);
    for path in [
        format!("/v3.0/users/{}", user_id("maria")),
        format!("/v3.0/users/{}/sections", user_id("skelly")),
        "/v3.0/users?role=student".to_owned(),
    ] {
        assert_eq!(get(&te, Some(&token), &path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn unprefixed_me_answers_exactly_as_v3_0_me() {
    let te = TestEmulator::start().await;
    for token in
        [te.token_for("skelly"), te.token_for("maria"), shared_token(&te, "skelly"), district_token(&te)]
    {
        let plain = get(&te, Some(&token), "/me").await;
        let v30 = get(&te, Some(&token), "/v3.0/me").await;
        assert_eq!(plain.status, StatusCode::OK, "{}", plain.body);
        assert_eq!(plain.body, v30.body);
        assert_eq!(link(&plain.body, "self"), Some("/me"));
    }
    assert_eq!(get(&te, None, "/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_library_students_userinfo_has_no_email_but_a_district_shared_one_does() {
    let te = TestEmulator::start().await;
    let library = ok(&te, &te.token_for("maria"), "/userinfo").await;
    assert_eq!(library["user_type"], "student");
    assert!(library.get("email").is_none(), "the Library withholds a student's email: {library}");
    let shared = ok(&te, &shared_token(&te, "maria"), "/userinfo").await;
    assert_eq!(shared["email"], "maria.nunez@students.maplewood.example");
    let teacher = ok(&te, &te.token_for("skelly"), "/userinfo").await;
    assert_eq!(teacher["email"], "sam.kelly@maplewood.example", "a Library teacher keeps theirs");
}

//! Pinned JSON shapes. The clock is frozen and seed ids are deterministic, so these are stable.

use clever_emulator::EmulatorConfig;
use insta::assert_json_snapshot;

use crate::common::{section_id, user_id};
use crate::support::{district_token, get, ok, shared_token, start_fixed};

/// Keeps the `.snap` files in `tests/snapshots/` rather than next to this module.
fn snapshot_settings() -> insta::internals::SettingsBindDropGuard {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind_to_scope()
}

#[tokio::test]
async fn identity_shapes() {
    let _snapshots = snapshot_settings();
    let te = start_fixed(EmulatorConfig::default()).await;
    let library = te.token_for("skelly");
    assert_json_snapshot!("me_library", ok(&te, &library, "/v3.0/me").await);
    assert_json_snapshot!("me_district_shared", ok(&te, &shared_token(&te, "skelly"), "/v3.0/me").await);
    assert_json_snapshot!("userinfo_library", ok(&te, &library, "/userinfo").await);
    assert_json_snapshot!(
        "userinfo_district_shared",
        ok(&te, &shared_token(&te, "aortega"), "/userinfo").await
    );
}

#[tokio::test]
async fn library_teacher_shapes() {
    let _snapshots = snapshot_settings();
    let te = start_fixed(EmulatorConfig::default()).await;
    let token = te.token_for("skelly");
    assert_json_snapshot!(
        "library_self",
        ok(&te, &token, &format!("/v3.0/users/{}", user_id("skelly"))).await
    );
    assert_json_snapshot!(
        "library_section",
        ok(&te, &token, &format!("/v3.0/sections/{}", section_id("math4"))).await
    );
    assert_json_snapshot!(
        "library_student",
        ok(&te, &token, &format!("/v3.0/users/{}", user_id("zoe"))).await
    );
    assert_json_snapshot!(
        "library_section_students_page",
        ok(&te, &token, &format!("/v3.0/sections/{}/users?role=student&limit=2", section_id("math4"))).await
    );
    let denied = get(&te, Some(&token), &format!("/v3.0/sections/{}", section_id("science7"))).await;
    assert_json_snapshot!("error_out_of_scope", denied.body);
}

#[tokio::test]
async fn district_shapes() {
    let _snapshots = snapshot_settings();
    let te = start_fixed(EmulatorConfig::default()).await;
    let token = district_token(&te);
    assert_json_snapshot!(
        "district_teacher",
        ok(&te, &token, &format!("/v3.0/users/{}", user_id("aortega"))).await
    );
    assert_json_snapshot!(
        "district_student_v31",
        ok(&te, &token, &format!("/v3.1/users/{}", user_id("maria"))).await
    );
    assert_json_snapshot!(
        "district_section",
        ok(&te, &token, &format!("/v3.0/sections/{}", section_id("homeroom4"))).await
    );
}

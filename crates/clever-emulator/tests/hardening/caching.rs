//! Every answer says `Cache-Control: no-store`: tokens, roster data, admin state and pages with
//! CSRF tokens must never sit in a shared cache.

use reqwest::StatusCode;

use crate::common::TestEmulator;
use crate::support::{Reply, admin_get, get_as};

#[tokio::test]
async fn data_api_oauth_and_admin_answers_are_not_stored() {
    let emu = TestEmulator::start().await;
    let token = emu.token_for("skelly");
    let me = get_as(&emu, &token, "/v3.0/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.header("cache-control"), "no-store");
    assert_eq!(get_as(&emu, &token, "/v3.0/sections").await.header("cache-control"), "no-store");
    let info =
        Reply::of(emu.http.get(emu.url("/oauth/tokeninfo")).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.header("cache-control"), "no-store");
    for path in ["/__admin/health", "/__admin/users", "/__admin/tokens", "/__admin/clock"] {
        let reply = admin_get(&emu, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.header("cache-control"), "no-store", "{path}");
    }
    let unknown = get_as(&emu, "nonsense", "/v3.0/me").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.header("cache-control"), "no-store");
}

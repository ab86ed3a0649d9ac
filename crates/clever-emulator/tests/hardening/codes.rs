//! A code presented by a client it was not issued to is refused and changes nothing; only the
//! owner's replay revokes the token the code was exchanged for.

use reqwest::StatusCode;

use crate::common::{
    CLIENT_ID, CLIENT_SECRET, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_REDIRECT_URI, REDIRECT_URI,
    TestEmulator,
};
use crate::support::{basic, code_for, exchange_with, get_as};

#[tokio::test]
async fn another_clients_replay_is_invalid_grant_and_leaves_the_owners_token_alone() {
    let emu = TestEmulator::start().await;
    let code = code_for(&emu, "skelly").await;
    let owner = basic(CLIENT_ID, CLIENT_SECRET);
    let first = exchange_with(&emu.http, &emu, &owner, &code, REDIRECT_URI).await;
    assert_eq!(first.status, StatusCode::OK);
    let token = first.json["access_token"].as_str().unwrap().to_owned();

    let other = basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET);
    for redirect in [OTHER_REDIRECT_URI, REDIRECT_URI] {
        let replay = exchange_with(&emu.http, &emu, &other, &code, redirect).await;
        assert_eq!(replay.status, StatusCode::BAD_REQUEST);
        assert_eq!(replay.json["error"], "invalid_grant");
        assert!(replay.json["error_description"].as_str().unwrap().contains("different client"));
    }
    assert_eq!(
        get_as(&emu, &token, "/v3.0/me").await.status,
        StatusCode::OK,
        "the owner's token still works"
    );

    let own_replay = exchange_with(&emu.http, &emu, &owner, &code, REDIRECT_URI).await;
    assert_eq!(own_replay.status, StatusCode::BAD_REQUEST);
    assert!(own_replay.json["error_description"].as_str().unwrap().contains("already used"));
    assert_eq!(get_as(&emu, &token, "/v3.0/me").await.status, StatusCode::UNAUTHORIZED, "revoked");
}

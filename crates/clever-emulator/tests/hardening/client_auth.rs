//! Failed client authentications are counted per (client id, client network): a stranger who
//! guesses secrets for the public client id locks out only themselves.

use std::net::{IpAddr, Ipv4Addr};

use reqwest::StatusCode;

use crate::common::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TestEmulator};
use crate::support::{basic, code_for, exchange_with};

#[tokio::test]
async fn a_stranger_guessing_secrets_cannot_lock_the_real_client_out() {
    let emu = TestEmulator::start().await;
    // The stranger connects from 127.0.0.2 (loopback, another address); the app from 127.0.0.1.
    let stranger =
        reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).build().unwrap();
    let code = code_for(&emu, "skelly").await;
    for _ in 0..20 {
        let reply = exchange_with(&stranger, &emu, &basic(CLIENT_ID, "guess"), &code, REDIRECT_URI).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let refused = exchange_with(&stranger, &emu, &basic(CLIENT_ID, "guess"), &code, REDIRECT_URI).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("retry-after"), "60");
    assert_eq!(refused.json["error"], "invalid_client");
    assert!(refused.json["error_description"].as_str().unwrap().contains("from your address"));
    // Even the right secret is refused from the stranger's address this minute.
    let right = exchange_with(&stranger, &emu, &basic(CLIENT_ID, CLIENT_SECRET), &code, REDIRECT_URI).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);

    // The real app, from its own address, logs its user in as usual.
    let app = exchange_with(&emu.http, &emu, &basic(CLIENT_ID, CLIENT_SECRET), &code, REDIRECT_URI).await;
    assert_eq!(app.status, StatusCode::OK, "{}", app.text);
    assert!(app.json["access_token"].as_str().is_some());
}

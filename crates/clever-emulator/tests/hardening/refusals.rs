//! When the framework refuses a request (unknown route, wrong method, body too large, a
//! repeated query field), each surface answers in its own shape, never as axum's plain text.

use reqwest::{Method, StatusCode};

use crate::common::{CLIENT_ID, CLIENT_SECRET, TestEmulator};
use crate::support::{Reply, basic};

async fn send(emu: &TestEmulator, method: Method, path: &str, body: Option<Vec<u8>>) -> Reply {
    let mut request = emu.http.request(method, emu.url(path));
    if let Some(body) = body {
        request = request.header("content-type", "application/x-www-form-urlencoded").body(body);
    }
    Reply::of(request.send().await.unwrap()).await
}

fn big(bytes: usize) -> Vec<u8> {
    let mut body = b"a=".to_vec();
    body.resize(bytes, b'x');
    body
}

#[tokio::test]
async fn the_admin_api_refuses_in_its_json_shape() {
    let emu = TestEmulator::start().await;
    let unknown = send(&emu, Method::GET, "/__admin/nope", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.header("content-type"), "application/json");
    assert_eq!(unknown.error(), "No route for GET /__admin/nope");
    let method = send(&emu, Method::PATCH, "/__admin/clock", None).await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(method.error().starts_with("Method not allowed: PATCH /__admin/clock"), "{}", method.error());
    assert!(!method.header("allow").is_empty());
    let repeated = send(&emu, Method::GET, "/__admin/journal?path=/a&path=/b", None).await;
    assert_eq!(repeated.status, StatusCode::BAD_REQUEST);
    assert!(repeated.error().contains("duplicate field"), "{}", repeated.error());
    // Seeds can be big: 1 MiB is accepted as a body (and refused as a seed, not as a size).
    let seed = send(&emu, Method::PUT, "/__admin/seed", Some(big(1024 * 1024))).await;
    assert_eq!(seed.status, StatusCode::BAD_REQUEST);
    assert!(!seed.error().contains("too large"), "{}", seed.error());
}

#[tokio::test]
async fn the_oauth_endpoints_refuse_in_oauth_error_json() {
    let emu = TestEmulator::start().await;
    let response = emu
        .http
        .post(emu.url("/oauth/tokens"))
        .header("authorization", basic(CLIENT_ID, CLIENT_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big(100 * 1024))
        .send()
        .await
        .unwrap();
    let reply = Reply::of(response).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json["error"], "invalid_request", "{}", reply.text);
    assert!(reply.json["error_description"].as_str().unwrap().contains("65536 bytes"));
    assert_eq!(reply.header("cache-control"), "no-store");
    let method = send(&emu, Method::DELETE, "/oauth/tokens", None).await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(method.json["error"], "invalid_request", "{}", method.text);
}

#[tokio::test]
async fn the_data_api_refuses_in_clevers_message_shape() {
    let emu = TestEmulator::start().await;
    let token = emu.token_for("skelly");
    let method =
        Reply::of(emu.http.post(emu.url("/v3.0/me")).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(method.header("content-type"), "application/json");
    assert!(method.json["message"].as_str().unwrap().starts_with("Method not allowed: POST /v3.0/me"));
    let unknown = send(&emu, Method::GET, "/nowhere", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json["message"], "No route for GET /nowhere");
}

#[tokio::test]
async fn the_pages_refuse_with_a_small_html_page() {
    let emu = TestEmulator::start().await;
    let large = send(&emu, Method::POST, "/oauth/login", Some(big(100 * 1024))).await;
    assert_eq!(large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(large.header("content-type").starts_with("text/html"), "{}", large.header("content-type"));
    assert!(large.text.contains("too large"), "{}", large.text);
    let method = send(&emu, Method::PUT, "/portal/login", None).await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(method.header("content-type").starts_with("text/html"));
    assert!(method.text.contains("Method not allowed: PUT /portal/login"), "{}", method.text);
}

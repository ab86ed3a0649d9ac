//! Helpers shared by the hardening stories.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{CLIENT_ID, REDIRECT_URI, TestEmulator, user_id};

/// A status, the headers and the body (as text and, when it parses, as JSON) of one response.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub async fn of(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self { status, headers, text, json }
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The admin API's (and the panic answer's) `error` text.
    pub fn error(&self) -> &str {
        self.json["error"].as_str().unwrap_or_else(|| panic!("no error text in {:?}", self.text))
    }
}

/// An admin request with an optional JSON body.
pub async fn admin(emu: &TestEmulator, method: Method, path: &str, body: Option<Value>) -> Reply {
    let mut request = emu.http.request(method, emu.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    Reply::of(request.send().await.unwrap()).await
}

pub async fn admin_post(emu: &TestEmulator, path: &str, body: Value) -> Reply {
    admin(emu, Method::POST, path, Some(body)).await
}

pub async fn admin_get(emu: &TestEmulator, path: &str) -> Reply {
    admin(emu, Method::GET, path, None).await
}

/// `Basic base64(urlencode(id):urlencode(secret))`.
pub fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

/// A code for `key` at the demo Library app, minted through the admin API.
pub async fn code_for(emu: &TestEmulator, key: &str) -> String {
    let req = json!({"user_id": user_id(key), "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI});
    let reply = admin_post(emu, "/__admin/codes", req).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json["codes"][0].as_str().unwrap().to_owned()
}

/// Posts a code exchange with `auth` as the Authorization header, from `http`.
pub async fn exchange_with(
    http: &reqwest::Client,
    emu: &TestEmulator,
    auth: &str,
    code: &str,
    redirect_uri: &str,
) -> Reply {
    let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)];
    let response = http
        .post(emu.url("/oauth/tokens"))
        .header(reqwest::header::AUTHORIZATION, auth)
        .form(&form)
        .send()
        .await
        .unwrap();
    Reply::of(response).await
}

/// GET with a bearer token.
pub async fn get_as(emu: &TestEmulator, token: &str, path: &str) -> Reply {
    Reply::of(emu.get_as(token, path).await).await
}

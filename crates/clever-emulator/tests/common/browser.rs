//! A browser under test control for the OAuth and portal pages: its own cookie jar, redirects not
//! followed, and helpers that read what a browser would act on (Location, query, hidden fields).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Client, Response, StatusCode, header};
use serde_json::Value;

use super::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TestEmulator, user_id};

/// A browser of its own (cookie jar, no redirects followed).
pub fn browser() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap()
}

/// The `Location` of a redirect, if any.
pub fn location(response: &Response) -> Option<String> {
    response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned())
}

/// Query parameters of a URL.
pub fn query_of(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

/// The value of the first hidden field `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// `/oauth/authorize` for the demo app at its first redirect URI, with `state`.
pub fn authorize_path(state: &str) -> String {
    let pairs = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", state),
    ];
    format!(
        "/oauth/authorize?{}",
        form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    )
}

/// What one login attempt through the pages ended on.
#[derive(Debug)]
pub enum Landing {
    /// Back at the app: the redirect's full URL.
    App(String),
    /// The consent page's HTML.
    Consent(String),
    /// A page that is neither (an error page), with its status.
    Page(StatusCode, String),
}

impl TestEmulator {
    /// Starts an authorization in `b` and, if the login page shows, logs in as `key`. Follows the
    /// emulator's own redirects until the browser lands on the app, the consent page or another
    /// page.
    pub async fn log_in(&self, b: &Client, key: &str, state: &str) -> Landing {
        let mut response = b.get(self.url(&authorize_path(state))).send().await.unwrap();
        loop {
            if let Some(to) = location(&response) {
                if to.starts_with(REDIRECT_URI) {
                    return Landing::App(to);
                }
                response = b.get(self.url(&to)).send().await.unwrap();
                continue;
            }
            let status = response.status();
            let html = response.text().await.unwrap();
            if html.contains("name=\"decision\"") {
                return Landing::Consent(html);
            }
            if status == StatusCode::OK && html.contains("name=\"user_id\"") {
                let form = [
                    ("req", hidden(&html, "req")),
                    ("csrf", hidden(&html, "csrf")),
                    ("user_id", user_id(key)),
                ];
                response = b.post(self.url("/oauth/login")).form(&form).send().await.unwrap();
                continue;
            }
            return Landing::Page(status, html);
        }
    }

    /// Answers a consent page with `decision` (`allow` or `deny`); returns where it redirects.
    pub async fn decide(&self, b: &Client, consent: &str, decision: &str) -> String {
        let form = [
            ("req", hidden(consent, "req")),
            ("csrf", hidden(consent, "csrf")),
            ("decision", decision.into()),
        ];
        let response = b.post(self.url("/oauth/consent")).form(&form).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        location(&response).unwrap()
    }

    /// Exchanges a code for the demo app at its first redirect URI; returns the status and body.
    pub async fn redeem(&self, code: &str) -> (StatusCode, Value) {
        let auth = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
        let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT_URI)];
        let response =
            self.http.post(self.url("/oauth/tokens")).header(header::AUTHORIZATION, auth).form(&form).send();
        let response = response.await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Queues `key` for the next login of the demo app (`POST /__admin/next-login`).
    pub async fn queue_login(&self, key: &str) {
        let body = serde_json::json!({"user_id": user_id(key), "client_id": CLIENT_ID});
        let response = self.http.post(self.url("/__admin/next-login")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
}

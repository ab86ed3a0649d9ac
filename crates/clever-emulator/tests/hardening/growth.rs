//! State strangers can make grow is swept and capped. Pending authorizations are swept at their
//! expiry (on the emulator's clock) and capped, the oldest dropped first, so a flood of
//! /oauth/authorize requests neither slows the endpoint nor grows memory without bound; codes
//! and user tokens are forgotten a day after they expire; district tokens stay.

use clever_emulator::state::MAX_PENDING;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{CLIENT_ID, REDIRECT_URI, TestEmulator, user_id};
use crate::support::{Reply, admin_post, get_as};

fn authorize_url(emu: &TestEmulator) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("response_type", "code"), ("client_id", CLIENT_ID), ("redirect_uri", REDIRECT_URI)])
        .finish();
    emu.url(&format!("/oauth/authorize?{query}"))
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn login(emu: &TestEmulator, req: &str, csrf: &str) -> Reply {
    let uid = user_id("skelly");
    let form = [("req", req), ("csrf", csrf), ("user_id", uid.as_str())];
    Reply::of(emu.http.post(emu.url("/oauth/login")).form(&form).send().await.unwrap()).await
}

#[tokio::test]
async fn a_flood_of_authorize_requests_drops_the_oldest_and_expiry_sweeps_the_rest() {
    let emu = TestEmulator::start().await;
    let page = Reply::of(emu.http.get(authorize_url(&emu)).send().await.unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    let (req, csrf) = (hidden(&page.text, "req"), hidden(&page.text, "csrf"));

    // A stranger starts MAX_PENDING more sign-ins from their own browser.
    let stranger = reqwest::Client::new();
    let url = authorize_url(&emu);
    let statuses: Vec<StatusCode> = futures::stream::iter(0..MAX_PENDING)
        .map(|_| {
            let (stranger, url) = (stranger.clone(), url.clone());
            async move { stranger.get(url).send().await.unwrap().status() }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == StatusCode::OK));
    assert_eq!(emu.emulator().browser().pending.len(), MAX_PENDING, "capped");

    // The user's own request was the oldest, so it went; the page says to start again.
    let late = login(&emu, &req, &csrf).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert!(late.text.contains("This sign-in request has expired"), "{}", late.text);

    // Eleven minutes later (on the emulator's clock) every flooded request has expired, and the
    // next authorize sweeps them all.
    assert_eq!(admin_post(&emu, "/__admin/clock", json!({"advance": "11m"})).await.status, StatusCode::OK);
    let page = Reply::of(emu.http.get(authorize_url(&emu)).send().await.unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(emu.emulator().browser().pending.len(), 1, "expired requests swept");
    let (req, csrf) = (hidden(&page.text, "req"), hidden(&page.text, "csrf"));
    assert_eq!(login(&emu, &req, &csrf).await.status, StatusCode::SEE_OTHER, "a fresh sign-in works");
}

#[tokio::test]
async fn codes_are_forgotten_a_day_after_they_expire() {
    let emu = TestEmulator::start().await;
    let req = json!({"user_id": user_id("maria"), "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "count": 100});
    assert_eq!(admin_post(&emu, "/__admin/codes", req.clone()).await.status, StatusCode::CREATED);
    assert_eq!(emu.emulator().codes().len(), 100);
    assert_eq!(admin_post(&emu, "/__admin/clock", json!({"advance": "2d"})).await.status, StatusCode::OK);
    let one = json!({"user_id": user_id("maria"), "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI});
    assert_eq!(admin_post(&emu, "/__admin/codes", one).await.status, StatusCode::CREATED);
    assert_eq!(emu.emulator().codes().len(), 1, "the expired codes were swept on insert");
}

#[tokio::test]
async fn user_tokens_answer_expired_for_a_day_then_are_forgotten_and_district_tokens_stay() {
    let emu = TestEmulator::start().await;
    let districts = emu.emulator().tokens().len();
    assert!(districts > 0, "the test seed has a district app");
    let mint =
        || admin_post(&emu, "/__admin/tokens", json!({"user_id": user_id("skelly"), "client_id": CLIENT_ID}));
    let old = mint().await.json["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get_as(&emu, &old, "/v3.0/me").await.status, StatusCode::OK);

    // Past its 24-hour lifetime but within the day after, the token is remembered as expired.
    assert_eq!(admin_post(&emu, "/__admin/clock", json!({"advance": "25h"})).await.status, StatusCode::OK);
    let reply = get_as(&emu, &old, "/v3.0/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text.contains("expired"), "{}", reply.text);

    // A day after that, the next mint sweeps it: only the new token and the district tokens remain.
    assert_eq!(admin_post(&emu, "/__admin/clock", json!({"advance": "1d"})).await.status, StatusCode::OK);
    let new = mint().await.json["access_token"].as_str().unwrap().to_owned();
    assert_eq!(emu.emulator().tokens().len(), districts + 1, "the expired token was forgotten");
    let reply = get_as(&emu, &old, "/v3.0/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text.contains("not recognised"), "{}", reply.text);
    assert_eq!(get_as(&emu, &new, "/v3.0/me").await.status, StatusCode::OK);
}

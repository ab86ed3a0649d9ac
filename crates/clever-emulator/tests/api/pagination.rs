//! Cursor pagination: walking `next` (and back along `prev`) yields every item exactly once.

use reqwest::StatusCode;

use crate::common::{TestEmulator, section_id};
use crate::support::{district_token, get, item_ids, link, ok};

/// Follows `rel` from `start` to the end; returns each page's ids and the last page's body.
async fn walk(
    te: &TestEmulator,
    token: &str,
    start: &str,
    rel: &str,
) -> (Vec<Vec<String>>, serde_json::Value) {
    let mut pages = Vec::new();
    let mut body = ok(te, token, start).await;
    loop {
        pages.push(item_ids(&body));
        let Some(next) = link(&body, rel).map(str::to_owned) else { break };
        assert!(pages.len() < 50, "{rel} links loop");
        body = ok(te, token, &next).await;
    }
    (pages, body)
}

async fn check_walk(te: &TestEmulator, token: &str, path: &str, limit: usize) {
    let everything = item_ids(&ok(te, token, path).await);
    assert!(everything.windows(2).all(|w| w[0] < w[1]), "sorted by ascending id: {everything:?}");
    let sep = if path.contains('?') { '&' } else { '?' };
    let first = format!("{path}{sep}limit={limit}");
    let (pages, last) = walk(te, token, &first, "next").await;
    assert!(pages.iter().all(|p| !p.is_empty() && p.len() <= limit), "{pages:?}");
    assert!(pages.len() > 1, "{path} should span pages at limit {limit}");
    assert_eq!(pages.concat(), everything, "no gaps, no duplicates, same order");
    assert!(link(&last, "next").is_none());
    assert_eq!(link(&last, "self").map(|s| s.contains("starting_after=")), Some(true));

    // Walk back from the last page along `prev`.
    let prev_start = link(&last, "self").unwrap().to_owned();
    let (back, first_page) = walk(te, token, &prev_start, "prev").await;
    let mut back: Vec<String> = back.into_iter().rev().flatten().collect();
    back.dedup();
    assert_eq!(back, everything);
    assert!(link(&first_page, "prev").is_none());
}

#[tokio::test]
async fn a_district_token_walks_all_students() {
    let te = TestEmulator::start().await;
    let token = district_token(&te);
    check_walk(&te, &token, "/v3.0/users?role=student", 3).await;
    let page = ok(&te, &token, "/v3.0/users?role=student&limit=3").await;
    let next = link(&page, "next").unwrap();
    assert!(next.starts_with("/v3.0/users?role=student&limit=3&starting_after="), "{next}");
}

#[tokio::test]
async fn a_library_teacher_walks_a_sections_students() {
    let te = TestEmulator::start().await;
    let token = te.token_for("skelly");
    let path = format!("/v3.0/sections/{}/users?role=student", section_id("math4"));
    check_walk(&te, &token, &path, 2).await;
    let page = ok(&te, &token, &format!("{path}&limit=2")).await;
    let next = link(&page, "next").unwrap();
    assert!(next.starts_with(&format!("{path}&limit=2&starting_after=")), "{next}");
    assert!(link(&page, "prev").is_none(), "first page has no prev");
}

#[tokio::test]
async fn bad_limits_and_cursors_are_rejected() {
    let te = TestEmulator::start().await;
    let token = district_token(&te);
    let reply = get(&te, Some(&token), "/v3.0/users?limit=10001").await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.message().contains("10000"));
    assert_eq!(get(&te, Some(&token), "/v3.0/users?limit=10000&count=true").await.status, StatusCode::OK);
    for bad in ["limit=0", "limit=abc", "limit=-5", "starting_after=a&ending_before=b"] {
        let reply = get(&te, Some(&token), &format!("/v3.0/sections?{bad}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(!reply.message().is_empty());
    }
}

#[tokio::test]
async fn ending_before_returns_the_items_just_before_in_ascending_order() {
    let te = TestEmulator::start().await;
    let token = district_token(&te);
    let all = item_ids(&ok(&te, &token, "/v3.0/users?role=student").await);
    let page = ok(&te, &token, &format!("/v3.0/users?role=student&limit=2&ending_before={}", all[5])).await;
    assert_eq!(item_ids(&page), all[3..5]);
    let page = ok(&te, &token, &format!("/v3.0/users?role=student&starting_after={}", all[7])).await;
    assert!(item_ids(&page).is_empty());
    assert!(link(&page, "next").is_none());
}

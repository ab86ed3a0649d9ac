//! The client against servers that answer differently from strict Clever but within what a
//! Clever-compatible server may send: each test is one such difference, served over HTTP by a
//! small stand-in that answers every request to a path with one fixed JSON body.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::any;
use clever_client::{
    AccessToken, CLEVER_TOKEN_LIFETIME, CleverClient, CleverConfig, ClientError, MAX_TOKEN_LIFETIME,
    TokenGrant,
};
use clever_types::{Grade, Section, Subject};
use serde_json::{Value, json};

/// A stand-in Clever (both the OAuth and the API host) and how often each path was asked for.
struct StandIn {
    client: CleverClient,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl StandIn {
    /// Serves `body` for every request to its path, whatever the method or query.
    async fn start(answers: &[(&str, Value)]) -> Self {
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let mut app = Router::new();
        for (path, body) in answers {
            let (path, body, hits) = (path.to_string(), body.clone(), Arc::clone(&hits));
            app = app.route(
                &path.clone(),
                any(move || {
                    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                    let body = body.clone();
                    async move { axum::Json(body) }
                }),
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let config = CleverConfig::new("id", "secret".to_owned().into(), "https://app.example/callback")
            .with_base_urls(&base, &base);
        Self { client: CleverClient::new(config).unwrap(), hits }
    }

    /// Requests the stand-in answered at `path`.
    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// The token every stand-in token endpoint grants.
const TOKEN: &str = "il-stand-in-token";

fn token() -> AccessToken {
    AccessToken::new(TOKEN)
}

/// The code exchange against a token endpoint that answers `body`.
async fn exchange(body: Value) -> Result<TokenGrant, ClientError> {
    StandIn::start(&[("/oauth/tokens", body)]).await.client.exchange_code("a-code").await
}

#[tokio::test]
async fn token_type_is_bearer_in_any_case_and_anything_else_is_malformed_naming_it() {
    for kind in ["bearer", "Bearer", "BEARER"] {
        let grant = exchange(json!({"access_token": TOKEN, "token_type": kind})).await.unwrap();
        assert_eq!(grant.token.expose(), TOKEN, "{kind}");
    }
    // Clever only issues bearer tokens, so a response that does not say is taken as one.
    let grant = exchange(json!({"access_token": TOKEN})).await.unwrap();
    assert_eq!(grant.token.expose(), TOKEN);

    let err = exchange(json!({"access_token": TOKEN, "token_type": "mac"})).await.unwrap_err();
    let ClientError::Malformed { detail } = &err else { panic!("{err:?}") };
    assert!(detail.contains("\"mac\""), "the error names the type: {detail}");
}

#[tokio::test]
async fn expires_in_is_the_lifetime_when_sent_and_clevers_24_hours_when_not() {
    let grant = exchange(json!({
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 3600,
        "id_token": "eyJhbGciOiJub25lIn0.e30.",
        "scope": "read:user_id read:sections",
    }))
    .await
    .unwrap();
    assert_eq!(grant.expires_in, Some(Duration::from_secs(3600)));
    assert_eq!(grant.lifetime(), Duration::from_secs(3600));
    assert!(!format!("{grant:?}").contains(TOKEN), "Debug shows the token: {grant:?}");

    let grant = exchange(json!({"access_token": TOKEN, "token_type": "bearer"})).await.unwrap();
    assert_eq!(grant.expires_in, None);
    assert_eq!(grant.lifetime(), CLEVER_TOKEN_LIFETIME);
    assert_eq!(CLEVER_TOKEN_LIFETIME, Duration::from_secs(24 * 3600));
}

#[tokio::test]
async fn a_zero_or_unreadable_expires_in_is_not_sent_and_an_absurd_one_is_clamped_to_a_year() {
    for not_sent in [json!(0), json!(-5), json!(0.4), json!(null), json!("soon"), json!(true)] {
        let grant = exchange(json!({"access_token": TOKEN, "token_type": "bearer", "expires_in": not_sent}))
            .await
            .unwrap();
        assert_eq!(grant.expires_in, None, "{not_sent}");
        assert_eq!(grant.lifetime(), CLEVER_TOKEN_LIFETIME, "{not_sent}");
    }
    for (sent, read) in [(json!("7200"), 7200), (json!(86399.9), 86399)] {
        let grant = exchange(json!({"access_token": TOKEN, "token_type": "bearer", "expires_in": sent}))
            .await
            .unwrap();
        assert_eq!(grant.lifetime(), Duration::from_secs(read), "{sent}");
    }
    assert_eq!(MAX_TOKEN_LIFETIME, Duration::from_secs(365 * 24 * 3600));
    for absurd in [json!(10 * 365 * 24 * 3600), json!(u64::MAX), json!(1e300)] {
        let grant = exchange(json!({"access_token": TOKEN, "token_type": "bearer", "expires_in": absurd}))
            .await
            .unwrap();
        assert_eq!(grant.lifetime(), MAX_TOKEN_LIFETIME, "{absurd}");
    }
}

#[tokio::test]
async fn an_endpoint_the_server_does_not_have_is_not_found() {
    // The stand-in has `/me` but no `/sections/{id}/users`: its router answers 404, no JSON.
    let s = StandIn::start(&[("/v3.0/me", json!({"data": {"id": "u1", "type": "user"}}))]).await;
    let err = s.client.students_for_section(&token(), "class-alg1-A").collect_all().await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn me_parses_whatever_type_it_says_user_teacher_or_student() {
    for kind in ["user", "teacher", "student"] {
        let me = json!({"data": {"id": "u1", "type": kind}, "links": [{"rel": "canonical", "uri": "/v3.0/users/u1"}]});
        let s = StandIn::start(&[("/v3.0/me", me)]).await;
        let me = s.client.me(&token()).await.unwrap();
        assert_eq!((me.data.id.as_str(), me.data.kind.as_str()), ("u1", kind));
    }
}

#[tokio::test]
async fn ids_that_are_not_24_hex_digits_pass_through_unchanged() {
    let s = StandIn::start(&[
        ("/v3.0/me", json!({"data": {"id": "teacher-ms-rivera", "type": "user"}})),
        (
            "/v3.0/users/teacher-ms-rivera/sections",
            json!({"data": [{"data": {"id": "class-alg1-A", "name": "Algebra 1", "students": ["student-jo"]}}]}),
        ),
        ("/v3.0/sections/class-alg1-A/users", json!({"data": [{"data": {"id": "student-jo"}}]})),
    ])
    .await;
    let me = s.client.me(&token()).await.unwrap();
    assert_eq!(me.data.id, "teacher-ms-rivera");
    let sections = s.client.sections_for_user(&token(), &me.data.id).collect_all().await.unwrap();
    assert_eq!(sections[0].id, "class-alg1-A");
    assert_eq!(sections[0].students.as_deref(), Some(&["student-jo".to_owned()][..]));
    let students = s.client.students_for_section(&token(), &sections[0].id).collect_all().await.unwrap();
    assert_eq!(students.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["student-jo"]);
}

#[tokio::test]
async fn a_list_without_links_is_one_whole_page_read_once() {
    let path = "/v3.0/users/t1/sections";
    let page = json!({"data": [{"data": {"id": "s1"}}, {"data": {"id": "s2"}}, {"data": {"id": "s3"}}]});
    let s = StandIn::start(&[(path, page)]).await;
    let sections = s.client.sections_for_user(&token(), "t1").collect_all().await.unwrap();
    assert_eq!(sections.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["s1", "s2", "s3"]);
    assert_eq!(s.hits(path), 1, "no next link, so no second request");
}

#[tokio::test]
async fn unknown_fields_are_ignored_everywhere() {
    let extra = json!({"nested": {"deep": [1, 2]}});
    let s = StandIn::start(&[
        (
            "/oauth/tokens",
            json!({"access_token": TOKEN, "token_type": "bearer", "scope": "read:sections", "x_vendor": extra}),
        ),
        (
            "/v3.0/me",
            json!({"data": {"id": "u1", "type": "user", "x_vendor": extra}, "links": [], "x_request_id": "r1"}),
        ),
        (
            "/v3.0/users/u1",
            json!({"data": {
                "id": "u1", "x_vendor": extra,
                "name": {"first": "Sam", "last": "Kelly", "nickname": "Sammy"},
                "roles": {"teacher": {"title": "Ms.", "x_vendor": extra}, "volunteer": {}}
            }, "links": [{"rel": "self", "uri": "/v3.0/users/u1", "method": "GET"}]}),
        ),
        (
            "/v3.0/users/u1/sections",
            json!({
                "data": [{"data": {"id": "s1", "name": "Math", "x_vendor": extra}, "uri": "/v3.0/sections/s1", "etag": "e"}],
                "links": [{"rel": "self", "uri": "/v3.0/users/u1/sections", "title": "this page"}],
                "paging": {"total": 1},
            }),
        ),
        ("/userinfo", json!({"sub": "u1", "user_type": "teacher", "x_vendor": extra, "locale": "en-US"})),
    ])
    .await;
    let token = s.client.exchange_code("a-code").await.unwrap().token;
    assert_eq!(s.client.me(&token).await.unwrap().data.id, "u1");
    let user = s.client.user(&token, "u1").await.unwrap();
    assert_eq!(user.name.unwrap().first.as_deref(), Some("Sam"));
    assert!(user.roles.teacher.is_some());
    let sections = s.client.sections_for_user(&token, "u1").collect_all().await.unwrap();
    assert_eq!(sections[0].name.as_deref(), Some("Math"));
    assert_eq!(s.client.userinfo(&token).await.unwrap().user_type.as_deref(), Some("teacher"));
}

#[tokio::test]
async fn a_section_without_name_teachers_or_students_reads_them_as_not_said() {
    let s = StandIn::start(&[
        ("/v3.0/sections/s1", json!({"data": {"id": "s1"}})),
        ("/v3.0/sections/s2", json!({"data": {"id": "s2", "name": null, "teachers": [], "students": []}})),
    ])
    .await;
    let bare = s.client.section(&token(), "s1").await.unwrap();
    assert_eq!((bare.name, bare.teachers, bare.students), (None, None, None), "absent is not empty");
    // An explicitly empty list is "nobody", distinct from absent; null is absent.
    let empty = s.client.section(&token(), "s2").await.unwrap();
    assert_eq!((empty.name, empty.teachers, empty.students), (None, Some(vec![]), Some(vec![])));
}

#[tokio::test]
async fn subjects_and_grades_outside_clevers_lists_land_in_other() {
    let s = StandIn::start(&[(
        "/v3.0/users/t1/sections",
        json!({"data": [
            {"data": {"id": "s1", "subject": "Mathematics", "grade": "K"}},
            {"data": {"id": "s2", "subject": "math", "grade": "4"}},
        ]}),
    )])
    .await;
    let sections: Vec<Section> = s.client.sections_for_user(&token(), "t1").collect_all().await.unwrap();
    assert_eq!(sections[0].subject, Some(Subject::Other("Mathematics".into())));
    assert_eq!(sections[0].grade, Some(Grade::Other("K".into())));
    assert_eq!(
        (sections[1].subject.clone(), sections[1].grade.clone()),
        (Some(Subject::Math), Some(Grade::G4))
    );
}

#[tokio::test]
async fn a_token_response_without_a_usable_access_token_is_malformed_and_never_quotes_it() {
    for body in
        [json!({"token_type": "bearer"}), json!({"access_token": ""}), json!({"access_token": 918273645})]
    {
        let err = exchange(body.clone()).await.unwrap_err();
        let ClientError::Malformed { detail } = &err else { panic!("{body}: {err:?}") };
        assert!(!detail.contains("918273645") && !err.to_string().contains("918273645"), "{detail}");
    }
}

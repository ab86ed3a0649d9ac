//! The emulator's admin API JSON bodies (`/__admin/...`), through the real router but on one
//! small prebuilt district that is put back before each input (no server, no socket).
//!
//! The first byte picks the endpoint (and whether its path names existing records or unknown
//! ones); the rest is the request body.
//!
//! Properties:
//! - never panics, never a 5xx: every answer is 200/201/204 or 400/404/409/422;
//! - errors are errors: a 4xx has the admin error shape `{"error": "<non-empty>"}` and changes
//!   nothing (the world is exactly as before: no half-applied create or patch);
//! - a 2xx body is empty or JSON;
//! - whatever the admin API accepts leaves a world whose own export (`GET /__admin/seed`)
//!   loads again, as the same world.
#![no_main]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use clever_emulator::admin::world_to_seed;
use clever_emulator::model::World;
use clever_emulator::{Clock, Emulator, EmulatorConfig, Seed};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use rollcall_fuzz::summary;
use time::OffsetDateTime;
use tower::ServiceExt;

const SEED: &str = r#"
namespace = "fuzz"
[[apps]]
client_id = "lib"
client_secret = "secret"
redirect_uris = ["https://app.example/cb"]
[[apps]]
client_id = "dist"
client_secret = "secret2"
redirect_uris = ["https://d.example/cb"]
kind = "district"
districts = ["d"]
[[districts]]
key = "d"
name = "District"
[[schools]]
key = "s"
name = "School"
[[teachers]]
key = "t"
first = "Tea"
last = "Cher"
school = "s"
[[teachers]]
key = "t2"
first = "Co"
last = "Teacher"
school = "s"
[[students]]
key = "st"
first = "Stu"
last = "Dent"
school = "s"
grade = "4"
[[staff]]
key = "sf"
first = "Staff"
last = "Member"
school = "s"
[[district_admins]]
key = "da"
first = "Dis"
last = "Admin"
[[sections]]
key = "sec"
name = "Math"
school = "s"
teachers = ["t"]
students = ["st"]
[[installs]]
app = "lib"
teacher = "t"
"#;

/// Endpoints that take a JSON body, or whose path names records. `{u}` is a user id, `{s}` a
/// section id, `{c}` a client id.
const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/__admin/users"),
    ("PATCH", "/__admin/users/{u}"),
    ("DELETE", "/__admin/users/{u}"),
    ("POST", "/__admin/sections"),
    ("PATCH", "/__admin/sections/{s}"),
    ("DELETE", "/__admin/sections/{s}"),
    ("PUT", "/__admin/sections/{s}/students/{u}"),
    ("DELETE", "/__admin/sections/{s}/students/{u}"),
    ("PUT", "/__admin/sections/{s}/teachers/{u}"),
    ("DELETE", "/__admin/sections/{s}/teachers/{u}"),
    ("POST", "/__admin/apps"),
    ("PUT", "/__admin/authorizations/{c}/{u}"),
    ("DELETE", "/__admin/authorizations/{c}/{u}"),
    ("POST", "/__admin/tokens"),
    ("POST", "/__admin/codes"),
    ("POST", "/__admin/next-login"),
    ("POST", "/__admin/clock"),
    ("POST", "/__admin/faults"),
    ("PUT", "/__admin/profiles"),
    ("PUT", "/__admin/seed"),
];

struct Fixture {
    emulator: Emulator,
    router: Router,
    runtime: tokio::runtime::Runtime,
    base: World,
    base_summary: String,
    base_stamps: String,
    users: Vec<String>,
    section: String,
}

fn fixture() -> Fixture {
    let seed = Seed::parse(SEED).expect("fixture seed parses");
    let clock = Clock::fixed(OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    let config = EmulatorConfig { journal_capacity: 0, ..EmulatorConfig::default() };
    let emulator = Emulator::new(seed, config, clock).expect("fixture seed loads");
    let base = emulator.world().clone();
    let users = base.users.keys().cloned().collect();
    let section = base.sections().keys().next().expect("a section").clone();
    let router = clever_emulator::router(emulator.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
    let base_stamps = format!("{:?} {:?}", base.users, base.sections());
    Fixture { base_summary: summary(&base), base_stamps, emulator, router, runtime, base, users, section }
}

thread_local! {
    static FIXTURE: Fixture = fixture();
}

fn run(f: &Fixture, data: &[u8]) {
    let [pick, selector, body @ ..] = data else { return };
    let (pick, selector) = (*pick, *selector);
    let (method, template) = ENDPOINTS[pick as usize % ENDPOINTS.len()];
    // Which records the path names: mostly real ones, sometimes unknown ids or odd text.
    let user = match selector % 8 {
        7 => "nobody".to_owned(),
        n => f.users[n as usize % f.users.len()].clone(),
    };
    let section = if selector & 0x80 != 0 { "no-such-section".to_owned() } else { f.section.clone() };
    let client = if selector & 0x40 != 0 { "dist" } else { "lib" };
    let path = template.replace("{u}", &user).replace("{s}", &section).replace("{c}", client);


    let request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("method"))
        .uri(path.as_str())
        .header("content-type", "application/json")
        .body(Body::from(body.to_vec()))
        .expect("request");
    let (status, bytes) = f.runtime.block_on(async {
        let response = f.router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        (status, bytes)
    });
    let shown = String::from_utf8_lossy(&bytes);
    let input = String::from_utf8_lossy(body);
    let ok = [StatusCode::OK, StatusCode::CREATED, StatusCode::NO_CONTENT];
    let client_errors = [
        StatusCode::BAD_REQUEST,
        StatusCode::NOT_FOUND,
        StatusCode::CONFLICT,
        StatusCode::UNPROCESSABLE_ENTITY,
    ];
    assert!(
        ok.contains(&status) || client_errors.contains(&status),
        "{method} {path} {input:?} answered {status}: {shown}"
    );
    if client_errors.contains(&status) {
        let world = f.emulator.world();
        let error = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        assert!(error.is_some_and(|e| !e.is_empty()), "{method} {path} {input:?}: {status} body {shown}");
        let stamps = format!("{:?} {:?}", world.users, world.sections());
        assert!(
            summary(&world) == f.base_summary && stamps == f.base_stamps,
            "{method} {path} {input:?} failed ({shown}) but changed the world"
        );
        return;
    }
    // It succeeded, so it may have changed something: check the result, then go back to the
    // prebuilt district (a clone of a few records) for the next input. A failed request is
    // checked above to have changed nothing, so it needs no reset.
    let world = f.emulator.world().clone();
    let ns = f.emulator.seed().map_or_else(|| "fuzz".to_owned(), |s| s.namespace);
    let now = f.emulator.now();
    f.emulator.load_world(f.base.clone());
    if !bytes.is_empty() {
        assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(), "{method} {path}: not JSON: {shown}");
    }
    let expected = summary(&world);

    let exported = world_to_seed(&world, &ns);
    match exported.build_with_ids(now, world.ids) {
        Ok(rebuilt) => assert_eq!(
            summary(&rebuilt),
            expected,
            "{method} {path} {input:?}: the export does not rebuild the same world"
        ),
        Err(e) => panic!("{method} {path} {input:?} left a world whose export does not load: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    FIXTURE.with(|f| run(f, data));
});

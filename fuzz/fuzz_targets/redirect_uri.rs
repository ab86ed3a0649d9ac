//! The emulator's exact redirect-URI matching: at `GET /oauth/authorize` (the registered-URI
//! check, through the real router) and at the token endpoint (`redeem_code`: the URI must be
//! identical to the one the code was issued for, RFC 6749 §4.1.3).
//!
//! Properties, for a candidate URI built from the input (raw, or a registered URI with bytes
//! appended, prepended or replaced: trailing slashes, case, percent-encoding, default ports,
//! `..` and the like are left for the fuzzer and the dictionary to try):
//! - authorize accepts the candidate exactly when it is byte-for-byte one of the app's
//!   registered URIs (a registered URI always matches itself; nothing else ever does);
//! - a code issued for registered URI `r` is redeemed with the candidate exactly when the
//!   candidate equals `r`.
#![no_main]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use clever_emulator::{Clock, Emulator, EmulatorConfig, Seed};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use tower::ServiceExt;

const REGISTERED: &[&str] = &[
    "https://app.example/auth/clever/callback",
    "http://localhost:8080/cb",
    "https://app.example/cb?tenant=1&x=%2F",
    "https://app.example:8443/Cb/",
    "https://xn--bcher-kva.example/%7Euser/cb",
];

struct Fixture {
    emulator: Emulator,
    router: Router,
    runtime: tokio::runtime::Runtime,
    teacher: String,
    runs: std::cell::Cell<u32>,
}

fn fixture() -> Fixture {
    {
        let uris: Vec<String> = REGISTERED.iter().map(|s| format!("{s:?}")).collect();
        let seed = Seed::parse(&format!(
            r#"
            [[apps]]
            client_id = "app"
            client_secret = "secret"
            redirect_uris = [{}]
            [[districts]]
            key = "d"
            name = "D"
            [[schools]]
            key = "s"
            name = "S"
            [[teachers]]
            key = "t"
            first = "T"
            last = "T"
            school = "s"
            "#,
            uris.join(", ")
        ))
        .expect("fixture seed parses");
        let clock = Clock::fixed(OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
        let emulator = Emulator::new(seed, EmulatorConfig::default(), clock).expect("fixture seed loads");
        let teacher = emulator.world().users.keys().next().expect("a teacher").clone();
        let router = clever_emulator::router(emulator.clone());
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        Fixture { emulator, router, runtime, teacher, runs: std::cell::Cell::new(0) }
    }
}

thread_local! {
    static FIXTURE: Fixture = fixture();
}

fn candidate(data: &[u8]) -> Option<(usize, String)> {
    let (&mode, rest) = data.split_first()?;
    let rest = std::str::from_utf8(rest).ok()?;
    let base = REGISTERED[(mode as usize >> 2) % REGISTERED.len()];
    let which = (mode as usize >> 2) % REGISTERED.len();
    let uri = match mode & 3 {
        0 => rest.to_owned(),
        1 => format!("{base}{rest}"),
        2 => format!("{rest}{base}"),
        _ => {
            // Replace the part of `base` from a position picked by the input's first char.
            let at = rest.chars().next().map_or(0, |c| c as usize % (base.len() + 1));
            let rest = rest.char_indices().nth(1).map_or("", |(i, _)| &rest[i..]);
            format!("{}{rest}", &base[..at])
        }
    };
    Some((which, uri))
}

fuzz_target!(|data: &[u8]| {
    let Some((which, uri)) = candidate(data) else { return };
    FIXTURE.with(|f| check(f, which, &uri));
});

fn check(f: &Fixture, which: usize, uri: &str) {
    let registered = REGISTERED.contains(&uri);

    // 1. The authorize endpoint.
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", "app")
        .append_pair("redirect_uri", uri)
        .finish();
    let request = Request::get(format!("/oauth/authorize?{query}")).body(Body::empty()).expect("request");
    let response = f.runtime.block_on(f.router.clone().oneshot(request)).expect("infallible");
    let refused = response.status() == StatusCode::BAD_REQUEST;
    if uri.is_empty() {
        assert!(refused, "an empty redirect_uri must be refused");
    } else {
        assert_eq!(!refused, registered, "authorize with redirect_uri {uri:?}: {}", response.status());
    }

    // 2. The token endpoint's check against the URI the code was issued for.
    let issued_for = REGISTERED[which];
    let code = f.emulator.issue_code("app", issued_for, &f.teacher);
    let redeemed = f.emulator.redeem_code("app", Some(uri), &code);
    assert_eq!(redeemed.is_ok(), uri == issued_for, "code for {issued_for:?} redeemed with {uri:?}");

    // Pending authorizations, codes and tokens pile up; start over now and then.
    f.runs.set(f.runs.get() + 1);
    if f.runs.get() % 4096 == 0 {
        f.emulator.reset().expect("reset");
    }
}

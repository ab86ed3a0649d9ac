//! The emulator benchmark: start-up with a generated 10k-student district (time to ready and
//! RSS, measured on a child process), then token exchanges/s and `/v3.0/me` requests/s on
//! loopback next to a trivial axum handler measured in the same run.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use clever_emulator::{Clock, Emulator, EmulatorConfig, RunningEmulator, Seed};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;

use super::load::{self, LoadResult};
use super::{Report, ms};
use crate::cli::BenchArgs;

const CLIENT_ID: &str = "rollcall-demo";
const CLIENT_SECRET: &str = "demo-secret-change-me";
const REDIRECT_URI: &str = "http://127.0.0.1:8080/auth/clever/callback";
const GENERATE: &str = "students=10000,teachers=400,sections=500";

/// Runs the benchmark and prints the table.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let duration = Duration::from_secs_f64(args.seconds);
    let startup = startup().await?;

    // The rate limit is lifted so one token can be hammered; the check itself still runs.
    let config = EmulatorConfig {
        rate_limit_per_minute: clever_emulator::config::MAX_RATE_LIMIT,
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::new(Seed::demo(), config, Clock::system())?;
    let running = RunningEmulator::start(emulator.clone(), "127.0.0.1:0".parse()?).await?;
    let trivial_url = trivial_server().await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.connections).build()?;

    let trivial = {
        let (http, url) = (http.clone(), trivial_url.clone());
        load::run(args.connections, duration, move |_, _| {
            let request = http.get(&url);
            async move { Some(request.send().await.is_ok_and(|r| r.status().is_success())) }
        })
        .await
    };
    let exchange = token_exchange(&emulator, &running.base_url, &http, args.connections, duration).await;
    let me = {
        let teacher = clever_emulator::ids::derive_id("demo", "user", "skelly");
        let token = emulator.mint_token(&teacher, CLIENT_ID);
        let (http, url) = (http.clone(), format!("{}/v3.0/me", running.base_url));
        load::run(args.connections, duration, move |_, _| {
            let request = http.get(&url).bearer_auth(&token);
            async move { Some(request.send().await.is_ok_and(|r| r.status().is_success())) }
        })
        .await
    };
    print_table(args, &startup, &trivial, &exchange, &me);
    running.stop().await?;
    Ok(())
}

/// Pre-mints one code per request so every exchange is a real, first-time redemption.
async fn token_exchange(
    emulator: &Emulator,
    base_url: &str,
    http: &reqwest::Client,
    workers: usize,
    duration: Duration,
) -> LoadResult {
    let student = clever_emulator::ids::derive_id("demo", "user", "maria");
    let per_worker = (duration.as_secs_f64() * 80_000.0 / workers as f64).ceil() as usize + 1;
    let codes: Arc<Vec<Vec<String>>> = Arc::new(
        (0..workers)
            .map(|_| {
                (0..per_worker).map(|_| emulator.issue_code(CLIENT_ID, REDIRECT_URI, &student)).collect()
            })
            .collect(),
    );
    let (http, url) = (http.clone(), format!("{base_url}/oauth/tokens"));
    load::run(workers, duration, move |worker, i| {
        let code = codes.get(worker).and_then(|c| c.get(i as usize)).cloned();
        let request = code.map(|code| {
            http.post(&url).basic_auth(CLIENT_ID, Some(CLIENT_SECRET)).form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
            ])
        });
        async move {
            let request = request?;
            Some(request.send().await.is_ok_and(|r| r.status().is_success()))
        }
    })
    .await
}

async fn trivial_server() -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/", listener.local_addr()?);
    let app = Router::new().route("/", get(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// Start-up of `rollcall emulator --generate …` as a separate process: wall time from spawn to
/// the "ready" line (the socket is listening by then), and its resident memory once ready.
struct Startup {
    wall: Duration,
    rss_kib: Option<u64>,
}

async fn startup() -> anyhow::Result<Startup> {
    let exe = std::env::current_exe().context("cannot find the rollcall-bench executable")?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(exe)
        .args([crate::APP_COMMAND, "emulator", "--generate", GENERATE, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the emulator process")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let first = BufReader::new(stdout).lines().next_line().await?.unwrap_or_default();
    let wall = started.elapsed();
    anyhow::ensure!(first.starts_with("Clever emulator ready"), "unexpected first line {first:?}");
    let rss_kib = child.id().and_then(super::child::Memory::of).map(|m| m.rss);
    child.kill().await?;
    Ok(Startup { wall, rss_kib })
}

fn print_table(
    args: &BenchArgs,
    startup: &Startup,
    trivial: &LoadResult,
    exchange: &LoadResult,
    me: &LoadResult,
) {
    let mut report = Report::new(
        format!(
            "Emulator benchmark: loopback, {} keep-alive connections, {:.0} s per row, load generator on the same cores",
            args.connections, args.seconds
        ),
        &["measurement", "req/s", "p50 ms", "p99 ms", "failed", "vs trivial", "target"],
    );
    for (name, r, target) in [
        ("trivial axum handler (GET /)", trivial, None),
        ("token exchange (POST /oauth/tokens)", exchange, Some(30.0)),
        ("GET /v3.0/me", me, Some(40.0)),
    ] {
        let ratio = 100.0 * r.rate() / trivial.rate();
        report.row(vec![
            name.to_owned(),
            format!("{:.0}", r.rate()),
            format!("{:.2}", ms(r.p50)),
            format!("{:.2}", ms(r.p99)),
            r.failed.to_string(),
            format!("{ratio:.0}%"),
            target.map(|t| format!("≥{t:.0}%")).unwrap_or_default(),
        ]);
    }
    report.note(format!(
        "Start-up with a generated district ({GENERATE}): {:.0} ms from spawn to ready (target < 200 ms), RSS {}",
        ms(startup.wall),
        startup.rss_kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "unknown".into())
    ));
    report.print();
}

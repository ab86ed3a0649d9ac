//! `rollcall-bench passwords`: `--concurrency` password logins at once against a real
//! `rollcall serve` child. Each is a wrong password for an account of its own, from a client
//! address of its own (`--client-ip-header x-forwarded-for`), so no failure limit is reached and
//! every login costs one argon2 check. The app hashes at most one password per core at a time
//! and tells a login that cannot get a turn within `HASHING_WAIT` that it is busy (503), so its
//! memory may grow by at most the turns × one argon2 run's memory, however many log in at once.
//! Reported: answers by status with their latency, and the child's memory before, at its peak
//! (sampled, and the kernel's high-water mark) and after, against that bound.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use rollcall_core::Clock;
use rollcall_store::{AccountRole, NewLocalAccount};
use rollcall_web::passwords::{BUSY, HASH_MEMORY_KIB, HASHING_WAIT, hashing_turns};

use super::child::{AppChild, Database, mib};
use super::load::percentile;
use super::{Report, ms};
use crate::cli::BenchArgs;

/// The accounts' password; the logins send another.
const PASSWORD: &str = "the right password";

/// How often the child's memory is sampled during the burst.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// Runs the benchmark, prints it, and fails unless the verdict passes.
pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let db = Database::from_arg(&args.database_url, "passwords")?;
    let result = measure(args, &db).await;
    db.remove_files()?;
    result
}

/// One login's answer.
struct Answer {
    /// 0 when there was no HTTP answer.
    status: u16,
    latency: Duration,
    /// The page says Rollcall is busy (the friendly 503).
    busy_page: bool,
}

async fn measure(args: &BenchArgs, db: &Database) -> anyhow::Result<()> {
    let n = args.concurrency as usize;
    let emails = create_accounts(&db.url(), n).await?;
    // Password logins never call Clever: its URL only has to be well formed.
    let clever = ("rollcall-bench", "unused");
    let app =
        AppChild::start(&db.url(), "http://127.0.0.1:9", clever, &["--client-ip-header", "x-forwarded-for"])
            .await?;
    let outcome = burst(&app, &emails).await;
    app.stop().await?;
    let (answers, memory) = outcome?;
    report(args, db, &answers, &memory)
}

/// `n` password accounts with fresh emails (one hash for all: only the logins are measured).
async fn create_accounts(url: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let store = rollcall_store::open(url)
        .await
        .with_context(|| format!("cannot open {}", rollcall::app::redact(url)))?;
    let hash = rollcall_web::passwords::hash(PASSWORD).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // A tag of this run: a database used before keeps its accounts and failure counts.
    let run: u32 = rand::random();
    let now = rollcall_core::SystemClock.now();
    let mut emails = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("bench-{run:08x}-{i}@rollcall.invalid");
        let account = NewLocalAccount {
            role: AccountRole::Teacher,
            first_name: "Bench".to_owned(),
            last_name: format!("Teacher {i}"),
            email: email.clone(),
            password_hash: hash.clone(),
        };
        store.create_local_account(&account, now).await.context("cannot create the accounts")?;
        emails.push(email);
    }
    Ok(emails)
}

/// The child's memory around the burst, in KiB.
struct Burst {
    /// Just started, before the warm-up.
    cold: u64,
    before: u64,
    sampled_peak: u64,
    high_water: u64,
    after: u64,
}

/// Every browser fetches the log-in form first (its CSRF cookie and token); the app is warmed
/// up; then, with the memory read, all post a wrong password at the same moment.
async fn burst(app: &AppChild, emails: &[String]) -> anyhow::Result<(Vec<Answer>, Burst)> {
    let cold = app.memory().context("cannot read the app's memory")?;
    let forms =
        futures::future::try_join_all(emails.iter().enumerate().map(|(i, _)| form(&app.url, i))).await?;
    warm_up(&app.url).await?;
    let before = app.memory().context("cannot read the app's memory")?;
    let peak = Arc::new(AtomicU64::new(before.rss));
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let sampler = {
        let (peak, memory) = (Arc::clone(&peak), app.memory_reader());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SAMPLE_EVERY);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    _ = stopped.changed() => break,
                }
                if let Some(m) = memory() {
                    peak.fetch_max(m.rss, Ordering::Relaxed);
                }
            }
        })
    };
    let (go, ready) = tokio::sync::watch::channel(None::<Instant>);
    let mut logins = Vec::with_capacity(forms.len());
    for ((browser, csrf), email) in forms.into_iter().zip(emails) {
        let (mut ready, url, email) = (ready.clone(), format!("{}/login", app.url), email.clone());
        logins.push(tokio::spawn(async move {
            let started = match ready.wait_for(Option::is_some).await {
                Ok(at) => at.unwrap_or_else(Instant::now),
                Err(_) => Instant::now(),
            };
            let form = [("csrf", csrf.as_str()), ("email", email.as_str()), ("password", "not the password")];
            match browser.post(&url).form(&form).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.text().await.unwrap_or_default();
                    Answer { status, latency: started.elapsed(), busy_page: body.contains(BUSY) }
                }
                Err(_) => Answer { status: 0, latency: started.elapsed(), busy_page: false },
            }
        }));
    }
    let _ = go.send(Some(Instant::now()));
    let mut answers = Vec::with_capacity(logins.len());
    for login in logins {
        answers.push(login.await.context("a login task failed")?);
    }
    let after = app.memory().context("cannot read the app's memory")?;
    let _ = stop.send(true);
    let _ = sampler.await;
    let memory = Burst {
        cold: cold.rss,
        before: before.rss,
        sampled_peak: peak.load(Ordering::Relaxed).max(after.rss),
        high_water: after.peak,
        after: after.rss,
    };
    Ok((answers, memory))
}

/// The baseline is a server that has checked passwords before, as one that has been up a while
/// has: one wrong login per hashing turn, all at once (unknown emails from addresses of their
/// own: the same argon2 check, and no account's counts), each answered 401 before the burst.
async fn warm_up(app_url: &str) -> anyhow::Result<()> {
    let logins = (0..hashing_turns()).map(|i| async move {
        let (browser, csrf) = form(app_url, WARM_UP_ADDRESSES + i).await?;
        let email = format!("warm-up-{i}@rollcall.invalid");
        let form = [("csrf", csrf.as_str()), ("email", email.as_str()), ("password", "not the password")];
        let status = browser.post(format!("{app_url}/login")).form(&form).send().await?.status();
        anyhow::ensure!(status.as_u16() == 401, "a warm-up login was answered {status}");
        anyhow::Ok(())
    });
    futures::future::try_join_all(logins).await?;
    Ok(())
}

/// Browser numbers from here on are the warm-up's (client addresses 10.2.x.y).
const WARM_UP_ADDRESSES: usize = 65_536;

/// Browser `i`: its own client address, the log-in form fetched (the CSRF cookie in its jar).
async fn form(app_url: &str, i: usize) -> anyhow::Result<(reqwest::Client, String)> {
    let mut headers = reqwest::header::HeaderMap::new();
    let address = format!("10.{}.{}.{}", 1 + i / 65_536, (i / 256) % 256, i % 256);
    headers.insert("x-forwarded-for", reqwest::header::HeaderValue::from_str(&address)?);
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        // Plain http on loopback: no trust roots to load.
        .tls_certs_only(std::iter::empty::<reqwest::Certificate>())
        .build()?;
    let page = browser.get(format!("{app_url}/login")).send().await?;
    anyhow::ensure!(page.status().is_success(), "GET /login answered {}", page.status());
    let body = page.text().await?;
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the log-in page has no CSRF token")?
        .to_owned();
    Ok((browser, csrf))
}

fn report(args: &BenchArgs, db: &Database, answers: &[Answer], memory: &Burst) -> anyhow::Result<()> {
    let mut by_status: BTreeMap<u16, Vec<Duration>> = BTreeMap::new();
    for answer in answers {
        by_status.entry(answer.status).or_default().push(answer.latency);
    }
    let mut report = Report::new(
        format!(
            "Password logins: {} at once against `rollcall serve` on {}, each a wrong password for its own \
             account from its own client address",
            args.concurrency,
            db.describe()
        ),
        &["answer", "count", "p50 ms", "p99 ms", "max ms"],
    );
    for (status, latencies) in &mut by_status {
        latencies.sort_unstable();
        let what = match status {
            401 => "401 wrong email or password".to_owned(),
            503 => "503 busy".to_owned(),
            0 => "no answer (transport error)".to_owned(),
            other => format!("{other} (other)"),
        };
        report.row(vec![
            what,
            latencies.len().to_string(),
            format!("{:.0}", ms(percentile(latencies, 0.50))),
            format!("{:.0}", ms(percentile(latencies, 0.99))),
            format!("{:.0}", ms(latencies.last().copied().unwrap_or_default())),
        ]);
    }
    let mut all: Vec<Duration> = answers.iter().map(|a| a.latency).collect();
    all.sort_unstable();
    report.row(vec![
        "all".to_owned(),
        all.len().to_string(),
        format!("{:.0}", ms(percentile(&all, 0.50))),
        format!("{:.0}", ms(percentile(&all, 0.99))),
        format!("{:.0}", ms(all.last().copied().unwrap_or_default())),
    ]);

    let turns = hashing_turns();
    let per_run = mib(u64::from(HASH_MEMORY_KIB));
    let bound = turns as f64 * per_run;
    let peak = memory.high_water.max(memory.sampled_peak);
    let growth = mib(peak) - mib(memory.before);
    let mut failed = Vec::new();
    report.note(format!(
        "Memory of the app (VmRSS): {:.1} MiB just started, {:.1} MiB before (after the warm-up: {turns} wrong \
         logins at once, one per hashing turn), {:.1} MiB at the peak sampled every {} ms (the kernel's high-water \
         mark VmHWM {:.1} MiB), {:.1} MiB after; growth to the peak {growth:.1} MiB ({:.1} MiB from just started).",
        mib(memory.cold),
        mib(memory.before),
        mib(memory.sampled_peak),
        SAMPLE_EVERY.as_millis(),
        mib(memory.high_water),
        mib(memory.after),
        mib(peak) - mib(memory.cold),
    ));
    let bounded = growth < bound;
    report.note(format!(
        "Bound: the app hashes at most {turns} passwords at once (one per core) and one argon2 run takes \
         {per_run:.0} MiB, so hashing may add at most {bound:.0} MiB: growth {growth:.1} MiB, {}.",
        if bounded { "PASS" } else { "FAIL" }
    ));
    if !bounded {
        failed.push(format!("memory grew {growth:.1} MiB, the bound is {bound:.0} MiB"));
    }
    let others = answers.iter().filter(|a| a.status != 401 && a.status != 503).count();
    if others > 0 {
        failed.push(format!("{others} answers were neither 401 nor 503"));
    }
    let busy: Vec<&Answer> = answers.iter().filter(|a| a.status == 503).collect();
    let unfriendly = busy.iter().filter(|a| !a.busy_page).count();
    if unfriendly > 0 {
        failed.push(format!("{unfriendly} 503s without the busy page"));
    }
    let slowest_busy = busy.iter().map(|a| a.latency).max().unwrap_or_default();
    let fast = slowest_busy <= 2 * HASHING_WAIT;
    if !fast {
        failed.push(format!("a 503 took {:.1} s", slowest_busy.as_secs_f64()));
    }
    report.note(format!(
        "Busy: {} logins were told \"{BUSY}\" (503); the app gives a login {:.0} s to get a turn, and the slowest \
         503 came after {:.1} s (at most twice that wait: {}). Answers other than 401 and 503: {others}.",
        busy.len(),
        HASHING_WAIT.as_secs_f64(),
        slowest_busy.as_secs_f64(),
        if fast { "PASS" } else { "FAIL" }
    ));
    let verdict = if failed.is_empty() { "PASS".to_owned() } else { format!("FAIL ({})", failed.join("; ")) };
    report.note(format!("Verdict: {verdict}"));
    report.print();
    anyhow::ensure!(failed.is_empty(), "the passwords benchmark failed: {}", failed.join("; "));
    Ok(())
}

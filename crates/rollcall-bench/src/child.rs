//! The app under test as a real child process: `rollcall serve` run by this executable (see
//! [`crate::APP_COMMAND`]), on port 0, with its own memory (read from `/proc/<pid>/status`) and CPU time, and its log watched for
//! warnings and errors.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr};

/// How long `serve` may take to say it listens (migrating a fresh database included).
const READY_WITHIN: Duration = Duration::from_secs(120);

/// Log lines at WARN and ERROR kept for the report (the counts go on).
const KEPT_LINES: usize = 5;

/// The database the child serves from.
pub(super) enum Database {
    /// A fresh temp SQLite file, removed afterwards.
    TempSqlite(PathBuf),
    /// A URL given by the user, used as it is.
    Given(String),
}

impl Database {
    /// `sqlite` (a temp file named after `what` and this process) or a database URL.
    pub(super) fn from_arg(arg: &str, what: &str) -> anyhow::Result<Self> {
        if arg == "sqlite" {
            let path = std::env::temp_dir().join(format!("rollcall-bench-{what}-{}.db", std::process::id()));
            let db = Database::TempSqlite(path);
            db.remove_files()?;
            return Ok(db);
        }
        anyhow::ensure!(
            arg.starts_with("sqlite:") || arg.starts_with("postgres://") || arg.starts_with("postgresql://"),
            "--database-url must be `sqlite`, a sqlite: URL or a postgres:// URL, not {}",
            rollcall::app::redact(arg)
        );
        Ok(Database::Given(arg.to_owned()))
    }

    pub(super) fn url(&self) -> String {
        match self {
            Database::TempSqlite(path) => format!("sqlite://{}", path.display()),
            Database::Given(url) => url.clone(),
        }
    }

    /// For captions: the backend, and the URL without its password.
    pub(super) fn describe(&self) -> String {
        match self {
            Database::TempSqlite(_) => "SQLite (a fresh temp file)".to_owned(),
            Database::Given(url) if url.starts_with("sqlite:") => format!("SQLite ({url})"),
            Database::Given(url) => format!("PostgreSQL ({})", rollcall::app::redact(url)),
        }
    }

    /// Removes a temp SQLite file and its WAL and shared-memory files; a given database is kept.
    pub(super) fn remove_files(&self) -> anyhow::Result<()> {
        let Database::TempSqlite(db) = self else { return Ok(()) };
        for suffix in ["", "-wal", "-shm"] {
            let mut path = db.clone().into_os_string();
            path.push(suffix);
            let path = PathBuf::from(path);
            if path.exists() {
                std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
        Ok(())
    }
}

/// Warnings and errors the child logged since it was ready.
#[derive(Debug, Default, Clone)]
pub(super) struct LogTally {
    pub(super) warnings: u64,
    pub(super) errors: u64,
    /// The first few of them, as `LEVEL message`.
    pub(super) first: Vec<String>,
}

/// A running `rollcall serve`; killed when dropped.
pub(super) struct AppChild {
    child: Child,
    pid: u32,
    /// Where it is reached (its public URL, http://127.0.0.1:<port>).
    pub(super) url: String,
    log: Arc<Mutex<LogTally>>,
}

impl AppChild {
    /// Starts `rollcall serve --dev` on 127.0.0.1:0 with `database_url`, its Clever at
    /// `clever_url` (the emulator), and `extra` flags; returns once it has logged that it listens
    /// and answered `/healthz`. No ROLLCALL_* or CLEVER_* variable of this process reaches it:
    /// the flags here are the whole configuration.
    pub(super) async fn start(
        database_url: &str,
        clever_url: &str,
        (client_id, client_secret): (&str, &str),
        extra: &[&str],
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("cannot find the rollcall-bench executable")?;
        let mut command = tokio::process::Command::new(exe);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("ROLLCALL_") || name.starts_with("CLEVER_") {
                command.env_remove(&*name);
            }
        }
        command
            .args([crate::APP_COMMAND, "--log-format", "json", "serve", "--dev", "--listen", "127.0.0.1:0"])
            .args(["--database-url", database_url, "--clever-client-id", client_id])
            .args(["--clever-oauth-url", clever_url, "--clever-api-url", clever_url])
            .args(extra)
            // Secrets by environment, as the flags' help asks.
            .env("ROLLCALL_CLEVER_CLIENT_SECRET", client_secret)
            .env("ROLLCALL_TOKEN_KEY", hex::encode(rollcall::app::random_key()))
            // The "Rollcall serving" line, and whatever goes wrong; not a line per login.
            .env("ROLLCALL_LOG", "warn,rollcall::app=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().context("cannot start `rollcall serve`")?;
        let pid = child.id().context("`rollcall serve` exited at once")?;
        let stderr = child.stderr.take().context("no stderr from `rollcall serve`")?;
        let mut lines = BufReader::new(stderr).lines();
        let url = tokio::time::timeout(READY_WITHIN, ready_line(&mut lines))
            .await
            .with_context(|| format!("`rollcall serve` did not say it listens within {READY_WITHIN:?}"))??;
        let log = Arc::new(Mutex::new(LogTally::default()));
        tokio::spawn(watch_log(lines, Arc::clone(&log)));
        let app = Self { child, pid, url, log };
        let health = reqwest::get(format!("{}/healthz", app.url)).await?;
        anyhow::ensure!(
            health.status().is_success(),
            "`rollcall serve` answered /healthz with {}",
            health.status()
        );
        Ok(app)
    }

    /// Resident memory now.
    pub(super) fn memory(&self) -> Option<Memory> {
        Memory::of(self.pid)
    }

    /// A reader of its resident memory, for a sampling task.
    pub(super) fn memory_reader(&self) -> impl Fn() -> Option<Memory> + Send + 'static {
        let pid = self.pid;
        move || Memory::of(pid)
    }

    /// User + system CPU time used so far.
    pub(super) fn cpu(&self) -> Option<Duration> {
        super::cpu::process_cpu(self.pid)
    }

    /// What it logged at WARN and ERROR since it was ready.
    pub(super) fn log(&self) -> LogTally {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Kills it (SIGKILL: nothing of its shutdown is measured) and reaps it.
    pub(super) async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await.context("cannot stop `rollcall serve`")
    }
}

/// Reads the log up to the "Rollcall serving" line and returns its public URL. A child that
/// exits first is reported with the last lines it wrote.
async fn ready_line(lines: &mut Lines<BufReader<ChildStderr>>) -> anyhow::Result<String> {
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await? {
        if let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) {
            let fields = &entry["fields"];
            if fields["message"] == "Rollcall serving"
                && let Some(url) = fields["public_url"].as_str()
            {
                return Ok(url.to_owned());
            }
        }
        seen.push(line);
    }
    let tail = seen.iter().rev().take(5).rev().cloned().collect::<Vec<_>>().join("\n");
    anyhow::bail!("`rollcall serve` exited before it listened:\n{tail}")
}

/// Counts the WARN and ERROR lines until the child's stderr closes (draining it, so the pipe
/// never fills and blocks the child).
async fn watch_log(mut lines: Lines<BufReader<ChildStderr>>, tally: Arc<Mutex<LogTally>>) {
    while let Ok(Some(line)) = lines.next_line().await {
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let level = entry["level"].as_str().unwrap_or("?");
        let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
        match level {
            "WARN" => tally.warnings += 1,
            "ERROR" => tally.errors += 1,
            _ => continue,
        }
        if tally.first.len() < KEPT_LINES {
            let message = entry["fields"]["message"].as_str().unwrap_or(&line).to_owned();
            tally.first.push(format!("{level} {message}"));
        }
    }
}

/// A process's resident memory, from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Memory {
    /// VmRSS: all of it.
    pub(super) rss: u64,
    /// RssAnon: its own memory (heap, stacks), where a leak would show.
    pub(super) anon: u64,
    /// RssFile: file pages mapped in, such as SQLite's memory-mapped database file, which grows
    /// with the file and which the kernel can take back at any time.
    pub(super) file: u64,
    /// VmHWM: the most VmRSS has been since the process started.
    pub(super) peak: u64,
}

impl Memory {
    pub(super) fn of(pid: u32) -> Option<Self> {
        Self::parse(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
    }

    fn parse(status: &str) -> Option<Self> {
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            line.get(name.len()..)?.split_whitespace().next()?.parse().ok()
        };
        Some(Self {
            rss: field("VmRSS:")?,
            anon: field("RssAnon:").unwrap_or_default(),
            file: field("RssFile:").unwrap_or_default(),
            peak: field("VmHWM:").unwrap_or_default(),
        })
    }
}

/// KiB as MiB, for the tables.
pub(super) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_the_status_lines() {
        let status = "Name:\trollcall\nVmHWM:\t   90000 kB\nVmRSS:\t   51200 kB\nRssAnon:\t   40960 kB\n\
                      RssFile:\t   10240 kB\nRssShmem:\t       0 kB\n";
        assert_eq!(Memory::parse(status), Some(Memory { rss: 51200, anon: 40960, file: 10240, peak: 90000 }));
        assert_eq!(Memory::parse("Name:\tx\n"), None);
    }

    #[test]
    fn the_bench_database_is_sqlite_or_a_url() {
        assert!(matches!(Database::from_arg("sqlite", "test").unwrap(), Database::TempSqlite(_)));
        let pg = Database::from_arg("postgres://app:hunter2@db/soak", "test").unwrap();
        assert_eq!(pg.describe(), "PostgreSQL (postgres://app:***@db/soak)");
        assert!(Database::from_arg("mysql://db", "test").is_err());
    }
}

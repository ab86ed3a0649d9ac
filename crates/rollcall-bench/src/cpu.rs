//! Where a benchmark row's CPU time went: the app, the emulator, or the simulated browsers.
//!
//! The login benchmark runs all three in one process on the same cores, so its logins/s is
//! what the machine does with the app sharing its cores with Clever and the browsers. To say
//! what the app itself costs, the emulator and the browsers run on runtimes of their own,
//! whose threads carry the names below, and each thread's CPU time is read from Linux's
//! `/proc/self/task/*/stat`. The app's share is the process's total (which still counts
//! threads that have exited) minus theirs. A PostgreSQL server on this machine is another
//! set of processes: their CPU time is read from `/proc/*/stat` too (every process named
//! `postgres`), so its rows can say what the server spent per login. Elsewhere than Linux
//! nothing is read and the report leaves the columns out.

use std::time::Duration;

/// Thread name of the emulator's runtime (names longer than 15 bytes are cut in `/proc`).
pub(super) const EMULATOR_THREADS: &str = "bench-emulator";
/// Thread name of the browsers' runtime.
pub(super) const BROWSER_THREADS: &str = "bench-browser";
/// Name prefix of the app's SQLite threads: sqlx's connection workers and the store's writer.
const SQLITE_THREADS: [&str; 2] = ["sqlx-sqlite", "rollcall-sqlite"];

/// `/proc` counts CPU time in USER_HZ ticks, which Linux fixes at 100 per second for user space.
const TICK: Duration = Duration::from_millis(10);

/// CPU time used so far, by whom.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CpuTimes {
    /// The whole process, exited threads included.
    pub(super) process: Duration,
    pub(super) emulator: Duration,
    pub(super) browsers: Duration,
    /// The app's SQLite threads (part of the app's share).
    pub(super) sqlite: Duration,
    /// Every process named `postgres` on this machine (a local server's backends and workers).
    /// A backend that exits takes its count with it: the benchmark's pool keeps its own open.
    pub(super) postgres: Duration,
}

impl CpuTimes {
    /// Reads the counters now; `None` where `/proc` is not Linux's.
    pub(super) fn now() -> Option<Self> {
        let mut times = CpuTimes {
            process: stat_cpu(&std::fs::read_to_string("/proc/self/stat").ok()?)?.1,
            postgres: postgres_processes(),
            ..Self::default()
        };
        for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
            // A thread may exit between the listing and the read: it is then only in `process`.
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
            let Some((name, cpu)) = stat_cpu(&stat) else { continue };
            if name.starts_with(EMULATOR_THREADS) {
                times.emulator += cpu;
            } else if name.starts_with(BROWSER_THREADS) {
                times.browsers += cpu;
            } else if SQLITE_THREADS.iter().any(|prefix| name.starts_with(prefix)) {
                times.sqlite += cpu;
            }
        }
        Some(times)
    }

    /// What was used between `earlier` and `self`.
    pub(super) fn since(&self, earlier: &CpuTimes) -> CpuUse {
        let emulator = self.emulator.saturating_sub(earlier.emulator);
        let browsers = self.browsers.saturating_sub(earlier.browsers);
        CpuUse {
            app: self
                .process
                .saturating_sub(earlier.process)
                .saturating_sub(emulator)
                .saturating_sub(browsers),
            app_sqlite: self.sqlite.saturating_sub(earlier.sqlite),
            emulator,
            browsers,
            postgres: self.postgres.saturating_sub(earlier.postgres),
        }
    }
}

/// CPU time used so far by another process of this machine (the app under test as a child).
pub(super) fn process_cpu(pid: u32) -> Option<Duration> {
    Some(stat_cpu(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?.1)
}

/// CPU time used so far by every process named `postgres` on this machine.
fn postgres_processes() -> Duration {
    let Ok(processes) = std::fs::read_dir("/proc") else { return Duration::ZERO };
    let stats: Vec<String> = processes
        .flatten()
        .filter(|p| p.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        // A process may exit between the listing and the read.
        .filter_map(|p| std::fs::read_to_string(p.path().join("stat")).ok())
        .collect();
    cpu_of_named("postgres", stats.iter().map(String::as_str))
}

/// The CPU time of the `stat` lines whose process is called `name`, together.
fn cpu_of_named<'a>(name: &str, stats: impl Iterator<Item = &'a str>) -> Duration {
    stats.filter_map(stat_cpu).filter(|(process, _)| *process == name).map(|(_, cpu)| cpu).sum()
}

/// CPU time used during a row.
#[derive(Debug, Clone, Copy)]
pub(super) struct CpuUse {
    /// Everything that is neither the emulator nor the browsers: the app's runtime, its
    /// database threads (and, on PostgreSQL, nothing of the server, which is another process).
    pub(super) app: Duration,
    /// The part of `app` spent on SQLite threads.
    pub(super) app_sqlite: Duration,
    pub(super) emulator: Duration,
    pub(super) browsers: Duration,
    /// The `postgres` processes on this machine (a local PostgreSQL server; none otherwise).
    pub(super) postgres: Duration,
}

/// The thread's name and its user + system CPU time from a `stat` line:
/// `pid (name) state ppid … utime stime …`, where utime and stime are fields 14 and 15. The
/// name may hold spaces and parentheses, so the fields are counted from the last `)`.
fn stat_cpu(stat: &str) -> Option<(&str, Duration)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?;
    // After the name: field 3 (state) is the first, so utime (14) and stime (15) are the 12th and 13th.
    let mut fields = stat.get(close + 1..)?.split_whitespace().skip(11);
    let utime: u32 = fields.next()?.parse().ok()?;
    let stime: u32 = fields.next()?.parse().ok()?;
    Some((name, TICK * (utime + stime)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_line_gives_the_name_and_user_plus_system_time() {
        let line = "4242 (sqlx-sqlite-wor) S 1 4242 4242 0 -1 4194368 120 0 0 0 250 37 0 0 20 0 9 0 77 0 0";
        assert_eq!(stat_cpu(line), Some(("sqlx-sqlite-wor", Duration::from_millis(2870))));
        // A name with a space and a parenthesis is read up to the last `)`.
        let odd = "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0";
        assert_eq!(stat_cpu(odd), Some(("a (b) c", Duration::from_millis(70))));
        assert_eq!(stat_cpu("garbage"), None);
    }

    #[test]
    fn this_process_is_measured_on_linux() {
        if !std::path::Path::new("/proc/self/task").exists() {
            eprintln!("skipped: no /proc/self/task here (not Linux)");
            return;
        }
        let before = CpuTimes::now().expect("readable on Linux");
        // Spin on this thread until the process's counter moves: it must, and by no less than
        // the emulator's and browsers' (none here) leave to the app.
        let started = std::time::Instant::now();
        let mut x = 0u64;
        let used = loop {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
            let used = CpuTimes::now().expect("readable on Linux").since(&before);
            if used.app >= 2 * TICK || started.elapsed() > Duration::from_secs(30) {
                break used;
            }
        };
        assert!(used.app >= 2 * TICK, "30 s of spinning counted as {:?}", used.app);
        assert_eq!(used.emulator, Duration::ZERO);
    }

    #[test]
    fn the_servers_cpu_is_its_postgres_processes_together() {
        let stats = [
            "101 (postgres) S 1 101 101 0 -1 0 0 0 0 0 40 10 0 0",
            "102 (postgres) S 101 101 101 0 -1 0 0 0 0 0 5 5 0 0",
            "103 (postgres-exporter) S 1 103 103 0 -1 0 0 0 0 0 99 99 0 0",
            "104 (rollcall) S 1 104 104 0 -1 0 0 0 0 0 77 7 0 0",
        ];
        assert_eq!(cpu_of_named("postgres", stats.into_iter()), Duration::from_millis(600));
        assert_eq!(cpu_of_named("postgres", std::iter::empty()), Duration::ZERO);
    }
}

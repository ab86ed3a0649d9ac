//! The write turn: this process's writers queue here for SQLite's one write lock, and the queue
//! keeps count of how busy it is.
//!
//! SQLite has one write lock per database; when several pool connections want it at once, the
//! losers wait in SQLite's busy handler, which polls with sleeps of up to 100 ms, so under load
//! the lock sits free while every waiter sleeps. Queuing writers here first hands the lock on in
//! order, at once. The queue is in addition to the lock, not instead of it: each transaction
//! still begins with `BEGIN IMMEDIATE` (or is one statement), and the busy timeout still covers
//! writers in other processes and the writes that take no turn (`set_admin`, the migrations).
//!
//! The counts ([`crate::WriterStats`]) are how an operator sees the one writer saturate: when
//! the turn is held nearly all the time, writes queue and logins slow down whatever the CPUs do.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, MutexGuard};

use crate::WriterStats;

/// The queue for the write lock, with its counters.
#[derive(Debug, Default)]
pub(super) struct WriteTurns {
    queue: Mutex<()>,
    writes: AtomicU64,
    busy_micros: AtomicU64,
    waiting_micros: AtomicU64,
}

impl WriteTurns {
    /// Waits for this process's turn to write; the turn lasts until the returned guard drops.
    pub(super) async fn take(&self) -> Turn<'_> {
        let asked = Instant::now();
        let guard = self.queue.lock().await;
        let began = Instant::now();
        self.waiting_micros.fetch_add(micros(began - asked), Ordering::Relaxed);
        Turn { turns: self, _guard: guard, began }
    }

    /// The counts so far.
    pub(super) fn stats(&self) -> WriterStats {
        let duration = |c: &AtomicU64| Duration::from_micros(c.load(Ordering::Relaxed));
        WriterStats {
            writes: self.writes.load(Ordering::Relaxed),
            busy: duration(&self.busy_micros),
            waiting: duration(&self.waiting_micros),
        }
    }
}

/// One writer's turn: counted when it ends.
pub(super) struct Turn<'a> {
    turns: &'a WriteTurns,
    _guard: MutexGuard<'a, ()>,
    began: Instant,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.turns.writes.fetch_add(1, Ordering::Relaxed);
        self.turns.busy_micros.fetch_add(micros(self.began.elapsed()), Ordering::Relaxed);
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_turn_is_counted_when_it_ends_and_a_queued_writer_waits_for_it() {
        let turns = WriteTurns::default();
        let first = turns.take().await;
        assert_eq!(turns.stats().writes, 0, "a turn still held is not counted yet");

        let mut second = Box::pin(turns.take());
        assert!(futures::poll!(second.as_mut()).is_pending(), "two writers held the turn at once");
        drop(first);
        drop(second.await);
        assert_eq!(turns.stats().writes, 2);
    }
}

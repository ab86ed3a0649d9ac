//! Throw-away database files for tests.

use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes files made by one process; the process id distinguishes processes.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A database file under the temp dir, removed (with its `-wal` and `-shm` companions) on drop.
#[derive(Debug)]
pub(super) struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Reserves a new, empty file (SQLite treats an empty file as an empty database). The name is
    /// claimed with `create_new`, so a stale file from an earlier run is never reused.
    pub(super) fn create() -> io::Result<Self> {
        let dir = std::env::temp_dir();
        let pid = std::process::id();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("rollcall-store-{pid}-{n}.db"));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(Self { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            // Best effort: a leftover file in the temp dir is harmless.
            let _ = std::fs::remove_file(p);
        }
    }
}

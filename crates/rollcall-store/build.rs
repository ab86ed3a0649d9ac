//! `sqlx::migrate!` embeds `migrations/sqlite` and `migrations/postgres` at compile time; a proc
//! macro cannot ask Cargo to watch a directory, so a new migration file in either folder would
//! otherwise not trigger a rebuild. Cargo scans a watched directory's whole tree; each backend's
//! folder is also named on its own so that a new or changed file there is always seen.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations/sqlite");
    println!("cargo:rerun-if-changed=migrations/postgres");
}

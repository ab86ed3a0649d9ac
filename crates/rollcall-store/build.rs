//! `sqlx::migrate!` embeds `migrations/` at compile time; a proc macro cannot ask Cargo to watch
//! a directory, so a new migration file would otherwise not trigger a rebuild.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod admin;
pub mod api;
pub mod clock;
pub mod config;
pub mod error;
pub mod faults;
pub mod generate;
pub mod ids;
pub mod journal;
pub mod model;
pub mod oauth;
pub mod portal;
pub mod profile;
pub mod seed;
pub mod server;
pub mod state;
pub mod surface;

pub use clock::Clock;
pub use config::{ConfigError, EmulatorConfig};
pub use generate::GenerateSpec;
pub use profile::{Profile, Profiles};
pub use seed::{Seed, SeedError};
pub use server::{RunningEmulator, router, serve};
pub use state::Emulator;

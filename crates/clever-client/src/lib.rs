#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod client;
mod config;
mod error;
mod grant;
mod limit;
mod observe;
mod paging;
mod retry;

pub use client::{AccessToken, CleverClient, SystemClock, UnixClock};
pub use config::{CLEVER_API_BASE, CLEVER_OAUTH_BASE, CleverConfig, RetryPolicy};
pub use error::ClientError;
pub use grant::{CLEVER_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME, TokenGrant};
pub use observe::{CallObserver, CleverCall};
pub use paging::Pages;

//! Command-line interface. Every flag can also be set by environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Rollcall: a Clever Library ("Sign up with Clever") integration, and a strict Clever emulator.
#[derive(Debug, Parser)]
#[command(name = "rollcall", version, about)]
pub struct Cli {
    /// Log format on stderr. The level is set with ROLLCALL_LOG (e.g. `debug`, `rollcall=trace`).
    #[arg(long, value_enum, default_value = "text", env = "ROLLCALL_LOG_FORMAT", global = true)]
    pub log_format: LogFormat,
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole product on this machine: the emulator with a demo district plus the app on a
    /// SQLite file. Prints the URL to open and whom to log in as.
    Demo(DemoArgs),
    /// Run the Rollcall app against Clever (or an emulator).
    Serve(ServeArgs),
    /// Sync one teacher's classes, or every teacher's whose Clever token is still valid.
    Sync(SyncArgs),
    /// Apply pending database migrations and exit (`serve` also applies them at start; run this
    /// first when upgrading several replicas). Refuses a database migrated by a newer Rollcall.
    Migrate(MigrateArgs),
    /// Grant, withdraw or list who may read the admin pages (the audit log). Run on the server:
    /// admin rights come only from here, never from an email someone signs up with.
    Admin(AdminArgs),
    /// Run the Clever emulator on its own (OAuth server, portal, Data API, admin API).
    Emulator(EmulatorArgs),
}

/// `rollcall emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4000", env = "CLEVER_EMULATOR_LISTEN")]
    pub listen: SocketAddr,
    /// Seed file (TOML or JSON) describing apps, districts, schools, people and sections.
    /// Without --seed or --generate the built-in demo district is loaded.
    #[arg(long, env = "CLEVER_EMULATOR_SEED", conflicts_with = "generate")]
    pub seed: Option<PathBuf>,
    /// Generate a large district instead, e.g. `students=10000,teachers=400,sections=500`.
    #[arg(long, env = "CLEVER_EMULATOR_GENERATE")]
    pub generate: Option<String>,
    /// The URL clients use to reach the emulator, if not http://<listen> (e.g. behind a proxy).
    #[arg(long, env = "CLEVER_EMULATOR_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 86_400, env = "CLEVER_EMULATOR_TOKEN_TTL")]
    pub token_ttl_secs: i64,
    /// Authorization-code lifetime in seconds.
    #[arg(long, default_value_t = 60, env = "CLEVER_EMULATOR_CODE_TTL")]
    pub code_ttl_secs: i64,
    /// Requests per token per minute before 429.
    #[arg(long, default_value_t = 1200, env = "CLEVER_EMULATOR_RATE_LIMIT")]
    pub rate_limit: u32,
    /// Answer like another Clever-compatible server: comma-separated profiles, e.g.
    /// `no-links,legacy-me` (see the emulator's README). A seed's own profiles are added.
    /// Without it the emulator is strict Clever.
    #[arg(long, env = "ROLLCALL_EMULATOR_PROFILE", value_parser = parse_profiles)]
    pub profile: Option<clever_emulator::Profiles>,
}

/// `--profile`'s value: known profile names, comma-separated.
fn parse_profiles(list: &str) -> Result<clever_emulator::Profiles, clever_emulator::profile::UnknownProfile> {
    clever_emulator::Profiles::parse(list)
}

/// `rollcall demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address the app listens on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "ROLLCALL_DEMO_LISTEN")]
    pub listen: SocketAddr,
    /// Address the embedded Clever emulator listens on.
    #[arg(long, default_value = "127.0.0.1:4000", env = "ROLLCALL_DEMO_EMULATOR_LISTEN")]
    pub emulator_listen: SocketAddr,
    /// The demo's database (created if missing).
    #[arg(long, default_value = "sqlite://rollcall-demo.db", env = "ROLLCALL_DEMO_DATABASE_URL")]
    pub database_url: String,
    /// Let the embedded emulator answer like another Clever-compatible server (comma-separated
    /// profiles, as `rollcall emulator --profile`), to see what teachers read when a server
    /// leaves things out. Without it the emulator is strict Clever.
    #[arg(long, env = "ROLLCALL_DEMO_PROFILE", value_parser = parse_profiles)]
    pub profile: Option<clever_emulator::Profiles>,
}

/// `rollcall serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "ROLLCALL_LISTEN")]
    pub listen: SocketAddr,
    /// The app's settings.
    #[command(flatten)]
    pub app: AppArgs,
    /// What each client may take of the server.
    #[command(flatten)]
    pub serving: ServingArgs,
}

/// `rollcall serve`'s limits per connection and request.
#[derive(Debug, Args)]
pub struct ServingArgs {
    /// Connections served at once; one more is answered 503 at once. Keep it below the
    /// process's open-file limit (`ulimit -n`).
    #[arg(long, default_value_t = 2048, env = "ROLLCALL_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Seconds a client may take to send a request's headers (and a keep-alive connection may
    /// sit idle) before the connection is closed.
    #[arg(long, default_value_t = 10, env = "ROLLCALL_HEADER_TIMEOUT_SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds a request may take before it is answered "taking longer than it should" (503).
    #[arg(long, default_value_t = 60, env = "ROLLCALL_REQUEST_TIMEOUT_SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
    /// Behind a reverse proxy or load balancer: the header it writes the client's address into,
    /// e.g. `x-forwarded-for` (the last address in it counts). Per-client login limits and the
    /// logs use that address; without it they use the connection's, which behind a proxy is the
    /// proxy's for everyone.
    #[arg(long, env = "ROLLCALL_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
}

impl ServingArgs {
    /// As the app's configuration.
    pub fn serving(&self) -> rollcall_web::config::Serving {
        use std::time::Duration;
        rollcall_web::config::Serving {
            limits: http_serve::Limits {
                header_read_timeout: Duration::from_secs(self.header_timeout_secs),
                max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            },
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            client_ip_header: self.client_ip_header.clone(),
        }
    }
}

/// `rollcall sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Sync this teacher (their Clever id).
    #[arg(long, conflicts_with = "all", required_unless_present = "all")]
    pub teacher: Option<String>,
    /// Sync every teacher whose Clever token is still valid.
    #[arg(long)]
    pub all: bool,
    /// The app's settings (the same as `serve`'s).
    #[command(flatten)]
    pub app: AppArgs,
}

/// Settings shared by `serve` and `sync`.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// The URL users reach the app at; the Clever redirect URI is this plus `/auth/clever/callback`.
    /// `serve --dev` may leave it out: it is then http://<the address serve listens on>, so
    /// `--listen 127.0.0.1:0` works (the "Rollcall serving" log line says which).
    #[arg(long, env = "ROLLCALL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Database URL: `sqlite://path/to/file.db`, or `postgres://user:password@host:5432/rollcall`
    /// (the database must exist; migrations run on start). For TLS add
    /// `?sslmode=verify-full&sslrootcert=/path/ca.pem` (or `sslmode=require`).
    #[arg(long, default_value = "sqlite://rollcall.db", env = "ROLLCALL_DATABASE_URL")]
    pub database_url: String,
    /// PostgreSQL only: connections this process (replica) keeps at most. Every replica has its
    /// own pool, so keep replicas × pool below the server's `max_connections`. SQLite ignores it.
    #[arg(long, default_value_t = rollcall_store::DEFAULT_PG_POOL_SIZE, env = "ROLLCALL_DATABASE_POOL",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool: u32,
    /// The app's Clever client id.
    #[arg(long, env = "ROLLCALL_CLEVER_CLIENT_ID")]
    pub clever_client_id: String,
    /// The app's Clever client secret (prefer the environment variable: flags show up in `ps`).
    #[arg(long, env = "ROLLCALL_CLEVER_CLIENT_SECRET", hide_env_values = true, value_parser = secret)]
    pub clever_client_secret: secrecy::SecretString,
    /// Clever's OAuth host.
    #[arg(long, default_value = "https://clever.com", env = "ROLLCALL_CLEVER_OAUTH_URL")]
    pub clever_oauth_url: String,
    /// Clever's API host.
    #[arg(long, default_value = "https://api.clever.com", env = "ROLLCALL_CLEVER_API_URL")]
    pub clever_api_url: String,
    /// 64 hex digits (32 bytes) sealing stored Clever tokens. Required outside --dev.
    #[arg(long, env = "ROLLCALL_TOKEN_KEY", hide_env_values = true, value_parser = secret)]
    pub token_key: Option<secrecy::SecretString>,
    /// Development mode: allows an http public URL and generates a token key if none is given.
    #[arg(long, env = "ROLLCALL_DEV")]
    pub dev: bool,
    /// Bearer token for `GET /metrics` (Prometheus text); without it the endpoint is off.
    #[arg(long, env = "ROLLCALL_METRICS_TOKEN", hide_env_values = true, value_parser = secret)]
    pub metrics_token: Option<secrecy::SecretString>,
    /// Login session lifetime in hours.
    #[arg(long, default_value_t = 8, env = "ROLLCALL_SESSION_HOURS")]
    pub session_hours: i64,
    /// How often each teacher's classes are re-synced in the background while their Clever token
    /// is valid, in minutes (a job queue in the database: any replica may run a job, never two at
    /// once). 0 turns background sync off.
    #[arg(long, default_value_t = 360, env = "ROLLCALL_BACKGROUND_SYNC_MINUTES")]
    pub background_sync_minutes: u32,
    /// SMTP server for the links that confirm email addresses: `smtps://user:password@host:465`,
    /// or `smtp://user:password@host:587?tls=required` (STARTTLS). Without it there is no email
    /// sign-up (Clever only); with --dev, mail is kept at /dev/outbox instead.
    #[arg(long, env = "ROLLCALL_SMTP_URL", hide_env_values = true, value_parser = secret)]
    pub smtp_url: Option<secrecy::SecretString>,
    /// The sender of Rollcall's mail.
    #[arg(long, default_value = "Rollcall <noreply@rollcall.invalid>", env = "ROLLCALL_MAIL_FROM")]
    pub mail_from: String,
}

/// A flag whose value is a secret (its `Debug` prints no value).
fn secret(value: &str) -> Result<secrecy::SecretString, std::convert::Infallible> {
    Ok(value.into())
}

/// `rollcall admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AdminAction,
    /// Database URL (`sqlite://rollcall.db` or `postgres://user@host/db`).
    #[arg(long, default_value = "sqlite://rollcall.db", env = "ROLLCALL_DATABASE_URL", global = true)]
    pub database_url: String,
}

/// `rollcall admin grant|revoke|list`.
#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Let the account that logs in with this email (and its password) read the admin pages.
    Grant {
        /// The account's login email.
        email: String,
    },
    /// Withdraw that again.
    Revoke {
        /// The account's login email.
        email: String,
    },
    /// List the accounts that may read the admin pages.
    List,
}

/// `rollcall migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Database URL (`sqlite://rollcall.db` or `postgres://user@host/db`).
    #[arg(long, default_value = "sqlite://rollcall.db", env = "ROLLCALL_DATABASE_URL")]
    pub database_url: String,
}

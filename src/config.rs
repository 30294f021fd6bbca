//! Settings, from command-line flags or the environment (every flag has an environment variable).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "GROUNDWORK_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,

    /// Directory for the SQLite database and other local files; created if missing.
    #[arg(
        long,
        env = "GROUNDWORK_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// `postgres://…` selects PostgreSQL; `sqlite://…` a specific SQLite file.
    /// Default: `groundwork.db` in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Log filter, in `tracing` env-filter syntax (e.g. `info`, `groundwork=debug,tower_http=info`).
    #[arg(long, env = "GROUNDWORK_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "GROUNDWORK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Seconds a request may take before it is answered with 408.
    #[arg(
        long,
        env = "GROUNDWORK_REQUEST_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Seconds a client may take to send a request's headers (and an idle keep-alive
    /// connection may stay open) before the connection is closed: slow-header clients cannot
    /// hold connections open.
    #[arg(
        long,
        env = "GROUNDWORK_HEADER_READ_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout_secs: u64,

    /// Most connections open at once; more are answered 503 and closed. Lowered to fit the
    /// process's open-file limit when that is smaller.
    #[arg(
        long,
        env = "GROUNDWORK_MAX_CONNECTIONS",
        default_value_t = 1024,
        global = true
    )]
    pub max_connections: usize,

    /// Seconds to let requests in flight finish after SIGTERM/SIGINT; connections still open
    /// then are closed, so a slow client cannot hold up a deploy.
    #[arg(
        long,
        env = "GROUNDWORK_SHUTDOWN_GRACE",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_grace_secs: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GROUNDWORK_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// The address users reach this site at, for links in e-mails and the set-up link.
    /// Default: `http://` + the listening address.
    #[arg(long, env = "GROUNDWORK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Set behind https: session cookies become `Secure` with the `__Host-` prefix, and
    /// responses carry Strict-Transport-Security.
    #[arg(
        long,
        env = "GROUNDWORK_SECURE_COOKIES",
        default_value_t = false,
        global = true
    )]
    pub secure_cookies: bool,

    /// Learners are logged out after this many minutes without a request.
    #[arg(long, env = "GROUNDWORK_SESSION_IDLE_MINUTES", default_value_t = 7 * 24 * 60, global = true)]
    pub session_idle_minutes: u64,

    /// Learners must log in again this many hours after logging in, active or not.
    #[arg(long, env = "GROUNDWORK_SESSION_MAX_HOURS", default_value_t = 30 * 24, global = true)]
    pub session_max_hours: u64,

    /// Idle timeout for editors and admins, whose sessions can change content and accounts.
    #[arg(
        long,
        env = "GROUNDWORK_STAFF_SESSION_IDLE_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub staff_session_idle_minutes: u64,

    /// Absolute timeout for editors and admins.
    #[arg(
        long,
        env = "GROUNDWORK_STAFF_SESSION_MAX_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub staff_session_max_hours: u64,

    /// Behind a reverse proxy: take the client address from the last `X-Forwarded-For` entry
    /// (the one the proxy added) instead of the connection. Only set it when a proxy always
    /// sets that header, or clients could choose their address.
    #[arg(
        long,
        env = "GROUNDWORK_TRUST_FORWARDED_FOR",
        default_value_t = false,
        global = true
    )]
    pub trust_forwarded_for: bool,

    /// Send `Server-Timing: db;desc="N statements"` with every response: the number of
    /// database statements it took (for profiling and the benchmark; off in production).
    #[arg(
        long,
        env = "GROUNDWORK_SERVER_TIMING",
        default_value_t = false,
        global = true
    )]
    pub server_timing: bool,

    /// Admins must turn on two-factor authentication before they can use admin pages.
    #[arg(
        long,
        env = "GROUNDWORK_REQUIRE_ADMIN_2FA",
        default_value_t = false,
        global = true
    )]
    pub require_admin_2fa: bool,

    /// `smtp://user:pass@host:587` (STARTTLS), `smtps://…:465` (TLS) or `smtp://host:25?tls=none`.
    /// Unset: mail is written as .eml files into `<data dir>/outbox` and logged.
    #[arg(
        long,
        env = "GROUNDWORK_SMTP_URL",
        global = true,
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,

    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "GROUNDWORK_MAIL_FROM",
        default_value = "Groundwork <groundwork@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Requests a personal access token may make to the JSON API per minute; the next one is
    /// answered 429 with `Retry-After`. Counted in the database, so it holds across instances.
    #[arg(
        long,
        env = "GROUNDWORK_API_RATE_LIMIT",
        default_value_t = 600,
        global = true
    )]
    pub api_rate_limit: i64,

    /// A TOML file of single sign-on providers (OpenID Connect: Google, Microsoft Entra ID,
    /// Keycloak, …), each shown as a "Sign in with …" button. See README, "Single sign-on".
    #[arg(long, env = "GROUNDWORK_SIGN_IN_PROVIDERS", global = true)]
    pub sign_in_providers: Option<PathBuf>,

    /// When set, `/metrics` answers only requests with `Authorization: Bearer <this token>`.
    #[arg(
        long,
        env = "GROUNDWORK_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The database URL in force: the explicit one, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("groundwork.db").display()
            ),
        }
    }

    /// Base URL for absolute links, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// What the connection loop enforces.
    pub fn server_limits(&self) -> crate::server::Limits {
        crate::server::Limits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            max_connections: self.max_connections,
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
        }
    }

    /// Settings for tests and tools: the defaults, with the data in `data_dir`.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            log: "info".into(),
            log_format: LogFormat::Text,
            request_timeout_secs: 30,
            header_read_timeout_secs: 10,
            max_connections: 1024,
            shutdown_grace_secs: 30,
            max_body_bytes: 8 * 1024 * 1024,
            public_url: None,
            secure_cookies: false,
            session_idle_minutes: 7 * 24 * 60,
            session_max_hours: 30 * 24,
            staff_session_idle_minutes: 60,
            staff_session_max_hours: 12,
            trust_forwarded_for: false,
            server_timing: false,
            require_admin_2fa: false,
            smtp_url: None,
            mail_from: "Groundwork <groundwork@localhost>".into(),
            api_rate_limit: 600,
            metrics_token: None,
            sign_in_providers: None,
        }
    }
}

//! Typed configuration: defaults, then an optional TOML file, then
//! `GATEHOUSE_`-prefixed environment variables with `__` for nesting
//! (`GATEHOUSE_SERVER__PORT=9000`). Secrets are `SecretString`s, whose `Debug`
//! prints `[REDACTED]`.

mod email;
mod jobs;
mod oauth;

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use email::{EmailSettings, EmailTransport, SmtpSecurity, SmtpSettings};
pub use jobs::{JobSettings, QueueBackend};
pub use oauth::OAuthSettings;

/// Every setting of Gatehouse. The README lists each with its default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub password_policy: PasswordPolicy,
    pub bootstrap: BootstrapSettings,
    pub graphql: GraphqlSettings,
    pub log: LogSettings,
    pub email: EmailSettings,
    pub jobs: JobSettings,
    pub customers: CustomerSettings,
    pub oauth: OAuthSettings,
}

impl Settings {
    /// Loads the settings: defaults, then `file` (when given; it must exist),
    /// then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            if !file.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "configuration file {} does not exist",
                    file.display()
                ))));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed("GATEHOUSE_").ignore(&["config"]).split("__"));
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings
            .validate()
            .map_err(|message| Box::new(figment::Error::from(message)))?;
        Ok(settings)
    }

    /// The public base URL of links sent by email: the configured one,
    /// never a request's `Host` header.
    pub fn public_url(&self) -> String {
        match &self.server.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}:{}", self.server.host, self.server.port),
        }
    }

    /// The `iss` of access tokens.
    pub fn oauth_issuer(&self) -> String {
        match &self.oauth.issuer {
            Some(issuer) => issuer.trim_end_matches('/').to_owned(),
            None => self.public_url(),
        }
    }

    /// Whether missing OAuth key files are created at start.
    pub fn generates_oauth_keys(&self) -> bool {
        self.oauth
            .generate_keys
            .unwrap_or_else(|| self.database.is_sqlite())
    }

    fn validate(&self) -> Result<(), String> {
        if self.oauth.token_ttl_secs == 0
            || self.oauth.token_requests_per_client_per_minute == 0
            || self.oauth.token_requests_per_ip_per_minute == 0
        {
            return Err("oauth.token_ttl_secs and the oauth rate limits must be at least 1".into());
        }
        if self.auth.max_failed_logins == 0 {
            return Err("auth.max_failed_logins must be at least 1".into());
        }
        if self.auth.hashing_niceness > 19 {
            return Err("auth.hashing_niceness must be between 0 and 19".into());
        }
        if self.password_policy.min_length == 0 || self.password_policy.min_length > 128 {
            return Err("password_policy.min_length must be between 1 and 128".into());
        }
        if self.graphql.max_page_size == 0
            || self.graphql.default_page_size > self.graphql.max_page_size
        {
            return Err("graphql.default_page_size must not exceed graphql.max_page_size".into());
        }
        if self.jobs.concurrency == 0 || self.email.batch_size == 0 {
            return Err("jobs.concurrency and email.batch_size must be at least 1".into());
        }
        // A worker renews its claims and its jobs' heartbeats every
        // heartbeat: a claim shorter than two would end while it lives.
        let beat = self.jobs.heartbeat_secs.max(1);
        if self.email.claim_lease_secs < 2 * beat || self.jobs.stale_after_secs < 2 * beat {
            return Err(
                "email.claim_lease_secs and jobs.stale_after_secs must be at least twice jobs.heartbeat_secs"
                    .into(),
            );
        }
        for field in &self.jobs.export_user_fields {
            if !crate::users::export::FIELDS.contains(&field.as_str()) {
                return Err(format!(
                    "jobs.export_user_fields: unknown field {field:?}; known: {}",
                    crate::users::export::FIELDS.join(", ")
                ));
            }
        }
        if self
            .server
            .link_secret
            .as_ref()
            .is_some_and(|secret| secret.expose_secret().len() < 32)
        {
            return Err("server.link_secret must hold at least 32 characters".into());
        }
        if self.graphql.max_batch_size == 0 {
            return Err("graphql.max_batch_size must be at least 1".into());
        }
        Ok(())
    }
}

/// Whether the server runs for development or production.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// GraphQL field suggestions on; meant for `cargo run`.
    #[default]
    Development,
    /// GraphQL field suggestions off.
    Production,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Base URL people reach Gatehouse at, for links sent by email.
    pub public_url: Option<String>,
    pub environment: Environment,
    /// Take the client address from `X-Forwarded-For` (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
    /// How long running requests get to finish on SIGINT / SIGTERM.
    pub shutdown_grace_secs: u64,
    /// The key that signs links sent by email (export downloads), at least
    /// 32 characters; every server must have the same. Unset: a random key
    /// made by the first process and kept in the database.
    pub link_secret: Option<SecretString>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            public_url: None,
            environment: Environment::Development,
            trust_forwarded_for: false,
            request_timeout_secs: 30,
            shutdown_grace_secs: 30,
            link_secret: None,
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://user:password@host/db`. Kept
    /// secret: it may carry a password.
    pub url: SecretString,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    /// Apply pending migrations when the server starts.
    pub auto_migrate: bool,
}

impl DatabaseSettings {
    pub fn is_sqlite(&self) -> bool {
        self.url.expose_secret().starts_with("sqlite:")
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("max_connections", &self.max_connections)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("auto_migrate", &self.auto_migrate)
            .finish()
    }
}

/// The URL with any password replaced, fit for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:[REDACTED]{}",
                    &url[..scheme + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from("sqlite://var/gatehouse.db?mode=rwc"),
            max_connections: 10,
            connect_timeout_secs: 5,
            auto_migrate: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Lifetime of a login session.
    pub session_ttl_secs: u64,
    /// Consecutive failed logins after which an account is locked.
    pub max_failed_logins: u32,
    /// Logins accepted per client address per minute.
    pub login_attempts_per_ip_per_minute: u32,
    /// How long a password reset link works.
    pub reset_ttl_secs: u64,
    /// `requestPasswordReset` calls per account per hour.
    pub reset_requests_per_account_per_hour: u32,
    /// `requestPasswordReset` calls per client address per hour.
    pub reset_requests_per_ip_per_hour: u32,
    /// The niceness of the password-hashing threads, 0 (the priority of
    /// every other thread) to 19 (the lowest): above 0, requests that hash
    /// nothing keep their latency during a login flood.
    pub hashing_niceness: u8,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_ttl_secs: 12 * 3600,
            max_failed_logins: 10,
            login_attempts_per_ip_per_minute: 60,
            reset_ttl_secs: 24 * 3600,
            reset_requests_per_account_per_hour: 3,
            reset_requests_per_ip_per_hour: 20,
            hashing_niceness: 5,
        }
    }
}

/// The storefront: customer users' accounts.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CustomerSettings {
    /// Whether a customer user must confirm its email before logging in.
    pub require_confirmation: bool,
    /// Lifetime of a storefront session.
    pub session_ttl_secs: u64,
    /// How long a customer user's password reset link works.
    pub reset_ttl_secs: u64,
    /// How long a confirmation or welcome (set-password) link works.
    pub link_ttl_secs: u64,
    /// Lifetime of a storefront session opened by impersonation.
    pub impersonation_ttl_secs: u64,
}

impl Default for CustomerSettings {
    fn default() -> Self {
        Self {
            require_confirmation: true,
            session_ttl_secs: 12 * 3600,
            reset_ttl_secs: 24 * 3600,
            link_ttl_secs: 72 * 3600,
            impersonation_ttl_secs: 3600,
        }
    }
}

/// Rules every new password must satisfy.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_numbers: bool,
    pub require_special: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            require_lowercase: true,
            require_uppercase: true,
            require_numbers: true,
            require_special: false,
        }
    }
}

/// What the first start creates.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BootstrapSettings {
    pub organization: String,
    pub business_unit: String,
    pub admin_username: String,
    pub admin_email: String,
    /// When absent, a password is generated and printed once.
    pub admin_password: Option<SecretString>,
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        Self {
            organization: "Default".into(),
            business_unit: "Main".into(),
            admin_username: "admin".into(),
            admin_email: "admin@example.com".into(),
            admin_password: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphqlSettings {
    /// How deep an operation may nest its fields, not counting what lies
    /// below an introspection field (which has its own bound).
    pub max_depth: usize,
    /// How many fields an operation may select (each spread of a fragment
    /// counting again), not counting what lies below an introspection field.
    pub max_complexity: usize,
    /// Most operations accepted in one batched request.
    pub max_batch_size: usize,
    /// Largest request body accepted on `/graphql`.
    pub max_body_bytes: usize,
    pub default_page_size: u64,
    pub max_page_size: u64,
    /// Whether the schema answers introspection (`__schema`, `__type`):
    /// on unless turned off, in production too, since GraphiQL and every
    /// GraphQL tool need it.
    pub introspection: bool,
}

impl Default for GraphqlSettings {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 1000,
            max_batch_size: 10,
            max_body_bytes: 1024 * 1024,
            default_page_size: 20,
            max_page_size: 100,
            introspection: true,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter, e.g. `info` or `gatehouse_api=debug,info`;
    /// `RUST_LOG` wins when set.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// Where the embedded default keeps its files (`./var`).
pub fn var_dir() -> PathBuf {
    PathBuf::from("var")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's test jail decides the closure's error type
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let mut settings = Settings::default();
        settings.database.url = SecretString::from("postgres://gatehouse:hunter2@db/gatehouse");
        settings.bootstrap.admin_password = Some(SecretString::from("Sup3rSecret"));
        settings.server.link_secret = Some(SecretString::from("links-links-links-links-links-32"));
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("Sup3rSecret"), "{printed}");
        assert!(!printed.contains("links-links"), "{printed}");
        assert!(
            printed.contains("postgres://gatehouse:[REDACTED]@db/gatehouse"),
            "{printed}"
        );
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("gatehouse.toml");
        std::fs::write(
            &file,
            "[server]\nport = 9000\nhost = \"0.0.0.0\"\n[auth]\nmax_failed_logins = 3\n",
        )
        .expect("write config");
        figment::Jail::expect_with(|jail| {
            jail.set_env("GATEHOUSE_SERVER__PORT", "9100");
            let settings = Settings::load(Some(&file)).expect("settings");
            assert_eq!(settings.server.port, 9100);
            assert_eq!(settings.server.host, "0.0.0.0");
            assert_eq!(settings.auth.max_failed_logins, 3);
            assert_eq!(settings.password_policy.min_length, 8);
            Ok(())
        });
    }

    #[test]
    fn a_short_link_secret_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GATEHOUSE_SERVER__LINK_SECRET", "too-short");
            let error = Settings::load(None).expect_err("a short secret must be refused");
            assert!(error.to_string().contains("link_secret"), "{error}");
            jail.set_env("GATEHOUSE_SERVER__LINK_SECRET", "x".repeat(32));
            Settings::load(None).expect("32 characters are enough");
            Ok(())
        });
    }

    #[test]
    fn unknown_settings_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GATEHOUSE_SERVER__PROT", "9100");
            let error = Settings::load(None).expect_err("typo must be refused");
            assert!(error.to_string().contains("prot"), "{error}");
            Ok(())
        });
    }
}

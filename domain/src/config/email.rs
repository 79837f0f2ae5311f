//! Email settings: who sends, and through what.

use secrecy::SecretString;
use serde::Deserialize;

/// How emails leave Gatehouse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// `.eml` files under `email.file_dir` (the embedded default).
    #[default]
    File,
    /// An SMTP server (`email.smtp`).
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// The `From` of every email.
    pub from: String,
    pub transport: EmailTransport,
    /// Where the file transport writes.
    pub file_dir: String,
    pub smtp: SmtpSettings,
    /// Emails one delivery task sends over one connection.
    pub batch_size: usize,
    /// Attempts before an email is given up as failed.
    pub max_attempts: i32,
    /// How long a delivery's claim on its emails lasts past its worker's
    /// last renewal. A live worker renews its claims every heartbeat
    /// (`jobs.heartbeat_secs`), so only a dead worker's emails go to
    /// others, this long after it died. Several heartbeats long.
    pub claim_lease_secs: u64,
    /// How long emails whose delivery task was pushed wait for it before
    /// the sweeper pushes them again, when the queue shows no sign of having
    /// lost it (a queue that lost its data, or that holds no task at all,
    /// gets them pushed again at the next sweep).
    pub reservation_secs: u64,
}

impl EmailSettings {
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.claim_lease_secs.max(1) as i64)
    }

    pub fn reservation(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.reservation_secs.max(1) as i64)
    }
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            from: "Gatehouse <no-reply@localhost>".into(),
            transport: EmailTransport::File,
            file_dir: "var/mail".into(),
            smtp: SmtpSettings::default(),
            batch_size: 50,
            max_attempts: 8,
            claim_lease_secs: 15,
            reservation_secs: 300,
        }
    }
}

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub timeout_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            timeout_secs: 30,
        }
    }
}

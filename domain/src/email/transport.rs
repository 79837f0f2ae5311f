//! Delivering one formatted message, through lettre: SMTP (STARTTLS, TLS
//! or plain, with authentication) or `.eml` files.
//!
//! Delivery is recorded as done ("committed") at the point where a crash
//! can no longer leave a recipient with two copies or none, as far as the
//! transport allows:
//!
//! - SMTP: the whole message is written, then the commit runs, then the
//!   final `.` is sent. A server discards a message whose DATA never ended
//!   (RFC 5321 §4.1.1.4), so a worker killed before the commit leaves no
//!   copy and the email is sent again later; one killed after the commit
//!   sends the `.` a few microseconds later or not at all. A commit that
//!   fails (the database is gone) cannot stop the `.` any more: that email
//!   is sent again once the database is back.
//! - Files: written under the outbox id (to a temporary name, then renamed),
//!   then committed: a repeated delivery replaces the same file.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};
use secrecy::ExposeSecret;

use crate::config::{EmailSettings, EmailTransport, SmtpSecurity};

/// Work that records a delivery; runs between writing and finishing it.
pub type Commit<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// Why a delivery did not happen.
#[derive(Debug)]
pub enum SendError {
    /// Worth trying again later (network, 4xx, timeouts).
    Transient(String),
    /// Will not work however often tried (5xx, a malformed address).
    Permanent(String),
}

impl SendError {
    fn from_smtp(error: lettre::transport::smtp::Error) -> Self {
        if error.is_permanent() {
            Self::Permanent(error.to_string())
        } else {
            Self::Transient(error.to_string())
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::Transient(m) | Self::Permanent(m) => m,
        }
    }
}

/// What became of one delivery.
#[derive(Debug)]
pub struct Delivery {
    /// Whether the commit ran and succeeded.
    pub committed: bool,
    /// Why the message was not delivered, if it was not. A message can be
    /// committed and still refused at the end of its data (`.`): the
    /// caller then records the failure over the commit.
    pub error: Option<SendError>,
}

impl Delivery {
    fn failed(error: SendError) -> Self {
        Self {
            committed: false,
            error: Some(error),
        }
    }
}

/// An open way to deliver messages: one SMTP connection, or the directory.
pub enum Connection {
    Smtp(Box<AsyncSmtpConnection>),
    Files(PathBuf),
}

/// Opens the configured transport.
pub async fn open(settings: &EmailSettings) -> Result<Connection, SendError> {
    match settings.transport {
        EmailTransport::File => {
            let dir = PathBuf::from(&settings.file_dir);
            tokio::fs::create_dir_all(&dir).await.map_err(|e| {
                SendError::Transient(format!("cannot create {}: {e}", dir.display()))
            })?;
            Ok(Connection::Files(dir))
        }
        EmailTransport::Smtp => {
            let smtp = &settings.smtp;
            let hello = ClientId::default();
            let timeout = Some(Duration::from_secs(smtp.timeout_secs));
            let tls = || {
                TlsParameters::new_rustls(smtp.host.clone()).map_err(|e| {
                    SendError::Permanent(format!("TLS settings for {}: {e}", smtp.host))
                })
            };
            let mut connection = if smtp.security == SmtpSecurity::Tls {
                let address = (smtp.host.as_str(), smtp.port);
                AsyncSmtpConnection::connect_tokio1(address, timeout, &hello, Some(tls()?), None)
                    .await
                    .map_err(SendError::from_smtp)?
            } else {
                // Our own socket, without Nagle's delay: each message ends
                // with two small writes (the last of the body, then `.`),
                // which would otherwise wait for a delayed acknowledgement.
                let connect = tokio::net::TcpStream::connect((smtp.host.as_str(), smtp.port));
                let socket = tokio::time::timeout(Duration::from_secs(smtp.timeout_secs), connect)
                    .await
                    .map_err(|_| {
                        SendError::Transient(format!(
                            "connecting to {}:{} timed out",
                            smtp.host, smtp.port
                        ))
                    })?
                    .map_err(|e| {
                        SendError::Transient(format!(
                            "connecting to {}:{}: {e}",
                            smtp.host, smtp.port
                        ))
                    })?;
                socket
                    .set_nodelay(true)
                    .map_err(|e| SendError::Transient(format!("socket: {e}")))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(socket), &hello)
                    .await
                    .map_err(SendError::from_smtp)?
            };
            if smtp.security == SmtpSecurity::Starttls {
                if !connection.can_starttls() {
                    return Err(SendError::Permanent(format!(
                        "{} does not offer STARTTLS",
                        smtp.host
                    )));
                }
                connection
                    .starttls(tls()?, &hello)
                    .await
                    .map_err(SendError::from_smtp)?;
            }
            if let (Some(username), Some(password)) = (&smtp.username, &smtp.password) {
                let credentials =
                    Credentials::new(username.clone(), password.expose_secret().to_owned());
                connection
                    .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                    .await
                    .map_err(SendError::from_smtp)?;
            }
            Ok(Connection::Smtp(Box::new(connection)))
        }
    }
}

/// Yields the message, then runs the commit before the caller writes the
/// end of the data. Running the commit needs a blocking section: lettre
/// pulls the parts of a message from a plain iterator.
struct ThenCommit<'a> {
    body: Option<&'a [u8]>,
    commit: Option<Commit<'a>>,
    committed: &'a mut bool,
}

impl<'a> Iterator for ThenCommit<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if let Some(body) = self.body.take() {
            return Some(body);
        }
        if let Some(commit) = self.commit.take() {
            let handle = tokio::runtime::Handle::current();
            *self.committed = tokio::task::block_in_place(|| handle.block_on(commit));
        }
        None
    }
}

impl Connection {
    /// Delivers `message` (outbox id `id`); `commit` records it.
    pub async fn send(&mut self, id: i64, message: &Message, commit: Commit<'_>) -> Delivery {
        match self.try_send(id, message, commit).await {
            Ok(delivery) => delivery,
            Err(error) => Delivery::failed(error),
        }
    }

    async fn try_send(
        &mut self,
        id: i64,
        message: &Message,
        commit: Commit<'_>,
    ) -> Result<Delivery, SendError> {
        match self {
            Connection::Files(dir) => {
                let formatted = message.formatted();
                let path = dir.join(format!("{id}.eml"));
                let partial = dir.join(format!(".{id}.eml.partial"));
                tokio::fs::write(&partial, &formatted).await.map_err(|e| {
                    SendError::Transient(format!("writing {}: {e}", partial.display()))
                })?;
                tokio::fs::rename(&partial, &path).await.map_err(|e| {
                    SendError::Transient(format!("renaming to {}: {e}", path.display()))
                })?;
                Ok(Delivery {
                    committed: commit.await,
                    error: None,
                })
            }
            Connection::Smtp(connection) => {
                let envelope = message.envelope();
                let formatted = message.formatted();
                let mut options = Vec::new();
                let addresses = envelope.from().into_iter().chain(envelope.to());
                if addresses.map(|a| a.as_ref()).any(|a: &str| !a.is_ascii()) {
                    if !connection
                        .server_info()
                        .supports_feature(Extension::SmtpUtfEight)
                    {
                        return Err(SendError::Permanent(
                            "the server cannot take non-ASCII addresses".into(),
                        ));
                    }
                    options.push(MailParameter::SmtpUtfEight);
                }
                connection
                    .command(Mail::new(envelope.from().cloned(), options))
                    .await
                    .map_err(SendError::from_smtp)?;
                for to in envelope.to() {
                    connection
                        .command(Rcpt::new(to.clone(), vec![]))
                        .await
                        .map_err(SendError::from_smtp)?;
                }
                connection
                    .command(Data)
                    .await
                    .map_err(SendError::from_smtp)?;
                let mut committed = false;
                let parts = ThenCommit {
                    body: Some(&formatted),
                    commit: Some(commit),
                    committed: &mut committed,
                };
                let error = connection
                    .message_iter(parts)
                    .await
                    .err()
                    .map(SendError::from_smtp);
                Ok(Delivery { committed, error })
            }
        }
    }

    /// Says goodbye to the SMTP server.
    pub async fn close(self) {
        if let Connection::Smtp(mut connection) = self {
            let _ = connection.quit().await;
        }
    }
}

//! A real SMTP server for the tests: it speaks enough of RFC 5321 for
//! lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), records every message
//! it accepts, and — like any server — drops a message whose DATA never
//! ends. `reject_next` makes it refuse messages, for failure tests.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// A message as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The message with quoted-printable soft breaks and `=3D` undone.
    pub fn decoded(&self) -> String {
        self.data.replace("=\r\n", "").replace("=3D", "=")
    }

    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|line| line.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }

    /// The first `https?://…token=…` link's token.
    pub fn token(&self) -> Option<String> {
        let text = self.decoded();
        let start = text.find("token=")? + "token=".len();
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

/// The readable parts of a message, decoded.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    pub text: String,
    pub html: String,
}

impl Received {
    /// The template the email was rendered from, which its Message-ID names
    /// (`<gatehouse.{template}.{id}@…>`).
    pub fn template(&self) -> String {
        self.data
            .lines()
            .find_map(|line| line.strip_prefix("Message-ID: <gatehouse."))
            .and_then(|rest| rest.rsplit_once('.'))
            .and_then(|(rest, _)| rest.rsplit_once('.'))
            .map(|(template, _)| template.to_owned())
            .unwrap_or_default()
    }

    /// The `text/plain` and `text/html` parts, each decoded from its
    /// transfer encoding (quoted-printable, base64, or none).
    pub fn parts(&self) -> Parts {
        let mut parts = Parts::default();
        let Some(boundary) = self.boundary() else {
            return parts;
        };
        for part in self.data.split(&format!("--{boundary}")).skip(1) {
            let Some((headers, body)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let headers = headers.to_ascii_lowercase();
            let decoded = if headers.contains("content-transfer-encoding: quoted-printable") {
                quoted_printable(body)
            } else if headers.contains("content-transfer-encoding: base64") {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes =
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, compact)
                        .expect("a base64 part");
                String::from_utf8(bytes).expect("a UTF-8 part")
            } else {
                body.to_owned()
            };
            if headers.contains("content-type: text/plain") {
                parts.text = decoded;
            } else if headers.contains("content-type: text/html") {
                parts.html = decoded;
            }
        }
        parts
    }

    fn boundary(&self) -> Option<String> {
        let start = self.data.find("boundary=")? + "boundary=".len();
        let rest = self.data[start..].trim_start_matches('"');
        let end = rest.find(['"', ';', '\r', '\n'])?;
        Some(rest[..end].to_owned())
    }

    /// Every link of the message, each once in the order met: the `href`s
    /// of the HTML part (entities decoded, as a browser reads them), then
    /// the URLs of the text part.
    pub fn links(&self) -> Vec<String> {
        let parts = self.parts();
        let mut links: Vec<String> = Vec::new();
        let mut rest = parts.html.as_str();
        while let Some(start) = rest.find("href=\"") {
            rest = &rest[start + "href=\"".len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            links.push(unescape_html(&rest[..end]));
            rest = &rest[end..];
        }
        for word in parts.text.split_whitespace() {
            if word.starts_with("http://") || word.starts_with("https://") {
                links.push(word.trim_end_matches(['.', ',', ';', ':', ')']).to_owned());
            }
        }
        let mut seen = std::collections::HashSet::new();
        links.retain(|link| seen.insert(link.clone()));
        links
    }
}

/// Quoted-printable text decoded: soft line breaks joined, `=XX` bytes.
fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).expect("a UTF-8 part")
}

/// HTML character references decoded, as in an attribute's value.
fn unescape_html(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let character = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|n| n.parse().ok()))
                .and_then(char::from_u32),
        };
        match character {
            Some(character) => {
                decoded.push(character);
                rest = &rest[end + 1..];
            }
            None => {
                decoded.push('&');
                rest = &rest[1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

/// The running server.
#[derive(Clone)]
pub struct SmtpServer {
    pub address: SocketAddr,
    /// Keep each message (tests) or only count them (benchmarks).
    keep: bool,
    count: Arc<AtomicUsize>,
    messages: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
    reject: Arc<AtomicUsize>,
    hold: Arc<Mutex<Option<tokio::sync::oneshot::Sender<()>>>>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        Self::start_on("127.0.0.1:0", true).await
    }

    /// A server on `address`, keeping messages or only counting them.
    pub async fn start_on(address: &str, keep: bool) -> SmtpServer {
        let listener = TcpListener::bind(address).await.expect("bind SMTP");
        let server = SmtpServer {
            address: listener.local_addr().expect("address"),
            keep,
            count: Arc::default(),
            messages: Arc::default(),
            arrived: Arc::default(),
            reject: Arc::default(),
            hold: Arc::default(),
        };
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let session = accepting.clone();
                tokio::spawn(async move {
                    let _ = session.serve(socket).await;
                });
            }
        });
        server
    }

    /// Takes the next message but never answers it: the sender sits
    /// waiting for the reply. Answers when that message has arrived.
    pub fn hold_next(&self) -> tokio::sync::oneshot::Receiver<()> {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        *self.hold.lock().expect("hold") = Some(sender);
        receiver
    }

    /// Refuses the next `count` messages with a 554 at the end of DATA.
    pub fn reject_next(&self, count: usize) {
        self.reject.store(count, Ordering::SeqCst);
    }

    /// Messages accepted so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().expect("messages").clone()
    }

    /// Messages to `recipient`.
    pub fn to(&self, recipient: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to.eq_ignore_ascii_case(recipient)))
            .collect()
    }

    /// Waits until at least `count` messages arrived; fails the test after
    /// `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        self.wait_until(timeout, &format!("{count} emails"), |messages| {
            messages.len() >= count
        })
        .await
    }

    /// Waits until one message of every template of `templates` arrived
    /// (`Received::template`); fails the test after `timeout`.
    pub async fn wait_for_templates(&self, templates: &[&str], timeout: Duration) -> Vec<Received> {
        let wanted = templates.join(", ");
        self.wait_until(timeout, &format!("emails of {wanted}"), |messages| {
            templates
                .iter()
                .all(|template| messages.iter().any(|m| m.template() == *template))
        })
        .await
    }

    /// Waits until `done` holds of the messages received; answers them.
    /// Fails the test after `timeout`, saying it expected `what`.
    async fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            let messages = self.messages();
            if done(&messages) {
                return messages;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "expected {what}, got {} emails in {timeout:?}",
                    self.messages().len()
                );
            }
        }
    }

    /// Waits until a message to `recipient` arrived; answers every message
    /// to `recipient`. Fails the test after `timeout`.
    pub async fn wait_to(&self, recipient: &str, timeout: Duration) -> Vec<Received> {
        self.wait_to_with(recipient, "", timeout).await
    }

    /// The messages to `recipient` once one of them contains `text`
    /// (decoded); panics after `timeout`.
    pub async fn wait_to_with(
        &self,
        recipient: &str,
        text: &str,
        timeout: Duration,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            let messages = self.to(recipient);
            if messages.iter().any(|m| m.decoded().contains(text)) {
                return messages;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("no email to {recipient} in {timeout:?}");
            }
        }
    }

    async fn serve(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 gatehouse-test ESMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                write
                    .write_all(b"250-gatehouse-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?;
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&command[10..]);
                to.clear();
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&command[8..]));
                write.write_all(b"250 OK\r\n").await?;
            } else if upper == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        // The client went away mid-message: nothing is delivered.
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line
                        .strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line);
                    data.push_str(unstuffed);
                }
                let refuse = self
                    .reject
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refuse {
                    write.write_all(b"554 rejected for the test\r\n").await?;
                } else {
                    self.count.fetch_add(1, Ordering::SeqCst);
                    if self.keep {
                        self.messages.lock().expect("messages").push(Received {
                            from: from.clone(),
                            to: to.clone(),
                            data,
                        });
                    }
                    self.arrived.notify_waiters();
                    let held = self.hold.lock().expect("hold").take();
                    if let Some(held) = held {
                        // The message is taken; its sender waits for a reply
                        // that does not come until the test lets it.
                        let _ = held.send(());
                        std::future::pending::<()>().await;
                    }
                    write.write_all(b"250 queued\r\n").await?;
                }
            } else if upper == "RSET" || upper == "NOOP" {
                write.write_all(b"250 OK\r\n").await?;
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                write.write_all(b"502 not implemented\r\n").await?;
            }
        }
    }
}

fn address(argument: &str) -> String {
    argument
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}

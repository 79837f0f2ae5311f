//! `token-bench`: what OAuth tokens cost, for `bench/oauth_tokens.py`.
//!
//!     token-bench sign --seconds 10 --threads 2
//!     token-bench load --url http://127.0.0.1:8080/oauth2-token \
//!         --client-id gha_… --client-secret ghx_… --concurrency 16 --seconds 10
//!
//! `sign` loads the signing key the way the server does (the configuration
//! in the environment: `GATEHOUSE_OAUTH__PRIVATE_KEY_PATH`, …) and signs
//! RFC 9068 access-token claims with the server's own signer as fast as the
//! threads can: the ceiling of the token endpoint. `load` asks a running
//! server for client-credentials tokens (form body, HTTP Basic) from
//! concurrent keep-alive connections, written on bare sockets from one
//! thread so the generator leaves the cores to the server, and reports the
//! rate, the errors and the latency.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use domain::config::Settings;
use domain::oauth::keys::KeySet;
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "token-bench",
    about = "Measures OAuth token signing and the token endpoint"
)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Sign access-token claims with the configured key, in-process.
    Sign {
        /// How long to sign for.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Threads signing at once.
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
    /// Ask a running server's token endpoint for tokens.
    Load {
        /// The token endpoint, e.g. http://127.0.0.1:8080/oauth2-token.
        #[arg(long)]
        url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        client_secret: String,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// How long to send requests for.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().mode {
        Mode::Sign { seconds, threads } => sign(Duration::from_secs(seconds), threads.max(1)),
        Mode::Load {
            url,
            client_id,
            client_secret,
            concurrency,
            seconds,
        } => load(
            url,
            client_id,
            client_secret,
            concurrency.max(1),
            Duration::from_secs(seconds),
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("token-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn sign(duration: Duration, threads: usize) -> Result<(), String> {
    let settings = Settings::load(None).map_err(|e| format!("configuration: {e}"))?;
    let keys = KeySet::load(&settings.oauth).map_err(|e| format!("OAuth keys: {e}"))?;
    let issuer = settings.oauth_issuer();
    let ttl = settings.oauth.token_ttl_secs;
    let signed = AtomicU64::new(0);
    let started = Instant::now();
    let failure = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                let (keys, issuer, signed) = (&keys, &issuer, &signed);
                scope.spawn(move || -> Result<(), String> {
                    let mut n: u64 = 0;
                    while started.elapsed() < duration {
                        let iat = unix_now();
                        let claims = json!({
                            "iss": issuer,
                            "sub": "user:1",
                            "aud": "gatehouse-backend",
                            "client_id": "gha_benchmark",
                            "iat": iat,
                            "exp": iat + ttl,
                            "jti": format!("bench-{thread}-{n}"),
                            "scope": "users.view users.update customers.view",
                            "organization_id": "1",
                            "generation": 1,
                        });
                        keys.sign(&claims).map_err(|e| format!("signing: {e}"))?;
                        n += 1;
                        signed.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|_| Err("a signing thread panicked".to_owned()))
            })
            .find_map(Result::err)
    });
    if let Some(message) = failure {
        return Err(message);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = signed.load(Ordering::Relaxed);
    println!(
        "sign: {count} tokens in {elapsed:.2} s with {threads} thread(s): {:.1} signatures/s",
        count as f64 / elapsed
    );
    Ok(())
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

/// `host:port` and path of an `http://` URL.
fn split_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    Ok((host.to_owned(), format!("/{path}")))
}

/// One keep-alive HTTP/1.1 connection asking for tokens until `duration`
/// is over. Written on a bare socket so that the load generator, on the
/// same cores as the server, costs next to nothing per request.
async fn connection(
    host: String,
    request: std::sync::Arc<Vec<u8>>,
    started: Instant,
    duration: Duration,
) -> Tally {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tally = Tally::default();
    let mut stream = match tokio::net::TcpStream::connect(&host).await {
        Ok(stream) => stream,
        Err(e) => {
            tally.errors += 1;
            tally.first_error = Some(format!("connect: {e}"));
            return tally;
        }
    };
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::with_capacity(4096);
    while started.elapsed() < duration {
        let sent = Instant::now();
        if let Err(e) = stream.write_all(&request).await {
            tally.errors += 1;
            tally.first_error.get_or_insert(format!("write: {e}"));
            return tally;
        }
        buffer.clear();
        // Read the head, then as much body as Content-Length says.
        let answer = loop {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) => break Err("the server closed the connection".to_owned()),
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                Err(e) => break Err(format!("read: {e}")),
            }
            let Some(head_end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= head_end + 4 + length {
                let ok = head.starts_with("http/1.1 200");
                break if ok {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&buffer).into_owned())
                };
            }
        };
        match answer {
            Ok(()) => tally.latencies.push(sent.elapsed()),
            Err(message) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(message);
                return tally;
            }
        }
    }
    tally
}

fn load(
    url: String,
    client_id: String,
    client_secret: String,
    concurrency: usize,
    duration: Duration,
) -> Result<(), String> {
    use base64::Engine;
    let (host, path) = split_url(&url)?;
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{client_secret}"));
    let body = "grant_type=client_credentials";
    let request = std::sync::Arc::new(
        format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {credentials}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    );
    // One thread: the generator must leave the cores to the server.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    runtime.block_on(async move {
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| tokio::spawn(connection(host.clone(), request.clone(), started, duration)))
            .collect();
        let mut all = Tally::default();
        for task in tasks {
            let tally = task.await.map_err(|e| format!("a connection task failed: {e}"))?;
            all.latencies.extend(tally.latencies);
            all.errors += tally.errors;
            if all.first_error.is_none() {
                all.first_error = tally.first_error;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.latencies.sort();
        let percentile = |p: f64| -> f64 {
            if all.latencies.is_empty() {
                return 0.0;
            }
            let index = ((all.latencies.len() as f64 - 1.0) * p).round() as usize;
            all.latencies[index].as_secs_f64() * 1000.0
        };
        let count = all.latencies.len();
        println!(
            "load: {count} tokens in {elapsed:.2} s with concurrency {concurrency}: {:.1} tokens/s, \
             {} errors, p50 {:.2} ms, p99 {:.2} ms",
            count as f64 / elapsed,
            all.errors,
            percentile(0.50),
            percentile(0.99)
        );
        if let Some(message) = all.first_error {
            println!("first error: {message}");
        }
        Ok(())
    })
}

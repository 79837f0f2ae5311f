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
//! concurrent connections and reports the rate, the errors and the latency.

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

fn load(
    url: String,
    client_id: String,
    client_secret: String,
    concurrency: usize,
    duration: Duration,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let (client, url) = (client.clone(), url.clone());
                let (client_id, client_secret) = (client_id.clone(), client_secret.clone());
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    while started.elapsed() < duration {
                        let sent = Instant::now();
                        let outcome = client
                            .post(&url)
                            .basic_auth(&client_id, Some(&client_secret))
                            .form(&[("grant_type", "client_credentials")])
                            .send()
                            .await;
                        let failure = match outcome {
                            Ok(response) if response.status().is_success() => {
                                match response.bytes().await {
                                    Ok(_) => None,
                                    Err(e) => Some(format!("reading the answer: {e}")),
                                }
                            }
                            Ok(response) => {
                                let status = response.status();
                                let body = response.text().await.unwrap_or_default();
                                Some(format!("{status}: {body}"))
                            }
                            Err(e) => Some(format!("request: {e}")),
                        };
                        match failure {
                            None => tally.latencies.push(sent.elapsed()),
                            Some(message) => {
                                tally.errors += 1;
                                tally.first_error.get_or_insert(message);
                            }
                        }
                    }
                    tally
                })
            })
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

//! Structured logs with `tracing`: text for people, JSON for collectors,
//! and a copy for the job board's live log (`/ops/`).

use std::sync::{Arc, Mutex, OnceLock};

use apalis_board::axum::sse::{TracingBroadcaster, TracingSubscriber};
use domain::config::{LogFormat, LogSettings};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Where log lines for the job board go.
pub fn broadcaster() -> Arc<Mutex<TracingBroadcaster>> {
    static BROADCASTER: OnceLock<Arc<Mutex<TracingBroadcaster>>> = OnceLock::new();
    BROADCASTER.get_or_init(TracingBroadcaster::create).clone()
}

/// Installs the global subscriber; `RUST_LOG` overrides the configured
/// level. Does nothing when one is installed already (tests).
pub fn init(settings: &LogSettings) {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    let board = TracingSubscriber::new(&broadcaster())
        .layer()
        .with_filter(filter());
    let registry = tracing_subscriber::registry().with(board);
    let _ = match settings.format {
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(true)
                    .with_filter(filter()),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_filter(filter()),
            )
            .try_init(),
    };
}

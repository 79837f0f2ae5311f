//! `/metrics` in the Prometheus text format: queue depths from the queue
//! backend, jobs and outbox emails by state from the database, job runs and
//! durations by kind and outcome from this process's workers, and the SQL
//! statements sent.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use domain::entity::email::EmailStatus;
use domain::entity::job::{JobKind, JobStatus};
use domain::sea_orm::Iterable;

use crate::server::AppState;

/// The process's recorder, installed once.
pub fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(error) => {
                tracing::warn!(%error, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

/// This process's own metrics (job runs and deliveries of its workers), as
/// a `gatehouse worker` process serves them.
pub async fn process_metrics() -> Response {
    match recorder() {
        Some(handle) => text(handle.render()),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics are not available").into_response(),
    }
}

fn text(body: String) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let Some(handle) = recorder() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not available").into_response();
    };
    let app = &state.app;
    match app.queue() {
        Ok(queue) => match queue.stats().await {
            Ok(stats) => {
                for queue in stats {
                    for (state, count) in [
                        ("pending", queue.pending),
                        ("running", queue.running),
                        ("succeeded", queue.succeeded),
                        ("failed", queue.failed),
                    ] {
                        metrics::gauge!("gatehouse_queue_tasks", "queue" => queue.name.clone(), "state" => state)
                            .set(count as f64);
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "queue statistics unavailable"),
        },
        Err(error) => tracing::warn!(%error, "no queue for statistics"),
    }
    match app.jobs().counts().await {
        Ok(counts) => {
            // Every combination, so one that dropped to none reads 0.
            for kind in JobKind::iter() {
                for status in JobStatus::iter() {
                    let count = counts
                        .iter()
                        .find(|((k, s), _)| *k == kind && *s == status)
                        .map_or(0, |(_, n)| *n);
                    metrics::gauge!("gatehouse_jobs", "kind" => format!("{kind:?}"), "status" => format!("{status:?}"))
                        .set(count as f64);
                }
            }
        }
        Err(error) => tracing::warn!(%error, "job counts unavailable"),
    }
    match app.emails().counts().await {
        Ok(counts) => {
            for status in EmailStatus::iter() {
                let count = counts
                    .iter()
                    .find(|(s, _)| *s == status)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("gatehouse_outbox_emails", "status" => format!("{status:?}"))
                    .set(count as f64);
            }
        }
        Err(error) => tracing::warn!(%error, "outbox counts unavailable"),
    }
    metrics::gauge!("gatehouse_db_statements").set(app.db_stats().statements() as f64);
    metrics::gauge!("gatehouse_db_request_statements")
        .set(app.db_stats().request_statements() as f64);
    let mut response = handle.render().into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

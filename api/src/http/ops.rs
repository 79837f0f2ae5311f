//! The job board under `/ops/`: apalis-board's web UI and its API, for
//! operators (`operations.view`: the queues serve every organization). The UI is apalis-board-web built for this
//! path (`api/assets/ops/BUILD.md`): the prebuilt one in apalis-board
//! assumes it is served at `/` and calls `/api/v1`.
//!
//! Browsers authenticate with HTTP Basic (a back-office username or email
//! and password), which they then send with every request of the UI;
//! programs can use a Bearer token or API key. The board's API is
//! read-only here: tasks are steered through GraphQL (`retryJob`,
//! `cancelJob`), which keeps to the organization's jobs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apalis_board::axum::framework::{ApiBuilder, RegisterRoute};
use apalis_board::axum::sse::TracingBroadcaster;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Viewer;
use domain::jobs::queue::{Queue, QueueStats};
use domain::permissions::Permission;
use domain::secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use worker::Backends;

use super::assets::{self, Asset, CSS, HTML, JAVASCRIPT, embed};
use super::credentials;
use crate::server::AppState;

/// The board's own files only; the UI is WebAssembly.
const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    font-src 'self' data:; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

/// The board's UI, built for `/ops/`.
static PAGE: Asset = embed!("ops", "index.html", HTML);

static FILES: [Asset; 5] = [
    embed!("ops", "start.js", JAVASCRIPT),
    embed!("ops", "board.js", JAVASCRIPT),
    embed!("ops", "board_bg.wasm", "application/wasm"),
    embed!("ops", "board.css", CSS),
    embed!("ops", "gatehouse.css", CSS),
];

/// The routes under `/ops`.
pub fn router(
    state: AppState,
    backends: &Backends,
    broadcaster: Arc<Mutex<TracingBroadcaster>>,
) -> Router<AppState> {
    let names = backends.names().clone();
    let api: Router = match backends.clone() {
        Backends::Redis { jobs, emails, .. } => ApiBuilder::new(Router::new())
            .register(&names.jobs, jobs)
            .register(&names.emails, emails)
            .build(),
        Backends::Sqlite { jobs, emails, .. } => ApiBuilder::new(Router::new())
            .register(&names.jobs, jobs)
            .register(&names.emails, emails)
            .build(),
    };
    Router::new()
        // The queue lists and figures come from the same counts on both
        // backends (`Queue::stats`, which `/metrics` reports too):
        // apalis-redis 1.0.0's own queries for them pass the wrong keys to
        // their scripts and fail.
        .route("/ops/api/v1/queues", get(queues))
        .route("/ops/api/v1/overview", get(overview))
        .route("/ops/api/v1/queues/{queue}/stats", get(queue_figures))
        .nest_service(
            "/ops/api/v1",
            api.layer(Extension(broadcaster))
                .layer(middleware::from_fn(read_only)),
        )
        .route(
            "/ops",
            get(|| async { axum::response::Redirect::permanent("/ops/") }),
        )
        .route("/ops/", get(index))
        .route("/ops/{*path}", get(asset))
        // Only these routes: elsewhere an unknown path stays a plain 404.
        .route_layer(middleware::from_fn_with_state(state, require_operator))
}

/// A figure as the board's UI reads it.
fn figure(title: &str, value: u64, priority: u64) -> Value {
    json!({ "title": title, "stat_type": "Number", "value": value.to_string(), "priority": priority })
}

fn figures(stats: &QueueStats) -> Vec<Value> {
    let ended = stats.succeeded + stats.failed;
    let rate = if ended == 0 {
        0.0
    } else {
        stats.succeeded as f64 * 100.0 / ended as f64
    };
    vec![
        json!({ "title": "SUCCESS_RATE", "stat_type": "Percentage", "value": format!("{rate:.2}"), "priority": 1 }),
        figure("RUNNING_JOBS", stats.running, 1),
        figure("PENDING_JOBS", stats.pending, 1),
        figure("FAILED_JOBS", stats.failed, 1),
        figure("DONE_JOBS", stats.succeeded, 4),
        figure(
            "TOTAL_JOBS",
            stats.running + stats.pending + stats.failed + stats.succeeded,
            4,
        ),
    ]
}

async fn all_stats(state: &AppState) -> Result<Vec<QueueStats>, Response> {
    state.backends.stats().await.map_err(|error| {
        tracing::error!(%error, "cannot read the queues");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the queue backend does not answer",
        )
            .into_response()
    })
}

/// `GET /ops/api/v1/queues`: each queue with its figures and workers.
async fn queues(State(state): State<AppState>) -> Response {
    match all_stats(&state).await {
        Ok(all) => Json(
            all.iter()
                .map(|stats| {
                    json!({
                        "name": stats.name,
                        "stats": figures(stats),
                        "workers": stats.workers.iter().map(|w| &w.name).collect::<Vec<_>>(),
                        "activity": [],
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(response) => response,
    }
}

/// `GET /ops/api/v1/overview`: the figures of every queue together.
async fn overview(State(state): State<AppState>) -> Response {
    match all_stats(&state).await {
        Ok(all) => {
            let total = all.iter().fold(QueueStats::default(), |mut sum, stats| {
                sum.running += stats.running;
                sum.pending += stats.pending;
                sum.failed += stats.failed;
                sum.succeeded += stats.succeeded;
                sum
            });
            Json(figures(&total)).into_response()
        }
        Err(response) => response,
    }
}

/// `GET /ops/api/v1/queues/{queue}/stats`: one queue's figures.
async fn queue_figures(State(state): State<AppState>, Path(queue): Path<String>) -> Response {
    match all_stats(&state).await {
        Ok(all) => match all.iter().find(|stats| stats.name == queue) {
            Some(stats) => Json(figures(stats)).into_response(),
            None => (StatusCode::NOT_FOUND, "no such queue").into_response(),
        },
        Err(response) => response,
    }
}

async fn read_only(request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        next.run(request).await
    } else {
        let message = "the job board is read-only here; use retryJob and cancelJob in GraphQL";
        (StatusCode::METHOD_NOT_ALLOWED, message).into_response()
    }
}

async fn index(request: HeaderMap) -> Response {
    PAGE.serve_page(&request, POLICY)
}

async fn asset(Path(path): Path<String>, request: HeaderMap) -> Response {
    match assets::find(&FILES, &path) {
        Some(asset) => asset.serve(&request),
        // Every other path is a page of the UI, which routes in the browser.
        None => index(request).await,
    }
}

fn challenge(status: StatusCode, message: &str) -> Response {
    let mut response = (status, message.to_owned()).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Gatehouse operations\", charset=\"UTF-8\""),
        );
    }
    response
}

/// Basic credentials this server checked lately: `sha256(header)` →
/// (user, password hash, when). Only spares argon2 on the board's many
/// requests; the user's state and permissions are read on every request,
/// and credentials that no longer match are checked in full again.
#[derive(Default)]
pub struct BasicChecks(Mutex<HashMap<[u8; 32], (i64, String, Instant)>>);

impl BasicChecks {
    fn get(&self, key: &[u8; 32]) -> Option<(i64, String)> {
        let map = self.0.lock().ok()?;
        let (user_id, hash, at) = map.get(key)?;
        (at.elapsed() < RECHECK_AFTER).then(|| (*user_id, hash.clone()))
    }

    fn forget(&self, key: &[u8; 32]) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(key);
        }
    }

    fn remember(&self, key: [u8; 32], user_id: i64, hash: String) {
        if let Ok(mut map) = self.0.lock() {
            map.retain(|_, (_, _, at)| at.elapsed() < RECHECK_AFTER);
            map.insert(key, (user_id, hash, Instant::now()));
        }
    }
}

const RECHECK_AFTER: Duration = Duration::from_secs(300);

async fn basic_viewer(
    state: &AppState,
    header: &str,
    ip: Option<String>,
) -> domain::Result<Option<Viewer>> {
    let key: [u8; 32] = Sha256::digest(header.as_bytes()).into();
    let checks = &state.basic_checks;
    if let Some((user_id, hash)) = checks.get(&key) {
        if let Some(viewer) = state
            .app
            .auth()
            .basic_again(user_id, &hash, ip.clone())
            .await?
        {
            return Ok(Some(viewer));
        }
        // The password or the account changed since: check in full.
        checks.forget(&key);
    }
    let Some(encoded) = header.strip_prefix("Basic ") else {
        return Ok(None);
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some((login, password)) = decoded.as_deref().and_then(|text| text.split_once(':')) else {
        return Ok(None);
    };
    let (viewer, hash) = state
        .app
        .auth()
        .basic(login, &SecretString::from(password), ip)
        .await?;
    checks.remember(key, viewer.user_id, hash);
    Ok(Some(viewer))
}

async fn require_operator(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let client = credentials::client_info(&state.app, headers, Some(peer));
    let authorization = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let viewer = if authorization.starts_with("Basic ") {
        basic_viewer(&state, &authorization, client.ip.clone()).await
    } else {
        credentials::viewer(&state.app, headers, &client).await
    };
    match viewer {
        Ok(Some(viewer)) if viewer.can(Permission::OperationsView) => next.run(request).await,
        Ok(Some(_)) => challenge(
            StatusCode::FORBIDDEN,
            "the job board needs the permission operations.view",
        ),
        Ok(None) => challenge(
            StatusCode::UNAUTHORIZED,
            "log in with a back-office account holding operations.view",
        ),
        Err(error) if error.is_internal() => {
            tracing::error!(%error, "cannot check credentials");
            challenge(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is unavailable; try again shortly",
            )
        }
        Err(error) => challenge(StatusCode::UNAUTHORIZED, &error.to_string()),
    }
}

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
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::Viewer;
use domain::permissions::Permission;
use domain::secrecy::SecretString;
use sha2::{Digest, Sha256};
use worker::Backends;

use super::credentials;
use crate::server::AppState;

/// The board's UI, built for `/ops/`.
const INDEX: &str = include_str!("../../assets/ops/index.html");
const SCRIPT: &[u8] = include_bytes!("../../assets/ops/board.js");
const WASM: &[u8] = include_bytes!("../../assets/ops/board_bg.wasm");
const STYLE: &[u8] = include_bytes!("../../assets/ops/board.css");

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
        .layer(middleware::from_fn_with_state(state, require_operator))
}

async fn read_only(request: Request, next: Next) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        next.run(request).await
    } else {
        let message = "the job board is read-only here; use retryJob and cancelJob in GraphQL";
        (StatusCode::METHOD_NOT_ALLOWED, message).into_response()
    }
}

async fn index() -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        INDEX,
    )
        .into_response()
}

async fn asset(Path(path): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match path.as_str() {
        "board.js" => (SCRIPT, "text/javascript"),
        "board_bg.wasm" => (WASM, "application/wasm"),
        "board.css" => (STYLE, "text/css"),
        // Every other path is a page of the UI, which routes in the browser.
        _ => return index().await,
    };
    (
        [
            (CONTENT_TYPE, kind),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
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
        Err(error) if error.code() == domain::ErrorCode::Internal => {
            tracing::error!(%error, "cannot check credentials");
            challenge(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is unavailable; try again shortly",
            )
        }
        Err(error) => challenge(StatusCode::UNAUTHORIZED, &error.to_string()),
    }
}

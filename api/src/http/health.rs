//! `/healthz` (the process answers) and `/readyz` (its dependencies do).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::server::AppState;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database and the queue backend answer, 503 naming the
/// failing check otherwise.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = domain::db::ping(state.app.db()).await;
    let queue = match state.app.queue() {
        Ok(queue) => queue.ping().await,
        Err(error) => Err(error),
    };
    if let Err(error) = &database {
        tracing::warn!(%error, "readiness check failed: database");
    }
    if let Err(error) = &queue {
        tracing::warn!(%error, "readiness check failed: queue");
    }
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    let ready = database.is_ok() && queue.is_ok();
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "checks": { "database": word(database.is_ok()), "queue": word(queue.is_ok()) },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}

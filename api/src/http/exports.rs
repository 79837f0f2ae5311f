//! `GET /exports/{id}`: downloads an export's CSV file, for its requester or
//! an administrator (`jobs.manage`), until its link expires.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use domain::jobs::Download;
use serde_json::json;

use super::credentials;
use crate::server::AppState;

fn problem(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

pub async fn download(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return problem(StatusCode::NOT_FOUND, "NOT_FOUND", "no such export");
    };
    let client = credentials::client_info(&state.app, &headers, Some(peer));
    let viewer = match credentials::viewer(&state.app, &headers, &client).await {
        Ok(Some(viewer)) => viewer,
        Ok(None) => {
            return problem(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "authentication required",
            );
        }
        Err(error) => {
            tracing::error!(%error, "cannot check credentials");
            return problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL",
                "The service is unavailable; try again shortly",
            );
        }
    };
    let download = match state.app.jobs().download(&viewer, id).await {
        Ok(download) => download,
        Err(error) => {
            let (status, code) = match error.code() {
                ErrorCode::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
                ErrorCode::Forbidden => (StatusCode::FORBIDDEN, "FORBIDDEN"),
                _ => {
                    tracing::error!(%error, "export download failed");
                    return problem(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL",
                        "Internal error",
                    );
                }
            };
            return problem(status, code, &error.to_string());
        }
    };
    let (path, name) = match download {
        Download::Ready { path, name } => (path, name),
        Download::NotReady => {
            return problem(
                StatusCode::CONFLICT,
                "NOT_READY",
                "the export is not finished",
            );
        }
        Download::Expired => {
            return problem(StatusCode::GONE, "EXPIRED", "the export link has expired");
        }
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(%error, path = %path.display(), "export file missing");
            return problem(StatusCode::GONE, "EXPIRED", "the export file is gone");
        }
    };
    let length = file.metadata().await.map(|m| m.len()).ok();
    let mut response =
        Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024))
            .into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    if let Some(length) = length {
        headers.insert(
            axum::http::header::CONTENT_LENGTH,
            HeaderValue::from(length),
        );
    }
    response
}

//! `GET /exports/{id}`: downloads an export's CSV file until it expires.
//! With `?expires=…&signature=…` (the link of the export's email, signed
//! for its requester) it needs no credentials, so a browser opens it from
//! the email; without, it needs those of the requester or of an
//! administrator (`jobs.manage`), for scripts.
//!
//! Refusals are JSON (`{"error": {"code", "message"}}`), or a page saying
//! the same to a browser (`Accept` naming HTML).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::ErrorCode;
use domain::jobs::{Download, SignedLink};
use serde_json::json;

use super::{credentials, pages};
use crate::server::AppState;

/// The query string of a signed link.
#[derive(Debug, serde::Deserialize)]
pub struct LinkParams {
    expires: Option<String>,
    signature: Option<String>,
}

/// A refusal, as JSON or as a page for a browser.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// The refusal a domain error makes; faults of ours are logged.
    fn of(error: &domain::Error) -> Self {
        let (status, code) = match error.code() {
            ErrorCode::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            ErrorCode::Forbidden => (StatusCode::FORBIDDEN, "FORBIDDEN"),
            ErrorCode::ServiceUnavailable => {
                tracing::warn!(cause = ?std::error::Error::source(error), "export download: the database is unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE")
            }
            _ => {
                tracing::error!(%error, "export download failed");
                return Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "Internal error",
                );
            }
        };
        Self::new(status, code, error.to_string())
    }

    fn answer(self, headers: &HeaderMap) -> Response {
        let mut response = if pages::wants_html(headers) {
            pages::message(
                self.status,
                "The export cannot be downloaded",
                &self.message,
            )
        } else {
            let body = json!({ "error": { "code": self.code, "message": self.message } });
            (self.status, axum::Json(body)).into_response()
        };
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub async fn download(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(link): Query<LinkParams>,
) -> Response {
    match find(&state, peer, &headers, &id, link).await {
        Ok(download) => match send(download).await {
            Ok(response) => response,
            Err(refusal) => refusal.answer(&headers),
        },
        Err(refusal) => refusal.answer(&headers),
    }
}

/// The export the request may download: through its signed link, or with
/// credentials.
async fn find(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    id: &str,
    link: LinkParams,
) -> Result<Download, Refusal> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no such export",
        ));
    };
    let jobs = state.app.jobs();
    if link.expires.is_some() || link.signature.is_some() {
        let link = SignedLink {
            expires: link
                .expires
                .and_then(|expires| expires.parse().ok())
                .unwrap_or_default(),
            signature: link.signature.unwrap_or_default(),
        };
        return jobs
            .download_signed(id, &link)
            .await
            .map_err(|error| Refusal::of(&error));
    }
    let client = credentials::client_info(&state.app, headers, Some(peer));
    let viewer = match credentials::viewer(&state.app, headers, &client).await {
        Ok(Some(viewer)) => viewer,
        Ok(None) => {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "authentication required (or the signed link of the export's email)",
            ));
        }
        Err(error) => return Err(Refusal::of(&error)),
    };
    jobs.download(&viewer, id)
        .await
        .map_err(|error| Refusal::of(&error))
}

/// The file of a ready export, streamed.
async fn send(download: Download) -> Result<Response, Refusal> {
    let (path, name) = match download {
        Download::Ready { path, name } => (path, name),
        Download::NotReady => {
            return Err(Refusal::new(
                StatusCode::CONFLICT,
                "NOT_READY",
                "the export is not finished",
            ));
        }
        Download::Expired => {
            return Err(Refusal::new(
                StatusCode::GONE,
                "EXPIRED",
                "the export link has expired",
            ));
        }
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(%error, path = %path.display(), "export file missing");
            return Err(Refusal::new(
                StatusCode::GONE,
                "EXPIRED",
                "the export file is gone",
            ));
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
    Ok(response)
}

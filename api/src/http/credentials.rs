//! Turning `Authorization: Bearer …` or `X-API-Key: …` into a `Viewer`.

use std::net::SocketAddr;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use domain::{Gatehouse, Viewer};

use super::ClientInfo;

/// The client address, honouring `X-Forwarded-For` only when configured.
pub fn client_info(app: &Gatehouse, headers: &HeaderMap, peer: Option<SocketAddr>) -> ClientInfo {
    let forwarded = app
        .settings()
        .server
        .trust_forwarded_for
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|value| value.split(',').next())
        .map(|ip| ip.trim().to_owned())
        .filter(|ip| !ip.is_empty());
    ClientInfo {
        ip: forwarded.or_else(|| peer.map(|p| p.ip().to_string())),
    }
}

/// The viewer the request's credentials stand for; `None` when it carries
/// none, or ones that are unknown, expired or revoked.
pub async fn viewer(
    app: &Gatehouse,
    headers: &HeaderMap,
    client: &ClientInfo,
) -> domain::Result<Option<Viewer>> {
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return app
            .auth()
            .authenticate_api_key(key.trim(), client.ip.clone())
            .await;
    }
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    match bearer {
        Some(token) => {
            app.auth()
                .authenticate_session(token.trim(), client.ip.clone())
                .await
        }
        None => Ok(None),
    }
}

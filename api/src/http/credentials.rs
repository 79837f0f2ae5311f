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

pub use domain::Principal;

/// The back-office viewer or customer user the request's credentials stand
/// for; `None` when it carries none, or ones that are unknown, expired or
/// revoked. `X-API-Key` first; then the bearer token by its form: a
/// storefront session (`ghc_…`), an OAuth access token (a JWT), a
/// back-office session (`ghs_…`).
pub async fn principal(
    app: &Gatehouse,
    headers: &HeaderMap,
    client: &ClientInfo,
) -> domain::Result<Option<Principal>> {
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Ok(app
            .auth()
            .authenticate_api_key(key.trim(), client.ip.clone())
            .await?
            .map(Principal::Staff));
    }
    let Some(token) = bearer(headers) else {
        return Ok(None);
    };
    if token.starts_with(domain::customers::auth::STOREFRONT_PREFIX) {
        return Ok(app
            .storefront()
            .authenticate(token, client.ip.clone())
            .await?
            .map(Principal::Customer));
    }
    if is_jwt(token) {
        return app
            .oauth_tokens()
            .authenticate(token, client.ip.clone())
            .await;
    }
    Ok(app
        .auth()
        .authenticate_session(token, client.ip.clone())
        .await?
        .map(Principal::Staff))
}

/// Whether `token` has the form of a JWS (three base64url parts).
fn is_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.matches('.').count() == 2
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// The back-office viewer the request's credentials stand for; `None` when
/// it carries none, storefront ones, or ones that are unknown, expired or
/// revoked.
pub async fn viewer(
    app: &Gatehouse,
    headers: &HeaderMap,
    client: &ClientInfo,
) -> domain::Result<Option<Viewer>> {
    Ok(match principal(app, headers, client).await? {
        Some(Principal::Staff(viewer)) => Some(viewer),
        _ => None,
    })
}

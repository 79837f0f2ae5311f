//! The OAuth endpoints (docs/OAUTH.md): `POST /oauth2-token` (RFC 6749
//! §4.4), `POST /oauth2-introspect` (RFC 7662), `POST /oauth2-revoke` (RFC
//! 7009), `GET /.well-known/jwks.json` and `GET
//! /.well-known/oauth-authorization-server` (RFC 8414). Reading requests
//! and writing RFC answers happens here; the grant itself is
//! `domain::oauth::grant`.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::oauth::Audience;
use domain::oauth::grant::{ClientCredentials, GrantError};
use serde_json::{Value, json};

use super::credentials;
use crate::server::AppState;

/// A token, introspection or revocation request: its parameters, and the
/// client credentials it carries.
struct OAuthRequest {
    params: HashMap<String, String>,
    client: Option<ClientCredentials>,
}

/// An RFC 6749 §5.2 error answer.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// `WWW-Authenticate: Basic` (the client used Basic).
    challenge: bool,
    retry_after: Option<u64>,
    /// Gatehouse's error code beside the RFC's, when there is one
    /// (`OAUTH_KEYS_MISSING`).
    code: Option<&'static str>,
}

impl Refusal {
    fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
            challenge: false,
            retry_after: None,
            code: None,
        }
    }

    fn from_grant(error: GrantError, basic: bool) -> Self {
        let refusal = |status, error, description: String| Self {
            status,
            error,
            description,
            challenge: false,
            retry_after: None,
            code: None,
        };
        match error {
            GrantError::InvalidRequest(d) => Self::invalid_request(d),
            GrantError::InvalidClient(d) => Self {
                challenge: basic,
                ..refusal(StatusCode::UNAUTHORIZED, "invalid_client", d)
            },
            GrantError::UnsupportedGrantType(d) => {
                refusal(StatusCode::BAD_REQUEST, "unsupported_grant_type", d)
            }
            GrantError::InvalidScope(d) => refusal(StatusCode::BAD_REQUEST, "invalid_scope", d),
            GrantError::SlowDown(wait) => Self {
                retry_after: Some(wait.as_secs().max(1)),
                ..refusal(
                    StatusCode::TOO_MANY_REQUESTS,
                    "slow_down",
                    "too many requests; try again later".into(),
                )
            },
            GrantError::Unavailable => Self {
                code: Some(domain::ErrorCode::OauthKeysMissing.as_str()),
                ..refusal(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    domain::error::OAUTH_KEYS_MISSING.into(),
                )
            },
            GrantError::Internal(error)
                if error.code() == domain::ErrorCode::ServiceUnavailable =>
            {
                tracing::warn!(cause = ?std::error::Error::source(&error), "OAuth request: the database is unavailable");
                Self {
                    code: Some(domain::ErrorCode::ServiceUnavailable.as_str()),
                    ..refusal(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "temporarily_unavailable",
                        error.to_string(),
                    )
                }
            }
            GrantError::Internal(error) => {
                tracing::error!(%error, "OAuth request failed");
                refusal(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not answer; try again shortly".into(),
                )
            }
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.error, "error_description": self.description });
        if let Some(code) = self.code {
            body["code"] = json!(code);
        }
        let mut response = no_store(self.status, body);
        let headers = response.headers_mut();
        if self.challenge {
            headers.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"gatehouse\", charset=\"UTF-8\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A JSON answer that no cache keeps (tokens and their refusals).
fn no_store(status: StatusCode, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Reads the parameters of a form-encoded or JSON body and the client's
/// credentials (HTTP Basic, or `client_id` and `client_secret` in the body,
/// not both).
fn read(headers: &HeaderMap, body: &[u8]) -> Result<OAuthRequest, Refusal> {
    let media_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let mut params = HashMap::new();
    match media_type.as_str() {
        "application/x-www-form-urlencoded" => {
            for (name, value) in form_urlencoded::parse(body) {
                if params.insert(name.to_string(), value.to_string()).is_some() {
                    return Err(Refusal::invalid_request(format!(
                        "the parameter {name} is repeated"
                    )));
                }
            }
        }
        "application/json" => {
            let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
                return Err(Refusal::invalid_request("the body is not a JSON object"));
            };
            for (name, value) in object {
                let Value::String(value) = value else {
                    return Err(Refusal::invalid_request(format!(
                        "the parameter {name} must be a string"
                    )));
                };
                params.insert(name, value);
            }
        }
        _ => {
            return Err(Refusal::invalid_request(
                "send the parameters as application/x-www-form-urlencoded or application/json",
            ));
        }
    }
    let basic = basic_credentials(headers)?;
    let in_body = params.contains_key("client_secret");
    let client = match basic {
        Some(client) => {
            if in_body {
                return Err(Refusal::invalid_request(
                    "authenticate the client one way: HTTP Basic or client_secret in the body",
                ));
            }
            if params
                .get("client_id")
                .is_some_and(|id| *id != client.client_id)
            {
                return Err(Refusal::invalid_request(
                    "client_id in the body differs from the one of HTTP Basic",
                ));
            }
            Some(client)
        }
        None => match (params.get("client_id"), params.get("client_secret")) {
            (Some(id), Some(secret)) => Some(ClientCredentials {
                client_id: id.clone(),
                client_secret: secret.clone(),
                basic: false,
            }),
            _ => None,
        },
    };
    Ok(OAuthRequest { params, client })
}

/// `Authorization: Basic` credentials, each part form-urlencoded as RFC
/// 6749 §2.3.1 asks.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<ClientCredentials>, Refusal> {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return Err(Refusal::invalid_request(
            "the Authorization header must use the Basic scheme",
        ));
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| Refusal::invalid_request("the Basic credentials are not base64"))?;
    let Some((id, secret)) = decoded.split_once(':') else {
        return Err(Refusal::invalid_request(
            "the Basic credentials lack the ':' between id and secret",
        ));
    };
    let unescape = |part: &str| -> String {
        form_urlencoded::parse(format!("v={part}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    Ok(Some(ClientCredentials {
        client_id: unescape(id),
        client_secret: unescape(secret),
        basic: true,
    }))
}

/// The client of a request that must authenticate one.
fn client_of(request: &OAuthRequest) -> Result<&ClientCredentials, Refusal> {
    request.client.as_ref().ok_or_else(|| Refusal {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_client",
        description: "authenticate the client with HTTP Basic or client_id and client_secret"
            .into(),
        challenge: true,
        retry_after: None,
        code: None,
    })
}

fn source_ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> Option<String> {
    credentials::client_info(&state.app, headers, Some(peer)).ip
}

fn count(endpoint: &'static str, outcome: &'static str) {
    metrics::counter!("gatehouse_oauth_requests_total", "endpoint" => endpoint, "outcome" => outcome)
        .increment(1);
}

/// `POST /oauth2-token`: the client-credentials grant.
pub async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = issue(&state, &headers, peer, &body).await;
    count("token", if answer.is_ok() { "issued" } else { "refused" });
    match answer {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn issue(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    body: &[u8],
) -> Result<Response, Refusal> {
    let request = read(headers, body)?;
    match request.params.get("grant_type").map(String::as_str) {
        None => return Err(Refusal::invalid_request("grant_type is missing")),
        Some("client_credentials") => {}
        Some(other) => {
            return Err(Refusal::from_grant(
                GrantError::UnsupportedGrantType(format!(
                    "the grant type {other:?} is not supported; use client_credentials"
                )),
                false,
            ));
        }
    }
    let client = client_of(&request)?;
    let ip = source_ip(state, headers, peer);
    let issued = state
        .app
        .oauth_tokens()
        .issue(
            client,
            request.params.get("scope").map(String::as_str),
            ip.as_deref(),
        )
        .await
        .map_err(|e| Refusal::from_grant(e, client.basic))?;
    Ok(no_store(
        StatusCode::OK,
        json!({
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": issued.scope,
        }),
    ))
}

/// The authenticated client and the `token` parameter of an introspection
/// or revocation request.
fn token_question(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(ClientCredentials, String), Refusal> {
    let mut request = read(headers, body)?;
    let client = client_of(&request)?.clone();
    let token = request
        .params
        .remove("token")
        .ok_or_else(|| Refusal::invalid_request("token is missing"))?;
    Ok((client, token))
}

/// `POST /oauth2-introspect` (RFC 7662), for an authenticated client.
pub async fn introspect(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (client, token) = match token_question(&headers, &body) {
        Ok(question) => question,
        Err(refusal) => return refusal.into_response(),
    };
    let ip = source_ip(&state, &headers, peer);
    match state
        .app
        .oauth_tokens()
        .introspect(&client, &token, ip.as_deref())
        .await
    {
        Ok(body) => no_store(StatusCode::OK, body),
        Err(error) => Refusal::from_grant(error, client.basic).into_response(),
    }
}

/// `POST /oauth2-revoke` (RFC 7009), for an authenticated client: 200 with
/// an empty body whether or not the token was known.
pub async fn revoke(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (client, token) = match token_question(&headers, &body) {
        Ok(question) => question,
        Err(refusal) => return refusal.into_response(),
    };
    let ip = source_ip(&state, &headers, peer);
    match state
        .app
        .oauth_tokens()
        .revoke(&client, &token, ip.as_deref())
        .await
    {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => Refusal::from_grant(error, client.basic).into_response(),
    }
}

/// `GET /.well-known/jwks.json`: every published key.
pub async fn jwks(State(state): State<AppState>) -> Response {
    match state.app.oauth_keys() {
        Ok(keys) => {
            let mut response = axum::Json(keys.jwks()).into_response();
            response.headers_mut().insert(
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            response
        }
        Err(_) => Refusal::from_grant(GrantError::Unavailable, false).into_response(),
    }
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn metadata(State(state): State<AppState>) -> Response {
    let settings = state.app.settings();
    let base = settings.public_url();
    let mut scopes = Audience::Backend.every_scope();
    scopes.extend(Audience::Frontend.every_scope());
    let methods = json!(["client_secret_basic", "client_secret_post"]);
    axum::Json(json!({
        "issuer": settings.oauth_issuer(),
        "token_endpoint": format!("{base}/oauth2-token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "introspection_endpoint": format!("{base}/oauth2-introspect"),
        "revocation_endpoint": format!("{base}/oauth2-revoke"),
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": scopes,
    }))
    .into_response()
}

//! `/graphql/ws`: subscriptions over the graphql-ws protocol (and the older
//! subscriptions-transport-ws). The client authenticates in
//! `connection_init`, with `{"Authorization": "Bearer <token>"}` or
//! `{"X-API-Key": "<key>"}`; a connection without valid credentials is
//! refused.

use std::net::SocketAddr;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use domain::Error;

use super::credentials;
use crate::graphql::loaders::Loaders;
use crate::server::AppState;

/// The credentials of a `connection_init` payload, as request headers.
fn payload_headers(payload: &serde_json::Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(object) = payload.as_object() {
        for (key, value) in object {
            let name = key.to_ascii_lowercase();
            let name = if name == "apikey" {
                "x-api-key".to_owned()
            } else {
                name
            };
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::from_bytes(name.as_bytes()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                headers.insert(name, value);
            }
        }
    }
    headers
}

pub async fn subscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let client = credentials::client_info(&state.app, &headers, Some(peer));
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            let app = state.app.clone();
            GraphQLWebSocket::new(stream, state.schema.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let headers = payload_headers(&payload);
                    let viewer = credentials::viewer(&app, &headers, &client)
                        .await
                        .map_err(|error| {
                            tracing::error!(%error, "cannot check credentials");
                            async_graphql::Error::new(
                                "The service is unavailable; try again shortly",
                            )
                        })?
                        .ok_or_else(|| async_graphql::Error::from(Error::Unauthenticated))?;
                    let mut data = Data::default();
                    data.insert(viewer);
                    data.insert(client);
                    data.insert(Loaders::data_loader(app));
                    Ok(data)
                })
                .serve()
        })
}

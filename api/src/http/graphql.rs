//! `/graphql` following the GraphQL-over-HTTP specification:
//!
//! - `POST` with `Content-Type: application/json` (a request, or a batch as
//!   an array of at most `graphql.max_batch_size`), or `multipart/form-data`
//!   following the GraphQL multipart request specification (one operation,
//!   one file: imports); other types get 415.
//! - `GET` with `query`, `variables`, `operationName` in the URL, for queries
//!   only: a mutation over `GET` gets 405 with `Allow: POST`. A browser's
//!   `GET` without a query gets GraphiQL.
//! - Answers `application/graphql-response+json` or `application/json`, as
//!   the `Accept` header prefers (406 when it accepts neither). With the
//!   former, a request that could not execute (syntax, validation, variables)
//!   gets 400 and no `data`; with the latter, every well-formed request gets
//!   200, as the specification asks for legacy clients. Without `Accept`,
//!   or with wildcards only, the answer is `application/json`.

use std::net::SocketAddr;

use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Executor, Request, Response as GqlResponse};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::{ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::credentials::{self, Principal};
use crate::graphql::loaders::Loaders;
use crate::server::AppState;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";
const MULTIPART: &str = "multipart/form-data";

/// The media type the response is written in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Media {
    GraphqlResponse,
    Json,
}

impl Media {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        })
    }
}

/// What the `Accept` header asks for: the preferred of the two JSON types,
/// and whether it names HTML (a browser).
fn negotiate(headers: &HeaderMap) -> (Option<Media>, bool) {
    // Without an `Accept` header, or with one that only names wildcards,
    // the answer is `application/json`, as the GraphQL-over-HTTP
    // specification asks while clients move to the new media type.
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return (Some(Media::Json), false);
    };
    let mut best: Option<(f32, u8, Media)> = None;
    let mut html = false;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality <= 0.0 {
            continue;
        }
        // The second number ranks exact names above wildcards.
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE => Some((2, Media::GraphqlResponse)),
            JSON => Some((2, Media::Json)),
            "application/*" | "*/*" => Some((1, Media::Json)),
            "text/html" => {
                html = true;
                None
            }
            _ => None,
        };
        if let Some((rank, media)) = candidate {
            let better = match best {
                None => true,
                Some((q, r, m)) => {
                    (quality, rank) > (q, r)
                        || ((quality, rank) == (q, r)
                            && media == Media::GraphqlResponse
                            && m == Media::Json)
                }
            };
            if better {
                best = Some((quality, rank, media));
            }
        }
    }
    (best.map(|(_, _, media)| media), html)
}

fn error_body(message: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT" } }] })
}

fn reply(status: StatusCode, media: Media, body: &impl serde::Serialize) -> Response {
    let mut response = (status, serde_json::to_vec(body).unwrap_or_default()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, media.content_type());
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_acceptable() -> Response {
    let body =
        error_body("Accept must allow application/graphql-response+json or application/json");
    reply(StatusCode::NOT_ACCEPTABLE, Media::Json, &body)
}

/// The parameters of a `GET` request; `variables` and `extensions` are JSON.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl GetParams {
    /// The request as the JSON a `POST` would carry.
    fn into_json(self) -> Result<Value, String> {
        let parse = |name: &str, text: Option<String>| match text {
            None => Ok(Value::Null),
            Some(text) => {
                serde_json::from_str(&text).map_err(|error| format!("{name} is not JSON: {error}"))
            }
        };
        Ok(json!({
            "query": self.query,
            "operationName": self.operation_name,
            "variables": parse("variables", self.variables)?,
            "extensions": parse("extensions", self.extensions)?,
        }))
    }
}

pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let (media, html) = negotiate(&headers);
    let params = Query::<GetParams>::try_from_uri(&uri).map(|Query(params)| params);
    if html && params.as_ref().is_ok_and(|p| p.query.is_none()) {
        return super::graphiql::page(&headers);
    }
    let Some(media) = media else {
        return not_acceptable();
    };
    let request = params
        .map_err(|error| format!("invalid query string: {error}"))
        .and_then(GetParams::into_json)
        .and_then(parse_request);
    let mut request = match request {
        Ok(request) => request,
        Err(message) => return reply(StatusCode::BAD_REQUEST, media, &error_body(&message)),
    };
    if is_mutation(&mut request) {
        let body = error_body("mutations are only accepted with POST");
        let mut response = reply(StatusCode::METHOD_NOT_ALLOWED, media, &body);
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(state, peer, &headers, media, BatchRequest::Single(request)).await
}

/// Whether the operation the request would run is a mutation.
fn is_mutation(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => Some(operation),
        DocumentOperations::Multiple(operations) => match name {
            Some(name) => operations.get(name.as_str()),
            None if operations.len() == 1 => operations.values().next(),
            None => None,
        },
    };
    operation.is_some_and(|op| op.node.ty == OperationType::Mutation)
}

pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = negotiate(&headers).0 else {
        return not_acceptable();
    };
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == MULTIPART {
        return post_multipart(state, peer, &headers, media, content_type, body).await;
    }
    if essence != JSON {
        let body = error_body("Content-Type must be application/json or multipart/form-data");
        return reply(StatusCode::UNSUPPORTED_MEDIA_TYPE, media, &body);
    }
    let limit = state.app.settings().graphql.max_body_bytes;
    if body.len() > limit {
        let message = format!("the body is larger than {limit} bytes");
        return reply(StatusCode::PAYLOAD_TOO_LARGE, media, &error_body(&message));
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => {
            return reply(
                StatusCode::BAD_REQUEST,
                media,
                &error_body(&format!("the body is not JSON: {error}")),
            );
        }
    };
    let max_batch = state.app.settings().graphql.max_batch_size;
    let batch = match value {
        Value::Array(items) if items.is_empty() => {
            return reply(
                StatusCode::BAD_REQUEST,
                media,
                &error_body("an empty batch"),
            );
        }
        Value::Array(items) if items.len() > max_batch => {
            let message = format!("a batch may hold at most {max_batch} operations");
            return reply(StatusCode::BAD_REQUEST, media, &error_body(&message));
        }
        Value::Array(items) => items
            .into_iter()
            .map(parse_request)
            .collect::<Result<Vec<_>, _>>()
            .map(BatchRequest::Batch),
        Value::Object(_) => parse_request(value).map(BatchRequest::Single),
        _ => Err("the body must be a JSON object or an array of them".to_owned()),
    };
    match batch {
        Ok(batch) => execute(state, peer, &headers, media, batch).await,
        Err(message) => reply(StatusCode::BAD_REQUEST, media, &error_body(&message)),
    }
}

/// A GraphQL multipart request (the upload of `importCustomerUsers`):
/// `operations`, `map`, and one file, within `jobs.max_import_bytes`.
async fn post_multipart(
    state: AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    media: Media,
    content_type: &str,
    body: Bytes,
) -> Response {
    let limit = usize::try_from(state.app.settings().jobs.max_import_bytes).unwrap_or(usize::MAX);
    let options = MultipartOptions::default()
        .max_file_size(limit)
        .max_num_files(1);
    let received = async_graphql::http::receive_batch_body(
        Some(content_type),
        futures_util::io::Cursor::new(body),
        options,
    )
    .await;
    let batch = match received {
        Ok(BatchRequest::Batch(requests)) if requests.len() > 1 => {
            let body = error_body("a multipart request carries one operation");
            return reply(StatusCode::BAD_REQUEST, media, &body);
        }
        Ok(batch) => batch,
        Err(error) => {
            let message = format!("invalid multipart request: {error}");
            return reply(StatusCode::BAD_REQUEST, media, &error_body(&message));
        }
    };
    execute(state, peer, headers, media, batch).await
}

fn parse_request(value: Value) -> Result<Request, String> {
    let request: Request =
        serde_json::from_value(value).map_err(|error| format!("invalid request: {error}"))?;
    if request.query.trim().is_empty() {
        return Err("the query is missing".into());
    }
    Ok(request)
}

async fn execute(
    state: AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    media: Media,
    batch: BatchRequest,
) -> Response {
    let client = credentials::client_info(&state.app, headers, Some(peer));
    let principal = match credentials::principal(&state.app, headers, &client).await {
        Ok(principal) => principal,
        Err(error) => {
            tracing::error!(%error, "cannot check credentials");
            // An outage says so (`SERVICE_UNAVAILABLE`, its own message);
            // any other fault stays `INTERNAL`, without detail.
            let code = error.code();
            let message = if code == domain::ErrorCode::ServiceUnavailable {
                error.to_string()
            } else {
                "The service is unavailable; try again shortly".to_owned()
            };
            let body = json!({ "errors": [{
                "message": message,
                "extensions": { "code": code.as_str() }
            }] });
            return reply(StatusCode::SERVICE_UNAVAILABLE, media, &body);
        }
    };
    // Each operation gets its own loaders: their caches must not outlive it.
    let prepare = |mut request: Request| {
        request.data.insert(client.clone());
        request.data.insert(Loaders::data_loader(state.app.clone()));
        match &principal {
            Some(Principal::Staff(viewer)) => request.data.insert(viewer.clone()),
            Some(Principal::Customer(viewer)) => request.data.insert(viewer.clone()),
            None => {}
        }
        request
    };
    let batch = match batch {
        BatchRequest::Single(request) => BatchRequest::Single(prepare(request)),
        BatchRequest::Batch(requests) => {
            BatchRequest::Batch(requests.into_iter().map(prepare).collect())
        }
    };
    match state.schema.execute_batch(batch).await {
        BatchResponse::Single(response) => {
            let body = Body::of(&response);
            let status = if body.data.is_none() && media == Media::GraphqlResponse {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            reply(status, media, &body)
        }
        BatchResponse::Batch(responses) => {
            let bodies: Vec<Body> = responses.iter().map(Body::of).collect();
            reply(StatusCode::OK, media, &bodies)
        }
    }
}

/// A response as it is written: serialized straight from async-graphql's
/// values, without a copy into `serde_json::Value` first.
#[derive(serde::Serialize)]
struct Body<'a> {
    /// Absent for a request error (syntax, validation, variables), which
    /// stops before execution and has errors that point at no field.
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> Body<'a> {
    fn of(response: &'a GqlResponse) -> Self {
        let request_error = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|error| error.path.is_empty());
        Self {
            data: (!request_error).then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> (Option<Media>, bool) {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).expect("header"));
        negotiate(&headers)
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), (Some(Media::Json), false));
        assert_eq!(accept("application/json").0, Some(Media::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9").0,
            Some(Media::GraphqlResponse)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json").0,
            Some(Media::Json)
        );
        assert_eq!(accept("*/*").0, Some(Media::Json));
        assert_eq!(
            accept("application/graphql-response+json, */*;q=0.5").0,
            Some(Media::GraphqlResponse)
        );
        assert_eq!(accept("text/plain").0, None);
        let browser = accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assert_eq!(browser, (Some(Media::Json), true));
    }
}

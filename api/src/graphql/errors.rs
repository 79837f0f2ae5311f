//! The one place domain errors become GraphQL errors: `extensions.code` from
//! the documented set, field details for `BAD_USER_INPUT`, internal errors
//! logged with their cause and answered `INTERNAL` without detail, and a
//! database out of reach logged and answered `SERVICE_UNAVAILABLE`.

use std::sync::Arc;

use async_graphql::{Data, Executor, Request, Response, ServerError, Value};
use domain::{Error, ErrorCode};
use futures_util::stream::{BoxStream, StreamExt};

use super::GatehouseSchema;

/// The schema as the server runs it, over HTTP and WebSocket alike: the
/// depth and complexity limits checked first (`limits`), every response's errors mapped
/// (`map_error`). Mapped here rather than by a schema extension, because
/// any extension takes every field of every answer off async-graphql's
/// fast path (it then builds a `ResolveInfo`, with registry lookups, for
/// each).
#[derive(Clone)]
pub struct Mapped {
    schema: GatehouseSchema,
    limits: Arc<domain::config::GraphqlSettings>,
}

impl Mapped {
    pub fn new(schema: GatehouseSchema, limits: &domain::config::GraphqlSettings) -> Self {
        Self {
            schema,
            limits: Arc::new(limits.clone()),
        }
    }

    /// The operation's shape within the limits, or the request error as
    /// the answer.
    fn admit(&self, request: &mut Request) -> Option<Response> {
        // A document that does not parse goes on: the schema answers its
        // syntax error as usual.
        let document = request.parsed_query().ok()?;
        let error = super::limits::check(document, &self.limits).err()?;
        Some(map_response(Response::from_errors(vec![error])))
    }
}

impl Executor for Mapped {
    async fn execute(&self, mut request: Request) -> Response {
        if let Some(refused) = self.admit(&mut request) {
            return refused;
        }
        map_response(self.schema.execute(request).await)
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Some(refused) = self.admit(&mut request) {
            return futures_util::stream::once(async move { refused }).boxed();
        }
        Executor::execute_stream(&self.schema, request, session_data)
            .map(map_response)
            .boxed()
    }
}

fn map_response(mut response: Response) -> Response {
    for error in &mut response.errors {
        map_error(error);
    }
    response
}

fn set(error: &mut ServerError, key: &str, value: impl Into<Value>) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set(key, value);
}

/// Gives `error` its code and safe message.
pub fn map_error(error: &mut ServerError) {
    let source = error.source.clone();
    let domain_error: Option<&Error> = source.as_deref().and_then(|source| {
        source
            .downcast_ref::<Error>()
            .or_else(|| source.downcast_ref::<Arc<Error>>().map(|arc| arc.as_ref()))
    });
    match domain_error {
        Some(domain_error) => {
            let code = domain_error.code();
            match code {
                ErrorCode::Internal => {
                    tracing::error!(error = %domain_error, debug = ?domain_error, path = ?error.path, "internal error");
                    error.message = "Internal error".into();
                }
                ErrorCode::ServiceUnavailable => {
                    // The message is the fixed one; the cause is for the log.
                    tracing::warn!(cause = ?std::error::Error::source(domain_error), path = ?error.path, "the database is unavailable");
                }
                _ => {}
            }
            set(error, "code", code.as_str());
            match domain_error {
                Error::Validation(fields) => {
                    if let Some(first) = fields.first() {
                        set(error, "field", first.field.clone());
                    }
                    let details: Vec<Value> = fields
                        .iter()
                        .map(|field| {
                            let mut map = async_graphql::indexmap::IndexMap::new();
                            map.insert(
                                async_graphql::Name::new("field"),
                                Value::from(field.field.clone()),
                            );
                            map.insert(
                                async_graphql::Name::new("message"),
                                Value::from(field.message.clone()),
                            );
                            if !field.reasons.is_empty() {
                                map.insert(
                                    async_graphql::Name::new("reasons"),
                                    Value::from(field.reasons.clone()),
                                );
                            }
                            Value::Object(map)
                        })
                        .collect();
                    set(error, "fields", details);
                }
                Error::Conflict {
                    field: Some(field), ..
                } => set(error, "field", field.clone()),
                _ => {}
            }
        }
        None if error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some()) => {}
        None if error.source.is_some() => {
            // Something other than a domain error escaped a resolver.
            tracing::error!(message = %error.message, path = ?error.path, "unexpected error");
            error.message = "Internal error".into();
            set(error, "code", ErrorCode::Internal.as_str());
        }
        // async-graphql's own: syntax, validation, limits, argument types.
        None => set(error, "code", ErrorCode::BadUserInput.as_str()),
    }
}

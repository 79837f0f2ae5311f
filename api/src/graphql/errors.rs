//! The one place domain errors become GraphQL errors: `extensions.code` from
//! the documented set, field details for `BAD_USER_INPUT`, and internal
//! errors logged with their cause and answered `INTERNAL` without detail.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{Response, ServerError, Value};
use domain::{Error, ErrorCode};

/// Installs the mapping on every response of the schema.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            map_error(error);
        }
        response
    }
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
            if code == ErrorCode::Internal {
                tracing::error!(error = %domain_error, debug = ?domain_error, path = ?error.path, "internal error");
                error.message = "Internal error".into();
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

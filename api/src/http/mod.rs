//! HTTP routes other than the schema itself: the GraphQL-over-HTTP handler,
//! health checks, export downloads, the pages of emailed links, and reading
//! credentials off requests.

pub mod assets;
pub mod credentials;
pub mod exports;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod oauth;
pub mod ops;
pub mod pages;
pub mod ws;

/// What the request tells about the client.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client address: the socket peer, or `X-Forwarded-For` when the
    /// server is configured to trust it.
    pub ip: Option<String>,
}

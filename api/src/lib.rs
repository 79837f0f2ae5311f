//! The Gatehouse server: HTTP routes (axum), the GraphQL schema
//! (async-graphql), and the command line. Resolvers and handlers are thin:
//! they parse, authorize and call one `domain` service.

pub mod cli;
pub mod graphql;
pub mod http;
pub mod server;
pub mod telemetry;

pub use server::{AppState, Server};

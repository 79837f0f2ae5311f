//! Integration tests: the real server on port 0, a fresh database per test,
//! every test on SQLite and on PostgreSQL.

/// Runs each named `async fn(Backend)` once per database:
/// `name::sqlite` and `name::postgres`.
macro_rules! on_every_database {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(support::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(support::Backend::Postgres).await
                }
            }
        )*
    };
}

mod administration;
mod audit;
mod authentication;
mod authorization;
mod browser;
mod cli;
mod customers;
mod http;
mod jobs;
mod kept;
mod links;
mod oauth;
mod operations;
mod outage;
mod resets;
mod scale;
mod schema;
mod startup;
mod through;
mod users;

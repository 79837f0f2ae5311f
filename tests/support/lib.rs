//! Test harness: starts the real server on port 0 against a fresh database
//! (a new SQLite file, or a new PostgreSQL database) and talks to it over
//! HTTP. Logs stay silent unless `TEST_LOG` is set.

pub mod browser;
mod database;
mod graphql;
mod oauth;
mod proxy;
mod seed;
pub mod smtp;

use std::net::SocketAddr;
use std::sync::Once;

use domain::config::{EmailTransport, QueueBackend, Settings, SmtpSecurity};
use domain::secrecy::SecretString;
use domain::{Gatehouse, bootstrap};
use gatehouse_api::Server;
use tokio::sync::oneshot;

pub use database::{Backend, TestDatabase};
pub use graphql::{Auth, GqlResponse, PASSWORD};
pub use oauth::{KeyFiles, OAuthClient, OAuthResponse, oauth_keys, second_oauth_keys};
pub use proxy::TcpProxy;
pub use smtp::SmtpServer;

/// The password of the bootstrap administrator in tests.
pub const ADMIN_PASSWORD: &str = "Admin-Passw0rd";

/// A running server with its own database.
pub struct TestApp {
    pub address: SocketAddr,
    pub app: Gatehouse,
    pub backend: Backend,
    /// Receives every email the app sends.
    pub smtp: SmtpServer,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    // Dropped last: the database outlives the server.
    _database: TestDatabase,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // `TEST_LOG=1` shows info logs; any other value is a filter, e.g.
        // `TEST_LOG=gatehouse::sql=trace` prints every SQL statement.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let filter = if filter == "1" {
                "info".to_owned()
            } else {
                filter
            };
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

/// Starts Gatehouse on `backend` with the test defaults.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts Gatehouse on `backend`, letting the test adjust the settings.
pub async fn spawn_app_with(backend: Backend, customize: impl FnOnce(&mut Settings)) -> TestApp {
    init_logs();
    let database = TestDatabase::create(backend).await;
    let smtp = SmtpServer::start().await;
    let mut settings = test_settings(&database, &smtp);
    customize(&mut settings);
    let app = Gatehouse::connect(settings)
        .await
        .expect("connect to the test database");
    bootstrap::first_start(&app).await.expect("bootstrap");
    let server = Server::bind(app.clone()).await.expect("bind");
    let address = server.local_addr().expect("address");
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        app,
        backend,
        smtp,
        client: reqwest::Client::builder().build().expect("client"),
        shutdown: Some(shutdown),
        server: Some(server),
        _database: database,
    }
}

/// Settings of a test server on `database`: port 0, email to `smtp`, the
/// job queue on SQLite for SQLite tests and on Redis (a namespace of its
/// own) for PostgreSQL tests, workers in the process, a quick sweeper, and
/// the shared OAuth keys (none generated at start).
pub fn test_settings(database: &TestDatabase, smtp: &SmtpServer) -> Settings {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.public_url = Some("https://gatehouse.test".into());
    // A stopping server waits up to the grace for requests, then up to the
    // grace again for its workers: 2 × 5 s stays inside SHUTDOWN_LIMIT.
    settings.server.shutdown_grace_secs = 5;
    settings.database.url = SecretString::from(database.url().to_owned());
    settings.database.max_connections = 5;
    settings.bootstrap.admin_password = Some(SecretString::from(ADMIN_PASSWORD));
    settings.email.transport = EmailTransport::Smtp;
    settings.email.smtp.host = smtp.address.ip().to_string();
    settings.email.smtp.port = smtp.address.port();
    settings.email.smtp.security = SmtpSecurity::None;
    settings.email.from = "Gatehouse <gatehouse@gatehouse.test>".into();
    settings.jobs.sweep_interval_secs = 1;
    settings.jobs.heartbeat_secs = 2;
    settings.jobs.export_dir = database.dir().join("exports").display().to_string();
    oauth_keys().apply(&mut settings.oauth);
    match database.backend() {
        Backend::Sqlite => settings.jobs.backend = QueueBackend::Sqlite,
        Backend::Postgres => {
            settings.jobs.backend = QueueBackend::Redis;
            settings.jobs.redis_url = SecretString::from(redis_url());
            settings.jobs.namespace = database.name().to_owned();
        }
    }
    settings
}

/// The Redis the queue tests use.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The URL of the test's database.
    pub fn database_url(&self) -> &str {
        self._database.url()
    }

    /// SQL statements this server has sent so far.
    pub fn statements(&self) -> u64 {
        self.app.db_stats().statements()
    }

    /// SQL statements this server has sent for HTTP requests so far: its
    /// workers' and sweepers' are not among them. It first waits until the
    /// notifications of every change so far have arrived, so that a late
    /// one does not empty the server's memory in the middle of a count.
    pub async fn request_statements(&self) -> u64 {
        assert!(
            self.app
                .changes_settled(std::time::Duration::from_secs(10))
                .await,
            "the change notifications arrive"
        );
        self.app.db_stats().request_statements()
    }

    /// Runs `sql` on a connection of its own, as another process would:
    /// this server learns of it only through the database.
    pub async fn write_elsewhere(&self, sql: &str) {
        use domain::sea_orm::{ConnectionTrait, Database};
        let other = Database::connect(self.database_url())
            .await
            .expect("a second connection");
        other.execute_unprepared(sql).await.expect(sql);
        other.close().await.expect("close");
    }

    /// Moves the server's clock forward by `by`, past a TTL, a lease or a
    /// rate-limit window, instead of sleeping through it.
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.app.clock().advance(by);
    }

    /// The ids of the emails waiting in the outbox.
    pub async fn pending_emails(&self) -> Vec<i64> {
        use domain::entity::email;
        use domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
        email::Entity::find()
            .select_only()
            .column(email::Column::Id)
            .filter(email::Column::Status.eq(email::EmailStatus::Pending))
            .into_tuple()
            .all(self.app.db())
            .await
            .expect("read the outbox")
    }

    /// Waits until no email waits in the outbox: each one is sent, given up
    /// or superseded, so what the SMTP server received is final.
    pub async fn emails_settled(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let pending = self.pending_emails().await;
            if pending.is_empty() {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} emails still wait in the outbox",
                pending.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Delivers every waiting email in this process, as a worker would
    /// (for servers started without their in-process worker); answers how
    /// many were sent.
    pub async fn deliver_pending(&self) -> usize {
        let pending = self.pending_emails().await;
        self.app
            .emails()
            .deliver(&pending)
            .await
            .expect("deliver")
            .sent
    }

    /// Stops the server (its database stays until the app is dropped).
    pub fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for TestApp {
    /// Stops the server and waits for it (workers included) before the
    /// database goes: every test also checks that Gatehouse shuts down.
    fn drop(&mut self) {
        self.stop();
        let Some(server) = self.server.take() else {
            return;
        };
        let waits = tokio::runtime::Handle::try_current().is_ok_and(|handle| {
            handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        });
        if !waits || std::thread::panicking() {
            return;
        }
        let stopped = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(tokio::time::timeout(SHUTDOWN_LIMIT, server))
        });
        assert!(
            stopped.is_ok(),
            "the server did not stop within {SHUTDOWN_LIMIT:?}"
        );
    }
}

/// How long a test server may take to shut down.
const SHUTDOWN_LIMIT: std::time::Duration = std::time::Duration::from_secs(15);

/// The `gatehouse` binary next to the test executable (`tests/run` builds
/// it before the tests).
pub fn binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target directory");
    let binary = dir.join("gatehouse");
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p gatehouse-api` (tests/run does)",
        binary.display()
    );
    binary
}

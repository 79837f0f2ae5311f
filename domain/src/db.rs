//! Connecting to the database (SQLite or PostgreSQL, chosen by the URL),
//! applying migrations, and counting the statements sent (tests assert on
//! the count; `TEST_LOG=gatehouse::sql=trace` prints each statement).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use secrecy::ExposeSecret;

use crate::config::{DatabaseSettings, redact_url};
use crate::error::{Error, Result};

/// Counters about the statements this process sent.
#[derive(Debug, Default)]
pub struct DbStats {
    statements: AtomicU64,
    request_statements: AtomicU64,
}

tokio::task_local! {
    /// Set while a task works for an HTTP request (`in_request`).
    static IN_REQUEST: ();
}

/// Runs `future` as part of an HTTP request: the statements it sends count
/// as requests' (`DbStats::request_statements`), the background work of
/// workers and sweepers does not. The API wraps every request, and every
/// task a request spawns (DataLoader batches), in it.
pub async fn in_request<F: std::future::Future>(future: F) -> F::Output {
    IN_REQUEST.scope((), future).await
}

impl DbStats {
    /// Statements executed since start.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Statements executed since start for HTTP requests (`in_request`).
    pub fn request_statements(&self) -> u64 {
        self.request_statements.load(Ordering::Relaxed)
    }
}

/// Opens the connection pool described by `settings`. For SQLite the file's
/// directory is created, and the database runs in WAL mode so readers never
/// wait for the writer.
pub async fn connect(settings: &DatabaseSettings) -> Result<(DatabaseConnection, Arc<DbStats>)> {
    let url = settings.url.expose_secret();
    if settings.is_sqlite() {
        ensure_sqlite_dir(url)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(settings.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(settings.connect_timeout_secs))
        // A connection is checked with a round trip before it is handed out
        // only when it has been idle for a while, as HikariCP does: a hot
        // connection is not, which saves a round trip per statement.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|options| {
            options
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    let mut db = Database::connect(options).await.map_err(|error| {
        Error::internal(format!(
            "cannot connect to the database at {}: {error}",
            redact_url(url)
        ))
    })?;
    let stats = Arc::new(DbStats::default());
    let counter = stats.clone();
    db.set_metric_callback(move |info| {
        counter.statements.fetch_add(1, Ordering::Relaxed);
        if IN_REQUEST.try_with(|_| ()).is_ok() {
            counter.request_statements.fetch_add(1, Ordering::Relaxed);
        }
        tracing::trace!(target: "gatehouse::sql", elapsed = ?info.elapsed, failed = info.failed, "{}", info.statement);
    });
    Ok((db, stats))
}

/// The file of an SQLite URL; `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

pub fn ensure_sqlite_dir(url: &str) -> Result<()> {
    let Some(path) = sqlite_path(url) else {
        return Ok(());
    };
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|error| {
            Error::internal(format!("cannot create {}: {error}", parent.display()))
        })?;
    }
    Ok(())
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`), so it waits for other writers (up to the
/// busy timeout) instead of failing when a read turns into a write;
/// PostgreSQL ignores the mode.
pub async fn write<C: TransactionTrait>(db: &C) -> Result<C::Transaction> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> Result<()> {
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}

pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// The unique index a failed insert or update ran into, if that is what
/// happened: PostgreSQL names the index, SQLite the table and columns.
pub fn unique_violation(error: &DbErr) -> Option<String> {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => Some(message),
        _ => None,
    }
}

/// Maps a unique violation to `CONFLICT` on the field whose index matched one
/// of `fields` (`(needle in the message, field name)`); other errors pass.
pub fn conflict_on(error: DbErr, fields: &[(&str, &str)]) -> Error {
    if let Some(message) = unique_violation(&error) {
        for (needle, field) in fields {
            if message.contains(needle) {
                return Error::conflict(*field, format!("{field} is already taken"));
            }
        }
        return Error::Conflict {
            field: None,
            message: "the record already exists".into(),
        };
    }
    Error::from(error)
}

/// The database's aggregate joining `column`'s values with `"; "`, in name
/// order where the database can say so: `string_agg` on PostgreSQL,
/// `group_concat` on SQLite. For correlated subqueries of exports.
pub fn joined_names(db: &DatabaseConnection, column: &str) -> String {
    if is_postgres(db) {
        format!("string_agg({column}, '; ' ORDER BY {column})")
    } else {
        format!("group_concat({column}, '; ')")
    }
}

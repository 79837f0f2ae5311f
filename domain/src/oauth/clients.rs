//! The client rows the token endpoint needs on every request, and the
//! memory of them that spares the database one statement per token.
//!
//! A row is kept only while this process can tell when it may have
//! changed, and everything kept is dropped on any such sign:
//!
//! - this process wrote to a table the row is read from (`DbStats`, from
//!   every statement it sends);
//! - with SQLite, the file's data version moved (any connection of any
//!   process committed; checked on every lookup);
//! - with PostgreSQL, a trigger notified `gatehouse_oauth_clients` (any
//!   process committed such a change; the API server listens while it
//!   serves, and keeps nothing while it is not listening).
//!
//! A row read while a change happened is not kept (the epoch moved). What
//! remains is PostgreSQL's delivery time: another process's change reaches
//! this one a moment after its commit (docs/OAUTH.md).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend, FromQueryResult, Statement};

use super::Audience;
use crate::db::DbStats;
use crate::error::Result;

/// The tables a client row is read from; a write to one of them drops the
/// rows kept.
use migration::OAUTH_CLIENT_SOURCES as SOURCES;
/// The PostgreSQL notification channel the triggers of migration
/// `m20261130_000005_oauth_client_changes` write to.
pub use migration::OAUTH_CLIENTS_CHANNEL as CHANNEL;

/// Rows kept at most; past that the memory starts again empty.
const CAPACITY: usize = 10_000;

/// An application as the token endpoint and token checks need it, read in
/// one statement with whether its owner may sign in and whether a token id
/// is revoked: each token request and each request with a token costs one
/// round trip, not four.
#[derive(Debug, FromQueryResult)]
pub(crate) struct Client {
    pub id: i64,
    pub organization_id: i64,
    pub user_id: Option<i64>,
    pub customer_user_id: Option<i64>,
    pub client_id: String,
    pub secret_hash: String,
    pub active: bool,
    pub scopes: String,
    pub token_generation: i32,
    /// The owner is enabled and `ACTIVE`, and its organization (for a
    /// back-office user: one it belongs to) is enabled.
    pub owner_may_sign_in: bool,
    /// The token id asked about is revoked.
    pub revoked: bool,
}

impl Client {
    pub(crate) fn audience(&self) -> Audience {
        Audience::of_owner(self.user_id)
    }

    /// The `sub` of its tokens: the owner.
    pub(crate) fn subject(&self) -> String {
        match (self.user_id, self.customer_user_id) {
            (Some(id), _) => format!("user:{id}"),
            (None, Some(id)) => format!("customer_user:{id}"),
            (None, None) => String::new(),
        }
    }
}

/// `$1`: the client id; `$2`: a token id (empty when none is asked about).
const CLIENT: &str = "\
SELECT a.id, a.organization_id, a.user_id, a.customer_user_id, a.client_id, a.secret_hash,
       a.active, a.scopes, a.token_generation,
       COALESCE(o.enabled AND CASE WHEN a.user_id IS NOT NULL
            THEN u.enabled AND u.auth_status = 'ACTIVE' AND m.user_id IS NOT NULL
            ELSE c.enabled AND c.auth_status = 'ACTIVE' END, FALSE) AS owner_may_sign_in,
       EXISTS (SELECT 1 FROM oauth_revoked_tokens r WHERE r.jti = $2) AS revoked
FROM oauth_applications a
JOIN organizations o ON o.id = a.organization_id
LEFT JOIN users u ON u.id = a.user_id
LEFT JOIN user_organizations m ON m.user_id = a.user_id AND m.organization_id = a.organization_id
LEFT JOIN customer_users c ON c.id = a.customer_user_id
WHERE a.client_id = $1";

/// The application with client id `client_id`, and whether `jti` is
/// revoked, from the database.
pub(crate) async fn read(
    db: &DatabaseConnection,
    client_id: &str,
    jti: &str,
) -> Result<Option<Client>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => CLIENT.to_owned(),
        _ => CLIENT.replace('$', "?"),
    };
    let statement = Statement::from_sql_and_values(backend, sql, [client_id.into(), jti.into()]);
    Ok(Client::find_by_statement(statement).one(db).await?)
}

/// Whether `sql` may change a client row: a write naming one of the
/// tables the row is read from (`db::connect` counts these).
pub(crate) fn may_change_clients(sql: &str) -> bool {
    let sql = sql.trim_start();
    let verb = sql.get(..6).unwrap_or_default();
    let writes = ["INSERT", "UPDATE", "DELETE"]
        .iter()
        .any(|w| verb.eq_ignore_ascii_case(w));
    writes && SOURCES.iter().any(|table| contains_word(sql, table))
}

/// `table` in `sql` as a whole word, quoted or not. A word that only looks
/// like a table name costs a needless drop of the rows kept, never a
/// stale one.
fn contains_word(sql: &str, table: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    sql.match_indices(table).any(|(at, _)| {
        !word(sql[..at].chars().next_back()) && !word(sql[at + table.len()..].chars().next())
    })
}

/// The answer of `ClientCache::get`.
pub(crate) enum Lookup {
    Hit(Arc<Client>),
    /// Read the row, then hand it to `keep` with this ticket.
    Miss(Ticket),
}

/// When a missed row was looked up: it is kept only if nothing changed
/// since.
pub(crate) struct Ticket(Option<u64>);

/// Client rows by client id, with what tells this process they may have
/// changed.
pub struct ClientCache {
    stats: Arc<DbStats>,
    state: Mutex<State>,
}

struct State {
    rows: HashMap<String, Arc<Client>>,
    /// Moves on every sign of a change; a row read under an older epoch
    /// is not kept.
    epoch: u64,
    /// What tells of changes by other processes: rows are kept only while
    /// it works.
    watch: Watch,
    /// `DbStats::client_writes` when the rows were last checked.
    local_writes: u64,
    /// The SQLite data version when the rows were last checked.
    data_version: i64,
}

enum Watch {
    /// Nothing (before the server starts serving, in workers, with an
    /// in-memory database, or while PostgreSQL is unreachable): rows are
    /// read every time.
    Off,
    /// PostgreSQL notifications arrive.
    Listening,
    /// A connection of our own to the SQLite file, for its data version.
    Sqlite(rusqlite::Connection),
}

impl ClientCache {
    pub(crate) fn new(stats: Arc<DbStats>) -> Self {
        Self {
            stats,
            state: Mutex::new(State {
                rows: HashMap::new(),
                epoch: 0,
                watch: Watch::Off,
                local_writes: 0,
                data_version: 0,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The kept row of `client_id`, or a ticket to read it.
    pub(crate) fn get(&self, client_id: &str) -> Lookup {
        let mut state = self.state();
        if !self.check(&mut state) {
            return Lookup::Miss(Ticket(None));
        }
        match state.rows.get(client_id) {
            Some(row) => Lookup::Hit(row.clone()),
            None => Lookup::Miss(Ticket(Some(state.epoch))),
        }
    }

    /// Keeps `row`, read after `ticket` was given, unless something may
    /// have changed since.
    pub(crate) fn keep(&self, ticket: Ticket, row: Client) -> Arc<Client> {
        let row = Arc::new(row);
        let mut state = self.state();
        if self.check(&mut state) && ticket.0 == Some(state.epoch) {
            if state.rows.len() >= CAPACITY {
                state.rows.clear();
            }
            state.rows.insert(row.client_id.clone(), row.clone());
        }
        row
    }

    /// Drops the rows when anything moved; false when rows cannot be kept
    /// at all.
    fn check(&self, state: &mut State) -> bool {
        let local_writes = self.stats.client_writes();
        let data_version = match &state.watch {
            Watch::Off => return false,
            Watch::Listening => state.data_version,
            Watch::Sqlite(connection) => match data_version(connection) {
                Ok(version) => version,
                Err(error) => {
                    // Busy for longer than the timeout, say: read the row
                    // this time, and keep nothing read meanwhile.
                    tracing::warn!(%error, "cannot read the SQLite data version");
                    state.forget();
                    return false;
                }
            },
        };
        if local_writes != state.local_writes || data_version != state.data_version {
            state.forget();
            state.local_writes = local_writes;
            state.data_version = data_version;
        }
        true
    }

    /// Another process changed something (a PostgreSQL notification).
    fn changed(&self) {
        self.state().forget();
    }

    fn set_watch(&self, watch: Watch) {
        self.state().set(watch);
    }

    /// Watches for changes by other processes, until dropped: the API
    /// server runs this while it serves. With SQLite it opens its own
    /// connection to the file; with PostgreSQL it listens on `CHANNEL`,
    /// and while the listening connection is down nothing is kept.
    pub async fn watch(&self, db: &DatabaseConnection, url: &str) {
        let _off = WatchOff(self);
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                if let Some(path) = crate::db::sqlite_path(url) {
                    match open_sqlite(&path) {
                        Ok(connection) => self.set_watch(Watch::Sqlite(connection)),
                        Err(error) => tracing::warn!(%error, path = %path.display(),
                            "cannot open the SQLite file to watch it; OAuth client rows are read every time"),
                    }
                }
                std::future::pending::<()>().await;
            }
            DbBackend::Postgres => self.listen(db).await,
            _ => std::future::pending::<()>().await,
        }
    }

    async fn listen(&self, db: &DatabaseConnection) {
        use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
        // A connection of its own, outside the server's pool, which keeps
        // all of its connections for requests.
        let options = db.get_postgres_connection_pool().connect_options();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with((*options).clone());
        loop {
            let listening = async {
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen(CHANNEL).await?;
                Ok::<_, sea_orm::sqlx::Error>(listener)
            };
            match listening.await {
                Ok(mut listener) => {
                    self.set_watch(Watch::Listening);
                    let error = loop {
                        match listener.try_recv().await {
                            // A change, or the connection was lost and
                            // made again (what was sent meanwhile is lost).
                            Ok(_) => self.changed(),
                            Err(error) => break error,
                        }
                    };
                    self.set_watch(Watch::Off);
                    if matches!(error, sea_orm::sqlx::Error::PoolClosed) {
                        return;
                    }
                    tracing::warn!(%error, "lost the OAuth client notifications; client rows are read every time until they are back");
                }
                Err(sea_orm::sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for OAuth client changes; client rows are read every time")
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

impl State {
    fn forget(&mut self) {
        self.rows.clear();
        self.epoch += 1;
    }

    fn set(&mut self, watch: Watch) {
        self.forget();
        self.watch = watch;
    }
}

/// Turns the watch off when `ClientCache::watch` ends or is dropped.
struct WatchOff<'a>(&'a ClientCache);

impl Drop for WatchOff<'_> {
    fn drop(&mut self) {
        self.0.set_watch(Watch::Off);
    }
}

/// Moves whenever another connection, of any process, commits to the file.
fn data_version(connection: &rusqlite::Connection) -> rusqlite::Result<i64> {
    connection
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |row| row.get(0))
}

fn open_sqlite(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    // Read-write without create: a read-only connection could not open a
    // WAL database whose shared-memory file it may need to set up.
    let connection = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(Duration::from_millis(100))?;
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::may_change_clients;

    #[test]
    fn writes_to_the_source_tables_are_seen() {
        assert!(may_change_clients(
            r#"UPDATE "oauth_applications" SET "active" = $1 WHERE "id" = $2"#
        ));
        assert!(may_change_clients(
            r#"DELETE FROM "user_organizations" WHERE "user_id" IN ($1)"#
        ));
        assert!(may_change_clients(
            "update users set enabled = false where id = 1"
        ));
        assert!(may_change_clients(
            r#"INSERT INTO "customer_users" ("email") VALUES ($1)"#
        ));
    }

    #[test]
    fn reads_and_other_tables_are_not() {
        assert!(!may_change_clients(r#"SELECT * FROM "oauth_applications""#));
        assert!(!may_change_clients(
            r#"UPDATE "user_emails" SET "email" = $1"#
        ));
        assert!(!may_change_clients(
            r#"INSERT INTO "audit_log" ("target_type") VALUES ($1)"#
        ));
        assert!(!may_change_clients(
            r#"DELETE FROM "sessions" WHERE "user_id" = $1"#
        ));
    }
}

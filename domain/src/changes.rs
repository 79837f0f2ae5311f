//! Signs that rows kept in memory may be out of date, and the memory that
//! uses them (`Kept`). The API server keeps what every request would
//! otherwise read again — the viewer behind a credential, the OAuth client
//! rows of the token endpoint, list counts — and drops all of it at any
//! sign that something it was read from may have changed:
//!
//! - this process committed a change (`Gatehouse::commit`, which every
//!   service commits through; clippy refuses a bare `commit`);
//! - with SQLite, the file's data version moved (any connection of any
//!   process committed; read on every lookup);
//! - with PostgreSQL, a trigger notified `gatehouse_changes` (any process
//!   committed a change to a table something is kept from; the server
//!   listens while it serves, and keeps nothing while it is not listening).
//!
//! A row read while a change happened is not kept (the epoch moved). What
//! remains is PostgreSQL's delivery time: another process's change reaches
//! this one a moment after its commit (docs/DECISIONS.md).
//!
//! A sign-in (an account's last-login time and failed-login count, nothing
//! else) is a change of its own kind: it drops what is kept of accounts
//! (the viewer keeps its user's record) but not counts, which no sign-in
//! changes, so a login flood does not make every grid request count again.
//! With SQLite a sign-in by another connection cannot be told from any
//! other commit and drops everything.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};

/// The PostgreSQL notification channel the triggers of migration
/// `m20261202_000007_changes` write to.
pub use migration::CHANGES_CHANNEL as CHANNEL;

/// What tells this process that kept rows may be out of date.
pub struct Changes {
    state: Mutex<State>,
    /// The last fence this process sent (`settled`).
    fences_sent: std::sync::atomic::AtomicU64,
    /// The last fence that came back through the notifications.
    fence_seen: tokio::sync::watch::Sender<u64>,
}

/// The payload prefix of a fence: a notification that marks a point in
/// the channel rather than a change.
const FENCE: &str = "fence:";

/// The payload of a sign-in (migration `m20261202_000009_sign_ins`).
const SIGN_IN: &str = "sign-in";

/// Which changes a `Kept` drops its values at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follows {
    /// Every change, sign-ins included.
    Everything,
    /// Every change but sign-ins.
    AllButSignIns,
}

struct State {
    /// Moves on every sign of a change but sign-ins.
    epoch: u64,
    /// Moves on every sign-in.
    sign_ins: u64,
    watch: Watch,
    /// The SQLite data version when last read.
    data_version: i64,
}

enum Watch {
    /// Nothing (before the server serves, in workers and commands, with an
    /// in-memory database, or while PostgreSQL is unreachable): nothing is
    /// kept.
    Off,
    /// PostgreSQL notifications arrive.
    Listening,
    /// A connection of our own to the SQLite file, for its data version.
    Sqlite(rusqlite::Connection),
}

/// When a missed value was looked up: it is kept only if nothing changed
/// since.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(Option<u64>);

impl Changes {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State {
                epoch: 0,
                sign_ins: 0,
                watch: Watch::Off,
                data_version: 0,
            }),
            fences_sent: std::sync::atomic::AtomicU64::new(0),
            fence_seen: tokio::sync::watch::Sender::new(0),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current epoch of what `follows` names, after looking for signs
    /// of change; `None` while nothing may be kept.
    pub(crate) fn epoch(&self, follows: Follows) -> Option<u64> {
        let mut state = self.state();
        let version = match &state.watch {
            Watch::Off => return None,
            Watch::Listening => return Some(state.epoch_of(follows)),
            Watch::Sqlite(connection) => data_version(connection),
        };
        match version {
            Ok(version) => {
                if version != state.data_version {
                    state.data_version = version;
                    state.epoch += 1;
                }
                Some(state.epoch_of(follows))
            }
            Err(error) => {
                // Busy for longer than the timeout, say: read this time,
                // and keep nothing read meanwhile.
                tracing::warn!(%error, "cannot read the SQLite data version");
                state.epoch += 1;
                None
            }
        }
    }

    /// Something changed: what is kept is out of date.
    pub(crate) fn changed(&self) {
        self.state().epoch += 1;
    }

    /// An account signed in: what is kept of accounts is out of date.
    pub(crate) fn signed_in(&self) {
        self.state().sign_ins += 1;
    }

    fn set_watch(&self, watch: Watch) {
        let mut state = self.state();
        state.epoch += 1;
        state.watch = watch;
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
                            "cannot open the SQLite file to watch it; nothing is kept in memory"),
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
                            Ok(Some(notification)) if notification.payload() == SIGN_IN => {
                                self.signed_in()
                            }
                            Ok(Some(notification)) if notification.payload().starts_with(FENCE) => {
                                if let Ok(fence) = notification.payload()[FENCE.len()..].parse() {
                                    self.fence_seen.send_if_modified(|seen| {
                                        let later = fence > *seen;
                                        *seen = (*seen).max(fence);
                                        later
                                    });
                                }
                            }
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
                    tracing::warn!(%error, "lost the change notifications; nothing is kept in memory until they are back");
                }
                Err(sea_orm::sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for changes; nothing is kept in memory")
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

impl Changes {
    /// Waits until every change committed before this call has reached
    /// this process: with PostgreSQL, it sends a fence through the channel
    /// and waits for it to come back (notifications arrive in commit
    /// order), at most `within`; otherwise at once. Tests use it so that a
    /// change's notification, which also reaches the process that made it,
    /// does not arrive in the middle of what they count.
    pub async fn settled(&self, db: &DatabaseConnection, within: Duration) -> bool {
        use sea_orm::ConnectionTrait;
        if !matches!(self.state().watch, Watch::Listening) {
            return true;
        }
        let fence = self
            .fences_sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let mut seen = self.fence_seen.subscribe();
        let sent = db
            .execute_unprepared(&format!("SELECT pg_notify('{CHANNEL}', '{FENCE}{fence}')"))
            .await;
        if sent.is_err() {
            return false;
        }
        tokio::time::timeout(within, seen.wait_for(|seen| *seen >= fence))
            .await
            .is_ok_and(|seen| seen.is_ok())
    }
}

impl State {
    fn epoch_of(&self, follows: Follows) -> u64 {
        match follows {
            // Both only grow, so their sum moves whenever either does.
            Follows::Everything => self.epoch + self.sign_ins,
            Follows::AllButSignIns => self.epoch,
        }
    }
}

/// Turns the watch off when `Changes::watch` ends or is dropped.
struct WatchOff<'a>(&'a Changes);

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

/// Values kept in memory by key, all dropped at any sign of change.
pub(crate) struct Kept<K, V> {
    capacity: usize,
    follows: Follows,
    state: Mutex<KeptState<K, V>>,
}

struct KeptState<K, V> {
    /// The epoch the values were read under.
    epoch: u64,
    values: HashMap<K, Arc<V>>,
}

/// The answer of `Kept::get`.
pub(crate) enum Lookup<V> {
    Hit(Arc<V>),
    /// Read the value, then hand it to `keep` with this ticket.
    Miss(Ticket),
}

impl<K: Eq + Hash, V> Kept<K, V> {
    /// At most `capacity` values, dropped at the changes `follows` names;
    /// past `capacity` the memory starts again empty.
    pub(crate) fn new(capacity: usize, follows: Follows) -> Self {
        Self {
            capacity,
            follows,
            state: Mutex::new(KeptState {
                epoch: 0,
                values: HashMap::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, KeptState<K, V>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value kept for `key`, or a ticket to read it.
    pub(crate) fn get(&self, changes: &Changes, key: &K) -> Lookup<V> {
        let Some(epoch) = changes.epoch(self.follows) else {
            return Lookup::Miss(Ticket(None));
        };
        let mut state = self.state();
        if state.epoch != epoch {
            state.values.clear();
            state.epoch = epoch;
        }
        match state.values.get(key) {
            Some(value) => Lookup::Hit(value.clone()),
            None => Lookup::Miss(Ticket(Some(epoch))),
        }
    }

    /// Keeps `value`, read after `ticket` was given, unless something may
    /// have changed since.
    pub(crate) fn keep(&self, changes: &Changes, ticket: Ticket, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let Some(epoch) = changes.epoch(self.follows) else {
            return value;
        };
        let mut state = self.state();
        if ticket.0 == Some(epoch) {
            if state.epoch != epoch {
                state.values.clear();
                state.epoch = epoch;
            }
            if state.values.len() >= self.capacity {
                state.values.clear();
            }
            state.values.insert(key, value.clone());
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_until_a_change_and_never_across_one() {
        let changes = Changes::new();
        let kept: Kept<&str, u32> = Kept::new(10, Follows::Everything);
        let counts: Kept<&str, u32> = Kept::new(10, Follows::AllButSignIns);
        // Nothing is kept while nothing watches.
        let Lookup::Miss(ticket) = kept.get(&changes, &"a") else {
            panic!("hit without a watch");
        };
        kept.keep(&changes, ticket, "a", 1);
        assert!(matches!(kept.get(&changes, &"a"), Lookup::Miss(_)));

        changes.set_watch(Watch::Listening);
        let Lookup::Miss(ticket) = kept.get(&changes, &"a") else {
            panic!("hit before keeping");
        };
        kept.keep(&changes, ticket, "a", 1);
        assert!(matches!(kept.get(&changes, &"a"), Lookup::Hit(v) if *v == 1));

        // A sign-in drops what follows everything, not the rest.
        let Lookup::Miss(ticket) = counts.get(&changes, &"n") else {
            panic!("hit before keeping");
        };
        counts.keep(&changes, ticket, "n", 7);
        changes.signed_in();
        assert!(matches!(kept.get(&changes, &"a"), Lookup::Miss(_)));
        assert!(matches!(counts.get(&changes, &"n"), Lookup::Hit(v) if *v == 7));
        let Lookup::Miss(ticket) = kept.get(&changes, &"a") else {
            panic!("hit after a sign-in");
        };
        kept.keep(&changes, ticket, "a", 1);

        // A change drops both.
        changes.changed();
        assert!(matches!(kept.get(&changes, &"a"), Lookup::Miss(_)));
        assert!(matches!(counts.get(&changes, &"n"), Lookup::Miss(_)));

        // A value read while a change happened is not kept.
        let Lookup::Miss(ticket) = kept.get(&changes, &"b") else {
            panic!("hit before keeping");
        };
        changes.changed();
        kept.keep(&changes, ticket, "b", 2);
        assert!(matches!(kept.get(&changes, &"b"), Lookup::Miss(_)));
    }
}

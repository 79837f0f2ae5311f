//! The queue backends: two apalis queues (`<namespace>:jobs` and
//! `<namespace>:emails`) on Redis or SQLite, behind the domain's `Queue`.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::{SqlitePool, SqliteStorage};
use domain::config::QueueBackend;
use domain::jobs::queue::{
    CountFuture, DeliverEmails, FlagFuture, PushFuture, Queue, QueueStats, QueueWorker, RunJob,
    StatsFuture,
};
use domain::secrecy::ExposeSecret;
use domain::{Error, Gatehouse, Result};

/// Both queues on one backend. Cheap to clone.
#[derive(Clone)]
pub enum Backends {
    Redis {
        jobs: RedisStorage<RunJob>,
        emails: RedisStorage<DeliverEmails>,
        connection: ConnectionManager,
        names: Names,
    },
    Sqlite {
        jobs: SqliteStorage<RunJob>,
        emails: SqliteStorage<DeliverEmails>,
        pool: SqlitePool,
        names: Names,
    },
}

/// The queue names.
#[derive(Clone, Debug)]
pub struct Names {
    pub jobs: String,
    pub emails: String,
    /// A key kept in Redis beside the queues: gone, the queues' data is
    /// gone with it (`Queue::lost_everything`).
    pub marker: String,
}

fn internal(what: &str, error: impl std::fmt::Display) -> Error {
    Error::internal(format!("{what}: {error}"))
}

impl Backends {
    /// Connects the configured backend; for SQLite, creates apalis's tables.
    pub async fn connect(app: &Gatehouse) -> Result<Backends> {
        let settings = &app.settings().jobs;
        let names = Names {
            jobs: format!("{}:jobs", settings.namespace),
            emails: format!("{}:emails", settings.namespace),
            marker: format!("{}:marker", settings.namespace),
        };
        let heartbeat = Duration::from_secs(settings.heartbeat_secs.max(1));
        // A worker fetches about as many tasks as it runs: fetched tasks of
        // a worker that dies wait for its heartbeats to run out.
        let batch = settings.concurrency;
        match settings.backend {
            QueueBackend::Redis => {
                let url = settings.redis_url.expose_secret();
                let connection = apalis_redis::connect(url).await.map_err(|e| {
                    internal(
                        &format!(
                            "cannot connect to Redis at {}",
                            domain::config::redact_url(url)
                        ),
                        e,
                    )
                })?;
                let config = |queue: &str| {
                    apalis_redis::Config::default()
                        .queue(queue)
                        .heartbeat_interval(heartbeat)
                        .missed_heartbeats(3)
                        .batch_size(batch)
                };
                Ok(Backends::Redis {
                    jobs: RedisStorage::new(connection.clone()).with_config(config(&names.jobs)),
                    emails: RedisStorage::new(connection.clone())
                        .with_config(config(&names.emails)),
                    connection,
                    names,
                })
            }
            QueueBackend::Sqlite => {
                let pool = match (&settings.sqlite_url, app.settings().database.is_sqlite()) {
                    (None, true) => app.db().get_sqlite_connection_pool().clone(),
                    (url, _) => {
                        let url = url.as_ref().map(|u| u.expose_secret().to_owned());
                        let url = url.unwrap_or_else(|| "sqlite://var/queue.db?mode=rwc".into());
                        domain::db::ensure_sqlite_dir(&url)?;
                        SqlitePool::connect(&url)
                            .await
                            .map_err(|e| internal("cannot open the SQLite queue", e))?
                    }
                };
                SqliteStorage::<()>::migrations()
                    .run(&pool)
                    .await
                    .map_err(|e| internal("cannot set up the SQLite queue", e))?;
                let config = |queue: &str| {
                    apalis_sqlite::Config::default()
                        .queue(queue)
                        .heartbeat_interval(heartbeat)
                        .missed_heartbeats(3)
                        .batch_size(batch)
                };
                Ok(Backends::Sqlite {
                    jobs: SqliteStorage::new(&pool).with_config(config(&names.jobs)),
                    emails: SqliteStorage::new(&pool).with_config(config(&names.emails)),
                    pool,
                    names,
                })
            }
        }
    }

    pub fn names(&self) -> &Names {
        match self {
            Backends::Redis { names, .. } | Backends::Sqlite { names, .. } => names,
        }
    }

    /// This backend as the domain's queue.
    pub fn into_queue(self) -> Arc<dyn Queue> {
        Arc::new(self)
    }

    async fn redis_counts(connection: &ConnectionManager, queue: &str) -> Result<QueueStats> {
        let mut connection = connection.clone();
        let seen: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(format!("{queue}:workers"))
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut connection)
            .await
            .map_err(|e| internal("Redis", e))?;
        let workers: Vec<String> = seen.iter().map(|(name, _)| name.clone()).collect();
        // One snapshot (MULTI/EXEC): a task moving between the lists while
        // they are read would otherwise count twice, or not at all.
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("LLEN").arg(format!("{queue}:active"));
        pipe.cmd("ZCARD").arg(format!("{queue}:scheduled"));
        pipe.cmd("SCARD").arg(format!("{queue}:done"));
        pipe.cmd("SCARD").arg(format!("{queue}:dead"));
        for worker in &workers {
            pipe.cmd("SCARD").arg(format!("{queue}:inflight:{worker}"));
        }
        let counts: Vec<u64> = pipe
            .query_async(&mut connection)
            .await
            .map_err(|e| internal("Redis", e))?;
        let at = |i: usize| counts.get(i).copied().unwrap_or(0);
        Ok(QueueStats {
            name: queue.to_owned(),
            pending: at(0) + at(1),
            running: counts.iter().skip(4).sum(),
            succeeded: at(2),
            failed: at(3),
            workers: recent(seen.into_iter().map(|(name, at)| QueueWorker {
                name,
                last_seen: at as i64,
            })),
        })
    }

    async fn sqlite_counts(pool: &SqlitePool, queue: &str) -> Result<QueueStats> {
        let rows: Vec<(String, i64)> = domain::sea_orm::sqlx::query_as(
            "SELECT status, COUNT(*) FROM Jobs WHERE job_type = ? GROUP BY status",
        )
        .bind(queue)
        .fetch_all(pool)
        .await
        .map_err(|e| internal("SQLite queue", e))?;
        let mut stats = QueueStats {
            name: queue.to_owned(),
            ..QueueStats::default()
        };
        for (status, count) in rows {
            let count = count.max(0) as u64;
            match status.as_str() {
                "Pending" | "Queued" => stats.pending += count,
                "Running" => stats.running += count,
                "Done" => stats.succeeded += count,
                _ => stats.failed += count,
            }
        }
        let seen: Vec<(String, i64)> = domain::sea_orm::sqlx::query_as(
            "SELECT id, last_seen FROM Workers WHERE worker_type = ? ORDER BY last_seen DESC",
        )
        .bind(queue)
        .fetch_all(pool)
        .await
        .map_err(|e| internal("SQLite queue", e))?;
        stats.workers = recent(
            seen.into_iter()
                .map(|(name, last_seen)| QueueWorker { name, last_seen }),
        );
        Ok(stats)
    }
}

/// Workers seen in the last hour (dead ones linger in the backends).
fn recent(workers: impl Iterator<Item = QueueWorker>) -> Vec<QueueWorker> {
    let hour_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 - 3600)
        .unwrap_or(0);
    workers.filter(|w| w.last_seen >= hour_ago).collect()
}

impl Queue for Backends {
    fn push_job(&self, message: RunJob) -> PushFuture<'_> {
        Box::pin(async move {
            match self {
                Backends::Redis { jobs, .. } => jobs
                    .clone()
                    .push(message)
                    .await
                    .map_err(|e| internal("pushing a job", e)),
                Backends::Sqlite { jobs, .. } => jobs
                    .clone()
                    .push(message)
                    .await
                    .map_err(|e| internal("pushing a job", e)),
            }
        })
    }

    fn push_emails(&self, messages: Vec<DeliverEmails>) -> PushFuture<'_> {
        Box::pin(async move {
            match self {
                Backends::Redis { emails, .. } => emails
                    .clone()
                    .push_bulk(messages)
                    .await
                    .map_err(|e| internal("pushing deliveries", e)),
                Backends::Sqlite { emails, .. } => emails
                    .clone()
                    .push_bulk(messages)
                    .await
                    .map_err(|e| internal("pushing deliveries", e)),
            }
        })
    }

    fn backlog(&self) -> CountFuture<'_> {
        Box::pin(async move {
            let stats = match self {
                Backends::Redis {
                    connection, names, ..
                } => Self::redis_counts(connection, &names.emails).await?,
                Backends::Sqlite { pool, names, .. } => {
                    Self::sqlite_counts(pool, &names.emails).await?
                }
            };
            Ok(stats.pending + stats.running)
        })
    }

    fn lost_everything(&self) -> FlagFuture<'_> {
        Box::pin(async move {
            match self {
                // Set only when absent: the one caller that sets it learns
                // that the data it stood beside went away.
                Backends::Redis {
                    connection, names, ..
                } => {
                    let mut connection = connection.clone();
                    let set: Option<String> = redis::cmd("SET")
                        .arg(&names.marker)
                        .arg(
                            std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(0, |t| t.as_secs()),
                        )
                        .arg("NX")
                        .query_async(&mut connection)
                        .await
                        .map_err(|e| internal("Redis", e))?;
                    Ok(set.is_some())
                }
                // The SQLite queue's tables live in a database file; they go
                // only with it, and with the main database's rows beside
                // them in the embedded default.
                Backends::Sqlite { .. } => Ok(false),
            }
        })
    }

    fn stats(&self) -> StatsFuture<'_> {
        Box::pin(async move {
            let names = self.names();
            let mut stats = Vec::new();
            for queue in [&names.jobs, &names.emails] {
                stats.push(match self {
                    Backends::Redis { connection, .. } => {
                        Self::redis_counts(connection, queue).await?
                    }
                    Backends::Sqlite { pool, .. } => Self::sqlite_counts(pool, queue).await?,
                });
            }
            Ok(stats)
        })
    }

    fn ping(&self) -> PushFuture<'_> {
        Box::pin(async move {
            match self {
                Backends::Redis { connection, .. } => {
                    let mut connection = connection.clone();
                    redis::cmd("PING")
                        .query_async::<String>(&mut connection)
                        .await
                        .map(|_| ())
                        .map_err(|e| internal("Redis", e))
                }
                Backends::Sqlite { pool, .. } => domain::sea_orm::sqlx::query("SELECT 1")
                    .execute(pool)
                    .await
                    .map(|_| ())
                    .map_err(|e| internal("SQLite queue", e)),
            }
        })
    }
}

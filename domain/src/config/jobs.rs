//! Background job settings: the queue backend, workers, export files.

use secrecy::SecretString;
use serde::Deserialize;

/// Where the job queue lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueBackend {
    /// apalis-sqlite: in the SQLite database file (or `jobs.sqlite_url`).
    #[default]
    Sqlite,
    /// apalis-redis at `jobs.redis_url`: for production and several workers.
    Redis,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    pub backend: QueueBackend,
    /// Kept secret: it may carry a password.
    pub redis_url: SecretString,
    /// Prefix of every queue, so several deployments can share a Redis.
    pub namespace: String,
    /// The SQLite queue's database; the main database when that is SQLite,
    /// else `sqlite://var/queue.db?mode=rwc`.
    pub sqlite_url: Option<SecretString>,
    /// Run workers inside the API server (the embedded default). Turn off
    /// when `gatehouse worker` processes run apart.
    pub in_process_worker: bool,
    /// Tasks one worker process runs at once, per queue.
    pub concurrency: usize,
    /// Delivery tasks allowed to wait in the queue; emails beyond wait in
    /// the outbox until there is room (a huge backlog never reaches the
    /// queue backend).
    pub max_queued_tasks: u64,
    /// How often each worker process pushes again what lost its message
    /// (due email retries, jobs whose runner died).
    pub sweep_interval_secs: u64,
    /// A job whose heartbeat is this old is pushed again: a running job's
    /// worker refreshes it every heartbeat while it lives, so one this old
    /// lost its worker; a queued one may have lost its message. Several
    /// heartbeats long.
    pub stale_after_secs: u64,
    /// How often workers tell the backend they are alive; one that misses
    /// three is taken for dead and its tasks go to others. An idle worker on
    /// the SQLite queue may also take this long to see a new task.
    pub heartbeat_secs: u64,
    /// Where export files are written (shared by API and workers).
    pub export_dir: String,
    /// How long an export can be downloaded.
    pub export_ttl_secs: u64,
    /// The largest file `importCustomerUsers` accepts.
    pub max_import_bytes: u64,
    /// Where a `gatehouse worker` process serves `/metrics` and `/healthz`
    /// (e.g. `127.0.0.1:9091`); none when absent.
    pub worker_metrics_address: Option<String>,
    /// The user fields an export writes, in order. `password` is the stored
    /// hash, never a password.
    pub export_user_fields: Vec<String>,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            backend: QueueBackend::Sqlite,
            redis_url: SecretString::from("redis://127.0.0.1:6379"),
            namespace: "gatehouse".into(),
            sqlite_url: None,
            in_process_worker: true,
            concurrency: 4,
            max_queued_tasks: 1000,
            sweep_interval_secs: 10,
            stale_after_secs: 15,
            heartbeat_secs: 3,
            export_dir: "var/exports".into(),
            export_ttl_secs: 24 * 3600,
            max_import_bytes: 10 * 1024 * 1024,
            worker_metrics_address: None,
            export_user_fields: [
                "id",
                "username",
                "email",
                "name_prefix",
                "first_name",
                "middle_name",
                "last_name",
                "name_suffix",
                "birthday",
                "phone",
                "enabled",
                "auth_status",
                "owner_business_unit",
                "organizations",
                "roles",
                "last_login_at",
                "created_at",
                "password",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

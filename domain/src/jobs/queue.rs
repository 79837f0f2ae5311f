//! What the API puts on the job queue, and the port it puts it through.
//! The messages are small: the job itself (kind, payload, progress) lives
//! in the `jobs` table and the emails in the outbox, so a lost message
//! loses nothing — the sweeper pushes it again.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Run (or resume) job `job_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunJob {
    pub job_id: i64,
}

/// Deliver these outbox emails (those still due).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverEmails {
    pub ids: Vec<i64>,
}

pub type PushFuture<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Counts of one queue, as its backend reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub name: String,
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Workers seen in the last hour.
    pub workers: Vec<QueueWorker>,
}

/// A worker of a queue and when it last reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueWorker {
    pub name: String,
    /// Unix seconds.
    pub last_seen: i64,
}

pub type CountFuture<'a> = Pin<Box<dyn Future<Output = Result<u64>> + Send + 'a>>;

pub type FlagFuture<'a> = Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>>;

pub type StatsFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<QueueStats>>> + Send + 'a>>;

/// Where messages go: apalis on Redis or SQLite, set up by the `worker`
/// crate. The domain only pushes.
pub trait Queue: Send + Sync + 'static {
    fn push_job(&self, message: RunJob) -> PushFuture<'_>;
    fn push_emails(&self, messages: Vec<DeliverEmails>) -> PushFuture<'_>;
    /// Delivery tasks in the queue now: waiting, or taken by a worker.
    fn backlog(&self) -> CountFuture<'_>;
    /// Whether the queue lost every message it held since it was last
    /// asked (a Redis restarted without its data, or flushed): answered
    /// once per loss, to one caller. The first question to a new queue
    /// answers yes.
    fn lost_everything(&self) -> FlagFuture<'_>;
    /// What each queue holds now.
    fn stats(&self) -> StatsFuture<'_>;
    /// Whether the backend answers.
    fn ping(&self) -> PushFuture<'_>;
}

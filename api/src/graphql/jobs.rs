//! Background jobs: reading them, steering them, watching the queues, and
//! following one live.

use std::time::Duration;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use domain::entity::job::{self};
use domain::entity::job_item;
use domain::jobs::JobFilter as DomainFilter;
use domain::permissions::Permission as DomainPermission;
use futures_util::Stream;

use super::connection::{ConnectionOf, Total, connection, total};
use super::context::{app, id, page, viewer};
use super::guard::{Authenticated, needs};

/// What a job does.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entity::job::JobKind")]
#[allow(clippy::enum_variant_names)] // the contract's names
pub enum JobKind {
    /// Enables, disables, resets the password of or deletes many users.
    MassUpdateUsers,
    /// Writes users to a CSV file.
    ExportUsers,
    /// Enables, disables, resets the password of or deletes many customer users.
    MassUpdateCustomerUsers,
    /// Writes customer users to a CSV file.
    ExportCustomerUsers,
    /// Creates or updates customer users from a CSV file; each line's outcome is an item.
    ImportCustomerUsers,
}

/// Where a job is in its life.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entity::job::JobStatus")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker is on it.
    Running,
    /// Done; see the counters for items skipped.
    Succeeded,
    /// Given up; `error` says why. `retryJob` resumes it.
    Failed,
    /// Stopped on request; what was done stays done.
    Cancelled,
}

/// What a job did with one item.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::entity::job_item::Outcome")]
pub enum ItemOutcome {
    /// Done as asked.
    Done,
    /// Left alone; `reason` says why.
    Skipped,
    /// Tried and failed; `reason` says why.
    Failed,
}

/// One item of a job.
pub struct JobItem(job_item::Model);

/// One item of a job and what became of it.
#[Object]
impl JobItem {
    /// Id of the item (a user id for user jobs).
    async fn item_id(&self) -> &str {
        &self.0.item_id
    }

    /// What the job did with it.
    async fn outcome(&self) -> ItemOutcome {
        self.0.outcome.into()
    }

    /// Why it was skipped or failed.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// When the outcome was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The emails a job queued, by state.
#[derive(SimpleObject)]
pub struct JobEmails {
    /// Waiting for delivery (or for a retry).
    pub pending: u64,
    /// Delivered.
    pub sent: u64,
    /// Given up.
    pub failed: u64,
}

/// A background job.
pub struct Job(pub job::Model);

/// A background job: a mass action or an export.
#[Object]
impl Job {
    /// Unique identifier.
    async fn id(&self) -> ID {
        self.0.id.into()
    }

    /// What the job does.
    async fn kind(&self) -> JobKind {
        self.0.kind.into()
    }

    /// Where the job is in its life.
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }

    /// Items to process (rows written, for an export).
    async fn total(&self) -> i64 {
        self.0.total
    }

    /// Items processed so far.
    async fn processed(&self) -> i64 {
        self.0.processed
    }

    /// Items done.
    async fn succeeded(&self) -> i64 {
        self.0.succeeded
    }

    /// Items left alone, each with its reason in `items`.
    async fn skipped(&self) -> i64 {
        self.0.skipped
    }

    /// Items that failed.
    async fn failed(&self) -> i64 {
        self.0.failed
    }

    /// Processed items in percent of the total (100 when there is nothing to do).
    async fn percent(&self) -> f64 {
        if self.0.total <= 0 {
            100.0
        } else {
            (self.0.processed as f64 * 100.0 / self.0.total as f64).min(100.0)
        }
    }

    /// Id of the user who started the job.
    async fn requester_id(&self) -> Option<ID> {
        self.0.requester_id.map(ID::from)
    }

    /// Why the job failed (or the last error of a run that will be retried).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// Runs so far (a resumed or retried job runs more than once).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// Where an export can be downloaded until `resultExpiresAt`; null
    /// before it is written and after that. Its requester gets the link
    /// the email carries, signed for them, which opens in a browser without
    /// credentials (keep it to yourself); anyone else gets the plain
    /// address, which needs credentials holding `JOBS_MANAGE`.
    async fn download_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(app(ctx)?.jobs().download_url(viewer(ctx)?, &self.0).await?)
    }

    /// Until when the export can be downloaded.
    async fn result_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.result_expires_at
    }

    /// Whether cancelling was asked for.
    async fn cancel_requested(&self) -> bool {
        self.0.cancel_requested
    }

    /// What the job did with each item, in order.
    async fn items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only items with this outcome.")] outcome: Option<ItemOutcome>,
    ) -> Result<ConnectionOf<JobItem>> {
        let outcome = outcome.map(Into::into);
        let jobs = app(ctx)?.jobs();
        let page = jobs
            .items(self.0.id, outcome, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, jobs.count_items(self.0.id, outcome)).await?;
        Ok(connection(page, JobItem, total))
    }

    /// The emails the job queued, by state.
    async fn emails(&self, ctx: &Context<'_>) -> Result<JobEmails> {
        let (pending, sent, failed) = app(ctx)?.jobs().email_counts(self.0.id).await?;
        Ok(JobEmails {
            pending,
            sent,
            failed,
        })
    }

    /// When the job was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When a worker first started it.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    /// When it ended.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }

    /// When its record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Which jobs to list.
#[derive(InputObject, Default)]
pub struct JobFilter {
    /// Jobs of this kind.
    pub kind: Option<JobKind>,
    /// Jobs in this status.
    pub status: Option<JobStatus>,
    /// Jobs this user started.
    pub requester_id: Option<ID>,
}

/// The counts of one job queue, as its backend reports them.
#[derive(SimpleObject)]
pub struct JobQueue {
    /// Queue name.
    pub name: String,
    /// Tasks waiting.
    pub pending: u64,
    /// Tasks being run.
    pub running: u64,
    /// Tasks done.
    pub succeeded: u64,
    /// Tasks that failed.
    pub failed: u64,
    /// Workers seen in the last hour.
    pub workers: Vec<JobWorker>,
}

/// A worker of a queue.
#[derive(SimpleObject)]
pub struct JobWorker {
    /// Unique per worker process (host, process id, suffix).
    pub name: String,
    /// Its last heartbeat; three missed and its tasks go to others.
    pub last_seen_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct JobQuery;

#[Object]
impl JobQuery {
    /// A job: the viewer's own, or any of the organization with `JOBS_VIEW`.
    #[graphql(guard = "Authenticated")]
    async fn job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the job.")] id: ID,
    ) -> Result<Option<Job>> {
        Ok(app(ctx)?
            .jobs()
            .get(viewer(ctx)?, self::id(&id, "id")?)
            .await?
            .map(Job))
    }

    /// Jobs the viewer may see, newest first: its own, or all of the
    /// organization with `JOBS_VIEW`.
    #[graphql(guard = "Authenticated")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size.")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        #[graphql(desc = "Narrows the list.")] filter: Option<JobFilter>,
    ) -> Result<Connection<String, Job, Total>> {
        let (app, viewer) = (app(ctx)?, viewer(ctx)?);
        let filter = filter.unwrap_or_default();
        let filter = DomainFilter {
            kind: filter.kind.map(Into::into),
            status: filter.status.map(Into::into),
            requester_id: filter
                .requester_id
                .map(|r| id(&r, "filter.requesterId"))
                .transpose()?,
        };
        let page = app
            .jobs()
            .list(viewer, &filter, &page(ctx, first, after)?)
            .await?;
        let total = total(ctx, app.jobs().count(viewer, &filter)).await?;
        Ok(connection(page, Job, total))
    }

    /// Every queue with its counts and workers, from the queue backend. The
    /// queues serve every organization: this needs `OPERATIONS_VIEW`.
    #[graphql(guard = "needs(DomainPermission::OperationsView)")]
    async fn job_queues(&self, ctx: &Context<'_>) -> Result<Vec<JobQueue>> {
        let stats = app(ctx)?.queue()?.stats().await?;
        Ok(stats
            .into_iter()
            .map(|s| JobQueue {
                name: s.name,
                pending: s.pending,
                running: s.running,
                succeeded: s.succeeded,
                failed: s.failed,
                workers: s
                    .workers
                    .into_iter()
                    .map(|w| JobWorker {
                        name: w.name,
                        last_seen_at: DateTime::from_timestamp(w.last_seen, 0),
                    })
                    .collect(),
            })
            .collect())
    }
}

#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Runs a failed or cancelled job again, from where it stopped. Its
    /// requester may, and anyone with `JOBS_MANAGE`.
    #[graphql(guard = "Authenticated")]
    async fn retry_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the job.")] id: ID,
    ) -> Result<Job> {
        Ok(Job(app(ctx)?
            .jobs()
            .retry(viewer(ctx)?, self::id(&id, "id")?)
            .await?))
    }

    /// Cancels a job: a queued one at once, a running one after its current
    /// chunk. Its requester may, and anyone with `JOBS_MANAGE`.
    #[graphql(guard = "Authenticated")]
    async fn cancel_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the job.")] id: ID,
    ) -> Result<Job> {
        Ok(Job(app(ctx)?
            .jobs()
            .cancel(viewer(ctx)?, self::id(&id, "id")?)
            .await?))
    }
}

#[derive(Default)]
pub struct JobSubscription;

#[Subscription]
impl JobSubscription {
    /// The job each time it changes, until it ends (the last event has a
    /// final status). Authenticate in `connection_init`.
    #[graphql(guard = "Authenticated")]
    async fn job_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the job.")] id: ID,
    ) -> Result<impl Stream<Item = Job> + use<>> {
        let app = app(ctx)?.clone();
        let viewer = viewer(ctx)?.clone();
        let job_id = self::id(&id, "id")?;
        let first = app
            .jobs()
            .get(&viewer, job_id)
            .await?
            .ok_or(domain::Error::not_found("job"))?;
        Ok(async_stream(app, viewer, first))
    }
}

/// Polls the job's row and yields it when it changed.
fn async_stream(
    app: domain::Gatehouse,
    viewer: domain::Viewer,
    first: job::Model,
) -> impl Stream<Item = Job> {
    futures_util::stream::unfold((Some(first), None::<job::Model>), move |(next, last)| {
        let (app, viewer) = (app.clone(), viewer.clone());
        async move {
            if let Some(job) = next {
                return Some((Job(job.clone()), (None, Some(job))));
            }
            let last = last?;
            if last.status.is_final() {
                return None;
            }
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                match app.jobs().get(&viewer, last.id).await {
                    Ok(Some(job)) if job != last => {
                        return Some((Job(job.clone()), (None, Some(job))));
                    }
                    Ok(Some(_)) => continue,
                    Ok(None) | Err(_) => return None,
                }
            }
        }
    })
}

//! The worker's side of jobs: claiming a job so only one worker runs it,
//! checkpoints that let a killed run resume, finishing, and the sweeper
//! that pushes again whatever lost its message.

use chrono::Duration;
use entity::job::{self, JobKind, JobStatus};
use entity::job_item::{self, Outcome};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use super::queue::{DeliverEmails, RunJob};
use crate::Gatehouse;
use crate::email::outbox;
use crate::error::{Error, Result};
use crate::viewer::Viewer;

/// A running job with no checkpoint for this long is taken to be dead.
pub fn stale_after(app: &Gatehouse) -> Duration {
    Duration::seconds(app.settings().jobs.stale_after_secs as i64)
}

/// Attempts before a job that keeps failing is given up.
pub const MAX_ATTEMPTS: i32 = 5;

/// Why a run stops when another run claimed its job meanwhile.
const TAKEN_OVER: &str = "the job was taken over by another run";

/// One item's outcome, for `job_items`.
#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub item_id: String,
    pub outcome: Outcome,
    pub reason: Option<String>,
}

impl ItemOutcome {
    pub fn done(id: i64) -> Self {
        Self {
            item_id: id.to_string(),
            outcome: Outcome::Done,
            reason: None,
        }
    }

    /// Done, for an item named otherwise than by a record id (a line).
    pub fn done_item(item_id: String) -> Self {
        Self {
            item_id,
            outcome: Outcome::Done,
            reason: None,
        }
    }

    /// Failed with `reason` (an imported line that was refused).
    pub fn failed_item(item_id: String, reason: impl Into<String>) -> Self {
        Self {
            item_id,
            outcome: Outcome::Failed,
            reason: Some(reason.into()),
        }
    }

    pub fn skipped(id: i64, reason: impl Into<String>) -> Self {
        Self {
            item_id: id.to_string(),
            outcome: Outcome::Skipped,
            reason: Some(reason.into()),
        }
    }
}

/// How a run ended.
pub enum Finish {
    Done,
    Cancelled,
    /// The process is shutting down: the job goes back in line, keeping its
    /// checkpoint, for another worker.
    Interrupted,
}

/// A claimed job, as its handler sees it.
pub struct Run<'a> {
    pub app: &'a Gatehouse,
    pub job: job::Model,
    /// The requester, with the permissions it holds now.
    pub viewer: Viewer,
}

impl Run<'_> {
    /// Records a chunk's outcomes and the new checkpoint in `conn` (the
    /// chunk's transaction), so a resumed run starts after it.
    pub async fn checkpoint(
        &self,
        conn: &impl ConnectionTrait,
        checkpoint: &str,
        items: &[ItemOutcome],
    ) -> Result<()> {
        let now = self.app.now();
        if !items.is_empty() {
            let rows = items.iter().map(|item| job_item::ActiveModel {
                job_id: Set(self.job.id),
                item_id: Set(item.item_id.clone()),
                outcome: Set(item.outcome),
                reason: Set(item.reason.clone()),
                created_at: Set(now),
                ..Default::default()
            });
            job_item::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([job_item::Column::JobId, job_item::Column::ItemId])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
        }
        let count = |outcome: Outcome| items.iter().filter(|i| i.outcome == outcome).count() as i64;
        let updated = job::Entity::update_many()
            .col_expr(
                job::Column::Processed,
                Expr::col(job::Column::Processed).add(items.len() as i64),
            )
            .col_expr(
                job::Column::Succeeded,
                Expr::col(job::Column::Succeeded).add(count(Outcome::Done)),
            )
            .col_expr(
                job::Column::Skipped,
                Expr::col(job::Column::Skipped).add(count(Outcome::Skipped)),
            )
            .col_expr(
                job::Column::Failed,
                Expr::col(job::Column::Failed).add(count(Outcome::Failed)),
            )
            .col_expr(job::Column::Checkpoint, Expr::value(checkpoint))
            .col_expr(job::Column::HeartbeatAt, Expr::value(now))
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(self.job.id))
            .filter(job::Column::Attempts.eq(self.job.attempts))
            .exec(conn)
            .await?
            .rows_affected;
        if updated == 0 {
            // Another run claimed the job (this one was taken for dead):
            // the chunk rolls back and this run stops.
            return Err(Error::Conflict {
                field: None,
                message: TAKEN_OVER.to_owned(),
            });
        }
        Ok(())
    }

    /// Whether the run should stop at this checkpoint, and how.
    pub async fn should_stop(&self) -> Result<Option<Finish>> {
        if self.cancel_requested().await? {
            return Ok(Some(Finish::Cancelled));
        }
        Ok(self.app.is_stopping().then_some(Finish::Interrupted))
    }

    /// Whether someone asked to cancel the job.
    pub async fn cancel_requested(&self) -> Result<bool> {
        let flag: Option<bool> = job::Entity::find_by_id(self.job.id)
            .select_only()
            .column(job::Column::CancelRequested)
            .into_tuple()
            .one(self.app.db())
            .await?;
        Ok(flag.unwrap_or(true))
    }
}

/// What one run of a job came to, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct Ran {
    pub kind: JobKind,
    /// The status the run left the job in.
    pub status: JobStatus,
    pub seconds: f64,
}

/// Runs job `job_id` if it is free: the handler of the `RunJob` message.
/// `Ok` when it ended (well or not: a permanent failure is recorded) or was
/// not free (`None`), `Err` when it should be tried again later.
pub async fn run(app: &Gatehouse, job_id: i64) -> Result<Option<Ran>> {
    let Some(job) = claim(app, job_id).await? else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let _held = app.held().job(job.id);
    let status = execute(app, &job).await?;
    Ok(Some(Ran {
        kind: job.kind,
        status,
        seconds: started.elapsed().as_secs_f64(),
    }))
}

async fn execute(app: &Gatehouse, job: &job::Model) -> Result<JobStatus> {
    let job_id = job.id;
    let outcome = match app.auth().job_viewer(job).await {
        Ok(viewer) => {
            let run = Run {
                app,
                job: job.clone(),
                viewer,
            };
            match job.kind {
                JobKind::MassUpdateUsers => crate::users::mass::run(&run).await,
                JobKind::ExportUsers => crate::users::export::run(&run).await,
                JobKind::MassUpdateCustomerUsers => crate::customers::users::mass::run(&run).await,
                JobKind::ExportCustomerUsers => crate::customers::users::export::run(&run).await,
                JobKind::ImportCustomerUsers => crate::customers::users::import::run(&run).await,
            }
        }
        Err(error) => Err(error),
    };
    let status = match outcome {
        Err(Error::Conflict { message, .. }) if message == TAKEN_OVER => {
            tracing::warn!(
                job = job_id,
                "job taken over by another run; this run stops"
            );
            return Ok(JobStatus::Running);
        }
        Ok(Finish::Done) => JobStatus::Succeeded,
        Ok(Finish::Cancelled) => JobStatus::Cancelled,
        Ok(Finish::Interrupted) => {
            tracing::info!(job = job_id, "job interrupted by shutdown; back in line");
            requeue(app, job, "interrupted by a worker shutting down").await?;
            app.jobs().start(job).await;
            return Ok(JobStatus::Queued);
        }
        Err(error) if error.is_internal() && job.attempts < MAX_ATTEMPTS => {
            tracing::warn!(%error, job = job_id, attempt = job.attempts, "job failed; it will run again");
            requeue(app, job, &error.to_string()).await?;
            return Err(error);
        }
        Err(error) => {
            tracing::warn!(%error, job = job_id, "job failed");
            let message = if error.code() == crate::error::ErrorCode::Internal {
                "internal error (see the worker's log)".to_owned()
            } else {
                error.to_string()
            };
            finish(app, job, JobStatus::Failed, Some(message)).await?;
            return Ok(JobStatus::Failed);
        }
    };
    finish(app, job, status, None).await?;
    Ok(status)
}

/// Takes the job if it is queued, or running with a dead runner.
async fn claim(app: &Gatehouse, job_id: i64) -> Result<Option<job::Model>> {
    let now = app.now();
    let claimed = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Running))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(1),
        )
        .col_expr(
            job::Column::StartedAt,
            Expr::col(job::Column::StartedAt).if_null(now),
        )
        .col_expr(job::Column::HeartbeatAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(job_id))
        .filter(job::Column::CancelRequested.eq(false))
        .filter(
            sea_orm::Condition::any()
                .add(job::Column::Status.eq(JobStatus::Queued))
                .add(
                    sea_orm::Condition::all()
                        .add(job::Column::Status.eq(JobStatus::Running))
                        .add(job::Column::HeartbeatAt.lt(now - stale_after(app))),
                ),
        )
        .exec(app.db())
        .await?
        .rows_affected;
    if claimed == 0 {
        return Ok(None);
    }
    Ok(job::Entity::find_by_id(job_id).one(app.db()).await?)
}

/// Ends the run of `job` (unless another run claimed it meanwhile).
async fn finish(
    app: &Gatehouse,
    job: &job::Model,
    status: JobStatus,
    error: Option<String>,
) -> Result<()> {
    let now = app.now();
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status))
        .col_expr(job::Column::Error, Expr::value(error))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::Attempts.eq(job.attempts))
        .exec(app.db())
        .await?;
    Ok(())
}

/// Puts a job whose run failed for now back in line, keeping its checkpoint
/// (unless another run claimed it meanwhile).
async fn requeue(app: &Gatehouse, job: &job::Model, error: &str) -> Result<()> {
    let now = app.now();
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(JobStatus::Queued))
        .col_expr(job::Column::Error, Expr::value(error))
        .col_expr(job::Column::HeartbeatAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::Attempts.eq(job.attempts))
        .exec(app.db())
        .await?;
    Ok(())
}

/// What one sweep pushed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub jobs: usize,
    pub emails: usize,
}

/// Pushes again jobs whose runner died or whose message was lost, and
/// emails that are due (retries) or whose task was lost. Every worker
/// process sweeps now and then; what it pushes is reserved first, so two
/// sweepers do not push the same thing.
///
/// A lost message is found two ways: the queue says it lost everything it
/// held (then every queued job and every reserved email is pushed again at
/// once), or the queue holds no delivery task at all while emails reserved
/// a sweep ago still wait for theirs.
pub async fn sweep(app: &Gatehouse) -> Result<Sweep> {
    let queue = app.queue()?;
    let now = app.now();
    let lost = queue.lost_everything().await?;
    let stale = now - stale_after(app);
    let mut dead = sea_orm::Condition::any().add(
        sea_orm::Condition::all()
            .add(job::Column::Status.is_in([JobStatus::Queued, JobStatus::Running]))
            .add(job::Column::HeartbeatAt.lt(stale)),
    );
    if lost {
        dead = dead.add(job::Column::Status.eq(JobStatus::Queued));
    }
    let ids: Vec<i64> = job::Entity::find()
        .select_only()
        .column(job::Column::Id)
        .filter(dead.clone())
        .limit(100)
        .into_tuple()
        .all(app.db())
        .await?;
    let mut report = Sweep::default();
    for id in ids {
        // Back in line (a dead runner's job is queued again, keeping its
        // checkpoint) with a fresh heartbeat: only the sweeper whose update
        // this was pushes it.
        let reserved = job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(JobStatus::Queued))
            .col_expr(job::Column::HeartbeatAt, Expr::value(now))
            .filter(job::Column::Id.eq(id))
            .filter(dead.clone())
            .exec(app.db())
            .await?
            .rows_affected;
        if reserved == 1 {
            queue.push_job(RunJob { job_id: id }).await?;
            report.jobs += 1;
        }
    }
    expire_exports(app).await?;
    crate::rate_limit::prune(app).await?;
    crate::oauth::grant::prune_revoked(app.db(), app.now()).await?;
    let batch = app.settings().email.batch_size.max(1);
    let _room = app.email_room().lock().await;
    // One reading of the queue serves the sign of a lost task and the room.
    let backlog = queue.backlog().await?;
    let reservation = app.settings().email.reservation();
    let released = if lost {
        outbox::release_reserved(app.db(), None, reservation).await?
    } else if backlog == 0 {
        let a_sweep_ago =
            now - Duration::seconds(Ord::max(app.settings().jobs.sweep_interval_secs, 1) as i64);
        outbox::release_reserved(app.db(), Some(a_sweep_ago), reservation).await?
    } else {
        0
    };
    if lost || released > 0 {
        tracing::warn!(
            lost_everything = lost,
            emails = released,
            jobs = report.jobs,
            "the queue lost delivery tasks; pushing their emails again"
        );
    }
    let room = app.settings().jobs.max_queued_tasks.saturating_sub(backlog);
    let emails = app.emails().reserve_due(room * batch as u64).await?;
    report.emails = emails.len();
    let messages: Vec<DeliverEmails> = emails
        .chunks(batch)
        .map(|ids| DeliverEmails { ids: ids.to_vec() })
        .collect();
    if !messages.is_empty() {
        queue.push_emails(messages).await?;
    }
    Ok(report)
}

/// Pushes delivery tasks for freshly queued outbox rows (after the commit
/// that queued them), when the queue has room; otherwise the rows wait in
/// the outbox and the sweeper pushes them as room comes. A failed push is
/// not lost either: the rows' reservation ends and the sweeper pushes them.
pub async fn push_emails(app: &Gatehouse, ids: &[i64]) {
    if ids.is_empty() {
        return;
    }
    if let Err(error) = try_push_emails(app, ids).await {
        tracing::warn!(%error, emails = ids.len(), "cannot push delivery tasks now; the sweeper will");
    }
}

async fn try_push_emails(app: &Gatehouse, ids: &[i64]) -> Result<()> {
    let queue = app.queue()?;
    let batch = app.settings().email.batch_size.max(1);
    let tasks = ids.len().div_ceil(batch) as u64;
    let _room = app.email_room().lock().await;
    if queue.backlog().await? + tasks > app.settings().jobs.max_queued_tasks {
        return Ok(());
    }
    let reserved =
        outbox::reserve(app.db(), ids, app.now(), app.settings().email.reservation()).await?;
    let messages: Vec<DeliverEmails> = reserved
        .chunks(batch)
        .map(|ids| DeliverEmails { ids: ids.to_vec() })
        .collect();
    if !messages.is_empty()
        && let Err(error) = queue.push_emails(messages).await
    {
        // Free again for the next sweep rather than after the reservation.
        if let Err(error) = outbox::unreserve(app.db(), &reserved).await {
            tracing::warn!(%error, "cannot free the reservations of unpushed emails");
        }
        return Err(error);
    }
    Ok(())
}

/// Deletes export files whose download time is over.
async fn expire_exports(app: &Gatehouse) -> Result<()> {
    let expired = job::Entity::find()
        .filter(job::Column::ResultFile.is_not_null())
        .filter(job::Column::ResultExpiresAt.lt(app.now()))
        .limit(100)
        .all(app.db())
        .await?;
    for job in expired {
        if let Some(file) = &job.result_file
            && let Err(error) = tokio::fs::remove_file(file).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, file, "cannot delete an expired export");
            continue;
        }
        job::Entity::update_many()
            .col_expr(job::Column::ResultFile, Expr::value(Option::<String>::None))
            .filter(job::Column::Id.eq(job.id))
            .exec(app.db())
            .await?;
    }
    Ok(())
}

//! Background jobs as Gatehouse tracks them: kind, status, progress,
//! per-item outcomes, requester, result file. apalis carries the messages
//! that make workers run them (see `queue`); this table is the truth.

mod download;
pub mod export;
pub mod queue;
pub mod runner;

pub use download::{Download, SignedLink};

use chrono::{DateTime, Utc};
use entity::job::{self, JobKind, JobStatus};
use entity::job_item::{self, Outcome};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, Select, Set,
};
use serde::Serialize;

use crate::Gatehouse;
use crate::audit::{self, Target};
use crate::error::{Error, Result};
use crate::pagination::{Keyset, Page, PageRequest, SortValue};
use crate::permissions::Permission;
use crate::viewer::Viewer;

/// Which jobs to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub kind: Option<JobKind>,
    pub status: Option<JobStatus>,
    pub requester_id: Option<i64>,
}

pub struct JobService<'a> {
    pub(crate) app: &'a Gatehouse,
}

impl JobService<'_> {
    /// Records a new job in `conn` (the caller's transaction); push it with
    /// `start` after committing.
    pub async fn create(
        &self,
        conn: &impl ConnectionTrait,
        viewer: &Viewer,
        kind: JobKind,
        payload: &impl Serialize,
        total: i64,
    ) -> Result<job::Model> {
        let now = self.app.now();
        let payload = serde_json::to_value(payload)
            .map_err(|e| Error::internal(format!("job payload: {e}")))?;
        let job = job::ActiveModel {
            kind: Set(kind),
            status: Set(JobStatus::Queued),
            organization_id: Set(viewer.organization_id),
            requester_id: Set((viewer.user_id != 0).then_some(viewer.user_id)),
            payload: Set(payload),
            total: Set(total),
            created_at: Set(now),
            updated_at: Set(now),
            heartbeat_at: Set(Some(now)),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        audit::record(
            conn,
            &viewer.actor(),
            "job.create",
            Target::new("job", job.id),
            None,
            Some(serde_json::json!({ "kind": format!("{kind:?}") })),
        )
        .await?;
        Ok(job)
    }

    /// Pushes the message that makes a worker run `job`. A failed push is
    /// logged, not fatal: the job is recorded and the sweeper pushes it
    /// again once its reservation ends.
    pub async fn start(&self, job: &job::Model) {
        let pushed = match self.app.queue() {
            Ok(queue) => queue.push_job(queue::RunJob { job_id: job.id }).await,
            Err(error) => Err(error),
        };
        if let Err(error) = pushed {
            tracing::warn!(%error, job = job.id, "cannot push the job now; the sweeper will");
        }
    }

    fn visible(&self, viewer: &Viewer) -> Select<job::Entity> {
        let mut select =
            job::Entity::find().filter(job::Column::OrganizationId.eq(viewer.organization_id));
        if !viewer.can(Permission::JobsView) && !viewer.can(Permission::JobsManage) {
            select = select.filter(job::Column::RequesterId.eq(viewer.user_id));
        }
        select
    }

    /// The job, if the viewer may see it: its own, or any of the
    /// organization with `jobs.view`.
    pub async fn get(&self, viewer: &Viewer, id: i64) -> Result<Option<job::Model>> {
        Ok(self
            .visible(viewer)
            .filter(job::Column::Id.eq(id))
            .one(self.app.db())
            .await?)
    }

    fn filtered(&self, viewer: &Viewer, filter: &JobFilter) -> Select<job::Entity> {
        let mut select = self.visible(viewer);
        if let Some(kind) = filter.kind {
            select = select.filter(job::Column::Kind.eq(kind));
        }
        if let Some(status) = filter.status {
            select = select.filter(job::Column::Status.eq(status));
        }
        if let Some(requester) = filter.requester_id {
            select = select.filter(job::Column::RequesterId.eq(requester));
        }
        select
    }

    /// Jobs the viewer may see, newest first.
    pub async fn list(
        &self,
        viewer: &Viewer,
        filter: &JobFilter,
        page: &PageRequest,
    ) -> Result<Page<job::Model>> {
        Keyset::new(job::Column::Id, job::Column::Id, true, false)
            .fetch(self.app.db(), self.filtered(viewer, filter), page, |j| {
                SortValue::Int(j.id)
            })
            .await
    }

    pub async fn count(&self, viewer: &Viewer, filter: &JobFilter) -> Result<u64> {
        Ok(self.filtered(viewer, filter).count(self.app.db()).await?)
    }

    fn items_of(job_id: i64, outcome: Option<Outcome>) -> Select<job_item::Entity> {
        let mut select = job_item::Entity::find().filter(job_item::Column::JobId.eq(job_id));
        if let Some(outcome) = outcome {
            select = select.filter(job_item::Column::Outcome.eq(outcome));
        }
        select
    }

    /// What the job did with each item, in order (the caller has the job).
    pub async fn items(
        &self,
        job_id: i64,
        outcome: Option<Outcome>,
        page: &PageRequest,
    ) -> Result<Page<job_item::Model>> {
        Keyset::new(job_item::Column::Id, job_item::Column::Id, false, false)
            .fetch(self.app.db(), Self::items_of(job_id, outcome), page, |i| {
                SortValue::Int(i.id)
            })
            .await
    }

    pub async fn count_items(&self, job_id: i64, outcome: Option<Outcome>) -> Result<u64> {
        Ok(Self::items_of(job_id, outcome).count(self.app.db()).await?)
    }

    /// The job, when the viewer may steer it: its requester, or anyone with
    /// `jobs.manage` in the organization.
    async fn steerable(&self, viewer: &Viewer, id: i64) -> Result<job::Model> {
        let job = self.get(viewer, id).await?.ok_or(Error::not_found("job"))?;
        if job.requester_id != Some(viewer.user_id) {
            viewer.require(Permission::JobsManage)?;
        }
        Ok(job)
    }

    /// Cancels a job: a queued one at once, a running one at its next
    /// checkpoint (what it did stays done).
    pub async fn cancel(&self, viewer: &Viewer, id: i64) -> Result<job::Model> {
        let job = self.steerable(viewer, id).await?;
        if job.status.is_final() {
            return Err(Error::invalid(
                "id",
                format!("the job has ended ({:?})", job.status),
            ));
        }
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        let mut update = job::Entity::update_many()
            .col_expr(job::Column::CancelRequested, Expr::value(true))
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(id));
        if job.status == JobStatus::Queued {
            update = update
                .col_expr(job::Column::Status, Expr::value(JobStatus::Cancelled))
                .col_expr(job::Column::FinishedAt, Expr::value(now));
        }
        update.exec(&txn).await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "job.cancel",
            Target::new("job", id),
            None,
            None,
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        self.get(viewer, id).await?.ok_or(Error::not_found("job"))
    }

    /// Runs a failed or cancelled job again; it resumes from its checkpoint.
    pub async fn retry(&self, viewer: &Viewer, id: i64) -> Result<job::Model> {
        let job = self.steerable(viewer, id).await?;
        if !matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) {
            return Err(Error::invalid(
                "id",
                "only a failed or cancelled job can be retried",
            ));
        }
        // A retried job runs again with its requester's authority: someone
        // else may start that only holding everything the requester holds.
        if let Some(requester) = job.requester_id
            && requester != viewer.user_id
        {
            let organization_id = job.organization_id;
            crate::authority::credential(
                self.app,
                viewer,
                (),
                crate::authority::Owner::User(requester),
                organization_id,
            )
            .await
            .map_err(|error| match error {
                Error::Forbidden(_) => Error::forbidden(
                    "the job runs with its requester's permissions, some of which you do not hold; ask the requester to retry it",
                ),
                other => other,
            })?;
        }
        let now = self.app.now();
        let txn = crate::db::write(self.app.db()).await?;
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(JobStatus::Queued))
            .col_expr(job::Column::CancelRequested, Expr::value(false))
            .col_expr(job::Column::Error, Expr::value(Option::<String>::None))
            .col_expr(
                job::Column::FinishedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(job::Column::HeartbeatAt, Expr::value(now))
            .col_expr(job::Column::UpdatedAt, Expr::value(now))
            .filter(job::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            &viewer.actor(),
            "job.retry",
            Target::new("job", id),
            None,
            None,
        )
        .await?;
        self.app.commit_quiet(txn).await?;
        let job = self.get(viewer, id).await?.ok_or(Error::not_found("job"))?;
        self.start(&job).await;
        Ok(job)
    }

    /// Jobs of every organization by kind and status, for metrics.
    pub async fn counts(&self) -> Result<Vec<((JobKind, JobStatus), u64)>> {
        use sea_orm::QuerySelect;
        let rows: Vec<(JobKind, JobStatus, i64)> = job::Entity::find()
            .select_only()
            .column(job::Column::Kind)
            .column(job::Column::Status)
            .column_as(job::Column::Id.count(), "count")
            .group_by(job::Column::Kind)
            .group_by(job::Column::Status)
            .into_tuple()
            .all(self.app.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(kind, status, count)| ((kind, status), count.max(0) as u64))
            .collect())
    }

    /// Emails a job queued, by status: (pending, sent, failed).
    pub async fn email_counts(&self, job_id: i64) -> Result<(u64, u64, u64)> {
        use entity::email::{self, EmailStatus};
        let count = |status: EmailStatus| {
            email::Entity::find()
                .filter(
                    Condition::all()
                        .add(email::Column::JobId.eq(job_id))
                        .add(email::Column::Status.eq(status)),
                )
                .count(self.app.db())
        };
        Ok((
            count(EmailStatus::Pending).await?,
            count(EmailStatus::Sent).await?,
            count(EmailStatus::Failed).await?,
        ))
    }
}

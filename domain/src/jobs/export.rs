//! Exports as jobs: one streaming query written to a CSV file with the
//! `csv` crate, progress about once a second, and a signed link emailed to
//! the requester when the file is complete. Each export (users, customer users)
//! gives its query, header and records.

use std::io::Write;
use std::path::PathBuf;

use chrono::Duration;
use entity::job::{self, JobKind};
use entity::user;
use futures_util::TryStreamExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, SelectModel, Selector};
use serde_json::json;

use crate::email::catalog::EXPORT_FINISHED;
use crate::email::outbox::{self, Outgoing};
use crate::error::{Error, Result};
use crate::jobs::runner::{self, Finish, Run};

/// The file name of export job `id` of `kind`; `None` for other kinds.
pub fn file_name(kind: JobKind, id: i64) -> Option<String> {
    match kind {
        JobKind::ExportUsers => Some(format!("users-{id}.csv")),
        JobKind::ExportCustomerUsers => Some(format!("customer-users-{id}.csv")),
        _ => None,
    }
}

/// Rows handed to the writer at once.
const PAGE: usize = 2000;
/// How often progress is recorded and a cancel looked for.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs an export job from the start: `rows` is one streaming query, whose
/// records (`record` of each row) go in pages to a CSV writer on the
/// blocking pool over a channel of two, so memory stays flat whatever the
/// row count. The file is written under a temporary name and renamed when
/// complete; then the requester gets a link by email.
pub(crate) async fn write_csv<R>(
    run: &Run<'_>,
    header: Vec<String>,
    rows: Selector<SelectModel<R>>,
    record: impl Fn(&R) -> Vec<String>,
) -> Result<Finish>
where
    R: FromQueryResult + Send + Sync,
{
    let settings = &run.app.settings().jobs;
    let name = file_name(run.job.kind, run.job.id)
        .ok_or_else(|| Error::internal("the job is not an export"))?;
    let path = PathBuf::from(&settings.export_dir).join(name);
    let partial = path.with_extension("csv.partial");
    std::fs::create_dir_all(&settings.export_dir)
        .map_err(|e| Error::internal(format!("cannot create {}: {e}", settings.export_dir)))?;

    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(2);
    let target = partial.clone();
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
        let file = std::fs::File::create(&target)?;
        let mut csv = csv::Writer::from_writer(std::io::BufWriter::with_capacity(256 * 1024, file));
        csv.write_record(&header)?;
        let mut rows = 0;
        while let Some(page) = receiver.blocking_recv() {
            for record in page {
                csv.write_record(&record)?;
                rows += 1;
            }
        }
        let mut inner = csv.into_inner().map_err(|e| e.into_error())?;
        inner.flush()?;
        inner.get_ref().sync_all()?;
        Ok(rows)
    });

    let streamed = stream_rows(run, rows, record, &sender).await;
    drop(sender);
    let written = writer
        .await
        .map_err(|e| Error::internal(format!("export writer: {e}")))?
        .map_err(|e| Error::internal(format!("writing {}: {e}", partial.display())));
    let (stopped, rows) = match (streamed, written) {
        (Ok(stopped), Ok(rows)) => (stopped, rows),
        (Err(error), _) | (_, Err(error)) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    if let Some(stop) = stopped {
        let _ = std::fs::remove_file(&partial);
        return Ok(stop);
    }
    std::fs::rename(&partial, &path)
        .map_err(|e| Error::internal(format!("renaming {}: {e}", path.display())))?;
    finish(run, &path, rows).await?;
    Ok(Finish::Done)
}

/// Streams the rows to the writer in pages, recording progress about once
/// a second; answers why it stopped early, if it did.
async fn stream_rows<R>(
    run: &Run<'_>,
    rows: Selector<SelectModel<R>>,
    record: impl Fn(&R) -> Vec<String>,
    sender: &tokio::sync::mpsc::Sender<Vec<Vec<String>>>,
) -> Result<Option<Finish>>
where
    R: FromQueryResult + Send + Sync,
{
    let mut stream = rows.stream(run.app.db()).await?;
    let mut page = Vec::with_capacity(PAGE);
    let mut unrecorded = 0i64;
    let mut checked = std::time::Instant::now();
    loop {
        let next = stream.try_next().await?;
        let done = next.is_none();
        if let Some(row) = next {
            page.push(record(&row));
        }
        if page.len() == PAGE || (done && !page.is_empty()) {
            unrecorded += page.len() as i64;
            let full = std::mem::replace(&mut page, Vec::with_capacity(PAGE));
            if sender.send(full).await.is_err() {
                return Ok(None); // the writer failed; its error is reported
            }
        }
        if checked.elapsed() >= PROGRESS_EVERY || done {
            checked = std::time::Instant::now();
            record_progress(run, unrecorded).await?;
            unrecorded = 0;
            if !done && let Some(stop) = run.should_stop().await? {
                return Ok(Some(stop));
            }
        }
        if done {
            return Ok(None);
        }
    }
}

async fn record_progress(run: &Run<'_>, rows: i64) -> Result<()> {
    job::Entity::update_many()
        .col_expr(
            job::Column::Processed,
            Expr::col(job::Column::Processed).add(rows),
        )
        .col_expr(
            job::Column::Succeeded,
            Expr::col(job::Column::Succeeded).add(rows),
        )
        .col_expr(job::Column::HeartbeatAt, Expr::value(run.app.now()))
        .filter(job::Column::Id.eq(run.job.id))
        .exec(run.app.db())
        .await?;
    Ok(())
}

/// Records the file, and emails the requester a link signed for them.
async fn finish(run: &Run<'_>, path: &std::path::Path, rows: u64) -> Result<()> {
    let app = run.app;
    let expires_at = run.app.now() + Duration::seconds(app.settings().jobs.export_ttl_secs as i64);
    let txn = crate::db::write(app.db()).await?;
    job::Entity::update_many()
        .col_expr(
            job::Column::ResultFile,
            Expr::value(path.display().to_string()),
        )
        .col_expr(job::Column::ResultExpiresAt, Expr::value(expires_at))
        .col_expr(job::Column::Processed, Expr::value(rows as i64))
        .col_expr(job::Column::Succeeded, Expr::value(rows as i64))
        .col_expr(job::Column::Total, Expr::value(rows as i64))
        .filter(job::Column::Id.eq(run.job.id))
        .exec(&txn)
        .await?;
    let mut emails = Vec::new();
    if let Some(requester) = run.job.requester_id
        && let Some(user) = user::Entity::find_by_id(requester).one(&txn).await?
    {
        let organization = crate::organizations::name_of(&txn, run.job.organization_id).await?;
        let outgoing = Outgoing {
            template: EXPORT_FINISHED,
            recipient: user.email.clone(),
            user_id: Some(user.id),
            customer_user_id: None,
            organization_id: Some(run.job.organization_id),
            job_id: Some(run.job.id),
            context: json!({
                "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
                "email": user.email, "organization": organization, "rows": rows,
                // `download_url` is signed at delivery (`email::deliver`).
                "download_expires": expires_at.timestamp(),
                "expires_at": expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            }),
            dedupe_key: format!("export:{}", run.job.id),
        };
        emails = outbox::queue(&txn, &[outgoing]).await?;
    }
    run.app.commit_quiet(txn).await?;
    runner::push_emails(app, &emails).await;
    Ok(())
}

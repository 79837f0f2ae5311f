//! What the workers do with each message: call the domain, record metrics,
//! and tell apalis whether to try again.

use std::time::Instant;

use apalis::prelude::{AbortError, Attempt, BoxDynError, Data};
use domain::Gatehouse;
use domain::jobs::queue::{DeliverEmails, RunJob};

/// Runs of one message before apalis is told to stop trying; the job
/// itself is retried by the sweeper after that, from its checkpoint.
const MAX_TASK_ATTEMPTS: usize = 3;

fn give_up_after(attempt: &Attempt, error: domain::Error) -> BoxDynError {
    if attempt.current() >= MAX_TASK_ATTEMPTS {
        AbortError::new(error).into()
    } else {
        error.into()
    }
}

/// Runs (or resumes) a job.
pub async fn run_job(
    message: RunJob,
    attempt: Attempt,
    app: Data<Gatehouse>,
) -> Result<(), BoxDynError> {
    match domain::jobs::runner::run(&app, message.job_id).await {
        Ok(Some(ran)) => {
            let labels = [
                ("kind", format!("{:?}", ran.kind)),
                ("outcome", format!("{:?}", ran.status)),
            ];
            metrics::counter!("gatehouse_jobs_total", &labels).increment(1);
            metrics::histogram!("gatehouse_job_duration_seconds", &labels).record(ran.seconds);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => {
            tracing::warn!(%error, job = message.job_id, "job run failed");
            Err(give_up_after(&attempt, error))
        }
    }
}

/// Delivers a batch of outbox emails. Failures of single emails are the
/// outbox's to retry; only a failing database makes the task fail.
pub async fn deliver_emails(
    message: DeliverEmails,
    attempt: Attempt,
    app: Data<Gatehouse>,
) -> Result<(), BoxDynError> {
    let started = Instant::now();
    match app.emails().deliver(&message.ids).await {
        Ok(report) => {
            metrics::counter!("gatehouse_emails_total", "outcome" => "sent")
                .increment(report.sent as u64);
            metrics::counter!("gatehouse_emails_total", "outcome" => "deferred")
                .increment(report.deferred as u64);
            metrics::counter!("gatehouse_emails_total", "outcome" => "failed")
                .increment(report.failed as u64);
            metrics::histogram!("gatehouse_email_batch_duration_seconds")
                .record(started.elapsed().as_secs_f64());
            Ok(())
        }
        Err(error) => {
            tracing::warn!(%error, emails = message.ids.len(), "delivery failed");
            Err(give_up_after(&attempt, error))
        }
    }
}

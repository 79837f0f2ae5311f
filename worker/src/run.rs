//! Running the workers: one for jobs and one for deliveries on the
//! configured backend, and the sweeper, until shutdown. On shutdown running
//! tasks finish (up to the grace period) and fetched ones go back to the
//! queue; a killed process's tasks go to other workers once it misses its
//! heartbeats, and the sweeper covers anything left.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{HasherRng, RetryPolicy};
use apalis::prelude::{BackendExt, Monitor, ParallelizeExt, WorkerBuilder, WorkerBuilderExt};
use domain::{Error, Gatehouse, Result};
use tokio::sync::watch;

use crate::backend::Backends;
use crate::handlers::{deliver_emails, run_job};

/// How this process's workers present themselves.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Unique per running process (apalis refuses two live workers of one
    /// name): host and process id by default.
    pub name: String,
    /// How long running tasks get to finish on shutdown.
    pub grace: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gatehouse".into());
        let unique = domain::tokens::generate("")
            .chars()
            .take(6)
            .collect::<String>();
        Self {
            name: format!("{host}-{}-{unique}", std::process::id()),
            grace: Duration::from_secs(30),
        }
    }
}

// Each task runs as a tokio task of its own (`parallelize`): on several
// cores, and apart from the worker's own future, which a delivery that
// blocks its thread to record an email (see `domain::email::transport`)
// must not stop while it holds the SQLite queue's write lock.

/// Polling keeps an idle worker from waiting for its next heartbeat to see
/// new tasks.
const POLL: Duration = Duration::from_millis(100);

/// Runs the workers and the sweeper until `shutdown` completes.
pub async fn run(
    app: Gatehouse,
    backends: Backends,
    options: WorkerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (stop, stopped) = watch::channel(false);
    let stopping = app.clone();
    tokio::spawn(async move {
        shutdown.await;
        // Jobs stop at their next checkpoint; deliveries finish their batch.
        stopping.stop_work();
        let _ = stop.send(true);
    });
    let sweeper = tokio::spawn(sweep_until(app.clone(), stopped.clone()));
    // Until every task has ended, shutdown included: a task finishing in
    // the grace period keeps its claims.
    let renewer = tokio::spawn(renew_forever(app.clone()));

    let concurrency = app.settings().jobs.concurrency;
    let retry = || {
        let backoff = ExponentialBackoffMaker::new(
            Duration::from_secs(1),
            Duration::from_secs(30),
            0.5,
            HasherRng::default(),
        )
        .map(|mut maker| maker.make_backoff());
        backoff.map(|backoff| RetryPolicy::retries(2).with_backoff(backoff))
    };
    let retry = retry().map_err(|e| Error::internal(format!("retry policy: {e}")))?;
    let jobs_name = format!("{}-jobs", options.name);
    let emails_name = format!("{}-emails", options.name);
    let monitor = match backends {
        Backends::Redis { jobs, emails, .. } => {
            let (app_jobs, app_emails, retry_jobs, retry_emails) =
                (app.clone(), app.clone(), retry.clone(), retry);
            Monitor::new()
                .register(move |restarts| {
                    WorkerBuilder::new(restarted(&jobs_name, restarts))
                        .backend(jobs.clone().poll_with_interval(POLL))
                        .data(app_jobs.clone())
                        .concurrency(concurrency)
                        .retry(retry_jobs.clone())
                        .parallelize(tokio::spawn)
                        .build(run_job)
                })
                .register(move |restarts| {
                    WorkerBuilder::new(restarted(&emails_name, restarts))
                        .backend(emails.clone().poll_with_interval(POLL))
                        .data(app_emails.clone())
                        .concurrency(concurrency)
                        .retry(retry_emails.clone())
                        .parallelize(tokio::spawn)
                        .build(deliver_emails)
                })
        }
        Backends::Sqlite { jobs, emails, .. } => {
            let (app_jobs, app_emails, retry_jobs, retry_emails) =
                (app.clone(), app.clone(), retry.clone(), retry);
            Monitor::new()
                .register(move |restarts| {
                    WorkerBuilder::new(restarted(&jobs_name, restarts))
                        .backend(jobs.clone().poll_with_interval(POLL))
                        .data(app_jobs.clone())
                        .concurrency(concurrency)
                        .retry(retry_jobs.clone())
                        .parallelize(tokio::spawn)
                        .build(run_job)
                })
                .register(move |restarts| {
                    WorkerBuilder::new(restarted(&emails_name, restarts))
                        .backend(emails.clone().poll_with_interval(POLL))
                        .data(app_emails.clone())
                        .concurrency(concurrency)
                        .retry(retry_emails.clone())
                        .parallelize(tokio::spawn)
                        .build(deliver_emails)
                })
        }
    };
    tracing::info!(name = %options.name, concurrency, "workers started");
    let mut signal = stopped.clone();
    let restart_stopped = stopped.clone();
    let failures = Arc::new(AtomicU32::new(0));
    let last_failure = Arc::new(std::sync::Mutex::new(Instant::now()));
    let running = monitor
        .should_restart(move |worker, error| {
            // The backend went away (Redis restarted, the database is down):
            // start the worker again after a pause that grows while it keeps
            // failing, under a new name (the old one looks alive a while).
            // apalis calls this inside the worker's poll and restarts it in
            // the same poll, so the pause blocks this thread (in
            // `block_in_place`, the runtime carries on) and must give way to a
            // stop request, or a worker that keeps failing never lets go.
            if stop_requested(&restart_stopped) {
                return false;
            }
            if let Ok(mut last) = last_failure.lock() {
                if last.elapsed() > Duration::from_secs(120) {
                    failures.store(0, Ordering::Relaxed);
                }
                *last = Instant::now();
            }
            let failed = failures.fetch_add(1, Ordering::Relaxed).min(5);
            let pause = Duration::from_secs(1 << failed);
            tracing::warn!(worker = worker.name(), %error, ?pause, "worker failed; restarting it");
            let until = Instant::now() + pause;
            tokio::task::block_in_place(|| {
                while Instant::now() < until && !stop_requested(&restart_stopped) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
            !stop_requested(&restart_stopped)
        })
        .run_with_signal(async move {
            let _ = signal.wait_for(|stop| *stop).await;
            tracing::info!("workers stopping: finishing running tasks");
            Ok(())
        });
    // Running tasks get the grace period; what is left is recovered like a
    // crash (other workers take it over once this one's heartbeats stop).
    let mut deadline = stopped.clone();
    let grace = options.grace;
    let result = tokio::select! {
        result = running => result.map_err(|e| Error::internal(format!("workers stopped: {e}"))),
        () = async move {
            let _ = deadline.wait_for(|stop| *stop).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(?grace, "workers did not stop within the grace period");
            Ok(())
        }
    };
    sweeper.abort();
    renewer.abort();
    result
}

/// Whether the workers were told to stop, or whoever could tell them is gone.
fn stop_requested(stopped: &watch::Receiver<bool>) -> bool {
    *stopped.borrow() || stopped.has_changed().is_err()
}

/// The name of a worker after `restarts` restarts.
fn restarted(name: &str, restarts: usize) -> String {
    if restarts == 0 {
        name.to_owned()
    } else {
        format!("{name}-r{restarts}")
    }
}

/// Renews what this process holds every heartbeat (`domain::held`).
async fn renew_forever(app: Gatehouse) {
    let every = Duration::from_secs(app.settings().jobs.heartbeat_secs.max(1));
    loop {
        tokio::time::sleep(every).await;
        if let Err(error) = domain::held::renew(&app).await {
            tracing::warn!(%error, "cannot renew this worker's claims");
        }
    }
}

/// Sweeps now and then until told to stop.
async fn sweep_until(app: Gatehouse, mut stopped: watch::Receiver<bool>) {
    let every = Duration::from_secs(app.settings().jobs.sweep_interval_secs.max(1));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        match domain::jobs::runner::sweep(&app).await {
            Ok(sweep) if sweep.jobs + sweep.emails > 0 => {
                tracing::info!(jobs = sweep.jobs, emails = sweep.emails, "pushed again");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "sweep failed"),
        }
    }
}

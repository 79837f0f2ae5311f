//! Gatehouse background workers. They execute the messages the `domain`
//! crate defines — run a job, deliver outbox emails — from apalis queues on
//! Redis (production) or SQLite (the embedded default), with one code path
//! for both. `gatehouse worker` runs them alone; the API server can run
//! them in its own process (`jobs.in_process_worker`).

mod backend;
mod handlers;
mod run;

pub use backend::Backends;
pub use run::{WorkerOptions, run};

//! Volume and failure on the production queue (Redis, with PostgreSQL): a
//! backlog far beyond what apalis-redis can promote at once runs to the
//! end, and a worker killed in the middle of a mass reset costs no
//! recipient a second email.
//!
//! Each runs at the smallest size that proves it: more than the ~8,000 due
//! tasks that break apalis-redis's fetch, and a mass reset of a few chunks.
//! `GATEHOUSE_SCALE=full` runs them at the size of the benchmarks (100,000
//! users; `bench/scale.sh`, reported in docs/PERFORMANCE.md).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::email::catalog::PASSWORD_CHANGED;
use domain::email::outbox::{self, Outgoing};
use domain::entity::user;
use domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use support::{Backend, TestApp, binary, redis_url, spawn_app_with};

const RESET: &str = "mutation($s: UserSelection!) { massUpdateUsers(selection: $s, action: RESET_PASSWORD) { id } }";

/// Emails received per recipient.
fn per_recipient(app: &TestApp) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for message in app.smtp.messages() {
        for to in message.to {
            *counts.entry(to).or_insert(0) += 1;
        }
    }
    counts
}

/// Tasks waiting in a Redis queue (apalis-redis keeps every pushed task in
/// its `scheduled` set until a worker promotes it).
async fn waiting(namespace: &str) -> u64 {
    let client = redis::Client::open(redis_url()).expect("redis");
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    // One snapshot (MULTI/EXEC): a task moving from the scheduled set to
    // the active list between two reads would count twice.
    let (scheduled, active): (u64, u64) = redis::pipe()
        .atomic()
        .cmd("ZCARD")
        .arg(format!("{namespace}:emails:scheduled"))
        .cmd("LLEN")
        .arg(format!("{namespace}:emails:active"))
        .query_async(&mut connection)
        .await
        .expect("counts");
    scheduled + active
}

/// The sizes of a run: (users noticed only, users noticed and reset, users
/// of the kill test).
fn sizes() -> (u64, u64, u64) {
    match std::env::var("GATEHOUSE_SCALE").as_deref() {
        Ok("full") => (20_000, 100_000, 10_000),
        _ => (8_000, 2_000, 2_000),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_backlog_never_stops_processing() {
    let (noticed, reset, _) = sizes();
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.jobs.concurrency = 8;
        s.email.batch_size = 100;
        s.jobs.max_queued_tasks = 200;
        s.database.max_connections = 20;
    })
    .await;
    let admin = app.admin().await;
    // Every user gets a notice, queued at once the way the product queues
    // emails: more than apalis-redis could fetch if they were all tasks.
    app.seed_users("note", noticed).await;
    app.seed_users("bulk", reset).await;
    let users = user::Entity::find()
        .filter(user::Column::UsernameCanonical.starts_with("note"))
        .order_by_asc(user::Column::Id)
        .all(app.app.db())
        .await
        .expect("users");
    let mut ids = Vec::new();
    for chunk in users.chunks(1000) {
        let emails: Vec<Outgoing> = chunk
            .iter()
            .map(|u| Outgoing {
                template: PASSWORD_CHANGED,
                recipient: u.email.clone(),
                user_id: Some(u.id),
                customer_user_id: None,
                organization_id: None,
                job_id: None,
                context: json!({ "first_name": u.first_name, "username": u.username }),
                dedupe_key: format!("notice:{}", u.id),
            })
            .collect();
        ids.extend(outbox::queue(app.app.db(), &emails).await.expect("queue"));
    }
    domain::jobs::runner::push_emails(&app.app, &ids).await;

    // And a mass reset of the others.
    let started = app
        .gql(
            &admin,
            RESET,
            // The usernames (every seeded first name is "Bulk").
            json!({ "s": { "filter": { "search": "bulk0" } } }),
        )
        .await;
    let job = started.id("massUpdateUsers");
    let total = (noticed + reset) as usize;

    let namespace = app.app.settings().jobs.namespace.clone();
    let started_at = Instant::now();
    let mut most_waiting = 0;
    while app.smtp.count() < total {
        most_waiting = most_waiting.max(waiting(&namespace).await);
        assert!(
            started_at.elapsed() < Duration::from_secs(1800),
            "only {} of {total} emails",
            app.smtp.count()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let job = app.wait_job(&admin, &job, Duration::from_secs(60)).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["succeeded"], reset);
    app.emails_settled().await;
    let counts = per_recipient(&app);
    assert_eq!(counts.len(), total);
    assert!(counts.values().all(|n| *n == 1), "one email each");
    // The queue never held more delivery tasks than allowed; the rest
    // waited in the outbox.
    assert!(
        most_waiting <= 200,
        "{most_waiting} delivery tasks waited in Redis"
    );
    eprintln!(
        "{total} emails in {:?}; at most {most_waiting} delivery tasks waited",
        started_at.elapsed()
    );
}

/// A child process, killed when dropped (a failing test leaves none behind).
struct Process(Child);

impl Process {
    fn signal(&mut self, signal: &str) {
        let _ = Command::new("kill")
            .args([format!("-{signal}"), self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `gatehouse worker` process on the test's database, queue and SMTP
/// server, running `concurrency` tasks at once.
fn worker(app: &TestApp, database_url: &str, concurrency: usize) -> Process {
    let settings = app.app.settings();
    Command::new(binary())
        .arg("worker")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .env("GATEHOUSE_DATABASE__URL", database_url)
        .env("GATEHOUSE_DATABASE__AUTO_MIGRATE", "false")
        .env("GATEHOUSE_JOBS__BACKEND", "redis")
        .env("GATEHOUSE_JOBS__REDIS_URL", redis_url())
        .env("GATEHOUSE_JOBS__NAMESPACE", &settings.jobs.namespace)
        .env("GATEHOUSE_JOBS__HEARTBEAT_SECS", "1")
        .env("GATEHOUSE_JOBS__CONCURRENCY", concurrency.to_string())
        .env("GATEHOUSE_JOBS__STALE_AFTER_SECS", "3")
        .env("GATEHOUSE_JOBS__SWEEP_INTERVAL_SECS", "1")
        .env("GATEHOUSE_EMAIL__CLAIM_LEASE_SECS", "5")
        .env("GATEHOUSE_EMAIL__TRANSPORT", "smtp")
        .env(
            "GATEHOUSE_EMAIL__SMTP__HOST",
            app.smtp.address.ip().to_string(),
        )
        .env(
            "GATEHOUSE_EMAIL__SMTP__PORT",
            app.smtp.address.port().to_string(),
        )
        .env("GATEHOUSE_EMAIL__SMTP__SECURITY", "none")
        .env("GATEHOUSE_EMAIL__FROM", &settings.email.from)
        .env("GATEHOUSE_SERVER__PUBLIC_URL", settings.public_url())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map(Process)
        .expect("start a worker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_sends_each_email_once() {
    let (_, _, users) = sizes();
    let app = spawn_app_with(Backend::Postgres, |s| s.jobs.in_process_worker = false).await;
    let admin = app.admin().await;
    app.seed_users("kill", users).await;
    let database_url = app.database_url().to_owned();
    // One task at a time, so that at the kill one delivery is on the wire.
    let mut first = worker(&app, &database_url, 1);

    let started = app
        .gql(
            &admin,
            RESET,
            json!({ "s": { "filter": { "search": "kill" } } }),
        )
        .await;
    let job = started.id("massUpdateUsers");
    // Kill the only worker in the middle of the job, with no warning: when
    // it has done a few chunks of users and is sending their emails — at a
    // moment its one delivery has handed a message over and waits for the
    // server's answer. (A kill between recording a delivery and sending the
    // message's final `.` would lose that email: a window of microseconds,
    // docs/JOBS.md.)
    let progress = "query($id: ID!) { job(id: $id) { status processed } }";
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let seen = app.gql(&admin, progress, json!({ "id": job })).await.data()["job"].clone();
        // Past its first chunk of 500 users.
        if seen["processed"].as_i64().unwrap_or(0) >= 500 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first worker did not get going: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let handed_over = app.smtp.hold_next();
    tokio::time::timeout(Duration::from_secs(60), handed_over)
        .await
        .expect("a delivery")
        .expect("held");
    first.signal("KILL");
    let sent_before = app.smtp.count();
    let status = app.gql(&admin, progress, json!({ "id": job })).await.data()["job"].clone();
    eprintln!("killed the worker after {sent_before} emails; job then {status}");
    assert_eq!(
        status["status"], "RUNNING",
        "the kill must come before the job is done"
    );

    // Other workers finish the job and the deliveries.
    // Two workers take over together: they share the rest, and neither runs
    // what the other does.
    let mut second = worker(&app, &database_url, 4);
    let mut third = worker(&app, &database_url, 4);
    let job = app.wait_job(&admin, &job, Duration::from_secs(300)).await;
    app.emails_settled().await;
    second.signal("TERM");
    third.signal("TERM");
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["succeeded"], users);
    let counts = per_recipient(&app);
    assert_eq!(counts.len() as u64, users);
    let duplicates: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        duplicates.is_empty(),
        "recipients served more than once: {duplicates:?}"
    );
    assert!(
        (sent_before as u64) < users,
        "the kill came after the emails were sent"
    );
}

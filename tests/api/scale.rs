//! Volume and failure on the production queue (Redis, with PostgreSQL): a
//! backlog far beyond what apalis-redis can promote at once runs to the
//! end; a worker killed in the middle of a mass reset costs no recipient a
//! second email; a Redis restarted (with its data) or wiped in the middle
//! of one costs no email and no long wait; a database outage of 20 s in the
//! middle of one resumes it from its checkpoint.
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
use domain::secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use support::{Backend, TcpProxy, TestApp, binary, redis_url, spawn_app_with};

const RESET: &str = "mutation($s: UserSelection!) { massUpdateUsers(selection: $s, action: RESET_PASSWORD) { id } }";
const PROGRESS: &str = "query($id: ID!) { job(id: $id) { status processed } }";

/// Asks for a mass reset of the users matching `search` and waits until
/// the job is past its first chunk of 500; answers the job's id.
async fn reset_past_first_chunk(app: &TestApp, admin: &support::Auth, search: &str) -> String {
    let started = app
        .gql(
            admin,
            RESET,
            json!({ "s": { "filter": { "search": search } } }),
        )
        .await;
    let job = started.id("massUpdateUsers");
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let seen = app.gql(admin, PROGRESS, json!({ "id": job })).await.data()["job"].clone();
        if seen["processed"].as_i64().unwrap_or(0) >= 500 {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "the worker did not get going: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The mass reset `job` succeeded for all `users`, and each of them got
/// exactly one email.
fn assert_each_user_served_once(app: &TestApp, job: &serde_json::Value, users: u64) {
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["succeeded"], users, "{job}");
    let counts = per_recipient(app);
    assert_eq!(counts.len() as u64, users, "every user gets an email");
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "recipients served more than once: {twice:?}"
    );
}

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
/// server, running `concurrency` tasks at once, with a quick heartbeat,
/// sweeper and lease.
fn worker(app: &TestApp, database_url: &str, concurrency: usize) -> Process {
    worker_command(app, database_url, concurrency)
        .env("GATEHOUSE_JOBS__HEARTBEAT_SECS", "1")
        .env("GATEHOUSE_JOBS__STALE_AFTER_SECS", "3")
        .env("GATEHOUSE_JOBS__SWEEP_INTERVAL_SECS", "1")
        .env("GATEHOUSE_EMAIL__CLAIM_LEASE_SECS", "5")
        .spawn()
        .map(Process)
        .expect("start a worker")
}

/// The command of a `gatehouse worker` on the test's database, queue and
/// SMTP server, with the default heartbeat, sweeper and leases.
fn worker_command(app: &TestApp, database_url: &str, concurrency: usize) -> Command {
    let settings = app.app.settings();
    let mut command = Command::new(binary());
    command
        .arg("worker")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .env("GATEHOUSE_DATABASE__URL", database_url)
        .env("GATEHOUSE_DATABASE__AUTO_MIGRATE", "false")
        .env("GATEHOUSE_JOBS__BACKEND", "redis")
        .env(
            "GATEHOUSE_JOBS__REDIS_URL",
            settings.jobs.redis_url.expose_secret(),
        )
        .env("GATEHOUSE_JOBS__NAMESPACE", &settings.jobs.namespace)
        .env("GATEHOUSE_JOBS__CONCURRENCY", concurrency.to_string())
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
        .stderr(Stdio::inherit());
    command
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

    // Kill the only worker in the middle of the job, with no warning: when
    // it has done a few chunks of users and is sending their emails — at a
    // moment its one delivery has handed a message over and waits for the
    // server's answer. (A kill between recording a delivery and sending the
    // message's final `.` would lose that email: a window of microseconds,
    // docs/JOBS.md.)
    let job = reset_past_first_chunk(&app, &admin, "kill").await;
    let handed_over = app.smtp.hold_next();
    tokio::time::timeout(Duration::from_secs(60), handed_over)
        .await
        .expect("a delivery")
        .expect("held");
    first.signal("KILL");
    let sent_before = app.smtp.count();
    let status = app.gql(&admin, PROGRESS, json!({ "id": job })).await.data()["job"].clone();
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
    assert_each_user_served_once(&app, &job, users);
    assert!(
        (sent_before as u64) < users,
        "the kill came after the emails were sent"
    );
}

/// How soon emails whose delivery tasks the queue lost are sent after the
/// loss, with the default sweeper and leases (docs/JOBS.md, "When the queue
/// loses its messages").
const RECOVERY: Duration = Duration::from_secs(30);

/// A Redis of the test's own, on its own port and directory, that the test
/// restarts or wipes without touching the Redis other tests share.
struct OwnRedis {
    port: u16,
    dir: std::path::PathBuf,
    appendonly: bool,
    server: Option<Process>,
}

impl OwnRedis {
    async fn start(appendonly: bool) -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("gatehouse-redis-{port}"));
        std::fs::create_dir_all(&dir).expect("Redis directory");
        let mut redis = OwnRedis {
            port,
            dir,
            appendonly,
            server: None,
        };
        redis.launch().await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn launch(&mut self) {
        let server = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &self.port.to_string(),
                "--save",
                "",
            ])
            .args(["--appendonly", if self.appendonly { "yes" } else { "no" }])
            .args(["--appendfsync", "always"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.server = Some(Process(server));
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.cli(&["PING"]) != "PONG" {
            assert!(Instant::now() < deadline, "the test's Redis does not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn cli(&self, args: &[&str]) -> String {
        Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_default()
    }

    /// Stops the server as an operator's restart does (its append-only
    /// file written) and starts it again on the same directory.
    async fn restart(&mut self) {
        self.cli(&["SHUTDOWN"]);
        if let Some(mut server) = self.server.take() {
            let _ = server.0.wait();
        }
        self.launch().await;
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.server = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A mass reset of `users` on the test's own Redis with one worker of
/// default settings; `mishap` strikes once the job is past its first
/// chunk. Then the job must finish, every user must get exactly one email,
/// and none of the emails waiting at the mishap may wait past `RECOVERY`.
async fn mass_reset_through(appendonly: bool, mishap: impl AsyncFnOnce(&mut OwnRedis)) {
    let (_, _, users) = sizes();
    let mut redis = OwnRedis::start(appendonly).await;
    let redis_url = redis.url();
    let app = spawn_app_with(Backend::Postgres, |s| {
        s.jobs.in_process_worker = false;
        s.jobs.redis_url = SecretString::from(redis_url);
    })
    .await;
    let admin = app.admin().await;
    app.seed_users("mishap", users).await;
    let database_url = app.database_url().to_owned();
    let mut running = worker_command(&app, &database_url, 4)
        .spawn()
        .map(Process)
        .expect("start a worker");
    let job = reset_past_first_chunk(&app, &admin, "mishap").await;
    let struck = chrono::Utc::now();
    let sent_before = app.smtp.count();
    mishap(&mut redis).await;

    let job = app.wait_job(&admin, &job, Duration::from_secs(300)).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !app.pending_emails().await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "emails still wait two minutes after the mishap"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.signal("TERM");
    assert_each_user_served_once(&app, &job, users);
    assert!(
        (sent_before as u64) < users,
        "the mishap came after the emails were sent"
    );
    // Each email waited for the recovery bound at most, counted from when
    // it was queued or from the mishap, whichever came later.
    let emails = domain::entity::email::Entity::find()
        .filter(domain::entity::email::Column::JobId.is_not_null())
        .all(app.app.db())
        .await
        .expect("emails");
    let slowest = emails
        .iter()
        .filter_map(|e| Some(e.sent_at? - e.created_at.max(struck)))
        .max()
        .expect("sent emails");
    eprintln!(
        "{sent_before} emails sent before the mishap; the slowest of the rest waited {slowest} after it"
    );
    assert!(
        slowest.to_std().unwrap_or_default() <= RECOVERY,
        "an email waited {slowest} after the mishap"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_with_its_data_costs_no_email_and_no_wait() {
    mass_reset_through(true, async |redis| redis.restart().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wiped_redis_costs_no_email_and_no_wait() {
    mass_reset_through(false, async |redis| {
        assert_eq!(redis.cli(&["FLUSHALL"]), "OK");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_mid_job_resumes_it_from_its_checkpoint() {
    let (_, _, users) = sizes();
    let proxy = TcpProxy::to_postgres().await;
    let app = spawn_app_with(Backend::Postgres, |s| {
        let direct = s.database.url.expose_secret().to_owned();
        s.database.url = SecretString::from(proxy.url(&direct));
        s.database.connect_timeout_secs = 1;
        s.jobs.in_process_worker = false;
    })
    .await;
    let admin = app.admin().await;
    app.seed_users("outage", users).await;
    // The worker reaches the database through the proxy too.
    let mut running = worker(&app, &proxy.url(app.database_url()), 4);
    let job = reset_past_first_chunk(&app, &admin, "outage").await;

    proxy.cut();
    let cut_at = Instant::now();
    // The API says the database is gone, with the documented code.
    let refused = app.gql(&admin, PROGRESS, json!({ "id": job })).await;
    assert_eq!(refused.code(), "SERVICE_UNAVAILABLE", "{}", refused.body);
    tokio::time::sleep(Duration::from_secs(20).saturating_sub(cut_at.elapsed())).await;
    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app
        .gql(&admin, PROGRESS, json!({ "id": job }))
        .await
        .body
        .get("errors")
        .is_some()
    {
        assert!(
            Instant::now() < deadline,
            "the API does not answer after the outage"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let done = app.wait_job(&admin, &job, Duration::from_secs(300)).await;
    app.emails_settled().await;
    running.signal("TERM");
    assert_each_user_served_once(&app, &done, users);
    // Each user counted once: the chunk cut off rolled back, and the job
    // went on after its last checkpoint.
    assert_eq!(done["processed"], users, "{done}");
    let record = domain::entity::job::Entity::find_by_id(job.parse::<i64>().expect("id"))
        .one(app.app.db())
        .await
        .expect("job")
        .expect("the job");
    assert!(
        record.attempts >= 2,
        "the outage must have cut a run short (attempts {})",
        record.attempts
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_worker_keeps_its_claims_past_the_lease() {
    let app = spawn_app_with(Backend::Postgres, |s| s.jobs.in_process_worker = false).await;
    let admin = app.admin().await;
    app.seed_users("keeps", 3).await;
    let database_url = app.database_url().to_owned();
    // A lease of 5 s, renewed every second, and a delivery held on the wire
    // far longer than that.
    let _worker = worker(&app, &database_url, 1);
    let held = app.smtp.hold_next();
    app.gql(
        &admin,
        RESET,
        json!({ "s": { "filter": { "search": "keeps" } } }),
    )
    .await
    .id("massUpdateUsers");
    tokio::time::timeout(Duration::from_secs(60), held)
        .await
        .expect("a delivery")
        .expect("held");
    let claims = async || {
        let mut claims: Vec<(String, chrono::DateTime<chrono::Utc>)> =
            domain::entity::email::Entity::find()
                .filter(domain::entity::email::Column::ClaimedBy.like("claim_%"))
                .filter(
                    domain::entity::email::Column::Status
                        .eq(domain::entity::email::EmailStatus::Pending),
                )
                .all(app.app.db())
                .await
                .expect("emails")
                .into_iter()
                .filter_map(|e| Some((e.claimed_by?, e.claim_expires_at?)))
                .collect();
        claims.sort();
        claims
    };
    let before = claims().await;
    // The one on the wire is recorded already; the delivery holds the others.
    assert_eq!(before.len(), 2, "one delivery holds the other two emails");
    // The worker is another process, on the real clock: wait for its next
    // renewals (every second), not for the lease to run out. Without them
    // the lease ends after 5 s and the sweeper takes the rows back.
    let deadline = Instant::now() + Duration::from_secs(10);
    let after = loop {
        let after = claims().await;
        let renewed = after.len() == before.len()
            && before
                .iter()
                .zip(&after)
                .all(|((_, was), (_, until))| until > was);
        if renewed || Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let now = chrono::Utc::now();
    assert_eq!(
        after.len(),
        2,
        "the claims are still the delivery's: {after:?}"
    );
    for ((claim, was), (still, now_until)) in before.iter().zip(&after) {
        assert_eq!(claim, still, "the same claim holds the row");
        assert!(
            now_until > was && *now_until > now,
            "renewed: {was} then {now_until}"
        );
    }
}

//! Mass actions and exports as jobs; steering and watching them.

use std::time::Duration;

use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app, spawn_app_with};

on_every_database!(
    export_links_expire,
    refused_deliveries_are_recorded,
    mass_update_reports_each_item,
    mass_reset_sends_one_email_per_user,
    export_writes_csv_for_the_requester,
    jobs_are_listed_steered_and_scoped,
);

const PASSWORD: &str = "Str0ng-Password";
const WAIT: Duration = Duration::from_secs(60);
const MASS: &str = "mutation($s: UserSelection!, $a: UserMassAction!) { massUpdateUsers(selection: $s, action: $a) { id status kind total } }";

async fn people(app: &TestApp, admin: &Auth, count: usize) -> Vec<String> {
    let role = app.create_role(admin, "Staff", &["USERS_VIEW"]).await;
    let mut ids = Vec::new();
    for i in 0..count {
        ids.push(
            app.create_user(
                admin,
                &format!("p{i:02}"),
                PASSWORD,
                std::slice::from_ref(&role),
            )
            .await,
        );
    }
    ids
}

async fn start(app: &TestApp, admin: &Auth, selection: Value, action: &str) -> Value {
    let started = app
        .gql(admin, MASS, json!({ "s": selection, "a": action }))
        .await;
    let job = started.data()["massUpdateUsers"].clone();
    assert_eq!(job["kind"], "MASS_UPDATE_USERS");
    app.wait_job(admin, job["id"].as_str().expect("id"), WAIT)
        .await
}

fn outcomes(job: &Value) -> Vec<(String, String)> {
    job["items"]["edges"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["node"]["itemId"].as_str().unwrap_or_default().to_owned(),
                e["node"]["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn enabled(app: &TestApp, admin: &Auth, id: &str) -> bool {
    let user = app
        .gql(
            admin,
            "query($id: ID!) { user(id: $id) { enabled } }",
            json!({ "id": id }),
        )
        .await;
    user.data()["user"]["enabled"].as_bool().expect("enabled")
}

async fn mass_update_reports_each_item(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let ids = people(&app, &admin, 5).await;
    let me = app
        .gql(&admin, "{ me { user { id } } }", json!({}))
        .await
        .data()["me"]["user"]["id"]
        .clone();

    let job = start(
        &app,
        &admin,
        json!({ "ids": [ids[0], ids[1], me] }),
        "DISABLE",
    )
    .await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(
        (
            job["total"].clone(),
            job["processed"].clone(),
            job["succeeded"].clone(),
            job["skipped"].clone()
        ),
        (json!(3), json!(3), json!(2), json!(1))
    );
    let skipped = job["items"]["edges"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["node"]["outcome"] == "SKIPPED")
        .expect("skipped");
    assert_eq!(skipped["node"]["itemId"], me);
    assert!(
        skipped["node"]["reason"]
            .as_str()
            .expect("reason")
            .contains("own account")
    );
    assert!(!enabled(&app, &admin, &ids[0]).await && !enabled(&app, &admin, &ids[1]).await);
    assert!(enabled(&app, &admin, &ids[2]).await);

    // "Select all" with exclusions: every disabled user but the first.
    let selection = json!({ "filter": { "enabled": false }, "excludeIds": [ids[0]] });
    let job = start(&app, &admin, selection, "ENABLE").await;
    assert_eq!(outcomes(&job), [(ids[1].clone(), "DONE".to_owned())]);
    assert!(!enabled(&app, &admin, &ids[0]).await && enabled(&app, &admin, &ids[1]).await);

    let job = start(&app, &admin, json!({ "ids": [ids[3], ids[4]] }), "DELETE").await;
    assert_eq!(job["succeeded"], 2);
    let gone = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { id } }",
            json!({ "id": ids[3] }),
        )
        .await;
    assert_eq!(gone.data()["user"], Value::Null);
    // Each change is audited with its job.
    let log = app
        .gql(&admin, "{ auditLog(filter: { action: \"user.delete\" }) { totalCount edges { node { details } } } }", json!({}))
        .await;
    assert_eq!(log.data()["auditLog"]["totalCount"], 2);

    let neither = app
        .gql(&admin, MASS, json!({ "s": {}, "a": "ENABLE" }))
        .await;
    assert_eq!(neither.code(), "BAD_USER_INPUT");
    let empty = app
        .gql(&admin, MASS, json!({ "s": { "ids": [] }, "a": "ENABLE" }))
        .await;
    assert_eq!(empty.code(), "BAD_USER_INPUT");
}

async fn mass_reset_sends_one_email_per_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let ids = people(&app, &admin, 12).await;
    let sessions: Vec<Auth> = vec![Auth::Bearer(app.login("p00", PASSWORD).await)];
    let job = start(&app, &admin, json!({ "ids": ids }), "RESET_PASSWORD").await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["succeeded"], 12);
    let messages = app.smtp.wait_for(12, WAIT).await;
    for i in 0..12 {
        let to = format!("p{i:02}@example.com");
        assert_eq!(app.smtp.to(&to).len(), 1, "{to}");
    }
    assert!(messages.iter().all(|m| m.token().is_some()));
    assert_eq!(
        app.gql(&sessions[0], "{ me { user { id } } }", json!({}))
            .await
            .data()["me"],
        Value::Null
    );
    let status = app
        .gql(
            &admin,
            "query($id: ID!) { user(id: $id) { authStatus } }",
            json!({ "id": ids[5] }),
        )
        .await;
    assert_eq!(status.data()["user"]["authStatus"], "PASSWORD_RESET");
    // The job tracks its emails.
    app.emails_settled().await;
    let job = app
        .wait_job(&admin, job["id"].as_str().expect("id"), WAIT)
        .await;
    assert_eq!(
        job["emails"],
        json!({ "pending": 0, "sent": 12, "failed": 0 })
    );
    // Retrying the finished job is refused; nothing is sent twice.
    let retry = app
        .gql(
            &admin,
            "mutation($id: ID!) { retryJob(id: $id) { id } }",
            json!({ "id": job["id"] }),
        )
        .await;
    assert_eq!(retry.code(), "BAD_USER_INPUT");
    assert_eq!(app.smtp.messages().len(), 12);
}

async fn export_writes_csv_for_the_requester(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    people(&app, &admin, 3).await;
    let started = app
        .gql(
            &admin,
            "mutation { exportUsers(filter: { search: \"p0\" }) { id status } }",
            json!({}),
        )
        .await;
    let id = started.id("exportUsers");
    let job = app.wait_job(&admin, &id, WAIT).await;
    assert_eq!(job["status"], "SUCCEEDED", "{job}");
    assert_eq!(job["total"], 3);
    // The requester's link, signed for them: the same as the email's.
    let url = job["downloadUrl"].as_str().expect("download url");
    assert!(
        url.starts_with(&format!("https://gatehouse.test/exports/{id}?expires=")),
        "{url}"
    );

    let email = &app.smtp.wait_for(1, WAIT).await[0];
    assert_eq!(email.to, ["admin@example.com"]);
    assert_eq!(email.links(), [url], "{}", email.decoded());

    let download = |auth: Auth| {
        let request = app.client().get(app.url(&format!("/exports/{id}")));
        match auth {
            Auth::Bearer(token) => request.bearer_auth(token),
            _ => request,
        }
        .send()
    };
    let Auth::Bearer(token) = admin.clone() else {
        unreachable!()
    };
    let response = download(Auth::Bearer(token)).await.expect("download");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.expect("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, app.app.settings().jobs.export_user_fields);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    assert_eq!(rows[0][column("username")], "p00");
    assert!(
        rows[0][column("password")].starts_with("$argon2id$"),
        "the stored hash, never a password"
    );
    assert_eq!(rows[0][column("roles")], "Staff");

    // Only the requester or an administrator; nobody anonymous.
    assert_eq!(download(Auth::None).await.expect("anonymous").status(), 401);
    let viewer_role = app.create_role(&admin, "Viewer", &["USERS_VIEW"]).await;
    app.create_user(&admin, "viewer", PASSWORD, &[viewer_role])
        .await;
    let other = app.login("viewer", PASSWORD).await;
    assert_eq!(
        download(Auth::Bearer(other)).await.expect("other").status(),
        403
    );
}

async fn jobs_are_listed_steered_and_scoped(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.jobs.in_process_worker = false).await;
    let admin = app.admin().await;
    let ids = people(&app, &admin, 2).await;
    // No worker runs: the job stays queued.
    let started = app
        .gql(&admin, MASS, json!({ "s": { "ids": ids }, "a": "DISABLE" }))
        .await;
    let id = started.data()["massUpdateUsers"]["id"].clone();
    assert_eq!(started.data()["massUpdateUsers"]["status"], "QUEUED");
    let list = app
        .gql(&admin, "{ jobs(filter: { kind: MASS_UPDATE_USERS, status: QUEUED }) { totalCount edges { node { id requesterId } } } }", json!({}))
        .await;
    assert_eq!(list.data()["jobs"]["totalCount"], 1);
    let queues = app
        .gql(
            &admin,
            "{ jobQueues { name pending running succeeded failed } }",
            json!({}),
        )
        .await;
    let queues = queues.data()["jobQueues"]
        .as_array()
        .expect("queues")
        .clone();
    assert_eq!(queues.len(), 2);
    let jobs_queue = queues
        .iter()
        .find(|q| q["name"].as_str().unwrap_or_default().ends_with(":jobs"))
        .expect("jobs queue");
    assert_eq!(jobs_queue["pending"], 1, "{queues:?}");

    // Someone else without JOBS_VIEW sees none of it.
    let staff = app
        .create_role(&admin, "Clerk", &["USERS_VIEW", "USERS_UPDATE"])
        .await;
    app.create_user(&admin, "clerk", PASSWORD, &[staff]).await;
    let clerk = Auth::Bearer(app.login("clerk", PASSWORD).await);
    let theirs = app.gql(&clerk, "{ jobs { totalCount } }", json!({})).await;
    assert_eq!(theirs.data()["jobs"]["totalCount"], 0);
    let one = app
        .gql(
            &clerk,
            "query($id: ID!) { job(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(one.data()["job"], Value::Null);
    let cancel = app
        .gql(
            &clerk,
            "mutation($id: ID!) { cancelJob(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(cancel.code(), "NOT_FOUND");

    let cancelled = app
        .gql(
            &admin,
            "mutation($id: ID!) { cancelJob(id: $id) { status cancelRequested } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        cancelled.data()["cancelJob"],
        json!({ "status": "CANCELLED", "cancelRequested": true })
    );
    let again = app
        .gql(
            &admin,
            "mutation($id: ID!) { cancelJob(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(again.code(), "BAD_USER_INPUT");
    let retried = app
        .gql(
            &admin,
            "mutation($id: ID!) { retryJob(id: $id) { status } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(retried.data()["retryJob"]["status"], "QUEUED");
    let _ = ADMIN_PASSWORD;
}

async fn export_links_expire(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let started = app
        .gql(&admin, "mutation { exportUsers { id } }", json!({}))
        .await;
    let id = started.id("exportUsers");
    let job = app.wait_job(&admin, &id, WAIT).await;
    assert_eq!(job["status"], "SUCCEEDED");
    // An export can be downloaded for `jobs.export_ttl_secs` (24 h).
    app.advance_clock(Duration::from_secs(24 * 3600 + 60));
    // The session of 12 hours ended meanwhile too.
    let admin = app.admin().await;
    let Auth::Bearer(token) = admin.clone() else {
        unreachable!()
    };
    let response = app
        .client()
        .get(app.url(&format!("/exports/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 410);
    let job = app
        .gql(
            &admin,
            "query($id: ID!) { job(id: $id) { downloadUrl } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(job.data()["job"]["downloadUrl"], Value::Null);
}

async fn refused_deliveries_are_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let ids = people(&app, &admin, 2).await;
    // The server refuses the first message for good (554): it is not tried
    // again; the other is delivered.
    app.smtp.reject_next(1);
    let job = start(&app, &admin, json!({ "ids": ids }), "RESET_PASSWORD").await;
    assert_eq!(job["status"], "SUCCEEDED");
    app.smtp.wait_for(1, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let job = app
            .wait_job(&admin, job["id"].as_str().expect("id"), WAIT)
            .await;
        if job["emails"]["pending"] == 0 {
            assert_eq!(
                job["emails"],
                json!({ "pending": 0, "sent": 1, "failed": 1 })
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{job}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    use domain::entity::email;
    use domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let failed = email::Entity::find()
        .filter(email::Column::Status.eq(email::EmailStatus::Failed))
        .one(app.app.db())
        .await
        .expect("db")
        .expect("the refused email");
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("554"),
        "{failed:?}"
    );
    assert_eq!(app.smtp.messages().len(), 1);
}

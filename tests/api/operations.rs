//! What operators and integrators use around jobs: email templates, the
//! progress subscription, metrics, readiness and the job board.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Auth, Backend, TestApp, spawn_app};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

on_every_database!(
    templates_are_listed_edited_and_previewed,
    defaults_an_earlier_version_stored_are_brought_up_to_date,
    job_progress_is_pushed_over_websocket,
    metrics_and_readiness_cover_the_queue,
    job_board_is_for_operators,
);

const PASSWORD: &str = "Str0ng-Password";
const WAIT: Duration = Duration::from_secs(30);

async fn templates_are_listed_edited_and_previewed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let list = app
        .gql(
            &admin,
            "{ emailTemplates { name subject sampleValues } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = list.data()["emailTemplates"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for expected in [
        "invitation",
        "password_changed",
        "force_reset_password",
        "export_finished",
        "password_reset_requested",
        "customer_user_welcome",
        "customer_user_confirmation",
        "customer_user_force_reset_password",
        "oauth_application_created",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }

    let update = "mutation($n: String!, $i: EmailTemplateInput!) { updateEmailTemplate(name: $n, input: $i) { subject } }";
    let unknown = app
        .gql(
            &admin,
            update,
            json!({ "n": "force_reset_password", "i": { "subject": "Hi {{ nickname }}" } }),
        )
        .await;
    assert_eq!(unknown.code(), "BAD_USER_INPUT");
    assert_eq!(unknown.error()["extensions"]["field"], "subject");
    let broken = app
        .gql(
            &admin,
            update,
            json!({ "n": "force_reset_password", "i": { "html": "{% for x in %}" } }),
        )
        .await;
    assert_eq!(broken.error()["extensions"]["field"], "html");
    let missing = app
        .gql(
            &admin,
            update,
            json!({ "n": "nope", "i": { "subject": "x" } }),
        )
        .await;
    assert_eq!(missing.code(), "NOT_FOUND");

    let saved = app
        .gql(
            &admin,
            update,
            json!({ "n": "force_reset_password", "i": { "subject": "Reset for {{ username }}" } }),
        )
        .await;
    assert_eq!(
        saved.data()["updateEmailTemplate"]["subject"],
        "Reset for {{ username }}"
    );
    let preview = app
        .gql(&admin, "query($v: JSON) { previewEmailTemplate(name: \"force_reset_password\", values: $v) { subject html } }", json!({ "v": null }))
        .await;
    assert_eq!(
        preview.data()["previewEmailTemplate"]["subject"],
        "Reset for ada"
    );
    let escaped = app
        .gql(
            &admin,
            "query($i: EmailTemplateInput, $v: JSON) { previewEmailTemplate(name: \"invitation\", input: $i, values: $v) { html } }",
            json!({ "i": { "html": "<p>{{ first_name }}</p>" }, "v": { "first_name": "<script>" } }),
        )
        .await;
    assert_eq!(
        escaped.data()["previewEmailTemplate"]["html"],
        "<p>&lt;script&gt;</p>"
    );

    // The next email uses the edited template.
    let role = app.role_id(&admin, "Read-only").await;
    let id = app.create_user(&admin, "eve", PASSWORD, &[role]).await;
    app.gql(
        &admin,
        "mutation($id: ID!) { resetUserPassword(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await
    .data();
    let email = &app.smtp.wait_for(1, WAIT).await[0];
    assert_eq!(email.subject(), "Reset for eve");
}

/// A database an earlier version filled keeps the defaults it stored. At
/// start, a default that still reads as that version shipped it is brought
/// up to date; one an administrator edited is kept as they left it.
async fn defaults_an_earlier_version_stored_are_brought_up_to_date(backend: Backend) {
    use domain::email::catalog::{self, EXPORT_FINISHED, SUPERSEDED};
    use domain::entity::email_template;
    use domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let old = SUPERSEDED
        .iter()
        .find(|old| old.name == EXPORT_FINISHED)
        .expect("the export email's first default");
    let current = catalog::KINDS
        .iter()
        .find(|kind| kind.name == EXPORT_FINISHED)
        .expect("kind");
    // Stores the default as given, starts again, and reads what is sent.
    let restart_with = async |subject: &str| {
        email_template::Entity::update_many()
            .filter(email_template::Column::OrganizationId.is_null())
            .filter(email_template::Column::Name.eq(EXPORT_FINISHED))
            .set(email_template::ActiveModel {
                subject: Set(subject.to_owned()),
                html: Set(old.html.to_owned()),
                text: Set(old.text.to_owned()),
                ..Default::default()
            })
            .exec(app.app.db())
            .await
            .expect("store the default");
        app.app.emails().seed_templates().await.expect("start");
        let read = "{ systemEmailTemplate(name: \"export_finished\") { subject html text } }";
        app.gql(&admin, read, json!({})).await.data()["systemEmailTemplate"].clone()
    };

    // Stored as the earlier version shipped it: brought up to date.
    let seen = restart_with(old.subject).await;
    assert_eq!(seen["html"], current.html);
    assert_eq!(seen["text"], current.text);
    assert!(
        !seen["text"]
            .as_str()
            .expect("text")
            .contains("log in first")
    );

    // Edited by an administrator (here only the subject): kept.
    let kept = restart_with("Export ready").await;
    assert_eq!(kept["subject"], "Export ready");
    assert_eq!(kept["html"], old.html);
}

/// A graphql-ws client: connects with `init` as the connection_init payload.
async fn subscribe(
    app: &TestApp,
    init: Value,
    query: &str,
    variables: Value,
) -> Result<Vec<Value>, String> {
    let mut request = format!("ws://{}/graphql/ws", app.address)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| e.to_string())?;
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(json!({ "type": "connection_init", "payload": init })))
        .await
        .map_err(|e| e.to_string())?;
    let mut events = Vec::new();
    let mut subscribed = false;
    while let Ok(Some(message)) = tokio::time::timeout(WAIT, socket.next()).await {
        let Ok(Message::Text(text)) = message else {
            if let Ok(Message::Close(frame)) = message {
                return Err(format!("closed: {frame:?}"));
            }
            continue;
        };
        let event: Value = serde_json::from_str(&text).expect("json");
        match event["type"].as_str() {
            Some("connection_ack") if !subscribed => {
                subscribed = true;
                let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } });
                socket
                    .send(send(subscribe))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Some("next") => events.push(event["payload"].clone()),
            Some("error") => return Err(event["payload"].to_string()),
            Some("complete") => return Ok(events),
            _ => {}
        }
    }
    Err(format!("no end of the subscription; got {events:?}"))
}

async fn job_progress_is_pushed_over_websocket(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let role = app.role_id(&admin, "Read-only").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            app.create_user(
                &admin,
                &format!("w{i}"),
                PASSWORD,
                std::slice::from_ref(&role),
            )
            .await,
        );
    }
    let started = app
        .gql(&admin, "mutation($s: UserSelection!) { massUpdateUsers(selection: $s, action: DISABLE) { id } }", json!({ "s": { "ids": ids } }))
        .await;
    let id = started.data()["massUpdateUsers"]["id"].clone();
    let Auth::Bearer(token) = admin.clone() else {
        unreachable!()
    };
    let query = "subscription($id: ID!) { jobProgress(id: $id) { id status processed total } }";
    let events = subscribe(
        &app,
        json!({ "Authorization": format!("Bearer {token}") }),
        query,
        json!({ "id": id }),
    )
    .await
    .expect("subscription");
    let last = events.last().expect("at least one event");
    assert_eq!(
        last["data"]["jobProgress"]["status"], "SUCCEEDED",
        "{events:?}"
    );
    assert_eq!(last["data"]["jobProgress"]["processed"], 3);

    // Without credentials the connection is refused.
    let refused = subscribe(&app, json!({}), query, json!({ "id": id })).await;
    assert!(refused.is_err(), "{refused:?}");
}

async fn metrics_and_readiness_cover_the_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    app.gql(&admin, "mutation { exportUsers { id } }", json!({}))
        .await
        .data();
    app.smtp.wait_for(1, WAIT).await;
    let ready: Value = app
        .client()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["checks"], json!({ "database": "ok", "queue": "ok" }));
    let metrics = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for expected in [
        "gatehouse_queue_tasks{queue=",
        "gatehouse_jobs{kind=\"ExportUsers\",status=\"Succeeded\"} 1",
        "gatehouse_outbox_emails{status=\"Sent\"} 1",
        "gatehouse_db_statements",
    ] {
        assert!(
            metrics.contains(expected),
            "{expected} missing from\n{metrics}"
        );
    }
}

async fn job_board_is_for_operators(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let get = |path: &str, basic: Option<(&str, &str)>| {
        let request = app.client().get(app.url(path));
        match basic {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        }
        .send()
    };
    let anonymous = get("/ops/", None).await.expect("ops");
    assert_eq!(anonymous.status(), 401);
    assert!(
        anonymous.headers()["www-authenticate"]
            .to_str()
            .expect("header")
            .starts_with("Basic")
    );
    assert_eq!(
        get("/ops/", Some(("admin", "wrong")))
            .await
            .expect("ops")
            .status(),
        401
    );

    let page = get("/ops/", Some(("admin", ADMIN_PASSWORD)))
        .await
        .expect("ops");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("policy")
        .to_owned();
    assert!(
        policy.contains("default-src 'none'")
            && policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{policy}"
    );
    let html = page.text().await.expect("html");
    assert!(html.contains("<base href=\"/ops/\""), "{html}");
    assert!(html.contains("/ops/start.js"), "{html}");
    let start = get("/ops/start.js", Some(("admin", ADMIN_PASSWORD)))
        .await
        .expect("script")
        .text()
        .await
        .expect("script");
    assert!(start.contains("/ops/board.js") && start.contains("/ops/board_bg.wasm"));
    let wasm = get("/ops/board_bg.wasm", Some(("admin", ADMIN_PASSWORD)))
        .await
        .expect("wasm");
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let deep = get("/ops/queues/anything", Some(("admin", ADMIN_PASSWORD)))
        .await
        .expect("page");
    assert!(deep.text().await.expect("html").contains("/ops/start.js"));

    // The queue list answers on both backends, with the same figures.
    let queues = get("/ops/api/v1/queues", Some(("admin", ADMIN_PASSWORD)))
        .await
        .expect("queues");
    assert_eq!(queues.status(), 200);
    let queues: Value = queues.json().await.expect("json");
    let names: Vec<&str> = queues
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|q| q["name"].as_str())
        .collect();
    let namespace = &app.app.settings().jobs.namespace;
    assert_eq!(
        names,
        [format!("{namespace}:jobs"), format!("{namespace}:emails")],
        "{queues}"
    );
    assert!(
        queues[0]["stats"]
            .as_array()
            .expect("figures")
            .iter()
            .any(|s| s["title"] == "PENDING_JOBS"),
        "{queues}"
    );
    // The server's own workers, once they have registered.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let queues: Value = get("/ops/api/v1/queues", Some(("admin", ADMIN_PASSWORD)))
            .await
            .expect("queues")
            .json()
            .await
            .expect("json");
        let listed = |i: usize| {
            queues[i]["workers"]
                .as_array()
                .is_some_and(|workers| !workers.is_empty())
        };
        if listed(0) && listed(1) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no workers: {queues}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let figures = get(
        &format!("/ops/api/v1/queues/{namespace}:emails/stats"),
        Some(("admin", ADMIN_PASSWORD)),
    )
    .await
    .expect("figures");
    assert_eq!(figures.status(), 200);
    let Auth::Bearer(token) = admin.clone() else {
        unreachable!()
    };
    let with_token = app
        .client()
        .get(app.url("/ops/api/v1/overview"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("overview");
    assert_eq!(with_token.status(), 200);
    let push = app
        .client()
        .put(app.url("/ops/api/v1/queues/x/tasks"))
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .expect("put");
    assert_eq!(push.status(), 405);

    // Back-office users without operations.view are kept out.
    let role = app
        .create_role(&admin, "User viewer", &["USERS_VIEW"])
        .await;
    app.create_user(&admin, "reader", PASSWORD, &[role]).await;
    assert_eq!(
        get("/ops/", Some(("reader", PASSWORD)))
            .await
            .expect("ops")
            .status(),
        403
    );
}

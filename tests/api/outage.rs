//! A database outage: Gatehouse's connections to PostgreSQL go through a
//! proxy the test cuts. While cut, what needs the database answers
//! `SERVICE_UNAVAILABLE` (not `INTERNAL`) and `/readyz` says unavailable;
//! restored, the same requests are answered again without a restart.

use std::time::Duration;

use domain::secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use support::{ADMIN_PASSWORD, Backend, OAuthClient, TcpProxy, TestApp, spawn_app_with};

/// Until the restored database answers again.
const RECOVERY: Duration = Duration::from_secs(30);

/// A login: it needs the database (rate limits, the account) but no
/// credentials, so it reaches the resolvers whatever the server keeps.
async fn login(app: &TestApp) -> support::GqlResponse {
    app.try_login("admin", ADMIN_PASSWORD, None).await
}

async fn readiness(app: &TestApp) -> (u16, Value) {
    let response = app
        .client()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_service_unavailable_until_it_ends() {
    let proxy = TcpProxy::to_postgres().await;
    let app = spawn_app_with(Backend::Postgres, |settings| {
        let direct = settings.database.url.expose_secret().to_owned();
        settings.database.url = SecretString::from(proxy.url(&direct));
        // The pool gives up waiting for a connection after a second.
        settings.database.connect_timeout_secs = 1;
        settings.jobs.in_process_worker = false;
    })
    .await;
    let admin = app.admin().await;
    login(&app).await.data();
    assert_eq!(readiness(&app).await.0, 200);

    proxy.cut();
    let refused = login(&app).await;
    assert_eq!(refused.code(), "SERVICE_UNAVAILABLE", "{}", refused.body);
    assert_eq!(
        refused.error()["message"],
        "the database is unavailable; try again shortly"
    );
    assert_eq!(refused.body["data"], Value::Null);
    // An authenticated request too, whether its credentials or its page
    // could not be read.
    let page = app
        .gql(
            &admin,
            "{ users(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(page.code(), "SERVICE_UNAVAILABLE", "{}", page.body);
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({ "status": "unavailable", "checks": { "database": "unreachable", "queue": "ok" } })
    );
    // The token endpoint and downloads say it too.
    let stranger = OAuthClient {
        id: String::new(),
        client_id: "gha_stranger".into(),
        secret: "ghx_stranger".into(),
    };
    let token = app.try_oauth_token(&stranger).await;
    assert_eq!(
        (token.status, &token.body["error"], &token.body["code"]),
        (
            503,
            &json!("temporarily_unavailable"),
            &json!("SERVICE_UNAVAILABLE")
        ),
        "{}",
        token.text
    );
    let support::Auth::Bearer(session) = &admin else {
        unreachable!()
    };
    let download = app
        .client()
        .get(app.url("/exports/1"))
        .bearer_auth(session)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 503);
    let body: Value = download.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");

    // Restored: the same login is answered again, by the same server.
    proxy.restore();
    let deadline = tokio::time::Instant::now() + RECOVERY;
    loop {
        let answer = login(&app).await;
        if answer.body.get("errors").is_none() {
            assert!(answer.data()["login"]["token"].is_string());
            break;
        }
        assert_eq!(answer.code(), "SERVICE_UNAVAILABLE", "{}", answer.body);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the database is back but Gatehouse does not answer: {}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(readiness(&app).await.0, 200);
    let token = app.try_oauth_token(&stranger).await;
    assert_eq!(token.status, 401, "{}", token.text);
}
